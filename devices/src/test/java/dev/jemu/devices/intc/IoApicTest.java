package dev.jemu.devices.intc;

import dev.jemu.core.machine.DeviceTimers;
import dev.jemu.core.machine.GuestClock;
import dev.jemu.core.memory.AddressSpace;
import dev.jemu.core.memory.ContainerRegion;
import dev.jemu.core.memory.IrqLine;
import dev.jemu.core.sync.BigLock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The IO-APIC driven through its register window at 0xFEC00000 as Linux's io_apic.c
 * programs it, delivering to a real local APIC. Expected values from the 82093AA datasheet
 * (register layout, reset masks, remote IRR and EOI behaviour of level-triggered entries)
 * and QEMU 7.2 (version 0x20, 24 pins: version register 0x00170020).
 */
class IoApicTest {
    private static final long BASE = 0xFEC0_0000L;
    private static final long APIC = 0xFEE0_0000L;

    private final BigLock bql = new BigLock();
    private final DeviceTimers timers = new DeviceTimers(GuestClock.manual(), bql);
    private final AddressSpace memory = new AddressSpace("memory", new ContainerRegion("system", 1L << 32));
    private boolean intr;
    private int nmis;
    private Lapic lapic;
    private IoApic ioapic;

    @BeforeEach
    void setUp() {
        bql.lock();
        lapic = new Lapic(bql, timers, level -> intr = level, () -> nmis++, () -> 0x08);
        ioapic = new IoApic(lapic);
        lapic.setEoiBroadcast(ioapic::eoi);
        memory.root().addSubregion(Lapic.DEFAULT_BASE, lapic.region());
        memory.root().addSubregion(IoApic.DEFAULT_BASE, ioapic.region());
        memory.write(APIC + Lapic.REG_SVR, 0x1FF, 4);
    }

    @AfterEach
    void tearDown() {
        bql.unlock();
    }

    private int reg(int index) {
        memory.write(BASE, index, 4);
        return (int) memory.read(BASE + 0x10, 4);
    }

    private void setReg(int index, int value) {
        memory.write(BASE, index, 4);
        memory.write(BASE + 0x10, value & 0xFFFF_FFFFL, 4);
    }

    private void route(int pin, long entry) {
        setReg(0x11 + 2 * pin, (int) (entry >>> 32));
        setReg(0x10 + 2 * pin, (int) entry);
    }

    private int ack() {
        return lapic.acknowledge();
    }

    private void eoi() {
        memory.write(APIC + Lapic.REG_EOI, 0, 4);
    }

    @Test
    void resetValues() {
        assertEquals(0x0017_0020, reg(0x01), "version 0x20, maximum redirection entry 23");
        assertEquals(0, reg(0x00));
        for (int pin = 0; pin < 24; pin++) {
            assertEquals(0x0001_0000, reg(0x10 + 2 * pin), "entry " + pin + " masked at reset");
            assertEquals(0, reg(0x11 + 2 * pin));
        }
    }

    @Test
    void idAndEntryBitsAreWritableButStatusBitsAreNot() {
        setReg(0x00, 0x0A00_0000);
        assertEquals(0x0A00_0000, reg(0x00));
        assertEquals(0x0A00_0000, reg(0x02), "arbitration ID follows the ID");
        setReg(0x10, 0xFFFF_FFFF);
        assertEquals(0x0001_AFFF, reg(0x10), "delivery status (12) and remote IRR (14) are read-only");
        setReg(0x11, 0xFFFF_FFFF);
        assertEquals(0xFF00_0000, reg(0x11), "only the destination field of the high half");
    }

    @Test
    void edgeTriggeredPinSendsItsVectorOnEachRisingEdge() {
        IrqLine line = new IrqLine(ioapic.input(2));
        route(2, 0x30);
        line.raise();
        assertTrue(intr);
        assertEquals(0x30, ack());
        eoi();
        assertFalse(intr, "a held edge-triggered input sends one message");
        line.lower();
        line.raise();
        assertEquals(0x30, ack());
    }

    @Test
    void maskedPinSendsNothing() {
        IrqLine line = new IrqLine(ioapic.input(4));
        route(4, 0x1_0031);
        line.pulse();
        assertFalse(intr);
    }

    @Test
    void levelTriggeredPinWaitsForTheEoiAndResendsWhileAsserted() {
        IrqLine line = new IrqLine(ioapic.input(10));
        route(10, 0x8000 | 0x41);
        line.raise();
        assertEquals(0x41, ack());
        assertEquals(0x4000, reg(0x10 + 20) & 0x4000, "remote IRR set while the CPU services it");
        assertFalse(intr, "no second message before the EOI");
        eoi();
        assertTrue(intr, "still asserted after the EOI: sent again");
        assertEquals(0x41, ack());
        line.lower();
        eoi();
        assertEquals(0, reg(0x10 + 20) & 0x4000);
        assertFalse(intr);
    }

    @Test
    void unmaskingAnAssertedLevelPinDeliversIt() {
        IrqLine line = new IrqLine(ioapic.input(9));
        route(9, 0x1_8000 | 0x49);
        line.raise();
        assertFalse(intr);
        route(9, 0x8000 | 0x49);
        assertEquals(0x49, ack());
    }

    @Test
    void directedEoiRegisterClearsRemoteIrr() {
        IrqLine line = new IrqLine(ioapic.input(11));
        route(11, 0x8000 | 0x51);
        line.raise();
        ack();
        line.lower();
        memory.write(BASE + 0x40, 0x51, 4);
        assertEquals(0, reg(0x10 + 22) & 0x4000);
    }

    @Test
    void messageToAnotherApicIsNotAccepted() {
        IrqLine line = new IrqLine(ioapic.input(3));
        route(3, (5L << 56) | 0x33);
        line.raise();
        assertFalse(intr, "physical destination 5 is not APIC 0");
    }

    @Test
    void nmiDeliveryModeRaisesAnNmi() {
        IrqLine line = new IrqLine(ioapic.input(5));
        route(5, 0x400);
        line.raise();
        assertEquals(1, nmis);
    }

    @Test
    void extIntDeliveryTakesThe8259Vector() {
        IrqLine line = new IrqLine(ioapic.input(0));
        route(0, 0x700);
        line.raise();
        assertTrue(intr);
        assertEquals(0x08, ack(), "the 8259 supplies the vector");
    }
}
