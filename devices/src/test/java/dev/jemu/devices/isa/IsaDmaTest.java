package dev.jemu.devices.isa;

import dev.jemu.core.memory.AddressSpace;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Both 8237 controllers and their page registers through the PC's ports. Every read-back
 * below was also made by a guest on QEMU 7.2 (after SeaBIOS's own four writes), with the
 * same answers.
 */
class IsaDmaTest {
    private final AddressSpace io = AddressSpace.ioPorts();
    private IsaDma dma1;
    private IsaDma dma2;

    @BeforeEach
    void setUp() {
        dma1 = IsaDma.primary();
        dma2 = IsaDma.secondary();
        for (IsaDma d : new IsaDma[] {dma1, dma2}) {
            io.root().addSubregion(d.registerBase(), d.registerRegion());
            io.root().addSubregion(d.pageRegionBase(), d.pageRegion());
        }
    }

    private int inb(int port) {
        return (int) io.read(port, 1);
    }

    private void outb(int port, int v) {
        io.write(port, v, 1);
    }

    @Test
    void addressAndCountGoThroughTheFlipFlop() {
        outb(0x0C, 0);
        outb(0x02, 0x34);
        outb(0x02, 0x12);
        outb(0x03, 0x78);
        outb(0x03, 0x56);
        assertEquals(0x34, inb(0x02));
        assertEquals(0x12, inb(0x02));
        assertEquals(0x78, inb(0x03));
        assertEquals(0x56, inb(0x03));
    }

    @Test
    void aLowByteAloneChangesOnlyTheBaseRegister() {
        outb(0x0C, 0);
        outb(0x02, 0x34);
        outb(0x02, 0x12);
        outb(0x02, 0x99);
        assertEquals(0x12, inb(0x02), "the flip-flop now points at the high byte");
        outb(0x0C, 0);
        assertEquals(0x34, inb(0x02), "current address keeps 0x1234 until a high byte is written");
        assertEquals(0x12, inb(0x02));
    }

    @Test
    void pageRegistersAtTheirPortsAndNothingElse() {
        outb(0x87, 0x5A);
        outb(0x81, 0x01);
        outb(0x82, 0x02);
        outb(0x83, 0x03);
        outb(0x8F, 0x33);
        assertEquals(0x5A, inb(0x87));
        assertEquals(0x01, inb(0x81));
        assertEquals(0x02, inb(0x82));
        assertEquals(0x03, inb(0x83));
        assertEquals(0x33, inb(0x8F));
        outb(0x84, 0x44);
        assertEquals(0xFF, inb(0x84));
        assertEquals(0xFF, inb(0x88));
        assertEquals(0xFF, inb(0x8C));
        assertEquals(0xFF, inb(0x80), "the POST port is not a page register");
    }

    @Test
    void statusRequestsAndMasks() {
        outb(0x0D, 0);
        assertEquals(0xFF, inb(0x09), "master clear masks every channel");
        assertEquals(0x00, inb(0x08));
        outb(0x09, 0x05);
        assertEquals(0x20, inb(0x08), "software request of channel 1");
        assertEquals(0x20, inb(0x08), "requests survive the read");
        outb(0x09, 0x01);
        assertEquals(0x00, inb(0x08));
        outb(0x0F, 0x0A);
        assertEquals(0x0A, inb(0x09));
        outb(0x0A, 0x04);
        assertEquals(0x0B, inb(0x09));
        outb(0x0A, 0x01);
        assertEquals(0x09, inb(0x09));
        outb(0x0E, 0);
        assertEquals(0x00, inb(0x09));
        assertEquals(0x00, inb(0x0A), "other control ports read 0");
        assertEquals(0x00, inb(0x0F));
    }

    @Test
    void secondControllerUsesEvenPortsWithOddAliases() {
        outb(0xDA, 0);
        outb(0xD6, 0xC0);
        outb(0xD4, 0x00);
        assertEquals(0xFE, inb(0xD2), "SeaBIOS's set-up unmasks the cascade channel");
        assertEquals(0xFE, inb(0xD3));
        assertEquals(0xC0, dma2.mode(0));
        outb(0xD8, 0);
        outb(0xC4, 0x78);
        outb(0xC4, 0x56);
        assertEquals(0x78, inb(0xC4));
        assertEquals(0x56, inb(0xC5));
    }

    @Test
    void commandRegisterTakesOnlyControllerDisable() {
        outb(0x08, 0x04);
        assertTrue(dma1.isDisabled());
        outb(0x08, 0x10);
        assertTrue(dma1.isDisabled(), "an unsupported command is refused");
        outb(0x08, 0x00);
        assertFalse(dma1.isDisabled());
    }

    @Test
    void modeRegisterIsPerChannel() {
        outb(0x0B, 0x46);
        outb(0x0B, 0x5B);
        assertEquals(0x46, dma1.mode(2));
        assertEquals(0x5B, dma1.mode(3));
    }

    @Test
    void resetIsAMasterClear() {
        outb(0x0E, 0);
        outb(0x09, 0x06);
        outb(0x87, 0x12);
        outb(0x0C, 0);
        outb(0x00, 0x11);
        dma1.reset();
        assertEquals(0xFF, inb(0x09));
        assertEquals(0x00, inb(0x08));
        assertEquals(0x12, inb(0x87), "pages are kept");
        outb(0x00, 0x22);
        outb(0x00, 0x33);
        assertEquals(0x22, inb(0x00), "the flip-flop was cleared");
        assertEquals(0x33, inb(0x00));
    }
}
