package dev.jemu.cli.img;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * Issue 17: what qemu-img says about a missing image, a missing backing file of
 * {@code info --backing-chain} and a raw image that is not a whole number of sectors, byte for
 * byte beside qemu-img.
 */
class ImgOpenErrorsTest {
    @TempDir
    Path dir;

    private void sameAsQemu(String... args) throws Exception {
        ImgRun qemu = ImgRun.qemu(dir, args);
        assertEquals(qemu.asJemu(), ImgRun.jemu(args), String.join(" ", args));
    }

    @Test
    void aMissingImageIsNamedTwiceAsByQemuImg() throws Exception {
        String x = dir.resolve("x").toString();
        String out = dir.resolve("out.raw").toString();
        assertNotEquals(0, ImgRun.qemu(dir, "info", x).status());
        sameAsQemu("info", x);
        sameAsQemu("info", "-f", "qcow2", x);
        sameAsQemu("check", x);
        sameAsQemu("map", x);
        sameAsQemu("convert", "-O", "raw", x, out);
        sameAsQemu("dd", "if=" + x, "of=" + out);
        sameAsQemu("compare", x, x);
        sameAsQemu("compare", "-f", "raw", x, x);
        sameAsQemu("snapshot", "-l", x);
        sameAsQemu("measure", "-O", "qcow2", x);
        sameAsQemu("resize", x, "1M");
        sameAsQemu("commit", x);
        sameAsQemu("bench", x);
    }

    @Test
    void aRawImageOfPartialSectorsHasItsSizeRoundedUpAsInQemuImg() throws Exception {
        byte[] data = new byte[1000];
        new Random(17).nextBytes(data);
        String raw = Files.write(dir.resolve("r.raw"), data).toString();
        sameAsQemu("info", raw);
        sameAsQemu("info", "--output=json", raw);
        sameAsQemu("map", "--output=json", raw);
        sameAsQemu("map", "--output=json", "--start-offset", "1010", raw);
        sameAsQemu("map", "--output=json", "--max-length", "1010", raw);
    }

    @Test
    void infoBackingChainNamesTheMissingBackingFileAsQemuImg() throws Exception {
        ImgRun.qemuOk(dir, "create", "-q", "-f", "qcow2", "base.qcow2", "1M");
        ImgRun.qemuOk(dir, "create", "-q", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", "mid.qcow2");
        ImgRun.qemuOk(dir, "create", "-q", "-f", "qcow2", "-b", "mid.qcow2", "-F", "qcow2", "top.qcow2");
        Files.move(dir.resolve("base.qcow2"), dir.resolve("moved.qcow2"));
        String top = dir.resolve("top.qcow2").toString();
        assertEquals(1, ImgRun.qemu(dir, "info", "--backing-chain", top).status());
        sameAsQemu("info", "--backing-chain", top);
        sameAsQemu("info", "--backing-chain", "--output=json", top);
    }

    /**
     * {@code -f} naming a driver that does not exist (checked before the file is opened), a
     * protocol that opens the name itself ({@code file}: the file as its own format, sized in
     * sectors, no checks; {@code nbd}: a name that is no NBD address; {@code host_device}: a
     * regular file), as qemu-img answers each.
     */
    @Test
    void formatsThatAreNoImageFormatAreAnsweredAsByQemuImg() throws Exception {
        String img = dir.resolve("a.qcow2").toString();
        String x = dir.resolve("x").toString();
        ImgRun.qemuOk(dir, "create", "-q", "-f", "qcow2", img, "1M");
        sameAsQemu("info", "-f", "bogus", img);
        sameAsQemu("info", "-f", "bogus", x);
        sameAsQemu("check", "-f", "bogus", img);
        sameAsQemu("info", "-f", "file", img);
        sameAsQemu("info", "-f", "file", "--output=json", img);
        sameAsQemu("info", "-f", "file", x);
        sameAsQemu("map", "-f", "file", "--output=json", img);
        sameAsQemu("check", "-f", "file", img);
        sameAsQemu("info", "-f", "nbd", img);
        sameAsQemu("map", "-f", "nbd", x);
        sameAsQemu("info", "-f", "host_device", img);
        sameAsQemu("info", "-f", "host_device", x);
    }

    /**
     * convert's checks in qemu-img's order and words: the source is opened before the output
     * format is looked up, and that before compression is refused; {@code -S} must be a multiple
     * of 512 up to 16 MiB, and one that is no size gets two lines.
     */
    @Test
    void convertRefusesAsQemuImg() throws Exception {
        String img = dir.resolve("a.qcow2").toString();
        String x = dir.resolve("x").toString();
        String out = dir.resolve("out.img").toString();
        ImgRun.qemuOk(dir, "create", "-q", "-f", "qcow2", img, "1M");
        sameAsQemu("convert", "-O", "bogus", img, out);
        sameAsQemu("convert", "-O", "bogus", "-c", img, out);
        sameAsQemu("convert", "-O", "bogus", x, out);
        sameAsQemu("convert", "-O", "raw", "-c", x, out);
        sameAsQemu("convert", "-O", "raw", "-c", img, out);
        sameAsQemu("convert", "-O", "raw", "-S", "1000", img, out);
        sameAsQemu("convert", "-O", "raw", "-S", "32M", img, out);
        sameAsQemu("convert", "-O", "raw", "-S", "abc", img, out);
        sameAsQemu("convert", "-O", "bogus", "-S", "3", img, out);
    }

    @Test
    void infoBackingChainRefusesALoopAsQemuImg() throws Exception {
        String a = dir.resolve("a.qcow2").toString();
        String b = dir.resolve("b.qcow2").toString();
        ImgRun.qemuOk(dir, "create", "-q", "-f", "qcow2", a, "1M");
        ImgRun.qemuOk(dir, "create", "-q", "-f", "qcow2", "-b", a, "-F", "qcow2", b);
        ImgRun.qemuOk(dir, "rebase", "-u", "-b", b, "-F", "qcow2", a);
        sameAsQemu("info", "--backing-chain", b);
    }
}
