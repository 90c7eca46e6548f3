package dev.jemu.devices.pci;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.jemu.devices.pci.PciTestMachine.devfn;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The PIIX3 ISA bridge at 01.0 through conf1: power-on values from the 82371SB datasheet,
 * PIRQ routing as QEMU's pc machine does it, the reset control register at 0xCF9.
 */
class Piix3IsaTest {
    private final PciTestMachine m = new PciTestMachine();
    private final List<String> irqEvents = new ArrayList<>();
    private final boolean[] irq = new boolean[16];
    private int resets;
    private Piix3Isa piix3;
    private PciBusTest.TestFunction slot2;
    private PciBusTest.TestFunction slot3;

    @BeforeEach
    void setUp() {
        piix3 = new Piix3Isa((n, level) -> {
            irq[n] = level;
            irqEvents.add(n + "=" + level);
        }, () -> resets++);
        m.bus.plug(piix3, Piix3Isa.DEVFN);
        m.bus.setIntxRouter(piix3);
        m.conf1.setResetControl(piix3.resetControl());
        slot2 = new PciBusTest.TestFunction("slot2", 1, false);
        slot3 = new PciBusTest.TestFunction("slot3", 1, false);
        m.bus.plug(slot2, devfn(2, 0));
        m.bus.plug(slot3, devfn(3, 0));
    }

    private void route(int pirq, int value) {
        m.configWrite(Piix3Isa.DEVFN, Piix3Isa.PIRQRC + pirq, value, 1);
    }

    @Test
    void powerOnConfigurationMatchesTheDatasheet() {
        int d = Piix3Isa.DEVFN;
        assertEquals(0x7000_8086L, m.configRead(d, 0, 4));
        assertEquals(0x0200_0007L, m.configRead(d, PciDevice.COMMAND, 4), "PCISTS 0200h, PCICMD 0007h");
        assertEquals(0x0601_0000L, m.configRead(d, 8, 4), "ISA bridge");
        assertEquals(0x80L, m.configRead(d, PciDevice.HEADER_TYPE, 1), "multi-function");
        assertEquals(0x8080_8080L, m.configRead(d, 0x60, 4), "PIRQRC[A:D] disabled");
        assertEquals(0x4DL, m.configRead(d, 0x4C, 1), "IORT");
        assertEquals(0x03L, m.configRead(d, 0x4E, 1), "XBCS");
        assertEquals(0x02L, m.configRead(d, 0x69, 1), "TOM");
        assertEquals(0x80L, m.configRead(d, 0x70, 1), "MBIRQ0");
        assertEquals(0x0C0CL, m.configRead(d, 0x76, 2), "MBDMA");
    }

    @Test
    void unroutedPirqDrivesNoIrq() {
        slot2.interrupt(true);
        assertEquals(List.of(), irqEvents);
        assertEquals(-1, piix3.routeOf(1));
    }

    @Test
    void routedPirqFollowsTheFunctionsLevel() {
        route(1, 11);
        slot2.interrupt(true);
        assertEquals(List.of("11=true"), irqEvents, "slot 2 INTA is PIRQB");
        slot2.interrupt(false);
        assertEquals(List.of("11=true", "11=false"), irqEvents);
    }

    @Test
    void twoPirqsOnOneIrqAreOred() {
        route(1, 10);
        route(2, 10);
        slot2.interrupt(true);
        slot3.interrupt(true);
        slot2.interrupt(false);
        assertEquals(List.of("10=true"), irqEvents);
        slot3.interrupt(false);
        assertEquals(List.of("10=true", "10=false"), irqEvents);
    }

    @Test
    void reroutingAnAssertedPirqMovesItsLevel() {
        route(1, 11);
        slot2.interrupt(true);
        route(1, 10);
        assertEquals(List.of("11=true", "10=true", "11=false"), irqEvents);
        route(1, Piix3Isa.PIRQ_DISABLED | 10);
        assertEquals(false, irq[10], "bit 7 disables the route");
        m.configWrite(Piix3Isa.DEVFN, Piix3Isa.PIRQRC, 0x0B0B_0B80L, 4);
        assertEquals(true, irq[11], "a dword write reroutes B, C and D at once");
    }

    @Test
    void reservedBitsLeaveTheLineUnroutedAsInQemu() {
        route(1, 0x2B);
        slot2.interrupt(true);
        assertEquals(List.of(), irqEvents);
        assertEquals(0x2BL, m.configRead(Piix3Isa.DEVFN, 0x61, 1));
    }

    @Test
    void resetControlKeepsSrstAndResetsOnRcpu() {
        m.io.write(Piix3Isa.RESET_CONTROL_PORT, 0x02, 1);
        assertEquals(0x02L, m.io.read(Piix3Isa.RESET_CONTROL_PORT, 1));
        assertEquals(0, resets);
        m.io.write(Piix3Isa.RESET_CONTROL_PORT, 0x06, 1);
        assertEquals(1, resets);
        m.io.write(Piix3Isa.RESET_CONTROL_PORT, 0x04, 1);
        assertEquals(2, resets, "soft reset is a hard reset too, as in QEMU");
        m.io.write(Piix3Isa.RESET_CONTROL_PORT, 0x09, 1);
        assertEquals(0x00L, m.io.read(Piix3Isa.RESET_CONTROL_PORT, 1), "only SRST is kept");
    }

    @Test
    void resetDisablesRoutingAndLowersRoutedIrqs() {
        route(0, 5);
        route(1, 11);
        slot2.interrupt(true);
        m.io.write(Piix3Isa.RESET_CONTROL_PORT, 0x02, 1);
        piix3.reset();
        assertEquals(false, irq[11]);
        assertEquals(0x8080_8080L, m.configRead(Piix3Isa.DEVFN, 0x60, 4));
        assertEquals(0L, m.io.read(Piix3Isa.RESET_CONTROL_PORT, 1));
    }
}
