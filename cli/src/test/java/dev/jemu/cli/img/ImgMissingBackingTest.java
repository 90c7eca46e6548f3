package dev.jemu.cli.img;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16 item 5: a missing backing file does not lock the user out. {@code info} shows the
 * backing file name and succeeds, and {@code rebase -u} repoints it, as qemu-img does (both
 * open the image without its backing file).
 */
class ImgMissingBackingTest {
    @TempDir
    Path dir;

    /** An overlay whose backing file has been moved away. */
    private Path orphan() throws Exception {
        Path base = dir.resolve("base.qcow2");
        Path top = dir.resolve("top.qcow2");
        ImgRun.qemuOk(dir, "create", "-q", "-f", "qcow2", base.toString(), "1M");
        ImgRun.qemuOk(dir, "create", "-q", "-f", "qcow2", "-b", base.toString(), "-F", "qcow2", top.toString());
        ImgRun.qemuIo(dir, "qcow2", top.toString(), "write -P 3 64k 64k");
        Files.move(base, dir.resolve("moved.qcow2"));
        return top;
    }

    @Test
    void infoShowsTheMissingBackingFileAsQemuImg() throws Exception {
        Path top = orphan();
        for (String output : new String[] {"human", "json"}) {
            ImgRun qemu = ImgRun.qemu(dir, "info", "--output=" + output, top.toString());
            ImgRun jemu = ImgRun.jemu("info", "--output=" + output, top.toString());
            assertEquals(0, qemu.status(), qemu.err());
            assertEquals(qemu.asJemu(), jemu);
        }
    }

    @Test
    void rebaseUnsafeRepointsAMissingBackingFile() throws Exception {
        Path top = orphan();
        Path forQemu = Files.copy(top, dir.resolve("q.qcow2"), StandardCopyOption.REPLACE_EXISTING);
        String moved = dir.resolve("moved.qcow2").toString();
        assertEquals(0, ImgRun.qemu(dir, "rebase", "-u", "-b", moved, "-F", "qcow2", forQemu.toString()).status());
        ImgRun jemu = ImgRun.jemu("rebase", "-u", "-b", moved, "-F", "qcow2", top.toString());
        assertEquals(0, jemu.status(), jemu.err());
        assertEquals(withoutDiskSize(ImgRun.qemuOk(dir, "info", forQemu.toString()).replace("q.qcow2", "top.qcow2")),
                withoutDiskSize(ImgRun.qemuOk(dir, "info", top.toString())));
        assertEquals(0, ImgRun.qemu(dir, "check", top.toString()).status());
        ImgRun.qemuIo(dir, "qcow2", top.toString(), "read -P 3 64k 64k", "read -P 0 0 64k");
    }

    @Test
    void rebaseUnsafeWithoutBackingFormatIsRefusedAsByQemuImg() throws Exception {
        Path top = orphan();
        String moved = dir.resolve("moved.qcow2").toString();
        ImgRun qemu = ImgRun.qemu(dir, "rebase", "-u", "-b", moved, top.toString());
        ImgRun jemu = ImgRun.jemu("rebase", "-u", "-b", moved, top.toString());
        assertEquals(qemu.asJemu(), jemu);
    }

    /** qemu-img info's text without the host's allocation (copies differ in sparseness). */
    private static String withoutDiskSize(String info) {
        return info.replaceAll("(?m)^disk size: .*\n", "");
    }
}
