package dev.jemu.cli.img;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16 item 5: {@code resize} of a qcow2 with an internal snapshot, as qemu-img 7.2 does it:
 * the active layer changes size, the snapshot keeps its own; qemu-img finds the image clean and
 * the snapshot's data intact.
 */
class ImgResizeSnapshotTest {
    @TempDir
    Path dir;

    @Test
    void resizesAnImageWithAnInternalSnapshotAsQemuImg() throws Exception {
        Path seed = dir.resolve("seed.qcow2");
        ImgRun.qemuOk(dir, "create", "-q", "-f", "qcow2", seed.toString(), "4M");
        ImgRun.qemuIo(dir, "qcow2", seed.toString(), "write -P 1 0 1M", "write -P 2 3M 64k");
        ImgRun.qemuOk(dir, "snapshot", "-c", "s1", seed.toString());
        ImgRun.qemuIo(dir, "qcow2", seed.toString(), "write -P 4 0 64k");
        for (String[] size : new String[][] {{"10G"}, {"--shrink", "2M"}}) {
            Path q = Files.copy(seed, dir.resolve("q.qcow2"), StandardCopyOption.REPLACE_EXISTING);
            Path j = Files.copy(seed, dir.resolve("j.qcow2"), StandardCopyOption.REPLACE_EXISTING);
            ImgRun qemu = ImgRun.qemu(dir, concat(new String[] {"resize", q.toString()}, size));
            ImgRun jemu = ImgRun.jemu(concat(new String[] {"resize", j.toString()}, size));
            assertEquals(qemu.asJemu(), jemu);
            assertEquals(0, ImgRun.qemu(dir, "check", j.toString()).status());
            assertEquals(withoutDiskSize(ImgRun.qemuOk(dir, "info", q.toString()).replace("q.qcow2", "j.qcow2")),
                    withoutDiskSize(ImgRun.qemuOk(dir, "info", j.toString())));
            ImgRun.qemuIo(dir, "qcow2", j.toString(), "read -P 4 0 64k", "read -P 1 64k 960k");
            ImgRun.qemuOk(dir, "snapshot", "-a", "s1", j.toString());
            ImgRun.qemuIo(dir, "qcow2", j.toString(), "read -P 1 0 1M", "read -P 2 3M 64k");
            assertEquals(0, ImgRun.qemu(dir, "check", j.toString()).status());
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    /** qemu-img info's text without the host's allocation (copies differ in sparseness). */
    private static String withoutDiskSize(String info) {
        return info.replaceAll("(?m)^disk size: .*\n", "");
    }
}
