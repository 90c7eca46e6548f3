package dev.jemu.cli.img;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17 item 8: {@code snapshot -c/-a/-d/-l} on qcow2 internal snapshots. After each step
 * qemu-img check finds the image clean, qemu-img snapshot -l lists what jemu-img lists, and the
 * data qemu-io reads matches what each snapshot held; qemu-img's own snapshots are applied and
 * deleted the same way. Errors are qemu-img's.
 */
class ImgSnapshotTest {
    @TempDir
    Path dir;

    private Path image(String name, String... options) throws Exception {
        Path img = dir.resolve(name);
        String[] args = new String[] {"create", "-q", "-f", "qcow2", "-o",
                options.length > 0 ? options[0] : "cluster_size=65536", img.toString(), "4M"};
        ImgRun.qemuOk(dir, args);
        ImgRun.qemuIo(dir, "qcow2", img.toString(), "write -P 1 0 1M", "write -c -P 7 2M 64k", "write -z 3M 64k");
        return img;
    }

    private void assertConsistent(Path img) throws Exception {
        ImgRun check = ImgRun.qemu(dir, "check", img.toString());
        assertEquals(0, check.status(), check.out() + check.err());
        assertEquals(ImgRun.qemuOk(dir, "snapshot", "-l", img.toString()),
                ImgRun.jemu("snapshot", "-l", img.toString()).out());
    }

    private static void jemuOk(String... args) {
        ImgRun r = ImgRun.jemu(args);
        assertEquals(0, r.status(), String.join(" ", args) + ": " + r.err());
    }

    private void createApplyDelete(Path img) throws Exception {
        String f = img.toString();
        jemuOk("snapshot", "-c", "s1", f);
        assertConsistent(img);
        ImgRun.qemuIo(dir, "qcow2", f, "write -P 2 0 64k", "write -P 3 3M 64k", "write -P 4 1M 4k");
        jemuOk("snapshot", "-c", "s2", f);
        assertConsistent(img);
        ImgRun.qemuIo(dir, "qcow2", f, "write -P 5 64k 64k");

        Path byQemu = Files.copy(img, dir.resolve("oracle.qcow2"), StandardCopyOption.REPLACE_EXISTING);
        ImgRun.qemuOk(dir, "snapshot", "-a", "s1", byQemu.toString());
        ImgRun.qemuIo(dir, "qcow2", byQemu.toString(), "read -P 1 0 1M", "read -P 7 2M 64k", "read -P 0 3M 64k");

        jemuOk("snapshot", "-a", "s1", f);
        assertConsistent(img);
        ImgRun.qemuIo(dir, "qcow2", f, "read -P 1 0 1M", "read -P 0 1M 4k", "read -P 7 2M 64k", "read -P 0 3M 64k");
        ImgRun.qemuIo(dir, "qcow2", f, "write -P 6 0 4k");
        jemuOk("snapshot", "-a", "2", f);
        assertConsistent(img);
        ImgRun.qemuIo(dir, "qcow2", f, "read -P 2 0 64k", "read -P 1 64k 64k", "read -P 4 1M 4k",
                "read -P 3 3M 64k");
        jemuOk("snapshot", "-d", "s1", f);
        assertConsistent(img);
        ImgRun.qemuIo(dir, "qcow2", f, "read -P 2 0 64k", "read -P 3 3M 64k");
        jemuOk("snapshot", "-d", "s2", f);
        assertConsistent(img);
        ImgRun.qemuIo(dir, "qcow2", f, "read -P 2 0 64k", "read -P 7 2M 64k", "read -P 3 3M 64k");
    }

    @Test
    void createApplyAndDeleteLeaveConsistentImages() throws Exception {
        createApplyDelete(image("v3.qcow2"));
    }

    @Test
    void createApplyAndDeleteOnSmallClustersCompatV2AndLazyRefcounts() throws Exception {
        createApplyDelete(image("small.qcow2", "cluster_size=4096"));
        createApplyDelete(image("v2.qcow2", "compat=0.10"));
        createApplyDelete(image("lazy.qcow2", "lazy_refcounts=on"));
    }

    @Test
    void appliesAndDeletesSnapshotsQemuImgMade() throws Exception {
        Path img = image("q.qcow2");
        String f = img.toString();
        ImgRun.qemuOk(dir, "snapshot", "-c", "before", f);
        ImgRun.qemuIo(dir, "qcow2", f, "write -P 9 0 2M");
        ImgRun.qemuOk(dir, "snapshot", "-c", "after", f);
        ImgRun.qemuOk(dir, "resize", f, "8M");
        jemuOk("snapshot", "-a", "before", f);
        assertConsistent(img);
        assertEquals(ImgRun.qemuOk(dir, "info", f).lines().filter(l -> l.startsWith("virtual size")).toList(),
                java.util.List.of("virtual size: 4 MiB (4194304 bytes)"));
        ImgRun.qemuIo(dir, "qcow2", f, "read -P 1 0 1M", "read -P 7 2M 64k");
        jemuOk("snapshot", "-d", "after", f);
        assertConsistent(img);
        jemuOk("snapshot", "-c", "again", f);
        assertConsistent(img);
        ImgRun.qemuOk(dir, "snapshot", "-d", "before", f);
        ImgRun.qemuOk(dir, "snapshot", "-a", "again", f);
        assertConsistent(img);
        ImgRun.qemuIo(dir, "qcow2", f, "read -P 1 0 1M", "read -P 7 2M 64k");
    }

    @Test
    void errorsAreQemuImgs() throws Exception {
        Path img = image("e.qcow2");
        String f = img.toString();
        ImgRun.qemuOk(dir, "snapshot", "-c", "s1", f);
        for (String[] args : new String[][] {{"snapshot", "-a", "nope", f}, {"snapshot", "-d", "nope", f},
                {"snapshot", "-d", "1", f}, {"snapshot", "-l", "-c", "x", f}, {"snapshot", "-c", "x", "-U", f}}) {
            assertEquals(ImgRun.qemu(dir, args).asJemu(), ImgRun.jemu(args), String.join(" ", args));
        }
    }
}
