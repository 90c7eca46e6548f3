package dev.jemu.block.nbd;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.BitSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Clients that break the protocol get an error reply or are disconnected, within a bounded
 * time; the export, its data and the other clients carry on.
 */
class NbdServerHostileClientTest {
    private static final int SIZE = 16 << 20;
    private static final byte FILL = (byte) 0xa5;

    @TempDir
    static Path dir;
    static NbdTesting.Served served;
    static NbdTesting.Served readOnly;

    @BeforeAll
    static void serve() throws Exception {
        Path image = dir.resolve("disk.raw");
        byte[] content = new byte[SIZE];
        Arrays.fill(content, FILL);
        Files.write(image, content);
        served = NbdTesting.serve(image, NbdTesting.settings("", false, 8), 8, 400);
        Path roImage = dir.resolve("ro.raw");
        Files.write(roImage, content);
        readOnly = NbdTesting.serve(roImage, NbdTesting.settings("ro", true, 2), 2, 400);
    }

    @AfterAll
    static void stop() throws Exception {
        served.close();
        readOnly.close();
    }

    private static RawNbdClient client() throws IOException {
        return new RawNbdClient(served.port());
    }

    /** A well-behaved client still reads the export's original content. */
    private static void assertExportIntact(long offset, int len) throws IOException {
        try (RawNbdClient c = client()) {
            c.open("", false);
            c.request(0, Nbd.CMD_READ, 99, offset, len, null);
            RawNbdClient.Reply r = c.reply();
            assertEquals(0, r.error());
            byte[] expected = new byte[len];
            Arrays.fill(expected, FILL);
            assertArrayEquals(expected, c.simpleData(len));
        }
    }

    @Test
    void disconnectsOnGarbageInsteadOfClientFlags() throws Exception {
        try (RawNbdClient c = client()) {
            c.greeting();
            c.out.write("GET / HTTP/1.1\r\n\r\n".getBytes());
            c.out.flush();
            assertTrue(c.closedByServer());
        }
        assertExportIntact(0, 4096);
    }

    @Test
    void disconnectsOnBadOptionMagic() throws Exception {
        try (RawNbdClient c = client()) {
            c.greeting();
            c.clientFlags(3);
            c.out.writeLong(0x1122334455667788L);
            c.out.writeInt(Nbd.OPT_GO);
            c.out.writeInt(0);
            c.out.flush();
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void answersUnknownOptionWithErrUnsupAndStaysInSync() throws Exception {
        try (RawNbdClient c = client()) {
            c.greeting();
            c.clientFlags(3);
            c.option(0x4242, new byte[100]);
            RawNbdClient.OptReply r = c.optReply();
            assertEquals(0x4242, r.option());
            assertEquals(Nbd.REP_ERR_UNSUP, r.type());
            c.option(Nbd.OPT_EXTENDED_HEADERS, new byte[0]);
            assertEquals(Nbd.REP_ERR_UNSUP, c.optReply().type());
            c.option(Nbd.OPT_GO, RawNbdClient.goData(""));
            assertEquals(Nbd.REP_INFO, c.optReply().type());
        }
    }

    @Test
    void skipsOversizedOptionDataAndAnswersErrTooBig() throws Exception {
        try (RawNbdClient c = client()) {
            c.greeting();
            c.clientFlags(3);
            c.option(Nbd.OPT_INFO, new byte[200_000]);
            assertEquals(Nbd.REP_ERR_TOO_BIG, c.optReply().type());
            c.option(Nbd.OPT_LIST, new byte[0]);
            RawNbdClient.OptReply server = c.optReply();
            assertEquals(Nbd.REP_SERVER, server.type());
            assertEquals(Nbd.REP_ACK, c.optReply().type());
        }
    }

    @Test
    void answersLyingLengthsInsideOptionsWithErrInvalid() throws Exception {
        try (RawNbdClient c = client()) {
            c.greeting();
            c.clientFlags(3);
            c.option(Nbd.OPT_GO, ByteBuffer.allocate(10).putInt(1000).array());
            assertEquals(Nbd.REP_ERR_INVALID, c.optReply().type());
            c.option(Nbd.OPT_GO, ByteBuffer.allocate(8).putInt(0).putShort((short) 7).array());
            assertEquals(Nbd.REP_ERR_INVALID, c.optReply().type());
            c.option(Nbd.OPT_STRUCTURED_REPLY, new byte[0]);
            assertEquals(Nbd.REP_ACK, c.optReply().type());
            c.option(Nbd.OPT_SET_META_CONTEXT, ByteBuffer.allocate(12).putInt(0).putInt(0x7fffffff).putInt(50).array());
            assertEquals(Nbd.REP_ERR_INVALID, c.optReply().type());
            c.option(Nbd.OPT_GO, RawNbdClient.goData("nosuch"));
            RawNbdClient.OptReply unknown = c.optReply();
            assertEquals(Nbd.REP_ERR_UNKNOWN, unknown.type());
            assertEquals("export 'nosuch' not present", unknown.text());
        }
    }

    @Test
    void disconnectsAClientThatHoldsTheHandshakeOpen() throws Exception {
        try (RawNbdClient c = client()) {
            c.greeting();
            c.clientFlags(3);
            assertTrue(c.closedByServer());
        }
        try (RawNbdClient c = client()) {
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void servesOtherClientsWhileOneStallsInTheHandshakeAndAnotherMidWrite() throws Exception {
        try (RawNbdClient stalled = client(); RawNbdClient writer = client()) {
            stalled.greeting();
            writer.open("", false);
            writer.request(0, Nbd.CMD_WRITE, 1, 3 << 20, 4096, new byte[100]);
            assertExportIntact(3 << 20, 4096);
            assertExportIntact(0, 65536);
        }
    }

    @Test
    void holdsBackAClientOverTheSharedLimitUntilAnotherLeaves() throws Exception {
        Path image = dir.resolve("single.raw");
        Files.write(image, new byte[1 << 20]);
        try (NbdTesting.Served single = NbdTesting.serve(image, NbdTesting.settings("", false, 1), 1, 10_000);
             RawNbdClient first = new RawNbdClient(single.port());
             RawNbdClient second = new RawNbdClient(single.port())) {
            first.open("", false);
            second.socket.setSoTimeout(300);
            assertThrows(java.net.SocketTimeoutException.class, second::greeting);
            first.close();
            second.socket.setSoTimeout(10_000);
            assertEquals(Nbd.FLAG_FIXED_NEWSTYLE | Nbd.FLAG_NO_ZEROES, second.greeting());
        }
    }

    @Test
    void refusesA4GiBReadWithEinvalAndKeepsTheConnection() throws Exception {
        try (RawNbdClient c = client()) {
            c.open("", true);
            c.request(0, Nbd.CMD_READ, 1, 0, 0xffffffffL, null);
            RawNbdClient.Reply r = c.reply();
            assertEquals(1, r.handle());
            assertEquals(Nbd.EINVAL, r.errorValue());
            assertEquals(Nbd.REPLY_FLAG_DONE, r.flags());
            c.request(0, Nbd.CMD_READ, 2, 4096, 512, null);
            RawNbdClient.Reply ok = c.reply();
            assertEquals(Nbd.REPLY_TYPE_OFFSET_DATA, ok.type());
            assertEquals(8 + 512, ok.data().length);
        }
    }

    @Test
    void rejectsReadPastEndOfDisk() throws Exception {
        try (RawNbdClient c = client()) {
            c.open("", false);
            c.request(0, Nbd.CMD_READ, 7, SIZE - 512, 1024, null);
            RawNbdClient.Reply r = c.reply();
            assertEquals(7, r.handle());
            assertEquals(Nbd.EINVAL, r.error());
            c.request(0, Nbd.CMD_READ, 8, -4096L, 4096, null);
            assertEquals(Nbd.EINVAL, c.reply().error());
            c.request(0, Nbd.CMD_WRITE_ZEROES, 9, SIZE, 1, null);
            assertEquals(Nbd.ENOSPC, c.reply().error());
        }
    }

    @Test
    void disconnectsOnAWriteLongerThanTheMaximumPayload() throws Exception {
        try (RawNbdClient c = client()) {
            c.open("", false);
            c.request(0, Nbd.CMD_WRITE, 1, 0, 0xfffffff0L, new byte[4096]);
            assertTrue(c.closedByServer());
        }
        assertExportIntact(0, 8192);
    }

    @Test
    void dropsAWriteWhoseClientDisconnectsMidPayload() throws Exception {
        try (RawNbdClient c = client()) {
            c.open("", false);
            c.request(0, Nbd.CMD_WRITE, 1, 1 << 20, 65536, new byte[30000]);
        }
        assertExportIntact(1 << 20, 65536);
    }

    @Test
    void disconnectsOnBadRequestMagic() throws Exception {
        try (RawNbdClient c = client()) {
            c.open("", false);
            c.out.write(new byte[28]);
            c.out.flush();
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void answersUnknownCommandsAndBadFlagsWithEinval() throws Exception {
        try (RawNbdClient c = client()) {
            c.open("", false);
            c.request(0, 42, 1, 0, 0, null);
            assertEquals(Nbd.EINVAL, c.reply().error());
            c.request(Nbd.CMD_FLAG_REQ_ONE, Nbd.CMD_READ, 2, 0, 512, null);
            assertEquals(Nbd.EINVAL, c.reply().error());
            c.request(0, Nbd.CMD_BLOCK_STATUS, 3, 0, 512, null);
            assertEquals(Nbd.EINVAL, c.reply().error());
            c.request(0, Nbd.CMD_FLUSH, 4, 0, 0, null);
            assertEquals(0, c.reply().error());
        }
    }

    @Test
    void refusesWritesToAReadOnlyExportWithEperm() throws Exception {
        try (RawNbdClient c = new RawNbdClient(readOnly.port())) {
            long[] opened = c.open("ro", true);
            assertEquals(0x58f, opened[1]);
            c.request(0, Nbd.CMD_WRITE, 5, 0, 4096, new byte[4096]);
            assertEquals(Nbd.EPERM, c.reply().error());
            c.request(0, Nbd.CMD_TRIM, 6, 0, 4096, null);
            assertEquals(Nbd.EPERM, c.reply().error());
            c.request(0, Nbd.CMD_READ, 7, 0, 16, null);
            RawNbdClient.Reply r = c.reply();
            assertEquals(Nbd.REPLY_TYPE_OFFSET_DATA, r.type());
            assertEquals(FILL, r.data()[8]);
        }
    }

    @Test
    void advertisesQemuNbdTransmissionFlagsForASharedWritableExport() throws Exception {
        try (RawNbdClient c = client()) {
            assertEquals(Nbd.FLAG_FIXED_NEWSTYLE | Nbd.FLAG_NO_ZEROES, c.greeting());
            c.clientFlags(3);
            c.option(Nbd.OPT_EXPORT_NAME, new byte[0]);
            assertEquals(SIZE, c.in.readLong());
            assertEquals(0xded, c.in.readUnsignedShort());
        }
    }

    @Test
    void disconnectsOnExportNameOfAMissingExport() throws Exception {
        try (RawNbdClient c = client()) {
            c.greeting();
            c.clientFlags(3);
            c.option(Nbd.OPT_EXPORT_NAME, "nosuch".getBytes());
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void answersEveryOneOfManyPipelinedRequests() throws Exception {
        int count = 300;
        try (RawNbdClient c = client()) {
            c.open("", false);
            for (int i = 0; i < count; i++) {
                c.request(0, Nbd.CMD_READ, 1000 + i, (long) i * 4096, 4096, null);
            }
            BitSet seen = new BitSet();
            for (int i = 0; i < count; i++) {
                RawNbdClient.Reply r = c.reply();
                assertEquals(0, r.error());
                c.simpleData(4096);
                int n = (int) (r.handle() - 1000);
                assertFalse(seen.get(n), "handle answered twice");
                seen.set(n);
            }
            assertEquals(count, seen.cardinality());
        }
    }

    @Test
    void completesWritesBeforeClosingOnDisc() throws Exception {
        byte[] data = new byte[8192];
        Arrays.fill(data, (byte) 0x3c);
        try (RawNbdClient c = client()) {
            c.open("", false);
            c.request(Nbd.CMD_FLAG_FUA, Nbd.CMD_WRITE, 1, 2 << 20, data.length, data);
            c.request(0, Nbd.CMD_DISC, 2, 0, 0, null);
            RawNbdClient.Reply r = c.reply();
            assertEquals(1, r.handle());
            assertEquals(0, r.error());
            assertTrue(c.closedByServer());
        }
        try (RawNbdClient c = client()) {
            c.open("", false);
            c.request(0, Nbd.CMD_READ, 3, 2 << 20, data.length, null);
            assertEquals(0, c.reply().error());
            assertArrayEquals(data, c.simpleData(data.length));
        }
    }
}
