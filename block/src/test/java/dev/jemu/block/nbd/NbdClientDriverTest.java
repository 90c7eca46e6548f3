package dev.jemu.block.nbd;

import dev.jemu.aio.AioContext;
import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockException;
import dev.jemu.block.BlockStatus;
import dev.jemu.block.RequestFlags;
import dev.jemu.block.SyncIo;
import dev.jemu.coroutine.Coroutine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.jemu.block.nbd.NbdTesting.ok;
import static dev.jemu.block.nbd.NbdTesting.qemuIo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** jemu's {@code nbd} driver against jemu's own server. */
class NbdClientDriverTest {
    private static final int MIB = 1 << 20;

    @TempDir
    Path dir;
    Path image;
    NbdTesting.Served served;
    AioContext ctx;

    @BeforeEach
    void serve() throws Exception {
        image = dir.resolve("disk.qcow2");
        ok("qemu-img", "create", "-q", "-f", "qcow2", image.toString(), "64M");
        qemuIo("qcow2", image.toString(), "write -P 0x61 0 2M", "write -P 0x62 40M 1M");
        served = NbdTesting.serve(image, NbdTesting.settings("d", false, 4), 4, 5000);
        ctx = SyncIo.context();
    }

    @AfterEach
    void stop() throws Exception {
        served.close();
    }

    private BlockDriverState open() throws Exception {
        return new BlockDriverState(NbdClientDriver.open(NbdAddress.parseUri(served.uri("d")), false), served.uri("d"), false);
    }

    private static ByteBuffer read(BlockDriverState bs, long offset, int len, boolean direct) throws Exception {
        ByteBuffer b = direct ? ByteBuffer.allocateDirect(len) : ByteBuffer.allocate(len);
        SyncIo.run(() -> bs.coPreadv(offset, b, 0, len));
        return b;
    }

    private static void assertFilled(ByteBuffer b, int value) {
        for (int i = 0; i < b.capacity(); i++) {
            if (b.get(i) != (byte) value) {
                throw new AssertionError("byte " + i + " is " + b.get(i) + ", expected " + (byte) value);
            }
        }
    }

    @Test
    void negotiatesStructuredRepliesBlockStatusAndTheExportSize() throws Exception {
        BlockDriverState bs = open();
        NbdClientDriver d = (NbdClientDriver) bs.driver();
        assertEquals(64L * MIB, bs.length());
        assertTrue(d.structuredReplies());
        assertTrue(d.hasBlockStatus());
        assertEquals(0xded, d.transmissionFlags());
        bs.close();
    }

    @Test
    void readsDataAndHolesIntoHeapAndDirectBuffers() throws Exception {
        BlockDriverState bs = open();
        assertFilled(read(bs, 0, 2 * MIB, false), 0x61);
        assertFilled(read(bs, 40 * MIB, MIB, true), 0x62);
        ByteBuffer mixed = read(bs, MIB, 2 * MIB, false);
        assertFilled(mixed.slice(0, MIB), 0x61);
        assertFilled(mixed.slice(MIB, MIB), 0);
        bs.close();
    }

    @Test
    void splitsReadsLargerThanTheMaximumPayload() throws Exception {
        BlockDriverState bs = open();
        ByteBuffer b = read(bs, 8 * MIB, 40 * MIB, true);
        assertFilled(b.slice(0, 32 * MIB), 0);
        assertFilled(b.slice(32 * MIB, MIB), 0x62);
        bs.close();
    }

    @Test
    void writesFlushesTrimsAndZeroesThroughToTheImage() throws Exception {
        BlockDriverState bs = open();
        ByteBuffer data = ByteBuffer.allocate(MIB);
        for (int i = 0; i < MIB; i++) {
            data.put(i, (byte) 0x7e);
        }
        SyncIo.run(() -> {
            bs.coPwritev(10 * MIB, data, 0, MIB, RequestFlags.FUA);
            bs.coPwritev(12 * MIB + 100, data, 0, 1000, 0);
            bs.coPwriteZeroes(10 * MIB, 64 << 10, RequestFlags.MAY_UNMAP);
            bs.coPdiscard(0, 64 << 10);
            bs.coFlush();
        });
        assertFilled(read(bs, 10 * MIB + (64 << 10), MIB - (64 << 10), false), 0x7e);
        assertFilled(read(bs, 10 * MIB, 64 << 10, false), 0);
        bs.close();
        served.close();
        qemuIo("qcow2", image.toString(), "read -P 0x7e 10304k 960k", "read -P 0 10M 64k",
                "read -P 0x7e 12583012 1000");
        served = NbdTesting.serve(image, NbdTesting.settings("d", false, 4), 4, 5000);
    }

    @Test
    void reportsBlockStatusOfDataAndHoles() throws Exception {
        BlockDriverState bs = open();
        BlockStatus st = new BlockStatus();
        SyncIo.run(() -> bs.coBlockStatus(0, 64L * MIB, st));
        assertEquals(2L * MIB, st.pnum);
        assertTrue(st.has(BlockStatus.DATA));
        SyncIo.run(() -> bs.coBlockStatus(2L * MIB, 62L * MIB, st));
        assertEquals(38L * MIB, st.pnum);
        assertFalse(st.has(BlockStatus.DATA));
        assertTrue(st.has(BlockStatus.ZERO));
        bs.close();
    }

    @Test
    void runsManyRequestsInFlightMatchedByHandle() throws Exception {
        BlockDriverState bs = open();
        int count = 64;
        List<Throwable> failures = new ArrayList<>();
        int[] done = new int[1];
        for (int i = 0; i < count; i++) {
            int n = i;
            Coroutine.create(opaque -> {
                try {
                    ByteBuffer w = ByteBuffer.allocate(8192);
                    for (int k = 0; k < w.capacity(); k++) {
                        w.put(k, (byte) n);
                    }
                    bs.coPwritev(16L * MIB + n * 8192L, w, 0, 8192, 0);
                    ByteBuffer r = ByteBuffer.allocateDirect(8192);
                    bs.coPreadv(16L * MIB + n * 8192L, r, 0, 8192);
                    assertFilled(r, n);
                } catch (Throwable t) {
                    failures.add(t);
                }
                done[0]++;
            }, null).enter();
        }
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (done[0] < count && System.nanoTime() < deadline) {
            ctx.poll(true);
        }
        assertEquals(count, done[0]);
        assertEquals(List.of(), failures);
        bs.close();
    }

    @Test
    void failsInFlightAndLaterRequestsWhenTheServerGoesAway() throws Exception {
        BlockDriverState bs = open();
        served.close();
        BlockException e = assertThrows(BlockException.class, () -> read(bs, 0, 4096, false));
        assertTrue(e.getMessage().contains("connection to the NBD server lost"), e.getMessage());
        BlockException again = assertThrows(BlockException.class, () -> read(bs, 0, 4096, false));
        assertTrue(again.getMessage().startsWith(served.uri("d")), again.getMessage());
        bs.close();
        served = NbdTesting.serve(image, NbdTesting.settings("d", false, 4), 4, 5000);
    }

    @Test
    void refusesToOpenAMissingExportNamingIt() throws Exception {
        NbdAddress missing = new NbdAddress("127.0.0.1", served.port(), null, "nosuch");
        BlockException e = assertThrows(BlockException.class, () -> NbdClientDriver.open(missing, true));
        assertEquals("nbd://127.0.0.1:" + served.port() + "/nosuch: Requested export not available: "
                + "export 'nosuch' not present", e.getMessage());
    }

    @Test
    void refusesToOpenWhenNothingListens() throws Exception {
        NbdAddress nowhere = new NbdAddress(null, 0, dir.resolve("no.sock").toString(), "");
        BlockException e = assertThrows(BlockException.class, () -> NbdClientDriver.open(nowhere, true));
        // QEMU's words for the same: qemu-system-x86_64 -drive file=nbd+unix:///?socket=PATH (qemu-img
        // names the image before them)
        assertEquals("Failed to connect to '" + dir.resolve("no.sock") + "': No such file or directory", e.getMessage());
    }
}
