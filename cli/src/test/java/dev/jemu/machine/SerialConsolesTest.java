package dev.jemu.machine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Each serial port on stdio is a Console of its own. */
class SerialConsolesTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    /**
     * Says "one" on COM1 and "two" on COM2 (the PC's second UART at 0x2F8), waits for a byte
     * on COM2, writes it to COM1 and leaves with status 67. Polls the line status register
     * (16550: bit 0 data ready, bit 5 transmitter holding register empty).
     */
    private static final String TWO_PORTS = """
            %include "boot32.inc"
            %include "com1.inc"
            main32:
                    mov esi, one
                    call puts
                    call newline
                    mov esi, two
            .tx:    lodsb
                    test al, al
                    jz .rx
                    mov ah, al
                    mov dx, 0x2FD
            .thre:  in al, dx
                    test al, 0x20
                    jz .thre
                    mov al, ah
                    mov dx, 0x2F8
                    out dx, al
                    jmp .tx
            .rx:    mov dx, 0x2FD
                    in al, dx
                    test al, 1
                    jz .rx
                    mov dx, 0x2F8
                    in al, dx
                    call putc
                    call newline
                    mov al, 0x21
                    jmp exit_with
            one:    db "one", 0
            two:    db "two", 10, 0
            image_end:
            """;

    @Test
    void com1AndCom2AreConsolesEachWithItsOwnInputAndOutput(@TempDir Path dir) throws Exception {
        Path kernel = Guests.kernel(dir, "ports", TWO_PORTS);
        try (Machine m = Machine.builder().memory("64M").debugExit().serial("stdio").serial("stdio").kernel(kernel).build()) {
            m.start();
            Console com1 = m.console(0);
            Console com2 = m.console(1);
            assertSame(m.console(), com1);
            com2.expect("two");
            com2.send("z");
            assertEquals(67, m.waitForExit(WAIT));
            assertEquals("one\nz\n", com1.transcript());
            assertEquals("two\n", com2.transcript());
        }
    }

    @Test
    void aPortNotOnStdioHasNoConsole(@TempDir Path dir) throws Exception {
        Path kernel = Guests.kernel(dir, "ports", TWO_PORTS);
        try (Machine m = Machine.builder().memory("64M").kernel(kernel).build()) {
            MachineException e = assertThrows(MachineException.class, () -> m.console(1));
            assertEquals("COM2 has no Console: give it -serial stdio", e.getMessage());
            e = assertThrows(MachineException.class, () -> m.console(2));
            assertEquals("there is no serial port 2 (jemu has COM1 and COM2: ports 0 and 1)", e.getMessage());
        }
    }

    @Test
    void theLauncherStillRefusesStdioTwice() {
        MachineException e = assertThrows(MachineException.class, () -> Machine.attachedTo(java.io.InputStream.nullInputStream(),
                java.io.OutputStream.nullOutputStream(), System.err, java.util.List.of("-serial", "stdio", "-serial", "stdio")));
        assertEquals("-serial stdio: cannot use stdio by multiple character devices", e.getMessage());
    }
}
