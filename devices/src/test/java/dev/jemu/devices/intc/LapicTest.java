package dev.jemu.devices.intc;

import dev.jemu.core.machine.DeviceTimers;
import dev.jemu.core.machine.GuestClock;
import dev.jemu.core.memory.AddressSpace;
import dev.jemu.core.memory.ContainerRegion;
import dev.jemu.core.memory.IrqLine;
import dev.jemu.core.sync.BigLock;
import dev.jemu.core.x86.LocalApicAccess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The local APIC driven through its register page at 0xFEE00000 as SeaBIOS, Linux and
 * kvm-unit-tests program it. Expected behaviour from the Intel SDM vol. 3A chapter
 * "Advanced Programmable Interrupt Controller" (register layout and reset values, PPR,
 * interrupt acceptance and priority, EOI, ESR, ICR destinations, LVT and timer), and where
 * the SDM leaves it to the implementation (version register, timer clock, LINT0 at reset,
 * period of the periodic timer) from QEMU 7.2.
 */
class LapicTest {
    private static final long BASE = 0xFEE0_0000L;
    private static final int PIC_VECTOR = 0x08;

    private final BigLock bql = new BigLock();
    private final GuestClock clock = GuestClock.manual();
    private final DeviceTimers timers = new DeviceTimers(clock, bql);
    private final AddressSpace memory = new AddressSpace("memory", new ContainerRegion("system", 1L << 32));
    private boolean intr;
    private int nmis;
    private int picAcks;
    private Lapic apic;
    private IrqLine picIntr;

    @BeforeEach
    void setUp() {
        bql.lock();
        apic = new Lapic(bql, timers, level -> intr = level, () -> nmis++, () -> {
            picAcks++;
            return PIC_VECTOR;
        });
        memory.root().addSubregion(Lapic.DEFAULT_BASE, apic.region());
        picIntr = new IrqLine(apic.lint0());
    }

    @AfterEach
    void tearDown() {
        bql.unlock();
    }

    private int read(int reg) {
        return (int) memory.read(BASE + reg, 4);
    }

    private void write(int reg, int value) {
        memory.write(BASE + reg, value & 0xFFFF_FFFFL, 4);
    }

    private void enable() {
        write(Lapic.REG_SVR, 0x1FF);
    }

    private void selfIpi(int vector) {
        write(Lapic.REG_ICR_LOW, (1 << 18) | (1 << 14) | vector);
    }

    private boolean bit(int bank, int vector) {
        return (read(bank + 0x10 * (vector >> 5)) & (1 << (vector & 31))) != 0;
    }

    @Test
    void resetValues() {
        assertEquals(0, read(Lapic.REG_ID));
        assertEquals(0x0005_0014, read(Lapic.REG_VERSION), "QEMU 7.2: version 0x14, 6 LVT entries");
        assertEquals(0xFF, read(Lapic.REG_SVR));
        assertEquals(0xFFFF_FFFF, read(Lapic.REG_DFR));
        assertEquals(0, read(Lapic.REG_TPR));
        assertEquals(0, read(Lapic.REG_PPR));
        for (int reg : new int[] {0x320, 0x330, 0x340, 0x360, 0x370}) {
            assertEquals(0x10000, read(reg), "LVT 0x" + Integer.toHexString(reg) + " masked");
        }
        assertEquals(0x700, read(0x350), "QEMU: LINT0 of the BSP in ExtINT mode");
        assertEquals(0xFEE0_0900L, apic.cpuAccess().readApicBase(), "base, BSP, global enable");
        assertTrue(apic.cpuAccess().globallyEnabled());
    }

    @Test
    void idAndLogicalRegistersKeepTheirWritableBits() {
        write(Lapic.REG_ID, 0x0512_3456);
        assertEquals(0x0500_0000, read(Lapic.REG_ID));
        write(Lapic.REG_LDR, 0x0312_3456);
        assertEquals(0x0300_0000, read(Lapic.REG_LDR));
        write(Lapic.REG_DFR, 0x0000_0000);
        assertEquals(0x0FFF_FFFF, read(Lapic.REG_DFR), "cluster model, bits 27:0 read 1");
        write(Lapic.REG_LVT_TIMER, 0xFFFF_FFFF);
        assertEquals(0x300FF, read(Lapic.REG_LVT_TIMER), "timer LVT: vector, mask, periodic; no delivery status");
    }

    @Test
    void theEightBitInterruptReachesTheCpuThroughLint0InExtIntMode() {
        picIntr.raise();
        assertTrue(intr);
        assertEquals(PIC_VECTOR, apic.acknowledge());
        assertEquals(1, picAcks);
        picIntr.lower();
        assertFalse(intr);
    }

    @Test
    void maskedLint0HoldsThe8259BackUnlessTheApicIsGloballyDisabled() {
        write(0x350, 0x10700);
        picIntr.raise();
        assertFalse(intr);
        assertTrue(apic.cpuAccess().writeApicBase(0xFEE0_0000L));
        assertTrue(intr, "globally disabled: INTR comes straight from the 8259");
        assertFalse(apic.cpuAccess().globallyEnabled());
    }

    @Test
    void selfIpiIsAcceptedServicedAndEnded() {
        enable();
        selfIpi(0x41);
        assertEquals(0x4_4041, read(Lapic.REG_ICR_LOW), "delivery status (bit 12) reads idle");
        assertTrue(bit(Lapic.REG_IRR, 0x41));
        assertTrue(intr);
        assertEquals(0x41, apic.acknowledge());
        assertFalse(bit(Lapic.REG_IRR, 0x41));
        assertTrue(bit(Lapic.REG_ISR, 0x41));
        assertFalse(intr);
        assertEquals(0x40, read(Lapic.REG_PPR), "PPR = ISRV[7:4] when above TPR");
        write(Lapic.REG_EOI, 0);
        assertFalse(bit(Lapic.REG_ISR, 0x41));
        assertEquals(0, read(Lapic.REG_PPR));
        assertEquals(0, picAcks);
    }

    @Test
    void onlyAHigherPriorityClassThanPprIsDelivered() {
        enable();
        selfIpi(0x35);
        assertEquals(0x35, apic.acknowledge());
        selfIpi(0x3A);
        assertFalse(intr, "same class as the one in service");
        selfIpi(0x45);
        assertTrue(intr);
        assertEquals(0x45, apic.acknowledge());
        write(Lapic.REG_EOI, 0);
        assertFalse(bit(Lapic.REG_ISR, 0x45), "EOI ends the highest in service");
        assertTrue(bit(Lapic.REG_ISR, 0x35));
        assertFalse(intr);
        write(Lapic.REG_EOI, 0);
        assertTrue(intr);
        assertEquals(0x3A, apic.acknowledge());
    }

    @Test
    void taskPriorityBlocksLowerClassesThroughTheRegisterAndCr8() {
        enable();
        LocalApicAccess cpu = apic.cpuAccess();
        write(Lapic.REG_TPR, 0xF0);
        assertEquals(0xF, cpu.readTprClass());
        selfIpi(0x20);
        selfIpi(0x62);
        assertFalse(intr);
        assertEquals(0xF0, read(Lapic.REG_PPR));
        cpu.writeTprClass(2);
        assertEquals(0x20, read(Lapic.REG_TPR));
        assertTrue(intr);
        assertEquals(0x62, apic.acknowledge());
        write(Lapic.REG_EOI, 0);
        assertFalse(intr, "0x20 is not above TPR class 2");
        write(Lapic.REG_TPR, 0);
        assertEquals(0x20, apic.acknowledge());
    }

    @Test
    void softwareDisabledApicHoldsInterruptsPending() {
        selfIpi(0x50);
        assertTrue(bit(Lapic.REG_IRR, 0x50));
        assertFalse(intr);
        enable();
        assertTrue(intr);
    }

    @Test
    void illegalVectorsAndRegistersAreLatchedIntoEsrByAWrite() {
        enable();
        write(Lapic.REG_LVT_ERROR, 0x33);
        selfIpi(5);
        assertFalse(bit(Lapic.REG_IRR, 5));
        assertEquals(0, read(Lapic.REG_ESR), "errors appear after the next ESR write");
        write(Lapic.REG_ESR, 0);
        assertEquals(0x60, read(Lapic.REG_ESR), "send and receive illegal vector");
        assertTrue(bit(Lapic.REG_IRR, 0x33), "the error LVT fired");
        read(0x40);
        write(Lapic.REG_ESR, 0);
        assertEquals(0x80, read(Lapic.REG_ESR), "illegal register address");
        write(Lapic.REG_ESR, 0);
        assertEquals(0, read(Lapic.REG_ESR));
    }

    @Test
    void physicalAndLogicalDestinationsAndShorthands() {
        enable();
        write(Lapic.REG_ID, 0x0300_0000);
        write(Lapic.REG_ICR_HIGH, 0x0300_0000);
        write(Lapic.REG_ICR_LOW, 0x4051);
        assertTrue(bit(Lapic.REG_IRR, 0x51), "physical ID 3");
        write(Lapic.REG_ICR_HIGH, 0x0100_0000);
        write(Lapic.REG_ICR_LOW, 0x4052);
        assertFalse(bit(Lapic.REG_IRR, 0x52), "physical ID 1 is another CPU");
        write(Lapic.REG_LDR, 0x0400_0000);
        write(Lapic.REG_ICR_HIGH, 0x0600_0000);
        write(Lapic.REG_ICR_LOW, 0x4853);
        assertTrue(bit(Lapic.REG_IRR, 0x53), "flat model: logical ID bit 2 in 0x06");
        write(Lapic.REG_ICR_HIGH, 0x0900_0000);
        write(Lapic.REG_ICR_LOW, 0x4854);
        assertFalse(bit(Lapic.REG_IRR, 0x54));
        write(Lapic.REG_ICR_LOW, (3 << 18) | 0x4055);
        assertFalse(bit(Lapic.REG_IRR, 0x55), "all excluding self");
        write(Lapic.REG_ICR_LOW, (2 << 18) | 0xC056);
        assertTrue(bit(Lapic.REG_IRR, 0x56), "all including self");
        assertTrue(bit(Lapic.REG_TMR, 0x56), "level-triggered sets TMR");
    }

    @Test
    void nmiIpiToSelfRaisesNmi() {
        write(Lapic.REG_ICR_LOW, (1 << 18) | 0x4400);
        assertEquals(1, nmis);
        write(Lapic.REG_ICR_LOW, (3 << 18) | 0x4400);
        assertEquals(1, nmis, "all excluding self reaches no other CPU");
    }

    @Test
    void oneShotTimerCountsDownAndFiresOnce() {
        enable();
        write(Lapic.REG_TIMER_DIVIDE, 0xB);
        write(Lapic.REG_LVT_TIMER, 0x40);
        write(Lapic.REG_TIMER_INITIAL, 1000);
        timers.step(300);
        assertEquals(700, read(Lapic.REG_TIMER_CURRENT));
        assertFalse(bit(Lapic.REG_IRR, 0x40));
        timers.step(700);
        assertEquals(0, read(Lapic.REG_TIMER_CURRENT));
        assertEquals(0x40, apic.acknowledge());
        write(Lapic.REG_EOI, 0);
        timers.step(5000);
        assertFalse(bit(Lapic.REG_IRR, 0x40));
        assertEquals(1000, read(Lapic.REG_TIMER_INITIAL));
    }

    /**
     * SDM "APIC Timer": writing the initial count starts the count-down and the timer
     * interrupts when it reaches zero. Here guest time moves 100 ns with every read of the
     * clock (a host-driven clock whose vCPU thread is preempted during the write), so the
     * count of 62 (Linux's shortest one-shot delta at divide-by-16 is 15 ticks) has run out
     * before the write is done: the interrupt must still come. Before the fix the timer was
     * measured against a second, later reading, found already expired and never armed, and
     * Linux, waiting in NOHZ idle for that tick, hung with no timer pending.
     */
    @Test
    void oneShotCountThatRunsOutDuringItsWriteStillInterrupts() {
        AtomicLong readings = new AtomicLong();
        GuestClock moving = GuestClock.instructionCounted(0);
        moving.countInstructions(() -> readings.getAndAdd(100));
        DeviceTimers movingTimers = new DeviceTimers(moving, bql);
        Lapic a = new Lapic(bql, movingTimers, level -> intr = level, () -> nmis++, () -> PIC_VECTOR);
        a.writeRegister(Lapic.REG_SVR, 0x1FF);
        a.writeRegister(Lapic.REG_TIMER_DIVIDE, 0xB);
        a.writeRegister(Lapic.REG_LVT_TIMER, 0xEC);
        a.writeRegister(Lapic.REG_TIMER_INITIAL, 62);
        movingTimers.runExpired();
        assertTrue(intr, "the expired one-shot count interrupts");
        assertEquals(0xEC, a.acknowledge());
    }

    @Test
    void divideConfigurationSlowsTheCount() {
        write(Lapic.REG_TIMER_DIVIDE, 0xA);
        write(Lapic.REG_TIMER_INITIAL, 1000);
        timers.step(1280);
        assertEquals(990, read(Lapic.REG_TIMER_CURRENT), "divide by 128");
        write(Lapic.REG_TIMER_DIVIDE, 0x3);
        assertEquals(0x3, read(Lapic.REG_TIMER_DIVIDE));
    }

    @Test
    void periodicTimerReloadsAndFiresEveryPeriod() {
        enable();
        write(Lapic.REG_TIMER_DIVIDE, 0xB);
        write(Lapic.REG_LVT_TIMER, 0x2_0045);
        write(Lapic.REG_TIMER_INITIAL, 100);
        timers.step(50);
        assertEquals(50, read(Lapic.REG_TIMER_CURRENT));
        timers.step(60);
        assertTrue(read(Lapic.REG_TIMER_CURRENT) > 80, "reloaded");
        assertEquals(0x45, apic.acknowledge());
        write(Lapic.REG_EOI, 0);
        timers.step(100);
        assertEquals(0x45, apic.acknowledge(), "fired again a period later");
    }

    @Test
    void maskedTimerCountsWithoutInterrupting() {
        enable();
        write(Lapic.REG_TIMER_DIVIDE, 0xB);
        write(Lapic.REG_LVT_TIMER, 0x1_0040);
        write(Lapic.REG_TIMER_INITIAL, 10);
        timers.step(20);
        assertEquals(0, read(Lapic.REG_TIMER_CURRENT));
        assertFalse(bit(Lapic.REG_IRR, 0x40));
    }

    @Test
    void globalDisableResetsRegistersAndReservedBaseBitsAreRefused() {
        enable();
        write(Lapic.REG_TPR, 0x30);
        LocalApicAccess cpu = apic.cpuAccess();
        assertFalse(cpu.writeApicBase(0xFEE0_0900L | (1 << 10)), "x2APIC enable is reserved without x2APIC");
        assertFalse(cpu.writeApicBase(0x1_0000_0000_0000L | 0x900), "above MAXPHYADDR");
        assertTrue(cpu.writeApicBase(0xFEE0_0000L));
        assertEquals(0xFEE0_0100L, cpu.readApicBase(), "BSP flag is read-only");
        assertEquals(0, read(Lapic.REG_TPR));
        assertEquals(0xFF, read(Lapic.REG_SVR));
        assertTrue(cpu.writeApicBase(0xFEE0_0800L));
        assertTrue(cpu.globallyEnabled());
    }

    @Test
    void accessesNarrowerThanADwordReadZeroAndAreIgnored() {
        write(Lapic.REG_TPR, 0x20);
        assertEquals(0, memory.read(BASE + Lapic.REG_TPR, 1));
        memory.write(BASE + Lapic.REG_TPR, 0x50, 1);
        assertEquals(0x20, read(Lapic.REG_TPR));
    }

    @Test
    void fixedModeLint0DeliversItsVectorOnARisingEdge() {
        enable();
        write(0x350, 0x0042);
        picIntr.raise();
        assertTrue(bit(Lapic.REG_IRR, 0x42));
        assertEquals(0x42, apic.acknowledge());
        assertEquals(0, picAcks);
    }
}
