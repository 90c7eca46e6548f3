package dev.jemu.cli.vm;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Command lines that cannot build a machine fail with the error line QEMU 7.2 prints for the
 * same command line (run here beside jemu), with the program's name swapped: the oracle is
 * {@code qemu-system-x86_64} itself.
 */
class LauncherErrorsTest {
    @TempDir
    static Path dir;

    /** What the program printed first on standard error, without its name and JVM log lines. */
    private static String message(String stderr) {
        String first = stderr.lines().filter(l -> !l.startsWith("[") && !l.startsWith("WARNING")
                && !l.startsWith("         ")).findFirst().orElse("");
        int colon = first.indexOf(": ");
        return colon < 0 ? first : first.substring(colon + 2);
    }

    private static String qemu(List<String> args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("qemu-system-x86_64", "-display", "none", "-nodefaults"));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "qemu did not exit for " + args);
        assertEquals(1, p.exitValue(), "qemu's exit status for " + args + ": " + err);
        return message(err);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "-drive file=/nonexistent/x.img,format=raw",
        "-drive file=@DIR@,format=raw",
        "-drive file=@RAW@,format=raw,bogus=1",
        "-device ide-hd,drive=nope",
        "-bios /nonexistent.rom",
        "-m 0x",
        "-kernel",
        "-frobnicate",
        "-drive file=@RAW@,format=raw,readonly=on",
        "-device virtio-blk-pci,drive=nope",
        "-device virtio-blk-pci",
        "-device ide-hd",
        "-drive file=@RAW@,format=raw,if=none,id=d0 -device virtio-blk-pci,drive=d0,iothread=x",
        "-drive file=@RAW@,format=raw,if=none,id=d0 -device virtio-blk-pci,drive=d0,foo=1",
        "-drive file=@RAW@,format=raw,if=none,id=d0 -device ide-hd,drive=d0,foo=1",
        "-icount shift=11",
        "-icount shift=x",
        "-icount shift=3,foo=1",
        "-drive file=@RAW@,format=raw,aio=bogus",
        "-append console=ttyS0",
        "-initrd @RAW@",
    })
    void failsWithQemusErrorLine(String line) throws Exception {
        Path raw = dir.resolve("disk.raw");
        if (!Files.exists(raw)) {
            Files.write(raw, new byte[1 << 20]);
        }
        List<String> args = List.of(line.replace("@DIR@", dir.toString()).replace("@RAW@", raw.toString()).split(" "));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> all = new ArrayList<>(List.of("-display", "none", "-nodefaults"));
        all.addAll(args);
        int status = JemuMain.run(all.toArray(new String[0]), InputStream.nullInputStream(), new ByteArrayOutputStream(),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(1, status, err.toString(StandardCharsets.UTF_8));
        assertEquals(qemu(args), message(err.toString(StandardCharsets.UTF_8)));
    }
}
