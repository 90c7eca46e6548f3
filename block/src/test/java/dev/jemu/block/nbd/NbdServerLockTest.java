package dev.jemu.block.nbd;

import static dev.jemu.block.TestImages.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jemu.block.TestImages;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An image jemu's NBD server serves carries the locks qemu-nbd's would: qemu-img cannot resize
 * it (the case that used to succeed), but may read it with -U.
 */
class NbdServerLockTest {
    @TempDir
    Path dir;

    private void assertQemuImgResizeRefused(Path img, String format, String lock) throws IOException {
        TestImages.Run r = TestImages.exec("qemu-img", "resize", "-f", format, img.toString(), "8M");
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(r.err().contains("Failed to get \"" + lock + "\" lock\nIs another process using the image ["
                + img + "]?"), r.err());
    }

    @Test
    void qemuImgCannotResizeAServedQcow2Image() throws Exception {
        Path img = dir.resolve("served.qcow2");
        ok("qemu-img", "create", "-q", "-f", "qcow2", img.toString(), "4M");
        try (NbdTesting.Served served = NbdTesting.serve(img, NbdTesting.settings("", false, 1), 1, 10_000)) {
            assertQemuImgResizeRefused(img, "qcow2", "write");
            assertEquals(0, TestImages.exec("qemu-img", "info", "-U", img.toString()).exit());
        }
        assertEquals(0, TestImages.exec("qemu-img", "resize", img.toString(), "8M").exit());
    }

    /** As qemu-nbd does, the export unshares resize even on a raw image opened read-only. */
    @Test
    void qemuImgCannotResizeAServedRawImage() throws Exception {
        Path img = dir.resolve("served.raw");
        ok("qemu-img", "create", "-q", "-f", "raw", img.toString(), "4M");
        try (NbdTesting.Served served = NbdTesting.serve(img, NbdTesting.settings("", true, 1), 1, 10_000)) {
            assertQemuImgResizeRefused(img, "raw", "resize");
            assertEquals(0, TestImages.exec("qemu-img", "info", "-f", "raw", img.toString()).exit());
        }
        assertEquals(0, TestImages.exec("qemu-img", "resize", "-f", "raw", img.toString(), "8M").exit());
    }
}
