package dev.jemu.block.qcow2;

import static dev.jemu.block.TestImages.ok;
import static dev.jemu.block.TestImages.peekLong;
import static dev.jemu.block.TestImages.poke;
import static dev.jemu.block.TestImages.pokeLong;
import static dev.jemu.block.TestImages.qemuIo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.jemu.block.BlockDriverState;
import dev.jemu.block.TestImages;
import java.io.IOException;
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
}
