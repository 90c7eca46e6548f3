package dev.jemu.tests.conformance;

import dev.jemu.tests.guest.Emulator;
import dev.jemu.tests.guest.GuestProcess;
import dev.jemu.tests.guest.GuestRun;
import dev.jemu.tests.guest.Workspace;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * kvm-unit-tests' x86_64 kernels that QEMU 7.2 TCG passes, each run on QEMU and on jemu with
 * QEMU's command line for them (pc-testdev, isa-debug-exit at 0xF4, pci-testdev, 256 MiB). A
 * kernel reports through isa-debug-exit: status 1 pass, 3 fail, 77 skip; {@code -no-reboot} turns
 * a triple fault into an exit. QEMU must pass each, and jemu too, except the kernels of
 * {@link #KNOWN_JEMU_FAILURES}.
 */
class KvmUnitTestsTest {
    static final List<String> OPTIONS = List.of("-accel", "tcg", "-nodefaults", "-display", "none",
            "-serial", "stdio", "-device", "pc-testdev", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x4",
            "-device", "pci-testdev", "-m", "256", "-no-reboot");
    /**
     * Kernels QEMU passes and jemu does not yet, with the cause (also listed in the README). The
     * test requires them to fail on jemu, so that a fix shows up as a failure to update the list.
     */
    static final Map<String, String> KNOWN_JEMU_FAILURES = Map.of();
    /** A kernel's own options from x86/unittests.cfg ({@code qemu_params}) where it needs a CPU model. */
    private static final Map<String, List<String>> KERNEL_OPTIONS = Map.of("smap", List.of("-cpu", "max"));
    /** QEMU's bound for sieve (unittests.cfg) is 180 s; the others take it a second or two. */
    private static final Duration QEMU_TIMEOUT = Duration.ofMinutes(5);
    /** The other kernels take jemu seconds. */
    private static final Duration JEMU_TIMEOUT = Duration.ofMinutes(5);
    /** jemu interprets every instruction: sieve's three 100-million-number sieves took it 755 s on a loaded 2-core host. */
    private static final Duration JEMU_SIEVE_TIMEOUT = Duration.ofMinutes(40);

    private static Workspace workspace;
    private static Path kernels;

    @BeforeAll
    static void build() throws Exception {
        workspace = Workspace.current();
        assertTrue(Emulator.QEMU.isInstalled(workspace), "qemu-system-x86_64 is not on PATH");
        assertTrue(Emulator.JEMU.isInstalled(workspace), "bin/jemu is not runnable (package the cli module first)");
        kernels = Suites.build(workspace).resolve("kvm-unit-tests/x86");
    }

    /** The outcome of a kernel run, from the isa-debug-exit status. */
    static String outcome(GuestRun run) {
        if (run.timedOut()) {
            return "TIMEOUT";
        }
        return switch (run.exitStatus()) {
            case 1 -> "PASS";
            case 3 -> "FAIL";
            case 77 -> "SKIP";
            default -> "EXIT " + run.exitStatus();
        };
    }

    private static GuestRun run(Emulator emulator, String name, Duration timeout) throws Exception {
        List<String> options = new ArrayList<>(OPTIONS);
        options.addAll(KERNEL_OPTIONS.getOrDefault(name, List.of()));
        List<String> command = emulator.command(workspace, options, kernels.resolve(name + ".flat"));
        return GuestProcess.run(command, emulator.environment(), timeout, workspace.buildDir("conformance-runs"),
                name + "." + emulator.displayName());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"realmode", "setjmp", "memory", "syscall", "umip", "smap", "eventinj", "rmap_chain", "smptest",
        "sieve"})
    void passesWhereQemuPasses(String name) throws Exception {
        GuestRun qemu = run(Emulator.QEMU, name, QEMU_TIMEOUT);
        GuestRun jemu = run(Emulator.JEMU, name, name.equals("sieve") ? JEMU_SIEVE_TIMEOUT : JEMU_TIMEOUT);
        String q = outcome(qemu);
        String j = outcome(jemu);
        System.out.printf("kvm-unit-tests %s: qemu %s (%d s), jemu %s (%d s)%n", name, q, qemu.elapsed().toSeconds(),
                j, jemu.elapsed().toSeconds());
        String failures = jemu.serialLines().stream().filter(l -> l.startsWith("FAIL")).collect(Collectors.joining("; "));
        assertEquals("PASS", q, name + ": QEMU " + qemu.summary());
        if (KNOWN_JEMU_FAILURES.containsKey(name)) {
            assertNotEquals("PASS", j, name + " now passes on jemu: remove it from KNOWN_JEMU_FAILURES and the README");
            return;
        }
        assertTrue(j.equals("PASS"), name + ": jemu " + j + " where QEMU " + q + " (" + jemu.summary()
                + (failures.isEmpty() ? "" : ", " + failures) + ", last line: "
                + (jemu.serialLines().isEmpty() ? "none" : jemu.serialLines().getLast()) + ")");
    }
}
