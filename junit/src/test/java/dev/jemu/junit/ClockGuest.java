package dev.jemu.junit;

import dev.jemu.machine.Machine;
import dev.jemu.machine.MachineBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** The clock guest of {@code images/clock}, assembled with nasm, and machines that boot it. */
final class ClockGuest {
    /** Its normal end: isa-debug-exit with 0x10. */
    static final int DONE = 33;
    private static final Path IMAGES = Path.of("").toAbsolutePath().resolveSibling("images");

    private ClockGuest() {
    }

    /** The guest assembled into a fresh temporary file. */
    static synchronized Path kernel() {
        try {
            Path out = Files.createTempFile("clockread-", ".bin");
            out.toFile().deleteOnExit();
            Process p = new ProcessBuilder("nasm", "-f", "bin", "-I", IMAGES.resolve("lib") + "/", "-o", out.toString(),
                    IMAGES.resolve("clock/clockread.asm").toString()).redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("nasm: " + log);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A machine that boots it under {@code -icount shift=3}. */
    static MachineBuilder machine() {
        return Machine.builder().memory("64M").debugExit().icount(3).rtcBase("2024-01-01T00:00:00").kernel(kernel());
    }
}
