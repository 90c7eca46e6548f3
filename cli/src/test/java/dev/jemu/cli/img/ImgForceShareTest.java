package dev.jemu.cli.img;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An image another process writes (qemu-nbd serving it read-write) is refused without {@code -U}
 * and opens with it, exactly as qemu-img answers on the same image at the same moment.
 */
class ImgForceShareTest {
    @TempDir
    Path dir;

    @Test
    void infoOfAnImageQemuNbdServesNeedsForceShare() throws Exception {
        Path image = dir.resolve("served.qcow2");
        Process create = new ProcessBuilder("qemu-img", "create", "-q", "-f", "qcow2", image.toString(), "16M").start();
        assertTrue(create.waitFor(30, TimeUnit.SECONDS) && create.exitValue() == 0);
        Path sock = dir.resolve("nbd.sock");
        Path pid = dir.resolve("nbd.pid");
        Process server = new ProcessBuilder("qemu-nbd", "-f", "qcow2", "-t", "-k", sock.toString(), "--pid-file", pid.toString(),
                image.toString()).redirectErrorStream(true).redirectOutput(dir.resolve("qemu-nbd.log").toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.exists(pid) && server.isAlive() && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertTrue(Files.exists(pid), "qemu-nbd did not start: " + Files.readString(dir.resolve("qemu-nbd.log")));
            ImgRun qemuLocked = ImgRun.qemu(dir, "info", image.toString());
            assertEquals(1, qemuLocked.status(), "qemu-img refuses the locked image: " + qemuLocked);
            assertEquals(qemuLocked.asJemu(), ImgRun.jemu("info", image.toString()));
            ImgRun qemuShared = ImgRun.qemu(dir, "info", "-U", image.toString());
            assertEquals(0, qemuShared.status(), qemuShared.toString());
            assertEquals(qemuShared.asJemu(), ImgRun.jemu("info", "-U", image.toString()));
        } finally {
            server.destroy();
            server.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
