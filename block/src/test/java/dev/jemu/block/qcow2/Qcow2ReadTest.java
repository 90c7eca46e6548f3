package dev.jemu.block.qcow2;

import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockException;
import dev.jemu.block.TestImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.jemu.block.TestImages.ok;
import static dev.jemu.block.TestImages.qemuIo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Images written by qemu-img/qemu-io are read byte-exact, compared with qemu-img's own raw conversion. */
class Qcow2ReadTest {
    @TempDir
    Path dir;

    private void assertReadsLikeQemu(Path img) throws IOException {
        Path raw = dir.resolve(img.getFileName() + ".raw");
        ok("qemu-img", "convert", "-O", "raw", img.toString(), raw.toString());
        byte[] expected = Files.readAllBytes(raw);
        BlockDriverState bs = TestImages.open(img, null, true);
        try {
            assertEquals(expected.length, bs.length());
            byte[] actual = TestImages.read(bs, 0, expected.length);
            assertArrayEquals(expected, actual, "content of " + img);
            // Unaligned reads that cross clusters.
            for (int off : new int[] {1, 511, 65535, 1048575}) {
                if (off + 70000 <= expected.length) {
                    byte[] part = TestImages.read(bs, off, 70000);
                    for (int i = 0; i < part.length; i++) {
                        if (part[i] != expected[off + i]) {
                            throw new AssertionError("byte " + (off + i) + " differs in unaligned read");
                        }
                    }
                }
            }
        } finally {
            bs.close();
        }
    }

    @ParameterizedTest
    @CsvSource({
        "512, 1.1, 16", "4096, 1.1, 1", "65536, 1.1, 16", "65536, 0.10, 16", "2097152, 1.1, 64",
        "32768, 1.1, 8", "65536, 1.1, 32", "1024, 0.10, 16",
    })
    void readsQemuWrittenImagesByteExact(int clusterSize, String compat, int refcountBits) throws IOException {
        Path img = dir.resolve("img.qcow2");
        ok("qemu-img", "create", "-q", "-f", "qcow2", "-o", "cluster_size=" + clusterSize + ",compat=" + compat
                + ",refcount_bits=" + refcountBits, img.toString(), "8M");
        qemuIo(img, "qcow2", "write -P 0x11 0 64k", "write -P 0x22 1000000 3000", "write -P 0x33 5M 1M",
                "write -P 0x44 8387584 512", compat.equals("1.1") ? "write -z 5M 64k" : "write -P 0 5M 64k");
        assertReadsLikeQemu(img);
    }

    @ParameterizedTest
    @CsvSource({"metadata", "full", "falloc"})
    void readsPreallocatedImages(String mode) throws IOException {
        Path img = dir.resolve("pre.qcow2");
        ok("qemu-img", "create", "-q", "-f", "qcow2", "-o", "preallocation=" + mode, img.toString(), "4M");
        qemuIo(img, "qcow2", "write -P 0x5a 100k 10k");
        assertReadsLikeQemu(img);
    }

    @Test
    void readsZeroClustersWithAndWithoutAllocation() throws IOException {
        Path img = dir.resolve("zero.qcow2");
        ok("qemu-img", "create", "-q", "-f", "qcow2", img.toString(), "4M");
        qemuIo(img, "qcow2", "write -P 0x77 0 1M", "write -z 0 128k", "write -z -u 512k 128k");
        assertReadsLikeQemu(img);
    }

    @Test
    void readsCompressedClusters() throws IOException {
        Path src = dir.resolve("src.raw");
        byte[] data = new byte[3 << 20];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) ((i / 1000) % 7 == 0 ? i * 31 : i / 4096);
        }
        byte[] noise = TestImages.pattern(70000, 9);
        System.arraycopy(noise, 0, data, 1 << 20, noise.length);
        Files.write(src, data);
        for (String cs : new String[] {"65536", "4096", "2M"}) {
            Path img = dir.resolve("c" + cs + ".qcow2");
            ok("qemu-img", "convert", "-c", "-O", "qcow2", "-o", "cluster_size=" + cs, src.toString(), img.toString());
            assertReadsLikeQemu(img);
        }
    }

    @Test
    void readsThreeDeepBackingChainWithRelativeNamesAndShortBase() throws IOException {
        Path base = dir.resolve("base.qcow2");
        Path mid = dir.resolve("mid.qcow2");
        Path top = dir.resolve("top.qcow2");
        ok("qemu-img", "create", "-q", "-f", "qcow2", base.toString(), "2M");
        qemuIo(base, "qcow2", "write -P 0xaa 0 2M");
        ok("qemu-img", "create", "-q", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", mid.toString(), "4M");
        qemuIo(mid, "qcow2", "write -P 0xbb 1M 64k", "write -P 0xcc 3M 4k");
        ok("qemu-img", "create", "-q", "-f", "qcow2", "-b", "mid.qcow2", "-F", "qcow2", top.toString(), "6M");
        qemuIo(top, "qcow2", "write -P 0xdd 1032k 4k", "write -z 0 4k");
        assertReadsLikeQemu(top);
        BlockDriverState bs = TestImages.open(top, "qcow2", true);
        try {
            assertEquals("mid.qcow2", bs.info().backingFilename());
            assertEquals("qcow2", bs.info().backingFormat());
            assertEquals(5L << 20, bs.length() - (1L << 20));
            assertTrue(bs.backing().backing() != null);
        } finally {
            bs.close();
        }
    }

    @Test
    void readsRawBackingFileWithoutFormatExtensionByProbing() throws IOException {
        Path base = dir.resolve("base.raw");
        Files.write(base, TestImages.pattern(1 << 20, 3));
        Path top = dir.resolve("top.qcow2");
        ok("qemu-img", "create", "-q", "-f", "qcow2", "-b", base.toString(), "-F", "raw", top.toString(), "2M");
        qemuIo(top, "qcow2", "write -P 1 4k 4k");
        assertReadsLikeQemu(top);
    }

    @Test
    void listsSnapshotTable() throws IOException {
        Path img = dir.resolve("snap.qcow2");
        ok("qemu-img", "create", "-q", "-f", "qcow2", img.toString(), "4M");
        qemuIo(img, "qcow2", "write -P 1 0 64k");
        ok("qemu-img", "snapshot", "-c", "first", img.toString());
        qemuIo(img, "qcow2", "write -P 2 0 4k");
        ok("qemu-img", "snapshot", "-c", "second", img.toString());
        BlockDriverState bs = TestImages.open(img, null, true);
        try {
            var snaps = bs.info().snapshots();
            assertEquals(2, snaps.size());
            assertEquals("first", snaps.get(0).name());
            assertEquals("1", snaps.get(0).id());
            assertEquals("second", snaps.get(1).name());
        } finally {
            bs.close();
        }
        assertReadsLikeQemu(img);
    }

    @Test
    void refusesMissingBackingFileNamingIt() throws IOException {
        Path top = dir.resolve("orphan.qcow2");
        ok("qemu-img", "create", "-q", "-f", "qcow2", "-u", "-b", "gone.qcow2", "-F", "qcow2", top.toString(), "1M");
        BlockException e = assertThrows(BlockException.class, () -> TestImages.open(top, null, true));
        assertTrue(e.getMessage().contains("gone.qcow2") && e.getMessage().contains("No such file"), e.getMessage());
    }
}
