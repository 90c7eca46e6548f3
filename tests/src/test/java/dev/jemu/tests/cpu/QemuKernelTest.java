package dev.jemu.tests.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jemu.tests.guest.Emulator;
import dev.jemu.tests.guest.GuestRun;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kernel of the table builds, runs to its end under QEMU (the reference) and prints what
 * the table says: the exit status, the number of lines, no fault outside a fault test, and the
 * expected last line.
 */
class QemuKernelTest {

    @BeforeAll
    static void qemuIsInstalled() {
        assertTrue(Emulator.QEMU.isInstalled(KernelRuns.workspace()),
                "qemu-system-x86_64 is not on PATH (Debian package qemu-system-x86)");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.jemu.tests.cpu.KernelCases#all")
    void runsToItsEndUnderQemuPrintingOneLinePerTest(KernelCase kernelCase) throws Exception {
        GuestRun run = KernelRuns.run(kernelCase, Emulator.QEMU);
        List<String> lines = run.serialLines();

        assertFalse(run.timedOut(), kernelCase + ": " + run.summary());
        assertEquals(kernelCase.exitStatus(), run.exitStatus(), kernelCase + ": " + run.summary());
        assertEquals(List.of(), lines.stream().filter(line -> line.startsWith("unexpected")).toList(),
                kernelCase + ": a fault outside a fault test");
        assertEquals(kernelCase.serialLines(), lines.size(), kernelCase + ": " + run.summary());
        assertTrue(kernelCase.lastLine().matcher(lines.getLast()).matches(),
                kernelCase + ": last line " + lines.getLast());
    }
}
