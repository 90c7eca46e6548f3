package dev.jemu.devices.serial;

import dev.jemu.core.memory.AddressSpace;
import dev.jemu.core.memory.IrqLine;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Serial16550Test {
    private static final int BASE = 0x3F8;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final boolean[] irq = {false};
    private AddressSpace io;
    private Serial16550 uart;

    @BeforeEach
    void setUp() {
        io = AddressSpace.ioPorts();
        uart = new Serial16550(out, new IrqLine(level -> irq[0] = level));
        io.root().addSubregion(BASE, uart.region("serial0"));
    }

    private int inb(int reg) {
        return (int) io.read(BASE + reg, 1);
    }

    private void outb(int reg, int v) {
        io.write(BASE + reg, v, 1);
    }

    @Test
    void transmitsWrittenBytesAndAlwaysReportsTransmitterEmpty() {
        outb(0, 'h');
        outb(0, 'i');
        assertEquals("hi", out.toString());
        assertEquals(0x60, inb(5));
    }

    @Test
    void divisorLatchIsVisibleOnlyWithDlab() {
        outb(3, 0x80);
        outb(0, 0x01);
        outb(1, 0x00);
        assertEquals(1, inb(0));
        outb(3, 0x03);
        assertEquals(0, inb(1), "IER, not DLM, once DLAB is clear");
        assertEquals(0x03, inb(3));
        assertEquals("", out.toString(), "divisor writes are not transmitted");
    }

    @Test
    void loopbackModeReflectsModemControlInModemStatus() {
        outb(4, 0x1A);
        assertEquals(0x90, inb(6) & 0xF0);
        outb(0, 0x55);
        assertEquals(1, inb(5) & 1, "looped-back byte is ready");
        assertEquals(0x55, inb(0));
        assertEquals("", out.toString());
    }

    @Test
    void receivedByteRaisesDataReadyInterruptUntilRead() {
        outb(1, 0x01);
        uart.receive('x');
        assertTrue(irq[0]);
        assertEquals(0x04, inb(2) & 0x0F);
        assertEquals('x', inb(0));
        assertFalse(irq[0]);
        assertEquals(0x01, inb(2) & 0x0F);
    }

    @Test
    void transmitterEmptyInterruptIsClearedByReadingIir() {
        outb(1, 0x02);
        assertTrue(irq[0], "enabling THRE interrupts with THR empty interrupts at once");
        assertEquals(0x02, inb(2) & 0x0F);
        assertFalse(irq[0]);
        outb(0, 'a');
        assertTrue(irq[0]);
    }

    @Test
    void fullReceiveBufferReportsOverrun() {
        uart.receive('a');
        uart.receive('b');
        assertEquals(0x02, inb(5) & 0x02, "without FIFO only one byte fits");
        outb(2, 0x01);
        assertEquals(0xC0, inb(2) & 0xC0, "FIFO enabled shows in IIR");
        for (int k = 0; k < 16; k++) {
            uart.receive('0' + k);
        }
        assertFalse(uart.canReceive());
    }

    @Test
    void scratchRegisterHoldsAValueAndUnusedComPortsReadAllOnes() {
        outb(7, 0xA5);
        assertEquals(0xA5, inb(7));
        assertEquals(0xFF, io.read(0x2F8 + 7, 1));
    }
}
