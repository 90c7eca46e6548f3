package dev.jemu.cli.img;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code check -r all} opens an image marked corrupt, as qemu-img's check open does, repairs it
 * and clears the mark: qemu-img then finds the image clean, and both tools answer the same on
 * copies of the same damaged image.
 */
class ImgCheckRepairTest {
    @TempDir
    Path dir;

    @Test
    void repairsAnImageMarkedCorrupt() throws Exception {
        Path seed = dir.resolve("seed.qcow2");
        ImgRun.qemuOk(dir, "create", "-q", "-f", "qcow2", seed.toString(), "4M");
        ImgRun.qemuIo(dir, "qcow2", seed.toString(), "write -P 0x5a 0 64k");
        try (RandomAccessFile f = new RandomAccessFile(seed.toFile(), "rw")) {
            f.seek(72 + 7);
            f.write(0x02);
        }
        Path forQemu = Files.copy(seed, dir.resolve("q.qcow2"), StandardCopyOption.REPLACE_EXISTING);
        Path forJemu = Files.copy(seed, dir.resolve("j.qcow2"), StandardCopyOption.REPLACE_EXISTING);
        ImgRun qemu = ImgRun.qemu(dir, "check", "-r", "all", forQemu.toString());
        ImgRun jemu = ImgRun.jemu("check", "-r", "all", forJemu.toString());
        assertEquals(qemu.status(), jemu.status(), "qemu: " + qemu + "\njemu: " + jemu);
        assertEquals(0, ImgRun.qemu(dir, "check", forJemu.toString()).status(), "qemu-img finds jemu's repair clean");
        assertEquals(ImgRun.qemu(dir, "info", forQemu.toString()).asJemu().out(),
                ImgRun.qemu(dir, "info", forJemu.toString()).asJemu().out().replace("j.qcow2", "q.qcow2"),
                "the corrupt mark is cleared as qemu-img clears it");
    }
}
