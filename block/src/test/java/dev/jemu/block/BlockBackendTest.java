package dev.jemu.block;

import dev.jemu.coroutine.Coroutine;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The request layer and backend, over a memory driver that yields inside every request. */
class BlockBackendTest {

    /** A disk in memory; each request yields once (so requests overlap in time) and is logged. */
    static final class YieldingMemoryDriver implements BlockDriver {
        final byte[] data;
        final int alignment;
        final List<String> log = new ArrayList<>();
        int active;
        int maxActive;

        YieldingMemoryDriver(int size, int alignment) {
            this.data = new byte[size];
            this.alignment = alignment;
        }

        private void pause() {
            active++;
            maxActive = Math.max(maxActive, active);
            Coroutine self = Coroutine.self();
            SyncIo.context().oneShot(self::wake);
            Coroutine.yield();
            active--;
        }

        @Override public String formatName() {
            return "mem";
        }

        @Override public long length() {
            return data.length;
        }

        @Override public int requestAlignment() {
            return alignment;
        }

        @Override public void coPreadv(long offset, ByteBuffer buf, int bufOffset, int bytes) {
            if (offset % alignment != 0 || bytes % alignment != 0) {
                throw new IllegalStateException("unaligned read reached the driver");
            }
            log.add("r" + offset);
            pause();
            buf.put(bufOffset, data, (int) offset, bytes);
        }

        @Override public void coPwritev(long offset, ByteBuffer buf, int bufOffset, int bytes, int flags) {
            if (offset % alignment != 0 || bytes % alignment != 0) {
                throw new IllegalStateException("unaligned write reached the driver");
            }
            log.add("w" + offset + ((flags & RequestFlags.FUA) != 0 ? "fua" : ""));
            pause();
            buf.get(bufOffset, data, (int) offset, bytes);
        }

        @Override public void coFlush() {
            log.add("flush");
        }

        @Override public void coPdiscard(long offset, long bytes) {
            log.add("d" + offset);
        }

        @Override public void coPwriteZeroes(long offset, long bytes, int flags) {
            throw new UnsupportedOperationException();
        }

        @Override public void coBlockStatus(long offset, long bytes, BlockStatus out) {
            out.set(BlockStatus.DATA | BlockStatus.ALLOCATED, bytes, offset, null);
        }

        @Override public void coTruncate(long length, Preallocation prealloc) throws BlockException {
            throw new BlockException("fixed size");
        }

        @Override public ImageInfo getInfo() {
            return ImageInfo.simple("mem", data.length);
        }

        @Override public void close() {
        }
    }

    private static void runAll(List<SyncIo.IoTask> tasks) {
        boolean[] done = new boolean[tasks.size()];
        Throwable[] failure = new Throwable[1];
        SyncIo.context();
        for (int i = 0; i < tasks.size(); i++) {
            int id = i;
            Coroutine.create(o -> {
                try {
                    tasks.get(id).run();
                } catch (Throwable t) {
                    failure[0] = t;
                } finally {
                    done[id] = true;
                }
            }, null).enter();
        }
        while (true) {
            boolean all = true;
            for (boolean d : done) {
                all &= d;
            }
            if (all) {
                break;
            }
            SyncIo.context().poll(true);
        }
        if (failure[0] != null) {
            throw new AssertionError(failure[0]);
        }
    }

    @Test
    void unalignedWriteIsReadModifyWriteOfWholeBlocks() throws IOException {
        YieldingMemoryDriver mem = new YieldingMemoryDriver(8192, 512);
        BlockDriverState bs = new BlockDriverState(mem, "mem", false);
        byte[] data = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        TestImages.write(bs, 510, data);
        assertEquals(List.of("r0", "r512", "w0"), mem.log);
        byte[] back = TestImages.read(bs, 505, 20);
        for (int i = 0; i < 10; i++) {
            assertEquals(data[i], back[5 + i]);
        }
        assertEquals(0, back[4]);
        assertEquals(0, back[15]);
    }

    @Test
    void overlappingWritesAreSerialisedInArrivalOrder() {
        YieldingMemoryDriver mem = new YieldingMemoryDriver(65536, 1);
        BlockDriverState bs = new BlockDriverState(mem, "mem", false);
        List<SyncIo.IoTask> tasks = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            byte[] fill = new byte[4096];
            java.util.Arrays.fill(fill, (byte) (i + 1));
            tasks.add(() -> bs.coPwritev(100, ByteBuffer.wrap(fill), 0, 4096, 0));
        }
        runAll(tasks);
        assertEquals(1, mem.maxActive, "overlapping writes never ran together");
        assertEquals(8, mem.data[100]);
        assertEquals(8, mem.data[4195]);
    }

    @Test
    void disjointWritesRunConcurrently() {
        YieldingMemoryDriver mem = new YieldingMemoryDriver(65536, 1);
        BlockDriverState bs = new BlockDriverState(mem, "mem", false);
        List<SyncIo.IoTask> tasks = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            long off = i * 4096L;
            tasks.add(() -> bs.coPwritev(off, ByteBuffer.allocate(4096), 0, 4096, 0));
        }
        runAll(tasks);
        assertEquals(8, mem.maxActive);
    }

    @Test
    void readModifyWriteDoesNotLoseAConcurrentWriteToTheSameBlock() {
        YieldingMemoryDriver mem = new YieldingMemoryDriver(4096, 512);
        BlockDriverState bs = new BlockDriverState(mem, "mem", false);
        runAll(List.of(
                () -> bs.coPwritev(10, ByteBuffer.wrap(new byte[] {7}), 0, 1, 0),
                () -> bs.coPwritev(20, ByteBuffer.wrap(new byte[] {9}), 0, 1, 0)));
        assertEquals(7, mem.data[10]);
        assertEquals(9, mem.data[20]);
    }

    @Test
    void drainWaitsForRequestsInFlight() {
        YieldingMemoryDriver mem = new YieldingMemoryDriver(65536, 1);
        BlockDriverState bs = new BlockDriverState(mem, "mem", false);
        SyncIo.context();
        boolean[] done = new boolean[1];
        Coroutine.create(o -> {
            try {
                bs.coPwritev(0, ByteBuffer.allocate(10), 0, 10, 0);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
            done[0] = true;
        }, null).enter();
        assertEquals(1, bs.inFlight());
        bs.drain();
        assertEquals(0, bs.inFlight());
        assertTrue(done[0]);
    }

    @Test
    void backendEnforcesPermissionsAndCountsStatistics() throws IOException {
        YieldingMemoryDriver mem = new YieldingMemoryDriver(65536, 1);
        BlockDriverState bs = new BlockDriverState(mem, "mem", false);
        BlockBackend ro = new BlockBackend(bs, BlockBackend.PERM_READ, false);
        BlockException e = assertThrows(BlockException.class,
                () -> SyncIo.run(() -> ro.coPwritev(0, ByteBuffer.allocate(1), 0, 1, 0)));
        assertTrue(e.getMessage().contains("Permission denied"));
        BlockBackend rw = new BlockBackend(bs, BlockBackend.PERM_READ | BlockBackend.PERM_WRITE, true);
        SyncIo.run(() -> rw.coPwritev(0, ByteBuffer.allocate(512), 0, 512, 0));
        SyncIo.run(() -> rw.coPreadv(0, ByteBuffer.allocate(100), 0, 100));
        assertEquals(512, rw.stats().wrBytes());
        assertEquals(1, rw.stats().wrOperations());
        assertEquals(100, rw.stats().rdBytes());
        assertTrue(mem.log.contains("w0fua"), "writethrough adds FUA: " + mem.log);
        BlockDriverState readOnly = new BlockDriverState(mem, "mem", true);
        assertThrows(BlockException.class, () -> new BlockBackend(readOnly, BlockBackend.PERM_WRITE, false));
    }

    @Test
    void zeroWritesFallBackToWritingZeros() throws IOException {
        YieldingMemoryDriver mem = new YieldingMemoryDriver(8192, 1);
        java.util.Arrays.fill(mem.data, (byte) 5);
        BlockDriverState bs = new BlockDriverState(mem, "mem", false);
        SyncIo.run(() -> bs.coPwriteZeroes(100, 5000, 0));
        assertArrayEquals(new byte[5000], java.util.Arrays.copyOfRange(mem.data, 100, 5100));
        assertEquals(5, mem.data[99]);
        assertEquals(5, mem.data[5100]);
    }
}
