package dev.jemu.block.qcow2;

import dev.jemu.block.BlockDriverState;
import dev.jemu.block.Preallocation;
import dev.jemu.block.RequestFlags;
import dev.jemu.block.SyncIo;
import dev.jemu.block.TestImages;
import dev.jemu.coroutine.Coroutine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static dev.jemu.block.TestImages.assertCleanCheck;
import static dev.jemu.block.TestImages.assertSameContent;
import static dev.jemu.block.TestImages.ok;
import static dev.jemu.block.TestImages.qemuIo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Images written by jemu pass qemu-img check and hold exactly the expected content. */
class Qcow2WriteTest {
    @TempDir
    Path dir;

    private static Qcow2Create.Options opts(long size, int cs, int version, int refbits) {
        return new Qcow2Create.Options(size, cs, version, refbits, false, Preallocation.OFF, null, null);
    }

    /** Applies the same write to the image and to an expected raw file. */
    private static void writeBoth(BlockDriverState bs, RandomAccessFile expected, long off, byte[] data)
            throws IOException {
        TestImages.write(bs, off, data);
        expected.seek(off);
        expected.write(data);
    }

    @Test
    void createsTheSameFileAsQemuImg() throws IOException {
        Path ours = dir.resolve("ours.qcow2");
        Path theirs = dir.resolve("theirs.qcow2");
        Qcow2Create.create(ours.toString(), opts(1L << 30, 65536, 3, 16));
        ok("qemu-img", "create", "-q", "-f", "qcow2", theirs.toString(), "1G");
        assertArrayEquals(Files.readAllBytes(theirs), Files.readAllBytes(ours));
        Qcow2Create.create(ours.toString(), opts(100L << 30, 65536, 2, 16));
        ok("qemu-img", "create", "-q", "-f", "qcow2", "-o", "compat=0.10", theirs.toString(), "100G");
        assertArrayEquals(Files.readAllBytes(theirs), Files.readAllBytes(ours));
    }

    @ParameterizedTest
    @CsvSource({"65536, 3, 16", "512, 3, 16", "4096, 2, 16", "2097152, 3, 64", "1024, 3, 1", "8192, 3, 4",
                "16384, 3, 32"})
    void randomWritesPassCheckAndMatchExpectedContent(int cs, int version, int refbits) throws IOException {
        Path img = dir.resolve("w.qcow2");
        Path raw = dir.resolve("w.raw");
        long size = 24L << 20;
        Qcow2Create.create(img.toString(), opts(size, cs, version, refbits));
        Random rnd = new Random(cs * 31L + refbits);
        try (RandomAccessFile expected = new RandomAccessFile(raw.toFile(), "rw")) {
            expected.setLength(size);
            BlockDriverState bs = TestImages.open(img, "qcow2", false);
            for (int i = 0; i < 150; i++) {
                int len = 1 + rnd.nextInt(i % 10 == 0 ? 300000 : 9000);
                long off = (long) (rnd.nextDouble() * (size - len));
                writeBoth(bs, expected, off, TestImages.pattern(len, i));
            }
            writeBoth(bs, expected, size - 700, TestImages.pattern(700, 99));
            byte[] all = TestImages.read(bs, 0, (int) size);
            byte[] want = new byte[(int) size];
            expected.seek(0);
            expected.readFully(want);
            assertArrayEquals(want, all);
            TestImages.close(bs);
        }
        assertCleanCheck(img);
        assertSameContent(img, raw);
    }

    @Test
    void concurrentWritesToSharedClustersFromManyCoroutines() throws IOException {
        Path img = dir.resolve("c.qcow2");
        Path raw = dir.resolve("c.raw");
        long size = 8L << 20;
        Qcow2Create.create(img.toString(), opts(size, 65536, 3, 16));
        BlockDriverState bs = TestImages.open(img, "qcow2", false);
        int writers = 32;
        int chunk = 4096;
        byte[] expected = new byte[(int) size];
        boolean[] done = new boolean[writers];
        Throwable[] failure = new Throwable[1];
        SyncIo.context();
        for (int w = 0; w < writers; w++) {
            int id = w;
            Coroutine co = Coroutine.create(o -> {
                try {
                    for (long off = (long) id * chunk; off + chunk <= size; off += (long) writers * chunk / 2) {
                        if ((off / chunk) % writers != id) {
                            continue;
                        }
                        byte[] data = TestImages.pattern(chunk, (int) (off / chunk));
                        bs.coPwritev(off, ByteBuffer.wrap(data), 0, chunk, 0);
                    }
                } catch (Throwable t) {
                    failure[0] = t;
                } finally {
                    done[id] = true;
                }
            }, null);
            co.enter();
        }
        for (long off = 0; off + chunk <= size; off += chunk) {
            int id = (int) ((off / chunk) % writers);
            if ((off - (long) id * chunk) % ((long) writers * chunk / 2) == 0) {
                System.arraycopy(TestImages.pattern(chunk, (int) (off / chunk)), 0, expected, (int) off, chunk);
            }
        }
        while (!allDone(done)) {
            SyncIo.context().poll(true);
        }
        if (failure[0] != null) {
            throw new AssertionError(failure[0]);
        }
        assertArrayEquals(expected, TestImages.read(bs, 0, (int) size));
        TestImages.close(bs);
        Files.write(raw, expected);
        assertCleanCheck(img);
        assertSameContent(img, raw);
    }

    @Test
    void overlappingConcurrentWritesAreEachAppliedWhole() throws IOException {
        Path img = dir.resolve("o.qcow2");
        Qcow2Create.create(img.toString(), opts(1L << 20, 4096, 3, 16));
        BlockDriverState bs = TestImages.open(img, "qcow2", false);
        int writers = 16;
        boolean[] done = new boolean[writers];
        SyncIo.context();
        for (int w = 0; w < writers; w++) {
            int id = w;
            Coroutine.create(o -> {
                try {
                    byte[] data = new byte[12288];
                    java.util.Arrays.fill(data, (byte) (id + 1));
                    bs.coPwritev(1000, ByteBuffer.wrap(data), 0, data.length, 0);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                } finally {
                    done[id] = true;
                }
            }, null).enter();
        }
        while (!allDone(done)) {
            SyncIo.context().poll(true);
        }
        byte[] got = TestImages.read(bs, 1000, 12288);
        for (byte b : got) {
            assertEquals(got[0], b, "one writer's data must cover the whole range");
        }
        TestImages.close(bs);
        assertCleanCheck(img);
    }

    private static boolean allDone(boolean[] done) {
        for (boolean d : done) {
            if (!d) {
                return false;
            }
        }
        return true;
    }

    @Test
    void growsRefcountTableAndBlocksWithSmallClusters() throws IOException {
        Path img = dir.resolve("g.qcow2");
        Path raw = dir.resolve("g.raw");
        long size = 40L << 20;
        Qcow2Create.create(img.toString(), opts(size, 512, 3, 16));
        BlockDriverState bs = TestImages.open(img, "qcow2", false);
        byte[] data = TestImages.pattern(30 << 20, 5);
        TestImages.write(bs, 4096, data);
        TestImages.close(bs);
        assertTrue(headerLong(img, 48) != 512, "the refcount table moved to a larger place");
        assertTrue(headerInt(img, 56) > 1, "the refcount table grew beyond one cluster");
        try (RandomAccessFile f = new RandomAccessFile(raw.toFile(), "rw")) {
            f.setLength(size);
            f.seek(4096);
            f.write(data);
        }
        assertCleanCheck(img);
        assertSameContent(img, raw);
    }

    @Test
    void resizeGrowsL1AndShrinkFreesClusters() throws IOException {
        Path img = dir.resolve("r.qcow2");
        Qcow2Create.create(img.toString(), opts(1L << 20, 512, 3, 16));
        BlockDriverState bs = TestImages.open(img, "qcow2", false);
        TestImages.write(bs, 0, TestImages.pattern(1 << 20, 1));
        SyncIo.run(() -> bs.coTruncate(64L << 20, Preallocation.OFF));
        TestImages.write(bs, 60L << 20, TestImages.pattern(100000, 2));
        assertEquals(64L << 20, bs.length());
        assertEquals(2048, ((Qcow2Driver) bs.driver()).l1.length, "L1 grew to cover 64 MiB of 512-byte clusters");
        TestImages.close(bs);
        assertCleanCheck(img);
        Path raw = dir.resolve("r.raw");
        try (RandomAccessFile f = new RandomAccessFile(raw.toFile(), "rw")) {
            f.setLength(64L << 20);
            f.write(TestImages.pattern(1 << 20, 1));
            f.seek(60L << 20);
            f.write(TestImages.pattern(100000, 2));
        }
        assertSameContent(img, raw);

        BlockDriverState again = TestImages.open(img, "qcow2", false);
        SyncIo.run(() -> again.coTruncate(512L << 10, Preallocation.OFF));
        TestImages.close(again);
        assertCleanCheck(img);
        try (RandomAccessFile f = new RandomAccessFile(raw.toFile(), "rw")) {
            f.setLength(512L << 10);
        }
        assertSameContent(img, raw);
    }

    private static long headerLong(Path img, int off) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "r")) {
            f.seek(off);
            return f.readLong();
        }
    }

    private static int headerInt(Path img, int off) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "r")) {
            f.seek(off);
            return f.readInt();
        }
    }

    @Test
    void discardAndZeroWritesReadAsZeroAndFreeClusters() throws IOException {
        Path img = dir.resolve("d.qcow2");
        Qcow2Create.create(img.toString(), opts(4L << 20, 65536, 3, 16));
        BlockDriverState bs = TestImages.open(img, "qcow2", false);
        TestImages.write(bs, 0, TestImages.pattern(4 << 20, 8));
        SyncIo.run(() -> bs.coPdiscard(1 << 20, 1 << 20));
        SyncIo.run(() -> bs.coPwriteZeroes(100, 200000, 0));
        SyncIo.run(() -> bs.coPwriteZeroes(3 << 20, 1 << 19, RequestFlags.MAY_UNMAP));
        byte[] got = TestImages.read(bs, 0, 4 << 20);
        byte[] want = TestImages.pattern(4 << 20, 8);
        java.util.Arrays.fill(want, 1 << 20, 2 << 20, (byte) 0);
        java.util.Arrays.fill(want, 100, 200100, (byte) 0);
        java.util.Arrays.fill(want, 3 << 20, (3 << 20) + (1 << 19), (byte) 0);
        assertArrayEquals(want, got);
        TestImages.close(bs);
        assertCleanCheck(img);
        Path raw = dir.resolve("d.raw");
        Files.write(raw, want);
        assertSameContent(img, raw);
    }

    @Test
    void writesIntoCompressedClustersCopyOnWrite() throws IOException {
        Path src = dir.resolve("s.raw");
        byte[] data = new byte[2 << 20];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i / 300);
        }
        Files.write(src, data);
        Path img = dir.resolve("cc.qcow2");
        ok("qemu-img", "convert", "-c", "-O", "qcow2", src.toString(), img.toString());
        BlockDriverState bs = TestImages.open(img, "qcow2", false);
        byte[] patch = TestImages.pattern(5000, 4);
        TestImages.write(bs, 70000, patch);
        System.arraycopy(patch, 0, data, 70000, patch.length);
        TestImages.close(bs);
        Files.write(src, data);
        assertCleanCheck(img);
        assertSameContent(img, src);
    }

    @Test
    void writesOverBackingFileCopyOnWritePartialClusters() throws IOException {
        Path base = dir.resolve("b.qcow2");
        ok("qemu-img", "create", "-q", "-f", "qcow2", base.toString(), "2M");
        qemuIo(base, "qcow2", "write -P 0x61 0 2M");
        Path top = dir.resolve("t.qcow2");
        Qcow2Create.create(top.toString(), new Qcow2Create.Options(3L << 20, 65536, 3, 16, false,
                Preallocation.OFF, "b.qcow2", "qcow2"));
        BlockDriverState bs = TestImages.open(top, null, false);
        TestImages.write(bs, 65536 + 100, new byte[] {1, 2, 3});
        TestImages.write(bs, (2L << 20) - 10, TestImages.pattern(20, 1));
        TestImages.close(bs);
        assertCleanCheck(top);
        Path raw = dir.resolve("t.raw");
        byte[] want = new byte[3 << 20];
        java.util.Arrays.fill(want, 0, 2 << 20, (byte) 0x61);
        want[65636] = 1;
        want[65637] = 2;
        want[65638] = 3;
        System.arraycopy(TestImages.pattern(20, 1), 0, want, (2 << 20) - 10, 20);
        Files.write(raw, want);
        assertSameContent(top, raw);
    }

    @Test
    void writesToClustersSharedWithSnapshotsKeepTheSnapshotIntact() throws IOException {
        Path img = dir.resolve("sn.qcow2");
        ok("qemu-img", "create", "-q", "-f", "qcow2", img.toString(), "2M");
        qemuIo(img, "qcow2", "write -P 0x11 0 2M");
        ok("qemu-img", "snapshot", "-c", "s1", img.toString());
        BlockDriverState bs = TestImages.open(img, "qcow2", false);
        TestImages.write(bs, 4096, TestImages.pattern(100000, 3));
        TestImages.close(bs);
        assertCleanCheck(img);
        Path snapRaw = dir.resolve("snap.raw");
        ok("qemu-img", "convert", "-l", "snapshot.name=s1", "-O", "raw", img.toString(), snapRaw.toString());
        byte[] snap = Files.readAllBytes(snapRaw);
        for (byte b : snap) {
            assertEquals(0x11, b);
        }
        Path raw = dir.resolve("active.raw");
        byte[] want = new byte[2 << 20];
        java.util.Arrays.fill(want, (byte) 0x11);
        System.arraycopy(TestImages.pattern(100000, 3), 0, want, 4096, 100000);
        Files.write(raw, want);
        assertSameContent(img, raw);
    }

    @Test
    void lazyRefcountsSetDirtyBitAndReopenRepairs() throws IOException {
        Path img = dir.resolve("l.qcow2");
        Qcow2Create.create(img.toString(), new Qcow2Create.Options(4L << 20, 65536, 3, 16, true,
                Preallocation.OFF, null, null));
        BlockDriverState bs = TestImages.open(img, "qcow2", false);
        TestImages.write(bs, 0, TestImages.pattern(300000, 1));
        SyncIo.run(bs::coFlush);
        Qcow2Header h = ((Qcow2Driver) bs.driver()).header();
        assertEquals(Qcow2Header.INCOMPAT_DIRTY, h.incompatibleFeatures() & Qcow2Header.INCOMPAT_DIRTY);
        TestImages.close(bs);
        assertCleanCheck(img);
        BlockDriverState ro = TestImages.open(img, "qcow2", true);
        assertEquals(0, ro.info().dirty() ? 1 : 0);
        ro.close();
    }

    @Test
    void preallocatedImagesPassCheck() throws IOException {
        for (Preallocation p : new Preallocation[] {Preallocation.METADATA, Preallocation.FULL, Preallocation.FALLOC}) {
            Path img = dir.resolve("p-" + p.optionName() + ".qcow2");
            Qcow2Create.create(img.toString(), new Qcow2Create.Options(3L << 20, 65536, 3, 16, false, p, null, null));
            assertCleanCheck(img);
            String map = ok("qemu-img", "map", "--output=json", img.toString());
            assertTrue(map.contains("\"offset\""), map);
            assertTrue(Files.size(img) >= 3L << 20);
        }
    }
}
