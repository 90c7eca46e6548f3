package dev.jemu.cli.img;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Images jemu-img cannot open: qemu-img's one-line errors, not Java's. */
class ImgErrorsTest {
    @TempDir
    Path dir;

    private void sameAsQemu(String... args) throws Exception {
        assertEquals(ImgRun.qemu(dir, args).asJemu(), ImgRun.jemu(args), String.join(" ", args));
    }

    @Test
    void aDirectoryOrAnEmptyNameIsNotAnImage() throws Exception {
        String adir = Files.createDirectory(dir.resolve("adir")).toString();
        Path raw = dir.resolve("r.raw");
        Files.write(raw, new byte[65536]);
        sameAsQemu("info", adir);
        sameAsQemu("info", "");
        sameAsQemu("check", adir);
        sameAsQemu("map", "");
        sameAsQemu("convert", "-O", "raw", adir, dir.resolve("out.raw").toString());
        sameAsQemu("compare", "-f", "raw", raw.toString(), adir);
    }
}
