package dev.jemu.junit;

import dev.jemu.machine.Console;
import dev.jemu.machine.Machine;
import dev.jemu.machine.MachineBuilder;
import dev.jemu.machine.StopReason;
import org.junit.jupiter.api.Test;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/**
 * The extension, driven through JUnit's launcher on small test classes (nested here, not run
 * on their own): what passes passes, a failure carries the machine's report, the timeout stops
 * the machine, overlays leave the base alone and go away, parallel mode works.
 */
class JemuExtensionTest {
    private static TestExecutionSummary run(Class<?> testClass, Map<String, String> config) {
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request().selectors(selectClass(testClass))
                .configurationParameters(config).build();
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        launcher.execute(request, listener);
        return listener.getSummary();
    }

    private static Throwable onlyFailure(TestExecutionSummary s) {
        assertEquals(1, s.getTotalFailureCount(), () -> "failures: " + s.getFailures());
        return s.getFailures().getFirst().getException();
    }

    static class Boots {
        static MachineBuilder clock() {
            return ClockGuest.machine();
        }

        @BootTest(machine = "clock", timeoutSeconds = 60)
        void runsToItsEnd(Machine machine, Console console) {
            console.expect("clock guest");
            assertEquals("done", console.waitForLine("done|.*fault.*"));
            assertEquals(ClockGuest.DONE, machine.waitForExit(Duration.ofSeconds(60)));
            assertEquals(StopReason.GUEST_SHUTDOWN, machine.stopReason().orElseThrow());
        }
    }

    @Test
    void aBootTestGetsItsRunningMachineAndConsole() {
        TestExecutionSummary s = run(Boots.class, Map.of());
        assertEquals(1, s.getTestsSucceededCount(), () -> "failures: " + s.getFailures());
    }

    static class FailsAnExpect {
        static MachineBuilder clock() {
            return ClockGuest.machine().log("cpu_reset");
        }

        @BootTest(machine = "clock")
        void expectsALoginPrompt(Console console) {
            console.expect("login:");
        }
    }

    @Test
    void aFailureCarriesTheTranscriptTheLogAndTheCpuState() {
        Throwable t = onlyFailure(run(FailsAnExpect.class, Map.of()));
        BootTestFailure f = assertInstanceOf(BootTestFailure.class, t);
        String m = f.getMessage();
        assertTrue(m.startsWith("console: 'login:' did not appear before the machine stopped (exit status 33)"), m);
        assertTrue(f.report().contains("stopped: GUEST_SHUTDOWN, exit status 33"), f.report());
        assertTrue(f.report().contains("serial transcript (last 100 lines):\nclock guest\n"), f.report());
        assertTrue(f.report().contains("\ndone\n"), f.report());
        assertTrue(f.report().matches("(?s).*-d log \\(last \\d+ lines\\):\nCPU Reset\n.*"), f.report());
        assertTrue(f.report().contains("CPU state:\nRAX="), f.report());
    }

    static class RunsOutOfTime {
        static MachineBuilder idle() throws IOException {
            // halts with interrupts off: runs until stopped
            Path k = Files.createTempFile("idle-", ".bin");
            k.toFile().deleteOnExit();
            // a multiboot a.out-kludge header (Multiboot 0.6.96, 3.1.1) then cli; hlt
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(36).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            int flags = 0x10000;
            b.putInt(0x1BADB002).putInt(flags).putInt(-(0x1BADB002 + flags)).putInt(0x100000).putInt(0x100000)
                    .putInt(0x100024).putInt(0x100024).putInt(0x100020).putInt(0xFEEBF4FA);
            Files.write(k, b.array());
            return Machine.builder().memory("16M").kernel(k);
        }

        @BootTest(machine = "idle", timeoutSeconds = 2)
        void waitsForAnExitThatNeverComes(Machine machine) {
            machine.waitForExit();
        }
    }

    @Test
    void theTimeoutStopsTheMachineAndFailsTheTest() {
        Throwable t = onlyFailure(run(RunsOutOfTime.class, Map.of()));
        BootTestFailure f = assertInstanceOf(BootTestFailure.class, t);
        assertTrue(f.getMessage().startsWith("boot test timed out after 2 s"), f.getMessage());
        assertTrue(f.report().contains("stopped: HOST_STOP, exit status 0"), f.report());
        // the vCPU is halted by the hlt at 0x100021 with interrupts off: RIP after it (Intel SDM, HLT)
        assertTrue(f.report().contains("RIP=0000000000100022"), f.report());
    }

    static final Set<Path> overlaysSeen = ConcurrentHashMap.newKeySet();
    static Path base;

    static class UsesAnOverlay {
        static MachineBuilder withOverlay(Disks disks) {
            Path overlay = disks.overlay(base, "raw");
            overlaysSeen.add(overlay);
            return ClockGuest.machine().drive(overlay, "qcow2");
        }

        @BootTest(machine = "withOverlay")
        void bootsWithItsOverlay(Machine machine) throws Exception {
            assertEquals(ClockGuest.DONE, machine.waitForExit(Duration.ofSeconds(60)));
            Path overlay = overlaysSeen.iterator().next();
            Process p = new ProcessBuilder("qemu-img", "info", "-U", overlay.toString()).redirectErrorStream(true).start();
            String info = new String(p.getInputStream().readAllBytes());
            p.waitFor();
            assertTrue(info.contains("file format: qcow2") && info.contains("backing file: " + base)
                    && info.contains("backing file format: raw") && info.contains("virtual size: 1 MiB"), info);
        }
    }

    @Test
    void anOverlayIsAFreshQcow2OverTheBaseAndIsDeletedAfterTheTest() throws Exception {
        base = Files.createTempFile("base-", ".raw");
        try {
            try (RandomAccessFile f = new RandomAccessFile(base.toFile(), "rw")) {
                f.setLength(1 << 20);
            }
            byte[] before = Files.readAllBytes(base);
            TestExecutionSummary s = run(UsesAnOverlay.class, Map.of());
            assertEquals(1, s.getTestsSucceededCount(), () -> "failures: " + s.getFailures());
            assertEquals(1, overlaysSeen.size());
            Path overlay = overlaysSeen.iterator().next();
            assertFalse(Files.exists(overlay), overlay + " is left behind");
            assertFalse(Files.exists(overlay.getParent()), overlay.getParent() + " is left behind");
            assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(base)), "the base changed");
        } finally {
            Files.delete(base);
        }
    }

    static class FourAtOnce {
        static final Set<String> threads = ConcurrentHashMap.newKeySet();

        static MachineBuilder clock() {
            return ClockGuest.machine();
        }

        private static void boot(Console console, Machine machine) {
            threads.add(Thread.currentThread().getName());
            console.expect("done");
            assertEquals(ClockGuest.DONE, machine.waitForExit(Duration.ofSeconds(60)));
            assertEquals("clock guest\n", console.transcript().lines().findFirst().orElseThrow() + "\n");
        }

        @BootTest(machine = "clock")
        void first(Console console, Machine machine) {
            boot(console, machine);
        }

        @BootTest(machine = "clock")
        void second(Console console, Machine machine) {
            boot(console, machine);
        }

        @BootTest(machine = "clock")
        void third(Console console, Machine machine) {
            boot(console, machine);
        }

        @BootTest(machine = "clock")
        void fourth(Console console, Machine machine) {
            boot(console, machine);
        }
    }

    @Test
    void bootTestsRunInJunitsParallelMode() {
        TestExecutionSummary s = run(FourAtOnce.class, Map.of("junit.jupiter.execution.parallel.enabled", "true",
                "junit.jupiter.execution.parallel.mode.default", "concurrent",
                "junit.jupiter.execution.parallel.config.strategy", "fixed",
                "junit.jupiter.execution.parallel.config.fixed.parallelism", "4"));
        assertEquals(4, s.getTestsSucceededCount(), () -> "failures: " + s.getFailures());
        assertTrue(FourAtOnce.threads.size() > 1, "ran on " + FourAtOnce.threads);
    }
}
