package dev.jemu.cli.img;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code jemu-img create}: its output, errors and exit status against qemu-img 7.2's on the same command lines. */
class ImgCreateTest {
    @TempDir
    Path dir;

    @BeforeEach
    void makeBase() throws Exception {
        ImgRun.qemuOk(dir, "create", "-q", "-f", "qcow2", dir.resolve("base.qcow2").toString(), "4M");
        Files.createDirectory(dir.resolve("adir"));
    }

    /**
     * Runs {@code create args} ({@code @} is the temp folder) with qemu-img, removes what it
     * made, then with jemu-img, and compares. qemu-img ends some two-line errors without a
     * newline; jemu-img ends every line.
     */
    private void sameAsQemu(String target, String... args) throws Exception {
        String[] resolved = new String[args.length + 1];
        resolved[0] = "create";
        for (int i = 0; i < args.length; i++) {
            resolved[i + 1] = args[i].replace("@", dir.toString());
        }
        Path made = dir.resolve(target);
        ImgRun q = ImgRun.qemu(dir, resolved).asJemu();
        boolean qemuMade = Files.isRegularFile(made);
        if (qemuMade) {
            Files.delete(made);
        }
        ImgRun expected = new ImgRun(q.status(), q.out(),
                q.err().isEmpty() || q.err().endsWith("\n") ? q.err() : q.err() + "\n");
        assertEquals(expected, ImgRun.jemu(resolved), String.join(" ", resolved));
        assertEquals(qemuMade, Files.isRegularFile(made), "image made");
    }

    @Test
    void aBackingFileNeedsItsFormat() throws Exception {
        sameAsQemu("t.qcow2", "-f", "qcow2", "-b", "@/base.qcow2", "@/t.qcow2");
        sameAsQemu("t.qcow2", "-f", "qcow2", "-u", "-b", "@/base.qcow2", "@/t.qcow2", "4M");
        sameAsQemu("t.qcow2", "-f", "qcow2", "-o", "backing_file=@/base.qcow2", "@/t.qcow2");
        sameAsQemu("t.qcow2", "-f", "qcow2", "-b", "@/base.qcow2", "-F", "qcow2", "@/t.qcow2");
        sameAsQemu("t.qcow2", "-f", "qcow2", "-b", "@/base.qcow2", "-o", "backing_fmt=qcow2", "@/t.qcow2", "8M");
    }

    @Test
    void aBackingFormatNeedsABackingFile() throws Exception {
        sameAsQemu("t.qcow2", "-f", "qcow2", "-F", "qcow2", "@/t.qcow2", "1M");
        sameAsQemu("t.qcow2", "-f", "qcow2", "-o", "backing_fmt=raw", "@/t.qcow2", "1M");
        sameAsQemu("t.raw", "-f", "raw", "-F", "qcow2", "@/t.raw", "1M");
    }

    @Test
    void errorsNameTheImage() throws Exception {
        sameAsQemu("t.qcow2", "-f", "qcow2", "-b", "@/none.qcow2", "-F", "qcow2", "@/t.qcow2");
        sameAsQemu("t.qcow2", "-f", "qcow2", "-b", "@/none.qcow2", "@/t.qcow2", "1M");
        sameAsQemu("t.qcow2", "-f", "qcow2", "@/t.qcow2");
        sameAsQemu("t.raw", "-f", "raw", "-b", "@/base.qcow2", "-F", "qcow2", "@/t.raw", "1M");
        sameAsQemu("adir", "-f", "raw", "@/adir", "1M");
        sameAsQemu("x", "-f", "raw", "@/none/x", "1M");
        sameAsQemu("t.raw", "-f", "raw", "@/t.raw", "1M");
        sameAsQemu("t.raw", "-q", "-f", "raw", "@/t.raw", "1M");
    }
}
