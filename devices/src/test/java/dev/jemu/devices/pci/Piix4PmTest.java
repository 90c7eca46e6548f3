package dev.jemu.devices.pci;

import dev.jemu.core.machine.DeviceTimers;
import dev.jemu.core.machine.GuestClock;
import dev.jemu.core.memory.IrqLine;
import dev.jemu.core.sync.BigLock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The PIIX4 PM function at 01.3 as SeaBIOS and Linux program it (PM base 0x600), on a manual
 * clock. Register layout and bits from the ACPI specification (PM1 event/control blocks, PM
 * timer at 3.579545 MHz) and the 82371AB datasheet; sleep types and APM values from QEMU.
 */
class Piix4PmTest {
    private static final int D = Piix4Pm.DEVFN;
    private static final int BASE = 0x600;

    private final PciTestMachine m = new PciTestMachine();
    private final BigLock bql = new BigLock();
    private final GuestClock clock = GuestClock.manual();
    private final DeviceTimers timers = new DeviceTimers(clock, bql);
    private final IrqLine sci = new IrqLine(level -> { });
    private int shutdowns;
    private Piix4Pm pm;

    @BeforeEach
    void setUp() {
        bql.lock();
        m.io.setBigLock(bql);
        pm = new Piix4Pm(m.io.root(), sci, this::ticks, timers, () -> shutdowns++);
        m.bus.plug(new Piix3Isa((irq, level) -> { }, () -> { }), Piix3Isa.DEVFN);
        m.bus.plug(pm, D);
        m.io.root().addSubregion(Piix4Pm.APM_CNT_PORT, pm.apmRegion());
    }

    @AfterEach
    void tearDown() {
        bql.unlock();
    }

    /** The PM timer a board derives from the guest clock. */
    private long ticks() {
        return clock.nowNs() * Piix4Pm.PM_TIMER_HZ / 1_000_000_000L;
    }

    /** What SeaBIOS's piix4_pm_setup does. */
    private void enablePmBlock() {
        m.configWrite(D, Piix4Pm.PMBA, BASE | 1, 4);
        m.configWrite(D, Piix4Pm.PMREGMISC, 0x01, 1);
    }

    @Test
    void powerOnConfiguration() {
        assertEquals(0x7113_8086L, m.configRead(D, 0, 4));
        assertEquals(0x0680_0003L, m.configRead(D, 8, 4));
        assertEquals(0x0280L, m.configRead(D, PciDevice.STATUS, 2));
        assertEquals(1L, m.configRead(D, PciDevice.INTERRUPT_PIN, 1));
        assertEquals(0x01L, m.configRead(D, Piix4Pm.PMBA, 4), "PMBA: I/O space indicator only");
        assertEquals(0x02L, m.configRead(D, 0x5B, 1), "SMM marked as initialised");
        assertEquals(0x09L, m.configRead(D, Piix4Pm.SMBHSTCFG, 1));
        assertEquals(0x10L, m.configRead(D, Piix4Pm.DEVRESD, 1), "as QEMU 7.2 with no LPT or COM port");
        assertEquals(0x60L, m.configRead(D, Piix4Pm.DEVRESA_HIGH, 1));
        assertEquals(0x00L, m.configRead(D, Piix4Pm.DEVRESE_HIGH, 1));
    }

    @Test
    void legacyDeviceBitsFollowTheBoardAndSurviveReset() {
        pm.setLegacyDevices(true, true, true);
        m.bus.reset();
        assertEquals(0x90L, m.configRead(D, Piix4Pm.DEVRESD, 1));
        assertEquals(0x98L, m.configRead(D, Piix4Pm.DEVRESE_HIGH, 1));
    }

    @Test
    void pmBlockDecodesAtPmbaOnlyWhilePmregmiscEnablesIt() {
        m.configWrite(D, Piix4Pm.PMBA, 0xB03E, 4);
        assertEquals(0xB001L, m.configRead(D, Piix4Pm.PMBA, 4), "bits 15:6 writable, bit 0 reads 1");
        clock.step(1_000_000_000L);
        assertEquals(0xFFFF_FFFFL, m.io.read(0xB008, 4), "not decoded before PMREGMISC bit 0");
        enablePmBlock();
        assertEquals(Piix4Pm.PM_TIMER_HZ, m.io.read(BASE + Piix4Pm.PM_TMR, 4), "one second of PM timer");
        assertEquals(0xFFFF_FFFFL, m.io.read(0xB008, 4), "moved to 0x600");
        m.configWrite(D, Piix4Pm.PMREGMISC, 0, 1);
        assertEquals(0xFFFF_FFFFL, m.io.read(BASE + Piix4Pm.PM_TMR, 4));
    }

    @Test
    void pmTimerCountsAt3579545HzAndWrapsAt24Bits() {
        enablePmBlock();
        assertEquals(0L, m.io.read(BASE + 8, 4));
        clock.step(5_000_000_000L);
        assertEquals(17_897_725L - (1 << 24), m.io.read(BASE + 8, 4));
        assertEquals((17_897_725L - (1 << 24)) >> 8 & 0xFF, m.io.read(BASE + 9, 1), "byte reads work, as on QEMU 7.2");
        assertEquals(0xFFL, m.io.read(BASE + 0x10, 1), "unimplemented ports of the block");
    }

    @Test
    void timerStatusSetsWhenBit23ChangesAndClearsByWritingOne() {
        enablePmBlock();
        long flipNs = (1L << 23) * 1_000_000_000L / Piix4Pm.PM_TIMER_HZ + 1;
        clock.step(flipNs - 1_000);
        assertEquals(0L, m.io.read(BASE, 2) & Piix4Pm.TMR_STS);
        clock.step(1_000);
        assertEquals(Piix4Pm.TMR_STS, m.io.read(BASE, 2) & Piix4Pm.TMR_STS);
        m.io.write(BASE, Piix4Pm.TMR_STS, 2);
        assertEquals(0L, m.io.read(BASE, 2) & Piix4Pm.TMR_STS);
    }

    @Test
    void timerOverflowRaisesSciWhenEnabled() {
        enablePmBlock();
        m.io.write(BASE + Piix4Pm.PM1_EN, Piix4Pm.TMR_STS, 2);
        assertFalse(sci.isRaised());
        long flipNs = (1L << 23) * 1_000_000_000L / Piix4Pm.PM_TIMER_HZ;
        timers.step(flipNs - 1_000);
        assertFalse(sci.isRaised());
        timers.step(2_000);
        assertTrue(sci.isRaised(), "the overflow timer fired without any register read");
        m.io.write(BASE, Piix4Pm.TMR_STS, 1);
        assertFalse(sci.isRaised());
        timers.step(flipNs);
        assertTrue(sci.isRaised(), "again at the next change of bit 23");
    }

    @Test
    void powerButtonStatusRaisesSciOnlyWhenEnabledAndIsWriteOneToClear() {
        enablePmBlock();
        pm.powerButton();
        assertEquals(Piix4Pm.PWRBTN_STS, m.io.read(BASE, 2));
        assertFalse(sci.isRaised());
        m.io.write(BASE + 3, Piix4Pm.PWRBTN_STS >> 8, 1);
        assertEquals((long) Piix4Pm.PWRBTN_STS, m.io.read(BASE + 2, 2));
        assertTrue(sci.isRaised());
        m.io.write(BASE, 0x00FE, 2);
        assertTrue(sci.isRaised(), "writing zeros to the status bit keeps it");
        m.io.write(BASE + 1, 0x01, 1);
        assertEquals(0L, m.io.read(BASE, 2));
        assertFalse(sci.isRaised());
    }

    @Test
    void sleepEnableWithS5OrS4PowersOff() {
        enablePmBlock();
        m.io.write(BASE + 4, 0x0001, 2);
        m.io.write(BASE + 4, 1 << 10 | Piix4Pm.SLP_EN, 2);
        assertEquals(0, shutdowns, "S3 is not supported");
        assertEquals(0x0400L, m.io.read(BASE + 4, 2), "SLP_EN reads as 0; SLP_TYP and SCI_EN kept");
        m.io.write(BASE + 4, 2 << 10 | Piix4Pm.SLP_EN, 2);
        assertEquals(1, shutdowns);
        m.io.write(BASE + 5, Piix4Pm.SLP_EN >> 8, 1);
        assertEquals(2, shutdowns, "SLP_TYP 0 is S5 (soft off)");
    }

    @Test
    void apmAcpiEnableAndDisableSetAndClearSciEn() {
        enablePmBlock();
        m.io.write(Piix4Pm.APM_CNT_PORT, Piix4Pm.ACPI_ENABLE, 1);
        assertEquals(0xF1L, m.io.read(Piix4Pm.APM_CNT_PORT, 1));
        assertEquals(1L, m.io.read(BASE + 4, 2) & Piix4Pm.SCI_EN);
        m.io.write(Piix4Pm.APM_CNT_PORT, Piix4Pm.ACPI_DISABLE, 1);
        assertEquals(0L, m.io.read(BASE + 4, 2) & Piix4Pm.SCI_EN);
        m.io.write(Piix4Pm.APM_STS_PORT, 0x5C, 1);
        assertEquals(0x5CL, m.io.read(Piix4Pm.APM_STS_PORT, 1));
    }

    @Test
    void smbusBaseIsKeptButItsRegistersAreAbsent() {
        m.configWrite(D, Piix4Pm.SMBBA, 0x701, 4);
        m.configWrite(D, Piix4Pm.SMBHSTCFG, 0x09, 1);
        assertEquals(0x701L, m.configRead(D, Piix4Pm.SMBBA, 4));
        assertEquals(0xFFL, m.io.read(0x700, 1));
    }

    @Test
    void resetDisablesTheBlockAndClearsItsRegisters() {
        enablePmBlock();
        m.io.write(BASE + 2, 0x0100, 2);
        pm.powerButton();
        m.io.write(BASE + 4, 0x0001, 2);
        assertTrue(sci.isRaised());
        m.bus.reset();
        assertFalse(sci.isRaised());
        assertEquals(0xFFFFL, m.io.read(BASE, 2), "block disabled");
        enablePmBlock();
        assertEquals(0L, m.io.read(BASE, 2));
        assertEquals(0L, m.io.read(BASE + 2, 2));
        assertEquals(0L, m.io.read(BASE + 4, 2));
    }
}
