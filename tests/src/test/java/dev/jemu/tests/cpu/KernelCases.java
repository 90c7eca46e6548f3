package dev.jemu.tests.cpu;

import dev.jemu.tests.guest.Emulator;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The table of CPU test kernels. Line counts and the final lines are those of the kernels as
 * written (one line per test plus {@code done tests=N}, N in hex); changing a kernel's tests means
 * changing its row. A random-sequence seed that once exposed a mismatch stays in the table as a
 * regression case.
 */
public final class KernelCases {

    /** isa-debug-exit status of a kernel that ran to its end: {@code (0x2a << 1) | 1}. */
    static final int EXIT_PASS = 85;
    /** Blocks per random kernel: few long kernels, as every jemu run starts a JVM. */
    static final int RANDOM_BLOCKS = 80;
    static final int RANDOM_STEPS = 12;
    /** The protected-mode kernels also print the line their REP OUTSB test writes. */
    private static final int OUTS_LINE = 1;
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private static final List<KernelCase> ALL = List.of(
            testKernel("realmode", "realmode.asm", List.of(), 128, 0),
            testKernel("pmode", "pmode.asm", List.of(), 162, OUTS_LINE),
            testKernel("pmode-pae", "pmode.asm", List.of("PAE"), 164, OUTS_LINE),
            testKernel("longmode", "longmode.asm", List.of(), 83, 0),
            testKernel("sse", "sse.asm", List.of(), 56, 0),
            new KernelCase("cpumax", new KernelSource.Image("cpumax.asm", List.of()), withCpuMax(), TIMEOUT, EXIT_PASS,
                    95 + 1, doneLine(95)),
            random(RandomProgram.Mode.LONG, 1), random(RandomProgram.Mode.LONG, 0x5eed),
            random(RandomProgram.Mode.PROTECTED, 1), random(RandomProgram.Mode.PROTECTED, 2),
            random(RandomProgram.Mode.REAL, 1),
            new KernelCase("cpubench", new KernelSource.Image("cpubench/cpubench.asm",
                    List.of("ROUNDS=2")), Emulator.STANDARD_OPTIONS, TIMEOUT, EXIT_PASS, 1,
                    // 2 rounds x 1,835,802 instructions, counted by construction (cpubench.asm).
                    Pattern.compile("cpubench rounds=2 insns=3671604 checksum=[0-9a-f]{16}")),
            // The compiled-C guest (gcc): its checksum is compared with QEMU's line by line.
            new KernelCase("cbench", new KernelSource.Made("cbench", List.of("CROUNDS=3")),
                    Emulator.STANDARD_OPTIONS, TIMEOUT, EXIT_PASS, 1,
                    Pattern.compile("cbench rounds=3 checksum=[0-9a-f]{8}")));

    private KernelCases() {
    }

    /** Every case (a JUnit method source). */
    public static Stream<KernelCase> all() {
        return ALL.stream();
    }

    public static KernelCase named(String name) {
        return all().filter(c -> c.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no kernel case named " + name));
    }

    /** The standard options with {@code -cpu max}: the kernel tests what that model adds. */
    private static List<String> withCpuMax() {
        List<String> options = new java.util.ArrayList<>(Emulator.STANDARD_OPTIONS);
        options.addAll(List.of("-cpu", "max"));
        return List.copyOf(options);
    }

    /** A kernel of {@code tests} tests that prints {@code otherLines} lines besides theirs. */
    private static KernelCase testKernel(String name, String path, List<String> defines, int tests,
                                         int otherLines) {
        return new KernelCase(name, new KernelSource.Image(path, defines), Emulator.STANDARD_OPTIONS,
                TIMEOUT, EXIT_PASS, tests + otherLines + 1, doneLine(tests));
    }

    /**
     * A random-sequence case; with the system property {@code jemu.random.trace=true} its kernel
     * prints the state after every step, so that a mismatch names the step that caused it.
     */
    private static KernelCase random(RandomProgram.Mode mode, long seed) {
        boolean trace = Boolean.getBoolean("jemu.random.trace");
        String prefix = switch (mode) {
            case LONG -> "random64-";
            case PROTECTED -> "random32-";
            case REAL -> "random16-";
        };
        int lines = RandomProgram.expectedLines(RANDOM_BLOCKS, RANDOM_STEPS, trace);
        return new KernelCase(prefix + Long.toHexString(seed),
                new KernelSource.Random(mode, seed, RANDOM_BLOCKS, RANDOM_STEPS, trace),
                Emulator.STANDARD_OPTIONS, TIMEOUT, EXIT_PASS, lines,
                doneLine(RANDOM_BLOCKS * (trace ? RANDOM_STEPS + 1 : 1) + 1));
    }

    private static Pattern doneLine(int tests) {
        return Pattern.compile(Pattern.quote(String.format("done tests=%04x", tests)));
    }
}
