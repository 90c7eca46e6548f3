package dev.jemu.cli.img;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17 item 7: {@code check} on a truncated qcow2 reports what qemu-img reports (errors,
 * exit 2) instead of failing to open, wherever the file is cut: in the data, in an L2 table,
 * in the L1 table or before it.
 */
class ImgCheckTruncatedTest {
    @TempDir
    Path dir;

    @Test
    void checkOnATruncatedImageAnswersAsQemuImg() throws Exception {
        Path seed = dir.resolve("seed.qcow2");
        ImgRun.qemuOk(dir, "create", "-q", "-f", "qcow2", seed.toString(), "4M");
        ImgRun.qemuIo(dir, "qcow2", seed.toString(), "write -P 1 0 1M", "write -P 2 2M 512k");
        Path img = dir.resolve("cut.qcow2");
        boolean sawErrors = false;
        for (long size : new long[] {1_000_000, 600_000, 300_000, 200_000, 196_608, 150_000}) {
            Files.copy(seed, img, StandardCopyOption.REPLACE_EXISTING);
            try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
                f.setLength(size);
            }
            for (String output : new String[] {"human", "json"}) {
                ImgRun qemu = ImgRun.qemu(dir, "check", "--output=" + output, img.toString());
                ImgRun jemu = ImgRun.jemu("check", "--output=" + output, img.toString());
                assertEquals(qemu.asJemu(), jemu, "cut at " + size + ", --output=" + output);
                sawErrors |= qemu.status() == 2;
            }
        }
        assertEquals(true, sawErrors, "some cut is reported as corruption (exit 2)");
    }
}
