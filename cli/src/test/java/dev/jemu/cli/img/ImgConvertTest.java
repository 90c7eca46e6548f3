package dev.jemu.cli.img;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** {@code convert -n} and {@code --target-is-zero}: both tools on copies of the same target, compared byte for byte. */
class ImgConvertTest {
    @TempDir
    Path dir;
    Path source;

    /** A 1 MiB qcow2 with data at 64k and 512k, zeros elsewhere. */
    @BeforeEach
    void makeSource() throws Exception {
        source = dir.resolve("src.qcow2");
        ImgRun.qemuOk(dir, "create", "-q", "-f", "qcow2", source.toString(), "1M");
        ImgRun.qemuIo(dir, "qcow2", source.toString(), "write -P 0x11 64k 64k", "write -P 0x22 512k 4k");
    }

    /** A raw target of {@code size} bytes filled with 0xff. */
    private Path target(String name, int size) throws Exception {
        byte[] ff = new byte[size];
        Arrays.fill(ff, (byte) 0xff);
        return Files.write(dir.resolve(name), ff);
    }

    /** Runs {@code convert args source TARGET} with qemu-img and jemu-img on two 0xff targets; compares all. */
    private void sameAsQemu(int targetSize, String... args) throws Exception {
        Path q = target("q.raw", targetSize);
        Path j = target("j.raw", targetSize);
        String[] qa = concat(args, source.toString(), q.toString());
        String[] ja = concat(args, source.toString(), j.toString());
        ImgRun expected = ImgRun.qemu(dir, qa).asJemu();
        ImgRun actual = ImgRun.jemu(ja);
        assertEquals(expected, actual, String.join(" ", ja));
        assertArrayEquals(Files.readAllBytes(q), Files.readAllBytes(j), "the targets' content");
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    @Test
    void targetIsZeroSkipsTheZerosOfAnExistingTarget() throws Exception {
        sameAsQemu(1 << 20, "convert", "-n", "--target-is-zero", "-O", "raw");
        byte[] content = Files.readAllBytes(dir.resolve("j.raw"));
        assertEquals((byte) 0xff, content[0], "zeros are not written");
        assertEquals((byte) 0x11, content[65536]);
    }

    @Test
    void existingTargetWithoutTargetIsZeroGetsTheZerosWritten() throws Exception {
        sameAsQemu(1 << 20, "convert", "-n", "-O", "raw");
        assertEquals(0, Files.readAllBytes(dir.resolve("j.raw"))[0]);
    }

    @Test
    void targetIsZeroNeedsMinusNAndTheTargetMustBeLargeEnough() throws Exception {
        sameAsQemu(1 << 20, "convert", "--target-is-zero", "-O", "raw");
        sameAsQemu(512 << 10, "convert", "-n", "-O", "raw");
        assertFalse(Files.exists(dir.resolve("--target-is-zero")));
    }
}
