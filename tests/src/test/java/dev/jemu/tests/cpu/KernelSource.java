package dev.jemu.tests.cpu;

import java.util.List;

/** Where a test kernel comes from: a nasm source in {@code images/}, or a generated program. */
public sealed interface KernelSource {

    /** {@code path} relative to {@code images/}, assembled with the given {@code -D} definitions. */
    record Image(String path, List<String> defines) implements KernelSource {
        public Image {
            defines = List.copyOf(defines);
        }
    }

    /**
     * A {@link RandomProgram} in {@code mode} of {@code blocks} blocks of {@code steps} steps
     * from {@code seed}, traced after every step when {@code trace} is set.
     */
    record Random(RandomProgram.Mode mode, long seed, int blocks, int steps, boolean trace)
            implements KernelSource {
    }
}
