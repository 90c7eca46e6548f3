package dev.jemu.machine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The guests of the machine tests, assembled with nasm from {@code images/} or from source text. */
final class Guests {
    /** The repository's {@code images/} (tests run in the module's directory). */
    static final Path IMAGES = Path.of("").toAbsolutePath().resolveSibling("images");
    /** The words every test machine starts with: 64 MiB, no display, isa-debug-exit at 0xF4, COM1 on the console. */
    static final List<String> COMMON = List.of("-m", "64M", "-display", "none", "-serial", "stdio",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04");
    /** The clock guest's normal end: isa-debug-exit with 0x10. */
    static final int DONE = 33;

    private Guests() {
    }

    /** {@code images/clock/clockread.asm} assembled into {@code dir}, with extra nasm {@code defines}. */
    static Path clockGuest(Path dir, String... defines) throws IOException, InterruptedException {
        return nasm(IMAGES.resolve("clock/clockread.asm"), dir.resolve("clockread.bin"), defines);
    }

    /** {@code source} (32-bit multiboot code using images/lib) assembled into {@code dir/name.bin}. */
    static Path kernel(Path dir, String name, String source) throws IOException, InterruptedException {
        Path src = Files.writeString(dir.resolve(name + ".asm"), source);
        return nasm(src, dir.resolve(name + ".bin"));
    }

    private static Path nasm(Path src, Path out, String... defines) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of("nasm", "-f", "bin", "-I", IMAGES.resolve("lib") + "/"));
        for (String d : defines) {
            cmd.add("-D" + d);
        }
        cmd.addAll(List.of("-o", out.toString(), src.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0, "nasm: " + log);
        return out;
    }
}
