package dev.jemu.cli.img;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** jemu-img's command line: help, usage errors and unsupported options, with qemu-img 7.2 as the oracle. */
class ImgCommandLineTest {
    @TempDir
    Path dir;

    /** Runs the same arguments (with {@code @} standing for the temp folder) through both tools and compares. */
    private void sameAsQemu(String... args) throws Exception {
        String[] resolved = new String[args.length];
        for (int i = 0; i < args.length; i++) {
            resolved[i] = args[i].replace("@", dir.toString());
        }
        ImgRun expected = ImgRun.qemu(dir, resolved).asJemu();
        ImgRun actual = ImgRun.jemu(resolved);
        assertEquals(expected, actual, String.join(" ", resolved));
    }

    @ParameterizedTest
    @ValueSource(strings = {"create", "info", "check", "convert", "map", "compare", "resize", "rebase", "commit",
            "snapshot", "bench", "measure", "amend"})
    void everySubcommandAnswersHelpWithItsOptionsAndCreatesNothing(String command) throws Exception {
        for (String help : List.of("--help", "-h")) {
            Path img = dir.resolve("x.img");
            ImgRun r = ImgRun.jemu(command, help, img.toString(), img.toString(), "1M");
            assertEquals(0, r.status(), r.err());
            assertTrue(r.out().startsWith("Usage: jemu-img " + command + " "), r.out());
            assertEquals("", r.err());
            assertFalse(Files.exists(img));
            try (var files = Files.list(dir)) {
                assertEquals(0, files.count(), "nothing is created");
            }
        }
    }

    @Test
    void unknownOptionsAndCommandsAreQemuImgsErrors() throws Exception {
        sameAsQemu("create", "--bogus", "@/x.img", "1M");
        sameAsQemu("create", "-x", "@/x.img", "1M");
        sameAsQemu("info", "--bogus", "@/x.img");
        sameAsQemu("convert", "@/a.img", "--bogus", "@/b.img");
        sameAsQemu("--bogus");
        sameAsQemu("--object", "secret,id=s0,data=x", "info", "@/x.img");
        sameAsQemu("create", "--image-opts", "@/x.img", "1M");
        sameAsQemu("foo");
        sameAsQemu();
        assertFalse(Files.exists(dir.resolve("x.img")));
        assertFalse(Files.exists(dir.resolve("--bogus")));
    }

    @Test
    void missingAndExtraArgumentsAreQemuImgsErrors() throws Exception {
        sameAsQemu("create");
        sameAsQemu("create", "-f");
        sameAsQemu("create", "-f", "raw", "@/x.img", "1M", "extra");
        sameAsQemu("info");
        sameAsQemu("info", "--output");
        sameAsQemu("info", "@/a", "@/b");
        sameAsQemu("check");
        sameAsQemu("map");
        sameAsQemu("commit");
        sameAsQemu("bench");
        sameAsQemu("compare", "@/a");
        sameAsQemu("convert");
        sameAsQemu("convert", "@/a");
        sameAsQemu("resize", "@/a");
        sameAsQemu("rebase", "@/a");
    }

    @Test
    void resizeTakesANegativeDeltaAsTheSize() throws Exception {
        Path img = dir.resolve("r.raw");
        ImgRun.qemuOk(dir, "create", "-q", "-f", "raw", img.toString(), "3M");
        ImgRun r = ImgRun.jemu("resize", "-f", "raw", "--shrink", img.toString(), "-1M");
        assertEquals(new ImgRun(0, "Image resized.\n", ""), r);
        assertEquals(2L << 20, Files.size(img));
        sameAsQemu("resize", "-f", "raw", "@/r.raw", "1M", "extra");
    }

    @Test
    void snapshotWithoutAnActionOnlyOpensTheImage() throws Exception {
        ImgRun.qemuOk(dir, "create", "-q", "-f", "qcow2", dir.resolve("s.qcow2").toString(), "1M");
        sameAsQemu("snapshot", "@/s.qcow2");
        sameAsQemu("snapshot", "-l", "@/s.qcow2");
        sameAsQemu("snapshot", "-f", "qcow2", "@/s.qcow2");
    }

    @Test
    void optionsJemuImgDoesNotHaveAreNamed() {
        String[][] cases = {
            {"info --image-opts", "info", "--image-opts", "driver=raw"},
            {"amend --object", "amend", "--object", "secret,id=s0,data=x", "-o", "compat=1.1", "x.qcow2"},
            {"bench --image-opts", "bench", "--image-opts", "driver=raw"},
            {"create --object", "create", "--object", "secret,id=s0,data=x", "x.qcow2", "1M"},
            {"convert --salvage", "convert", "--salvage", "a.raw", "b.raw"},
        };
        for (String[] c : cases) {
            ImgRun r = ImgRun.jemu(java.util.Arrays.copyOfRange(c, 1, c.length));
            assertEquals(new ImgRun(1, "", "jemu-img: '" + c[0] + "' is not supported\n" + JemuImg.HINT + "\n"), r);
        }
        ImgRun r = ImgRun.jemu("bitmap", "--add", "a", "b0");
        assertEquals(new ImgRun(1, "", "jemu-img: 'bitmap' is not supported\n" + JemuImg.HINT + "\n"), r);
    }
}
