package dev.jemu.block.nbd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client that sends a burst of READs before it reads any reply, as nbdcopy does with its 64
 * requests per connection: the server admits them a few at a time (it holds at most {@link
 * NbdServerConnection#MAX_IN_FLIGHT_BYTES} of data per connection, one request over that alone),
 * and every request still gets exactly one reply, carrying its own handle and the bytes of the
 * file at its offset, whatever order the replies come in.
 */
class NbdServerPipelineTest {
    private static final int MIB = 1 << 20;
    private static final int SIZE = 64 * MIB;
    /** Request sizes, cycled: small, at the per-connection limit, over it. */
    private static final int[] LENGTHS = {4096, 2 * MIB, 3 * MIB, 65536, MIB + 512};
    private static final int REQUESTS = 40;

    @TempDir
    static Path dir;
    static NbdTesting.Served served;
    static byte[] content;

    @BeforeAll
    static void serve() throws Exception {
        content = new byte[SIZE];
        ByteBuffer fill = ByteBuffer.wrap(content);
        for (int i = 0; i < SIZE; i += 4) {
            fill.putInt(i, i * 0x9e3779b1);
        }
        Path image = dir.resolve("disk.raw");
        Files.write(image, content);
        served = NbdTesting.serve(image, NbdTesting.settings("", true, 1), 1, 2000);
    }

    @AfterAll
    static void stop() throws Exception {
        served.close();
    }

    private static long offsetOf(int i) {
        return (long) i * 1_572_864 % (SIZE - 4 * MIB) + (i % 7) * 512;
    }

    @Test
    void burstOfReadsWithSimpleRepliesGetsEachItsOwnData() throws Exception {
        burst(false);
    }

    @Test
    void burstOfReadsWithStructuredRepliesGetsEachItsOwnData() throws Exception {
        burst(true);
    }

    private static void burst(boolean structured) throws IOException {
        try (RawNbdClient c = new RawNbdClient(served.port())) {
            c.open("", structured);
            Map<Long, Integer> pending = new HashMap<>();
            for (int i = 0; i < REQUESTS; i++) {
                long handle = 0x5eed_0000_0000L + i;
                c.request(0, Nbd.CMD_READ, handle, offsetOf(i), LENGTHS[i % LENGTHS.length], null);
                pending.put(handle, i);
            }
            while (!pending.isEmpty()) {
                RawNbdClient.Reply r = c.reply();
                Integer i = pending.get(r.handle());
                assertTrue(i != null, "reply for handle 0x" + Long.toHexString(r.handle())
                        + ", which is not outstanding");
                assertEquals(0, r.errorValue(), "error for request " + i);
                long offset = offsetOf(i);
                int len = LENGTHS[i % LENGTHS.length];
                byte[] expected = Arrays.copyOfRange(content, (int) offset, (int) offset + len);
                if (!structured) {
                    assertArrayEquals(expected, c.simpleData(len), "data of request " + i);
                } else {
                    assertEquals(Nbd.REPLY_TYPE_OFFSET_DATA, r.type(), "chunk type of request " + i);
                    assertEquals(Nbd.REPLY_FLAG_DONE, r.flags() & Nbd.REPLY_FLAG_DONE,
                            "one chunk for request " + i);
                    ByteBuffer chunk = ByteBuffer.wrap(r.data());
                    assertEquals(offset, chunk.getLong(0), "chunk offset of request " + i);
                    assertArrayEquals(expected, Arrays.copyOfRange(r.data(), 8, r.data().length),
                            "data of request " + i);
                }
                pending.remove(r.handle());
            }
        }
    }
}
