package dev.jemu.tests.cpu;

import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One boot case of the differential harness: the kernel, the emulator options it boots with
 * (before {@code -kernel}), how long it may run, the exit status it must leave with (through
 * isa-debug-exit), how many serial lines it prints and what its last line looks like. Every
 * case runs on QEMU and on jemu, and their serial output must be the same.
 */
public record KernelCase(String name, KernelSource source, List<String> options, Duration timeout,
                         int exitStatus, int serialLines, Pattern lastLine) {

    public KernelCase {
        options = List.copyOf(options);
    }

    @Override
    public String toString() {
        return name;
    }
}
