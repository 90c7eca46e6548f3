package dev.jemu.cli.img;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17 item 8: {@code amend -o} does what qemu-img amends (compat both ways, with zero
 * clusters expanded in the active layer and in snapshots; lazy_refcounts; refcount_bits; size) with the same
 * result as qemu-img on a copy: qemu-img check clean, the same qemu-img info, the same data in
 * the active layer and in the snapshot; and refuses the rest with qemu-img's messages.
 */
class ImgAmendTest {
    @TempDir
    Path dir;

    /** An image with data, zero clusters (plain and preallocated) and a snapshot; over {@code backing} if given. */
    private Path image(String name, String createOptions, Path backing) throws Exception {
        Path img = dir.resolve(name);
        List<String> args = new ArrayList<>(List.of("create", "-q", "-f", "qcow2"));
        if (!createOptions.isEmpty()) {
            args.addAll(List.of("-o", createOptions));
        }
        if (backing != null) {
            args.addAll(List.of("-b", backing.toString(), "-F", "qcow2"));
        }
        args.addAll(List.of(img.toString(), "4M"));
        ImgRun.qemuOk(dir, args.toArray(String[]::new));
        ImgRun.qemuIo(dir, "qcow2", img.toString(), "write -P 1 0 1M", "write -z 1M 64k", "write -P 2 2M 64k",
                "write -z 2M 64k");
        ImgRun.qemuOk(dir, "snapshot", "-c", "s1", img.toString());
        ImgRun.qemuIo(dir, "qcow2", img.toString(), "write -z 0 64k", "write -P 3 3M 64k");
        return img;
    }

    private static String info(Path img) throws Exception {
        return ImgRun.qemuOk(img.getParent(), "info", img.toString()).replaceAll("(?m)^(image|disk size): .*\\n", "");
    }

    private void assertAmendsAsQemuImg(Path img, String options) throws Exception {
        Path q = Files.copy(img, dir.resolve("q-" + img.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        ImgRun.qemuOk(dir, "amend", "-o", options, q.toString());
        ImgRun jemu = ImgRun.jemu("amend", "-o", options, img.toString());
        assertEquals(0, jemu.status(), options + ": " + jemu.err());
        assertEquals(0, ImgRun.qemu(dir, "check", img.toString()).status(), options);
        assertEquals(info(q), info(img), options);
        assertEquals(0, ImgRun.qemu(dir, "compare", q.toString(), img.toString()).status(), options);
        ImgRun.qemuOk(dir, "snapshot", "-a", "s1", q.toString());
        ImgRun.qemuOk(dir, "snapshot", "-a", "s1", img.toString());
        assertEquals(0, ImgRun.qemu(dir, "compare", q.toString(), img.toString()).status(), options + " (s1)");
        assertEquals(0, ImgRun.qemu(dir, "check", img.toString()).status(), options);
    }

    @Test
    void amendsCompatLazyRefcountsAndSizeAsQemuImg() throws Exception {
        assertAmendsAsQemuImg(image("a.qcow2", "", null), "compat=0.10");
        assertAmendsAsQemuImg(image("b.qcow2", "compat=0.10", null), "compat=1.1");
        assertAmendsAsQemuImg(image("c.qcow2", "", null), "lazy_refcounts=on");
        assertAmendsAsQemuImg(image("d.qcow2", "lazy_refcounts=on", null), "lazy_refcounts=off");
        assertAmendsAsQemuImg(image("e.qcow2", "lazy_refcounts=on", null), "compat=v2");
        assertAmendsAsQemuImg(image("f.qcow2", "compat=0.10", null), "compat=v3,lazy_refcounts=on");
        assertAmendsAsQemuImg(image("g.qcow2", "", null), "size=8M");
        assertAmendsAsQemuImg(image("h.qcow2", "cluster_size=4096", null), "compat=0.10");
    }

    /** The refcount structure is rebuilt at the new width; the snapshot's shared clusters keep a count of 2. */
    @Test
    void amendsRefcountBitsAsQemuImg() throws Exception {
        assertAmendsAsQemuImg(image("r8.qcow2", "", null), "refcount_bits=8");
        assertAmendsAsQemuImg(image("r64.qcow2", "cluster_size=4096", null), "refcount_bits=64");
        assertAmendsAsQemuImg(image("r2.qcow2", "refcount_bits=32", null), "refcount_bits=2");
        assertAmendsAsQemuImg(image("rv2.qcow2", "compat=0.10", null), "compat=1.1,refcount_bits=8");
        assertAmendsAsQemuImg(image("r16.qcow2", "refcount_bits=8", null), "refcount_bits=16,compat=0.10");
    }

    @Test
    void downgradeOverABackingFileKeepsZeroClustersReadingZero() throws Exception {
        Path base = dir.resolve("base.qcow2");
        ImgRun.qemuOk(dir, "create", "-q", "-f", "qcow2", base.toString(), "4M");
        ImgRun.qemuIo(dir, "qcow2", base.toString(), "write -P 9 0 4M");
        Path img = image("over.qcow2", "", base);
        assertAmendsAsQemuImg(img, "compat=0.10");
        ImgRun.qemuIo(dir, "qcow2", img.toString(), "read -P 0 1M 64k", "read -P 0 2M 64k");
    }

    @Test
    void refusesWhatQemuImgRefusesInItsWords() throws Exception {
        Path img = image("r.qcow2", "", null);
        Path v2 = image("r2.qcow2", "compat=0.10", null);
        Path r8 = dir.resolve("r8.qcow2");
        ImgRun.qemuOk(dir, "create", "-q", "-f", "qcow2", "-o", "refcount_bits=8", r8.toString(), "1M");
        String[][] cases = {
            {"amend", "-o", "cluster_size=4096", img.toString()},
            {"amend", "-o", "compat=2.0", img.toString()},
            {"amend", "-o", "bogus=1", img.toString()},
            {"amend", "-o", "compat=0.10,lazy_refcounts=on", img.toString()},
            {"amend", "-o", "lazy_refcounts=on", v2.toString()},
            {"amend", "-o", "refcount_bits=8", v2.toString()},
            {"amend", "-o", "compat=0.10", r8.toString()},
            {"amend", "-o", "data_file=x", img.toString()},
            {"amend", "-o", "data_file_raw=on", img.toString()},
            {"amend", "-o", "encrypt.state=active", img.toString()},
            {"amend", "-o", "backing_file=foo.qcow2", img.toString()},
            {"amend", "-o", "refcount_bits=1", img.toString()},
            {"amend", "-o", "refcount_bits=3", img.toString()},
            {"amend", "-o", "refcount_bits=128", img.toString()},
            {"amend", "-o", "refcount_bits=abc", img.toString()},
            {"amend", img.toString()},
        };
        for (String[] args : cases) {
            assertEquals(ImgRun.qemu(dir, args).asJemu(), ImgRun.jemu(args), String.join(" ", args));
        }
    }
}
