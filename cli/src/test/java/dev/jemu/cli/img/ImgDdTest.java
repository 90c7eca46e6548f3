package dev.jemu.cli.img;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code dd}: jemu-img and qemu-img 7.2 on the same operands, compared by what they print,
 * their exit status and the image they write (byte for byte for raw; through {@code qemu-img
 * compare} and the allocation map for qcow2).
 */
class ImgDdTest {
    @TempDir
    Path dir;

    /** A 1 MiB qcow2 over a 1 MiB base of 0x11: 0x22 at 64k, zeros at 256k, 0x33 over 900k..1M. */
    @BeforeEach
    void makeSource() throws Exception {
        ImgRun.qemuOk(dir, "create", "-q", "-f", "qcow2", "base.qcow2", "1M");
        ImgRun.qemuIo(dir, "qcow2", "base.qcow2", "write -P 0x11 0 1M");
        ImgRun.qemuOk(dir, "create", "-q", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", "src.qcow2");
        ImgRun.qemuIo(dir, "qcow2", "src.qcow2", "write -P 0x22 64k 64k", "write -z 256k 64k",
                "write -P 0x33 921600 126976");
    }

    /**
     * Runs {@code dd options... operands...} with both tools, {@code @} standing for the temp
     * folder and {@code OUT} for each tool's own output (q.EXT, j.EXT); returns the two outputs.
     */
    private Path[] sameAsQemu(String ext, String... args) throws Exception {
        Path q = dir.resolve("q." + ext);
        Path j = dir.resolve("j." + ext);
        ImgRun expected = ImgRun.qemu(dir, resolve(args, q)).asJemu();
        ImgRun actual = ImgRun.jemu(resolve(args, j));
        String err = expected.err().replace(q.toString(), j.toString());
        assertEquals(new ImgRun(expected.status(), expected.out(), err), actual, String.join(" ", args));
        assertEquals(Files.exists(q), Files.exists(j), "output created: " + String.join(" ", args));
        return new Path[] {q, j};
    }

    private String[] resolve(String[] args, Path out) {
        List<String> all = new ArrayList<>(List.of("dd"));
        for (String a : args) {
            all.add(a.replace("OUT", out.toString()).replace("@", dir.toString()));
        }
        return all.toArray(String[]::new);
    }

    private void sameRawOutput(String... operands) throws Exception {
        Path[] out = sameAsQemu("raw", operands);
        assertArrayEquals(Files.readAllBytes(out[0]), Files.readAllBytes(out[1]), String.join(" ", operands));
        Files.delete(out[0]);
        Files.delete(out[1]);
    }

    @Test
    void rawCopiesAsQemuImg() throws Exception {
        sameRawOutput("if=@/src.qcow2", "of=OUT");
        sameRawOutput("if=@/src.qcow2", "of=OUT", "bs=64k", "skip=2");
        sameRawOutput("if=@/src.qcow2", "of=OUT", "bs=64k", "count=3");
        sameRawOutput("if=@/src.qcow2", "of=OUT", "bs=64k", "count=3", "skip=2");
        sameRawOutput("if=@/src.qcow2", "of=OUT", "bs=100000", "skip=3");
        sameRawOutput("if=@/src.qcow2", "of=OUT", "bs=100000", "count=11");
        sameRawOutput("if=@/src.qcow2", "of=OUT", "count=1.5k");
        sameRawOutput("if=@/src.qcow2", "of=OUT", "bs=1.5k", "count=2");
        sameRawOutput("if=@/src.qcow2", "of=OUT", "bs=3", "count=7000", "skip=4");
        sameRawOutput("if=@/src.qcow2", "of=OUT", "skip=1", "skip=2", "bs=1k", "if=@/base.qcow2");
        sameRawOutput("-f", "raw", "if=@/src.qcow2", "of=OUT", "bs=4k");
        sameRawOutput("-U", "if=@/src.qcow2", "of=OUT", "bs=64k", "count=0");
    }

    @Test
    void skipPastTheEndIsReportedAndLeavesAnEmptyOutput() throws Exception {
        sameRawOutput("if=@/src.qcow2", "of=OUT", "bs=64k", "skip=16");
        sameRawOutput("if=@/src.qcow2", "of=OUT", "bs=64k", "skip=17");
        sameRawOutput("if=@/src.qcow2", "of=OUT", "bs=3", "count=5", "skip=7");
    }

    @Test
    void qcow2Output() throws Exception {
        for (String[] operands : new String[][] {
            {"-O", "qcow2", "if=@/src.qcow2", "of=OUT", "bs=1M", "count=1"},
            {"-O", "qcow2", "if=@/src.qcow2", "of=OUT", "bs=512", "count=300", "skip=10"},
        }) {
            Path[] out = sameAsQemu("qcow2", operands);
            assertEquals(0, ImgRun.qemu(dir, "compare", out[0].toString(), out[1].toString()).status(), "compare");
            assertEquals(ImgRun.qemuOk(dir, "map", "--output=json", out[0].toString()).replaceAll(", \"offset\": [0-9]+", ""),
                    ImgRun.qemuOk(dir, "map", "--output=json", out[1].toString()).replaceAll(", \"offset\": [0-9]+", ""));
            assertEquals(0, ImgRun.qemu(dir, "check", "-q", out[1].toString()).status(), "check");
            Files.delete(out[0]);
            Files.delete(out[1]);
        }
    }

    @Test
    void errorsAsQemuImg() throws Exception {
        String[][] cases = {
            {},
            {"if=@/src.qcow2"},
            {"of=OUT"},
            {"if=@/src.qcow2", "of=OUT", "bs=0"},
            {"if=@/src.qcow2", "of=OUT", "bs=4294967296"},
            {"if=@/src.qcow2", "of=OUT", "bs=1x"},
            {"if=@/src.qcow2", "of=OUT", "bs="},
            {"if=@/src.qcow2", "of=OUT", "count=-1"},
            {"if=@/src.qcow2", "of=OUT", "skip=x"},
            {"if=@/src.qcow2", "of=OUT", "foo=1"},
            {"if=@/src.qcow2", "of=OUT", "bogus"},
            {"if=@/src.qcow2", "of=OUT", "conv=notrunc"},
            {"if=@/src.qcow2", "of=OUT", "--bogus"},
            {"if=@/src.qcow2", "of=@/nodir/x.raw"},
            {"-O", "foo", "if=@/src.qcow2", "of=OUT"},
        };
        for (String[] c : cases) {
            sameAsQemu("raw", c);
        }
    }
}
