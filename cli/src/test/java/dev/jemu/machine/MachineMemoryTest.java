package dev.jemu.machine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Guest memory from the embedding program: physical writes, and virtual reads and writes through the guest's paging. */
class MachineMemoryTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    /**
     * Turns on 32-bit paging with 4 MiB pages (Intel SDM vol. 3, 4.3: CR4.PSE, a PDE with PS
     * maps bits 31:22): 0-4 MiB identity, linear 0x40000000 (PDE 0x100) onto physical
     * 0x800000; writes "jemu" at linear 0x40000000, says "ready", and after a byte on COM1
     * prints the two bytes at linear 0x40000000 and leaves with status 67.
     */
    private static final String PAGING = """
            %include "boot32.inc"
            %include "com1.inc"
            PD equ 0x300000
            main32:
                    mov edi, PD
                    xor eax, eax
                    mov ecx, 1024
                    rep stosd
                    mov dword [PD], 0x00000083
                    mov dword [PD + 0x100 * 4], 0x00800083
                    mov eax, cr4
                    or eax, 0x10
                    mov cr4, eax
                    mov eax, PD
                    mov cr3, eax
                    mov eax, cr0
                    or eax, 0x80000000
                    mov cr0, eax
                    mov dword [0x40000000], 'jemu'
                    mov esi, ready
                    call puts
                    call newline
            .poll:  mov dx, 0x3FD
                    in al, dx
                    test al, 1
                    jz .poll
                    mov al, [0x40000000]
                    call putc
                    mov al, [0x40000001]
                    call putc
                    call newline
                    mov al, 0x21
                    jmp exit_with
            ready:  db "ready", 0
            image_end:
            """;

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void virtualMemoryGoesThroughTheGuestsPageTablesAndWritesReachTheGuest(@TempDir Path dir) throws Exception {
        Path kernel = Guests.kernel(dir, "paging", PAGING);
        List<String> a = new ArrayList<>(Guests.COMMON);
        a.addAll(List.of("-kernel", kernel.toString()));
        try (Machine m = Machine.fromArgs(a)) {
            Console c = m.start().console();
            c.expect("ready");
            m.pause();
            assertArrayEquals(ascii("jemu"), m.readVirtual(0x40000000L, 4));
            assertArrayEquals(ascii("jemu"), m.readMemory(0x800000, 4), "the 4 MiB page's frame");
            // a range that crosses from the identity page into an unmapped one
            MachineException e = assertThrows(MachineException.class, () -> m.readVirtual(0x3FFFFEL, 4));
            assertEquals("readVirtual: guest virtual address range 0x3ffffe+4 is not mapped", e.getMessage());
            e = assertThrows(MachineException.class, () -> m.writeVirtual(0x3FFFFEL, ascii("ABCD")));
            assertEquals("writeVirtual: guest virtual address range 0x3ffffe+4 is not mapped", e.getMessage());
            assertArrayEquals(new byte[2], m.readMemory(0x3FFFFE, 2), "a refused write writes nothing");
            m.writeVirtual(0x40000000L, ascii("X"));
            m.writeMemory(0x800001, ascii("Y"));
            assertArrayEquals(ascii("XYmu"), m.readMemory(0x800000, 4));
            m.resume();
            c.send("go");
            assertEquals(67, m.waitForExit(WAIT));
            assertEquals("ready\nXY\n", c.transcript());
        }
    }

    @Test
    void writeMemoryBeforeStartIsWhatTheGuestRuns(@TempDir Path dir) throws Exception {
        Path kernel = Guests.kernel(dir, "hello", """
                %include "boot32.inc"
                %include "com1.inc"
                main32:
                        mov esi, text
                        call puts
                        call newline
                        mov al, 0x21
                        jmp exit_with
                text:   db "hello", 0
                image_end:
                """);
        List<String> a = new ArrayList<>(Guests.COMMON);
        a.addAll(List.of("-kernel", kernel.toString()));
        try (Machine m = Machine.fromArgs(a)) {
            byte[] image = java.nio.file.Files.readAllBytes(kernel);
            int text = indexOf(image, ascii("hello"));
            m.writeMemory(0x100000 + text, ascii("HELLO"));
            // paging is off before the guest runs: a virtual address is the physical one
            assertArrayEquals(ascii("HELLO"), m.readVirtual(0x100000L + text, 5));
            m.start();
            assertEquals(67, m.waitForExit(WAIT));
            assertEquals("HELLO\n", m.console().transcript());
        }
    }

    private static int indexOf(byte[] in, byte[] what) {
        for (int i = 0; i + what.length <= in.length; i++) {
            if (java.util.Arrays.equals(in, i, i + what.length, what, 0, what.length)) {
                return i;
            }
        }
        throw new AssertionError("not in the image");
    }

    @Test
    void writesToARunningMachineAreRefused(@TempDir Path dir) throws Exception {
        Path kernel = Guests.kernel(dir, "paging", PAGING);
        List<String> a = new ArrayList<>(Guests.COMMON);
        a.addAll(List.of("-kernel", kernel.toString()));
        try (Machine m = Machine.fromArgs(a)) {
            m.start().console().expect("ready");
            MachineException e = assertThrows(MachineException.class, () -> m.writeMemory(0x800000, ascii("Z")));
            assertEquals("writeMemory: the machine is running; pause() it first", e.getMessage());
            e = assertThrows(MachineException.class, () -> m.readVirtual(0x40000000L, 1));
            assertEquals("readVirtual: the machine is running; pause() it first", e.getMessage());
        }
    }
}
