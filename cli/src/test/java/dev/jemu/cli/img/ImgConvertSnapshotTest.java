package dev.jemu.cli.img;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * Issue 17 item 8: {@code convert -l} reads the source as one of its internal snapshots, byte
 * for byte as qemu-img convert -l, and refuses what qemu-img refuses with its words; {@code
 * measure -l} measures a snapshot as qemu-img's does.
 */
class ImgConvertSnapshotTest {
    @TempDir
    Path dir;

    /** A qcow2 image with snapshots "one" (id 1) and "two" (id 2), changed and grown after each. */
    private String imageWithSnapshots() throws Exception {
        String img = dir.resolve("s.qcow2").toString();
        ImgRun.qemuOk(dir, "create", "-q", "-f", "qcow2", img, "4M");
        ImgRun.qemuIo(dir, "qcow2", img, "write -P 1 0 1M");
        ImgRun.qemuOk(dir, "snapshot", "-c", "one", img);
        ImgRun.qemuIo(dir, "qcow2", img, "write -P 2 512k 1M", "write -z 3M 64k");
        ImgRun.qemuOk(dir, "snapshot", "-c", "two", img);
        ImgRun.qemuOk(dir, "resize", "-q", img, "8M");
        ImgRun.qemuIo(dir, "qcow2", img, "write -P 3 6M 1M", "discard 0 64k");
        return img;
    }

    private byte[] convertBoth(String img, String... options) throws Exception {
        Path q = dir.resolve("q.raw");
        Path j = dir.resolve("j.raw");
        Files.deleteIfExists(q);
        Files.deleteIfExists(j);
        String[] args = new String[options.length + 5];
        args[0] = "convert";
        args[1] = "-O";
        args[2] = "raw";
        System.arraycopy(options, 0, args, 3, options.length);
        args[args.length - 2] = img;
        args[args.length - 1] = q.toString();
        ImgRun.qemuOk(dir, args);
        args[args.length - 1] = j.toString();
        ImgRun jemu = ImgRun.jemu(args);
        assertEquals(0, jemu.status(), jemu.err());
        byte[] expected = Files.readAllBytes(q);
        assertEquals(-1, Files.mismatch(q, j), String.join(" ", options));
        return expected;
    }

    @Test
    void eachSpellingReadsTheSnapshotAsQemuImg() throws Exception {
        String img = imageWithSnapshots();
        byte[] active = convertBoth(img);
        byte[] one = convertBoth(img, "-l", "one");
        byte[] two = convertBoth(img, "-l", "2");
        assertFalse(java.util.Arrays.equals(active, one));
        assertFalse(java.util.Arrays.equals(one, two));
        convertBoth(img, "-l", "1");
        convertBoth(img, "-l", "snapshot.id=1");
        convertBoth(img, "-l", "snapshot.name=two");
        convertBoth(img, "-l", "snapshot.id=2,snapshot.name=two");
    }

    @Test
    void aSnapshotToQcow2IsTheSameImageAsQemuImgs() throws Exception {
        String img = imageWithSnapshots();
        String q = dir.resolve("q.qcow2").toString();
        String j = dir.resolve("j.qcow2").toString();
        ImgRun.qemuOk(dir, "convert", "-O", "qcow2", "-l", "one", img, q);
        assertEquals(0, ImgRun.jemu("convert", "-O", "qcow2", "-l", "one", img, j).status());
        assertEquals("Images are identical.\n", ImgRun.qemuOk(dir, "compare", "-s", q, j));
        assertEquals(ImgRun.qemuOk(dir, "info", "--output=json", q).replace(q, j).replaceAll(" *\"actual-size\".*\n", ""),
                ImgRun.qemuOk(dir, "info", "--output=json", j).replaceAll(" *\"actual-size\".*\n", ""));
        assertEquals(0, ImgRun.qemu(dir, "check", img).status());
    }

    @Test
    void whatQemuImgRefusesIsRefusedInItsWords() throws Exception {
        String img = imageWithSnapshots();
        Path raw = Files.write(dir.resolve("r.raw"), new byte[4096]);
        String out = dir.resolve("o.raw").toString();
        String[][] cases = {
            {"convert", "-l", "nope", img, out},
            {"convert", "-l", "snapshot.id=1,snapshot.name=two", img, out},
            {"convert", "-l", "snapshot.foo=1", img, out},
            {"convert", "-l", "one", img, img, out},
            {"convert", "-l", "one", raw.toString(), out},
        };
        for (String[] c : cases) {
            ImgRun qemu = ImgRun.qemu(dir, c);
            assertNotEquals(0, qemu.status());
            assertEquals(qemu.asJemu(), ImgRun.jemu(c), String.join(" ", c));
        }
    }

    @Test
    void measureOfASnapshotIsQemuImgs() throws Exception {
        String img = imageWithSnapshots();
        Path raw = Files.write(dir.resolve("r.raw"), new byte[4096]);
        String[][] cases = {
            {"measure", "-O", "qcow2", "-l", "one", img},
            {"measure", "-O", "qcow2", "-l", "snapshot.id=2", img},
            {"measure", "--output=json", "-O", "raw", "-l", "two", img},
            {"measure", "-O", "qcow2", "-l", "nope", img},
            {"measure", "-O", "qcow2", "-l", "snapshot.x=1", img},
            {"measure", "-O", "qcow2", "-l", "one", raw.toString()},
        };
        for (String[] c : cases) {
            assertEquals(ImgRun.qemu(dir, c).asJemu(), ImgRun.jemu(c), String.join(" ", c));
        }
        assertNotEquals(ImgRun.qemuOk(dir, "measure", "-O", "qcow2", "-l", "one", img),
                ImgRun.qemuOk(dir, "measure", "-O", "qcow2", "-l", "two", img));
    }
}
