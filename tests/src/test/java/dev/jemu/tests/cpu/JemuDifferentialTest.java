package dev.jemu.tests.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jemu.tests.guest.Emulator;
import dev.jemu.tests.guest.GuestRun;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The differential harness: each kernel that the table compares runs under QEMU and under
 * {@code bin/jemu}, on its default (translating) CPU tier, with every block translated the
 * first time it runs, and on the interpreter alone, and
 * the serial output must be identical line by line; a failure names the
 * first differing line, its test and the differing fields.
 *
 * <p>To locate the instruction behind a random-sequence mismatch:
 * {@code mvn -pl tests test -Dtest=JemuDifferentialTest -Djemu.random.trace=true}
 * (the kernels' sources and both serial logs stay in {@code tests/target/kernels} and
 * {@code tests/target/runs}).
 */
class JemuDifferentialTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.jemu.tests.cpu.KernelCases#all")
    void printsTheSameSerialOutputAsQemu(KernelCase kernelCase) throws Exception {
        compare(kernelCase, List.of(), "-Djemu.cpu.translateAfter=1", "");
    }

    /** The same on jemu's interpreter alone ({@code -accel tcg,tier=interp}). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.jemu.tests.cpu.KernelCases#all")
    void printsTheSameSerialOutputAsQemuOnTheInterpreter(KernelCase kernelCase) throws Exception {
        compare(kernelCase, List.of("-accel", "tcg,tier=interp"), "", ".interp");
    }

    private static void compare(KernelCase kernelCase, List<String> jemuOptions, String javaOptions, String variant)
            throws Exception {
        assertTrue(Emulator.JEMU.isInstalled(KernelRuns.workspace()),
                "jemu is not built (bin/jemu, cli/target/jemu-cli.jar, cli/target/lib):"
                        + " run 'mvn -DskipTests install' first");
        GuestRun qemu = KernelRuns.run(kernelCase, Emulator.QEMU);
        GuestRun jemu = KernelRuns.run(kernelCase, Emulator.JEMU, jemuOptions, javaOptions, variant);

        assertFalse(jemu.timedOut(), kernelCase + " under jemu: " + jemu.summary());
        SerialDiff.firstMismatch(qemu.serialLines(), jemu.serialLines()).ifPresent(mismatch ->
                fail(kernelCase + ": " + mismatch.describe("qemu", "jemu") + "\n  (jemu: "
                        + jemu.summary() + ")"));
        assertEquals(qemu.exitStatus(), jemu.exitStatus(), kernelCase + " under jemu: " + jemu.summary());
    }
}
