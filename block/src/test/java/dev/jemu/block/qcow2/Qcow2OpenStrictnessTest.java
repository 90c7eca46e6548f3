package dev.jemu.block.qcow2;

import static dev.jemu.block.TestImages.ok;
import static dev.jemu.block.TestImages.peekLong;
import static dev.jemu.block.TestImages.poke;
import static dev.jemu.block.TestImages.pokeLong;
import static dev.jemu.block.TestImages.qemuIo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockException;
import dev.jemu.block.BlockGraph;
import dev.jemu.block.CacheMode;
import dev.jemu.block.SyncIo;
import dev.jemu.block.TestImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opening mutated images next to qemu-img 7.2 (the oracle, run on the same file): what QEMU can
 * still read, jemu reads; where QEMU reports a corruption, jemu reports it in the same words.
 * The cases not already covered by {@link Qcow2OpenTest} and {@link BadImageTest}.
 */
class Qcow2OpenStrictnessTest {
    @TempDir
    Path dir;

    /** A 4 MiB image whose first 64 KiB hold the byte 7, with one internal snapshot. */
    private Path withSnapshot(String name) throws IOException {
        Path img = dir.resolve(name);
        ok("qemu-img", "create", "-q", "-f", "qcow2", img.toString(), "4M");
        qemuIo(img, "qcow2", "write -P 7 0 64k");
        ok("qemu-img", "snapshot", "-c", "s1", img.toString());
        return img;
    }

    /** qemu-img converts the image (so it opens and reads its active layer), and so does jemu. */
    private void assertActiveLayerReadable(Path img) throws IOException {
        ok("qemu-img", "convert", "-O", "raw", img.toString(), dir.resolve("oracle.raw").toString());
        BlockDriverState bs = TestImages.open(img, "qcow2", true);
        try {
            byte[] expected = new byte[65536];
            Arrays.fill(expected, (byte) 7);
            assertArrayEquals(expected, TestImages.read(bs, 0, 65536));
            assertArrayEquals(new byte[65536], TestImages.read(bs, 65536, 65536));
        } finally {
            bs.close();
        }
    }

    /** A snapshot entry whose id and name lengths run past the end of the file: QEMU reads zeros there. */
    @Test
    void snapshotEntryRunningPastTheEndOfTheFileLeavesTheActiveLayerReadable() throws IOException {
        Path img = withSnapshot("idlen.qcow2");
        long table = peekLong(img, 64);
        poke(img, table + 12, new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff});
        assertActiveLayerReadable(img);
    }

    /** The whole snapshot table past the end of the file: QEMU opens the image and lists a zeroed entry. */
    @Test
    void snapshotTablePastTheEndOfTheFileLeavesTheActiveLayerReadable() throws IOException {
        Path img = withSnapshot("tableeof.qcow2");
        pokeLong(img, 64, 1L << 32);
        assertActiveLayerReadable(img);
    }

    /**
     * A new snapshot on an image whose old table lies past the end of the file: qemu-img creates
     * it (and warns that it could not free the old table); so does jemu, and qemu-img check then
     * finds the same on both images (the same errors and leaks; where clusters lie may differ).
     */
    @Test
    void snapshotOverATablePastTheEndOfTheFileIsCreatedAsByQemu() throws IOException {
        Path img = withSnapshot("tablecreate.qcow2");
        pokeLong(img, 64, 1L << 32);
        Path oracle = dir.resolve("tablecreate-qemu.qcow2");
        Files.copy(img, oracle);
        ok("qemu-img", "snapshot", "-c", "s2", oracle.toString());
        BlockDriverState bs = TestImages.open(img, "qcow2", false);
        try {
            SyncIo.run(() -> ((Qcow2Driver) bs.driver()).snapshotCreate("s2", 1, 0));
        } finally {
            TestImages.close(bs);
        }
        TestImages.Run expected = TestImages.exec("qemu-img", "check", oracle.toString());
        TestImages.Run actual = TestImages.exec("qemu-img", "check", img.toString());
        assertEquals(expected.exit(), actual.exit(), actual.out());
        assertEquals(withoutEndOffset(expected.out()), withoutEndOffset(actual.out()));
    }

    private static String withoutEndOffset(String checkOutput) {
        return checkOutput.replaceAll("Image end offset: \\d+", "");
    }

    /**
     * The zero flag in a version 2 L2 entry: the read fails with qemu-io's message, whose index
     * is printed as C's {@code %#x} prints it (no {@code 0x} before a zero).
     */
    @Test
    void zeroClusterFlagInAVersion2ImageIsReportedInQemusWords() throws IOException {
        Path img = dir.resolve("v2.qcow2");
        ok("qemu-img", "create", "-q", "-f", "qcow2", "-o", "compat=0.10", img.toString(), "4M");
        qemuIo(img, "qcow2", "write -P 7 0 64k", "write -P 7 128k 64k");
        long l2 = peekLong(img, peekLong(img, 40)) & Qcow2Driver.L1E_OFFSET_MASK;
        for (int index : new int[] {0, 2}) {
            pokeLong(img, l2 + 8L * index, peekLong(img, l2 + 8L * index) | 1);
            TestImages.Run q = TestImages.exec("qemu-io", "-r", "-f", "qcow2", "-c",
                    "read " + index * 65536 + " 64k", img.toString());
            String qemu = q.out() + q.err();
            int start = qemu.indexOf("Image is corrupt: ");
            assertTrue(start >= 0, qemu);
            String expected = qemu.substring(start, qemu.indexOf(')', start) + 1);
            BlockDriverState bs = TestImages.open(img, "qcow2", true);
            try {
                BlockException e = assertThrows(BlockException.class,
                        () -> TestImages.read(bs, index * 65536L, 512));
                assertEquals(img + ": " + expected, e.getMessage());
            } finally {
                bs.close();
            }
        }
    }

    /**
     * A file name Java cannot turn into a path (a NUL here; a non-ASCII byte in a backing file
     * name under a C locale takes the same way) is a one-line error naming the file, not an
     * internal InvalidPathException.
     */
    @Test
    void unrepresentableFileNameIsAOneLineError() {
        String name = dir + "/nul\0name.qcow2";
        BlockException e = assertThrows(BlockException.class,
                () -> BlockGraph.open(name, "qcow2", true, CacheMode.WRITEBACK).close());
        assertEquals("Could not open '" + name + "': Nul character not allowed", e.getMessage());
    }
}
