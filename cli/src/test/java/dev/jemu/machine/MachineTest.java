package dev.jemu.machine;

import dev.jemu.core.x86.Cpu;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The embedding API on small multiboot guests: console, run control, inspection, how a run ends. */
class MachineTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    /** Echoes COM1 input in upper case; 'q' leaves through isa-debug-exit with 0x21 (status 67). */
    private static final String ECHO = """
            %include "boot32.inc"
            %include "com1.inc"
            main32:
                    mov esi, ready
                    call puts
                    call newline
            .poll:  mov dx, 0x3FD
                    in al, dx
                    test al, 1
                    jz .poll
                    mov dx, 0x3F8
                    in al, dx
                    cmp al, 'q'
                    je .quit
                    cmp al, 'a'
                    jb .out
                    cmp al, 'z'
                    ja .out
                    sub al, 0x20
            .out:   call putc
                    jmp .poll
            .quit:  mov al, 0x21
                    jmp exit_with
            ready:  db "ready", 0
            image_end:
            """;

    private static List<String> args(Path kernel, String... more) {
        List<String> a = new ArrayList<>(Guests.COMMON);
        a.addAll(List.of(more));
        a.addAll(List.of("-kernel", kernel.toString()));
        return a;
    }

    @Test
    void consoleExpectsTypesAndTheGuestsExitStatusEndsTheRun(@TempDir Path dir) throws Exception {
        Path kernel = Guests.kernel(dir, "echo", ECHO);
        try (Machine m = Machine.fromArgs(args(kernel))) {
            Console c = m.start().console();
            c.expect("ready");
            c.send("hello, jemu\n");
            assertEquals("HELLO, JEMU", c.waitForLine("HELLO.*", WAIT));
            c.send("q");
            assertEquals(67, m.waitForExit(WAIT));
            assertEquals(StopReason.GUEST_SHUTDOWN, m.stopReason().orElseThrow());
            assertEquals("ready\nHELLO, JEMU\n", c.transcript());
        }
    }

    @Test
    void expectFailsAtOnceWhenTheMachineStopsAndQuotesTheTranscript(@TempDir Path dir) throws Exception {
        Path kernel = Guests.clockGuest(dir);
        try (Machine m = Machine.fromArgs(args(kernel, "-icount", "shift=3"))) {
            Console c = m.start().console();
            ConsoleTimeoutException e = assertThrows(ConsoleTimeoutException.class,
                    () -> c.expect(java.util.regex.Pattern.compile("login:"), WAIT));
            assertTrue(e.getMessage().contains("did not appear before the machine stopped (exit status 33)"), e.getMessage());
            assertTrue(e.transcript().startsWith("clock guest\n") && e.transcript().endsWith("done\n"), e.transcript());
            assertEquals(Guests.DONE, m.waitForExit(WAIT));
        }
    }

    @Test
    void pausedMachineShowsItsRegistersAndMemory(@TempDir Path dir) throws Exception {
        Path kernel = Guests.kernel(dir, "echo", ECHO);
        byte[] image = Files.readAllBytes(kernel);
        try (Machine m = Machine.fromArgs(args(kernel))) {
            m.start().console().expect("ready");
            m.pause();
            assertTrue(m.isPaused());
            Registers r = m.registers();
            long count = m.instructionCount();
            assertEquals(count, r.instructions());
            // the guest runs its own code, loaded at 1 MiB (the multiboot a.out kludge), in
            // protected mode with boot32.inc's flat selectors
            assertTrue(r.rip() >= 0x100000 && r.rip() < 0x100000 + image.length, r.toString());
            assertEquals(1, r.cr0() & 1, r.toString());
            assertEquals(0x08, r.segments()[Cpu.CS], r.toString());
            assertEquals(0x10, r.segments()[Cpu.DS], r.toString());
            byte[] memory = m.readMemory(0x100000, image.length);
            for (int i = 0; i < image.length; i++) {
                // the one change: segment loads set the Accessed bit (bit 0 of byte 5) of the
                // descriptors in boot32.inc's GDT, 8-aligned after the 24-byte multiboot header
                // (Intel SDM vol. 3, 3.4.5.1)
                if (memory[i] != image[i]) {
                    assertTrue((memory[i] ^ image[i]) == 1 && (i - 24) % 8 == 5 && i < 24 + 14 * 8, "byte " + i + " of the image");
                }
            }
            assertArrayEquals(Arrays.copyOf(image, 24), Arrays.copyOf(memory, 24), "the multiboot header");
            assertEquals(count, m.instructionCount(), "a paused vCPU executes nothing");
            m.resume();
            m.console().send("q");
            assertEquals(67, m.waitForExit(WAIT));
        }
    }

    /** A multiboot a.out-kludge kernel (Multiboot 0.6.96, 3.1.1) whose code at 0x100020 is cli; hlt; jmp $. */
    private static Path haltingKernel(Path dir) throws java.io.IOException {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(36).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int flags = 0x10000;
        b.putInt(0x1BADB002).putInt(flags).putInt(-(0x1BADB002 + flags)).putInt(0x100000).putInt(0x100000)
                .putInt(0x100024).putInt(0x100024).putInt(0x100020).putInt(0xFEEBF4FA);
        return Files.write(dir.resolve("halt.bin"), b.array());
    }

    @ParameterizedTest
    @ValueSource(strings = {"host-time", "-icount"})
    void aHaltedGuestPausesToo(String time, @TempDir Path dir) throws Exception {
        List<String> a = new ArrayList<>(List.of("-m", "16M", "-display", "none", "-kernel", haltingKernel(dir).toString()));
        if (time.equals("-icount")) {
            a.addAll(List.of("-icount", "shift=0"));
        }
        try (Machine m = Machine.fromArgs(a)) {
            m.start();
            // the guest halts with interrupts off after its first instruction; wait for it there
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (m.instructionCount() < 2 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            m.pause();
            // HLT leaves RIP at the next instruction (Intel SDM vol. 2, HLT)
            assertEquals(0x100022, m.registers().rip());
            assertEquals(2, m.registers().instructions());
            m.resume();
            assertFalse(m.isPaused());
        }
    }

    @Test
    void inspectionOfARunningMachineIsRefused(@TempDir Path dir) throws Exception {
        Path kernel = Guests.kernel(dir, "echo", ECHO);
        try (Machine m = Machine.fromArgs(args(kernel))) {
            m.start().console().expect("ready");
            MachineException e = assertThrows(MachineException.class, m::registers);
            assertEquals("registers: the machine is running; pause() it first", e.getMessage());
        }
    }

    @Test
    void stopEndsARunningMachineAsTheHostsStop(@TempDir Path dir) throws Exception {
        Path kernel = Guests.kernel(dir, "echo", ECHO);
        Machine m = Machine.fromArgs(args(kernel));
        m.start().console().expect("ready");
        m.stop();
        assertTrue(m.hasEnded());
        assertEquals(0, m.exitStatus());
        assertEquals(StopReason.HOST_STOP, m.stopReason().orElseThrow());
        m.close();
    }

    @Test
    void tripleFaultUnderNoRebootEndsWithGuestReset(@TempDir Path dir) throws Exception {
        Path kernel = Guests.kernel(dir, "fault", """
                %include "boot32.inc"
                main32:
                        lidt [bad_idt]
                        int3
                bad_idt: dw 0
                        dd 0
                image_end:
                """);
        try (Machine m = Machine.fromArgs(args(kernel, "-no-reboot"))) {
            assertEquals(0, m.start().waitForExit(WAIT));
            assertEquals(StopReason.GUEST_RESET, m.stopReason().orElseThrow());
        }
    }

    @Test
    void badWordsAreRefusedWithTheLaunchersMessage() {
        MachineException e = assertThrows(MachineException.class, () -> Machine.fromArgs("-m", "64M", "-kernel", "/nonexistent/k.bin"));
        assertEquals("-kernel /nonexistent/k.bin: Could not open '/nonexistent/k.bin': No such file or directory", e.getMessage());
        e = assertThrows(MachineException.class, () -> Machine.fromArgs("-icount", "shift=auto"));
        assertEquals("-icount shift=auto: shift=auto (adaptive icount) is not supported by jemu; give shift=N", e.getMessage());
    }

    @Test
    void builderMakesTheWordsOfTheCommandLine(@TempDir Path dir) throws Exception {
        Path kernel = Guests.clockGuest(dir);
        MachineBuilder b = Machine.builder().memory("64M").debugExit().icount(3).rtcBase("2024-01-01T00:00:00").kernel(kernel);
        assertEquals(List.of("-display", "none", "-m", "64M", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
                "-icount", "shift=3", "-rtc", "base=2024-01-01T00:00:00", "-kernel", kernel.toString(), "-serial", "stdio"),
                b.args());
        try (Machine m = b.build()) {
            m.start().console().expect("done");
            assertEquals(Guests.DONE, m.waitForExit(WAIT));
        }
    }

    @Test
    void severalMachinesRunAtOnceEachWithItsOwnConsoleAndLog(@TempDir Path dir) throws Exception {
        Path kernel = Guests.kernel(dir, "echo", ECHO);
        Path kernel2 = Guests.kernel(Files.createDirectories(dir.resolve("b")), "echo", ECHO.replace("\"ready\"", "\"other\""));
        try (Machine a = Machine.fromArgs(args(kernel, "-d", "cpu_reset"));
             Machine b = Machine.fromArgs(args(kernel2))) {
            a.start();
            b.start();
            a.console().expect("ready");
            b.console().expect("other");
            a.console().send("a");
            b.console().send("b");
            a.console().expect("A");
            b.console().expect("B");
            assertEquals("ready\nA", a.console().transcript());
            assertEquals("other\nB", b.console().transcript());
            assertTrue(a.logLines().contains("CPU Reset"), a.logLines().toString());
            assertFalse(b.logLines().contains("CPU Reset"), "machine b has no -d: " + b.logLines());
        }
    }

    @Test
    void eachMachineReportsItsOwnUnimplementedOpcodes(@TempDir Path dir) throws Exception {
        // GETSEC (0F 37, SMX) is not implemented; with no IDT its #UD ends in a triple fault
        Path kernel = Guests.kernel(dir, "getsec", """
                %include "boot32.inc"
                main32:
                        lidt [no_idt]
                        getsec
                no_idt: dw 0
                        dd 0
                image_end:
                """);
        for (String name : List.of("first", "second")) {
            try (Machine m = Machine.fromArgs(args(kernel, "-no-reboot", "-d", "unimp"))) {
                assertEquals(0, m.start().waitForExit(WAIT));
                List<String> unimp = m.logLines().stream().filter(l -> l.startsWith("unimplemented instruction")).toList();
                assertEquals(1, unimp.size(), name + " machine: " + m.logLines());
                assertTrue(unimp.get(0).endsWith(": 0f 37"), unimp.get(0));
            }
        }
    }
}
