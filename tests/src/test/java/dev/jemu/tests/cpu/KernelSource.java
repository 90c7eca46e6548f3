package dev.jemu.tests.cpu;

import java.util.List;

/**
 * Where a test kernel comes from: a nasm source in {@code images/}, a kernel that
 * {@code images/Makefile} builds (compiled C), or a generated program.
 */
public sealed interface KernelSource {

    /** {@code path} relative to {@code images/}, assembled with the given {@code -D} definitions. */
    record Image(String path, List<String> defines) implements KernelSource {
        public Image {
            defines = List.copyOf(defines);
        }
    }

    /** {@code images/Makefile}'s target {@code kernel}.bin, made with the given {@code NAME=VALUE} variables. */
    record Made(String kernel, List<String> variables) implements KernelSource {
        public Made {
            variables = List.copyOf(variables);
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
