package dev.jemu.devices.pci;

import dev.jemu.core.log.Log;
import dev.jemu.core.log.LogCategory;
import dev.jemu.core.machine.DeviceTimers;
import dev.jemu.core.memory.AccessSizes;
import dev.jemu.core.memory.ContainerRegion;
import dev.jemu.core.memory.IrqLine;
import dev.jemu.core.memory.MmioOps;
import dev.jemu.core.memory.MmioRegion;

import java.util.function.LongSupplier;

/**
 * The PIIX4 power management function (82371AB function 3, 8086:7113, revision 3, class
 * 0x068000) at 01.3, as QEMU's pc machine has it: the ACPI fixed-hardware registers, the APM
 * ports and the SCI.
 *
 * <p><b>PM I/O block</b> (64 ports at PMBA, config 0x40 bits 15:6, decoded while PMREGMISC
 * 0x80 bit 0 is set; the function moves its own region in the I/O space it is given):
 * <ul>
 *   <li>base+0 PM1 status (write one to clear), base+2 PM1 enable, base+4 PM1 control (byte
 *       or word access);</li>
 *   <li>base+8 the 24-bit ACPI PM timer at 3.579545 MHz (reads of any size), read
 *       from the counter the board supplies; TMR_STS is set whenever its bit 23 changes, and
 *       with TMR_EN a device timer raises the SCI at that moment.</li>
 * </ul>
 * The rest of the block reads as all ones. SCI = PM1 status AND enable over TMR, GBL, PWRBTN
 * and RTC, driven on {@code sci} (the board wires it to IRQ 9). Nothing in jemu sets GBL_STS
 * or RTC_STS; {@link #powerButton()} sets PWRBTN_STS.
 *
 * <p><b>Sleep.</b> Writing SLP_EN with SLP_TYP 0 (S5, soft off, the value QEMU's DSDT gives
 * _S5) or 2 (S4, which QEMU also turns into power-off) calls {@code shutdown}; SLP_TYP 1 (S3)
 * and the others are not supported and are logged under {@code -d unimp}. SLP_EN reads as 0.
 *
 * <p><b>APM</b> (ports 0xB2 control, 0xB3 status, both read back): writing 0xF1 (the
 * ACPI_ENABLE value of QEMU's FADT) to 0xB2 sets SCI_EN, 0xF0 clears it (ACPI 3.0, 4.7.2.5);
 * other values would raise an SMI, and jemu has no SMM (DEVACTB 0x5B reads 0x02, "SMM already
 * initialised", so SeaBIOS does not try).
 *
 * <p><b>Legacy decode bits</b> (0x5F, 0x63, 0x67): QEMU sets them once the machine is built from
 * the ISA devices present (LPT at 0x378, COM1, COM2), for its DSDT to read;
 * {@link #setLegacyDevices} does the same.
 *
 * <p><b>Absent</b>: the SMBus host controller (SMBBA config 0x90 and SMBHSTCFG 0xD2 are kept
 * but no SMBus registers exist: its ports read all ones, where QEMU's, with the SPD EEPROMs
 * behind them, read 0), the GPE0 block (QEMU's is its ACPI hotplug interface, which jemu
 * does not have).
 *
 * <p>Threading: under the big emulator lock.
 */
public final class Piix4Pm extends PciDevice {
    public static final int VENDOR = 0x8086;
    public static final int DEVICE = 0x7113;
    public static final int REVISION = 0x03;
    public static final int CLASS_BRIDGE_OTHER = 0x068000;
    /** Slot 1, function 3. */
    public static final int DEVFN = 1 << 3 | 3;

    /** PM base address (config). */
    public static final int PMBA = 0x40;
    /** Device activity B; 0x5B bit 1 tells SeaBIOS that SMM is already set up. */
    public static final int DEVACTB = 0x58;
    /** Device resource D: bit 7 enables the parallel port decode. */
    public static final int DEVRESD = 0x5F;
    /** Device resource A (the value QEMU gives it). */
    public static final int DEVRESA_HIGH = 0x63;
    /** Device resource E: serial port A (bit 3) and B (bits 7 and 4) decode. */
    public static final int DEVRESE_HIGH = 0x67;
    /** PM miscellaneous; bit 0 enables the PM I/O block. */
    public static final int PMREGMISC = 0x80;
    /** SMBus base address (config). */
    public static final int SMBBA = 0x90;
    /** SMBus host configuration (config). */
    public static final int SMBHSTCFG = 0xD2;

    /** Size of the PM I/O block. */
    public static final int PM_BLOCK_SIZE = 64;
    public static final int PM1_STS = 0x00;
    public static final int PM1_EN = 0x02;
    public static final int PM1_CNT = 0x04;
    public static final int PM_TMR = 0x08;

    public static final int TMR_STS = 0x0001;
    public static final int GBL_STS = 0x0020;
    public static final int PWRBTN_STS = 0x0100;
    public static final int RTC_STS = 0x0400;
    public static final int WAK_STS = 0x8000;
    /** Events that raise the SCI (the same bits in PM1_EN). */
    private static final int SCI_EVENTS = TMR_STS | GBL_STS | PWRBTN_STS | RTC_STS;

    public static final int SCI_EN = 0x0001;
    public static final int SLP_TYP_SHIFT = 10;
    public static final int SLP_TYP_MASK = 0x7 << SLP_TYP_SHIFT;
    public static final int SLP_EN = 0x2000;
    private static final int SLP_TYP_S5 = 0;
    private static final int SLP_TYP_S4 = 2;

    /** APM control and status ports. */
    public static final int APM_CNT_PORT = 0xB2;
    public static final int APM_STS_PORT = 0xB3;
    public static final int ACPI_ENABLE = 0xF1;
    public static final int ACPI_DISABLE = 0xF0;

    /** The ACPI PM timer's frequency. */
    public static final long PM_TIMER_HZ = 3_579_545;
    private static final int TIMER_BITS = 24;
    private static final long NS_PER_S = 1_000_000_000L;

    private final ContainerRegion pmBlock = new ContainerRegion("piix4-pm", PM_BLOCK_SIZE);
    private final IrqLine sci;
    private final LongSupplier pmTimer;
    private final DeviceTimers.Timer overflowTimer;
    private final Runnable shutdown;

    private int pm1Status;
    private int pm1Enable;
    private int pm1Control;
    /** {@code ticks >>> 23} when TMR_STS was last cleared: a different value means bit 23 changed. */
    private long timerEpoch;
    private int apmControl;
    private int apmStatus;
    private boolean lpt;
    private boolean com1;
    private boolean com2;

    /**
     * @param io the I/O space the PM block is placed in (disabled until the guest enables it)
     * @param sci the SCI line
     * @param pmTimer the PM timer: ticks of the 3.579545 MHz clock on the guest clock, not
     *     masked to 24 bits
     * @param timers device timers on the same guest clock, for the timer-overflow SCI
     * @param shutdown powers the machine off (S5)
     */
    public Piix4Pm(ContainerRegion io, IrqLine sci, LongSupplier pmTimer, DeviceTimers timers, Runnable shutdown) {
        super("PIIX4_PM", VENDOR, DEVICE, REVISION, CLASS_BRIDGE_OTHER);
        this.sci = sci;
        this.pmTimer = pmTimer;
        this.shutdown = shutdown;
        this.overflowTimer = timers.newTimer("acpi-pm-timer-overflow", this::timerOverflow);
        setInterruptPin(1);
        setWord(STATUS, 0x0280);
        for (int at = 0x40; at < 0x100; at++) {
            setWritable(at, 1, 0xFF);
        }
        setWritable(PMBA, 4, 0xFFC0);
        config[PMBA] = 0x01;
        setWritable(SMBBA, 4, 0xFFF0);
        config[SMBBA] = 0x01;
        config[SMBHSTCFG] = 0x09;
        config[DEVACTB + 3] = 0x02;
        pmBlock.addSubregion(PM1_STS, new MmioRegion("acpi-evt", 4, new MmioOps() {
            @Override
            public long read(long offset, int size) {
                return offset < 2 ? status() >> (8 * offset) : pm1Enable >> (8 * (offset - 2));
            }

            @Override
            public void write(long offset, long value, int size) {
                writeEvent((int) offset, (int) value & 0xFF);
            }
        }, new AccessSizes(1, 2), AccessSizes.BYTE));
        pmBlock.addSubregion(PM1_CNT, new MmioRegion("acpi-cnt", 2, new MmioOps() {
            @Override
            public long read(long offset, int size) {
                return pm1Control >> (8 * offset);
            }

            @Override
            public void write(long offset, long value, int size) {
                writeControl((int) offset, (int) value & 0xFF);
            }
        }, new AccessSizes(1, 2), AccessSizes.BYTE));
        pmBlock.addSubregion(PM_TMR, new MmioRegion("acpi-tmr", 4, new MmioOps() {
            @Override
            public long read(long offset, int size) {
                return pmTimer.getAsLong() & ((1L << TIMER_BITS) - 1);
            }

            @Override
            public void write(long offset, long value, int size) {
            }
        }, AccessSizes.UP_TO_DWORD, AccessSizes.DWORD));
        pmBlock.setEnabled(false);
        io.addSubregion(0, pmBlock);
        timerEpoch = pmTimer.getAsLong() >>> (TIMER_BITS - 1);
        applyLegacyDevices();
    }

    /**
     * Records which legacy ISA devices exist (a parallel port at 0x378, serial ports at 0x3F8
     * and 0x2F8) in the device resource registers, as QEMU does when the machine is built.
     */
    public void setLegacyDevices(boolean lpt, boolean com1, boolean com2) {
        this.lpt = lpt;
        this.com1 = com1;
        this.com2 = com2;
        applyLegacyDevices();
    }

    private void applyLegacyDevices() {
        config[DEVRESD] = (byte) (0x10 | (lpt ? 0x80 : 0));
        config[DEVRESA_HIGH] = 0x60;
        config[DEVRESE_HIGH] = (byte) ((com1 ? 0x08 : 0) | (com2 ? 0x90 : 0));
    }

    /** The APM control (0xB2) and status (0xB3) ports. */
    public MmioRegion apmRegion() {
        return new MmioRegion("apm-io", 2, new MmioOps() {
            @Override
            public long read(long offset, int size) {
                return offset == 0 ? apmControl : apmStatus;
            }

            @Override
            public void write(long offset, long value, int size) {
                if (offset == 0) {
                    writeApmControl((int) value);
                } else {
                    apmStatus = (int) value;
                }
            }
        }, AccessSizes.BYTE);
    }

    /** Presses the power button: sets PWRBTN_STS (an SCI if PWRBTN_EN is set), as QEMU's system_powerdown. */
    public void powerButton() {
        pm1Status |= PWRBTN_STS;
        updateSci();
    }

    // ------------------------------------------------------------------ config space

    @Override
    protected void configWritten(int offset, long value, int size) {
        if (offset < PMBA + 4 && offset + size > PMBA || offset <= PMREGMISC && offset + size > PMREGMISC) {
            updatePmBlock();
        }
    }

    private void updatePmBlock() {
        pmBlock.setAddress(dword(PMBA) & 0xFFC0);
        pmBlock.setEnabled((config[PMREGMISC] & 1) != 0);
    }

    // ------------------------------------------------------------------ PM1 registers

    private int status() {
        if ((pmTimer.getAsLong() >>> (TIMER_BITS - 1)) != timerEpoch) {
            pm1Status |= TMR_STS;
        }
        return pm1Status;
    }

    private void writeEvent(int offset, int value) {
        switch (offset) {
            case 0, 1 -> {
                int clear = value << (8 * offset);
                if ((clear & TMR_STS) != 0 && (status() & TMR_STS) != 0) {
                    timerEpoch = pmTimer.getAsLong() >>> (TIMER_BITS - 1);
                }
                pm1Status &= ~clear;
            }
            default -> {
                int shift = 8 * (offset - 2);
                pm1Enable = (pm1Enable & ~(0xFF << shift)) | value << shift;
            }
        }
        updateSci();
    }

    private void writeControl(int offset, int value) {
        int shift = 8 * offset;
        int written = value << shift;
        pm1Control = (pm1Control & ~(0xFF << shift)) | (written & ~SLP_EN);
        if ((written & SLP_EN) != 0) {
            sleep((pm1Control & SLP_TYP_MASK) >> SLP_TYP_SHIFT);
        }
    }

    private void sleep(int type) {
        if (type == SLP_TYP_S5 || type == SLP_TYP_S4) {
            shutdown.run();
        } else if (Log.enabled(LogCategory.UNIMP)) {
            Log.log(LogCategory.UNIMP, "PIIX4_PM: sleep type " + type + " is not supported");
        }
    }

    private void writeApmControl(int value) {
        apmControl = value;
        if (value == ACPI_ENABLE) {
            pm1Control |= SCI_EN;
        } else if (value == ACPI_DISABLE) {
            pm1Control &= ~SCI_EN;
        } else if (Log.enabled(LogCategory.UNIMP)) {
            Log.log(LogCategory.UNIMP, "PIIX4_PM: APM command 0x" + Integer.toHexString(value) + " needs SMM, which jemu does not have");
        }
    }

    private void updateSci() {
        int status = status();
        sci.set((status & pm1Enable & SCI_EVENTS) != 0);
        if ((pm1Enable & TMR_STS) != 0 && (status & TMR_STS) == 0) {
            armOverflowTimer();
        } else {
            overflowTimer.del();
        }
    }

    /** Arms the timer for the next change of the counter's bit 23. */
    private void armOverflowTimer() {
        long half = 1L << (TIMER_BITS - 1);
        long remaining = half - (pmTimer.getAsLong() & (half - 1));
        long ns = (remaining * NS_PER_S + PM_TIMER_HZ - 1) / PM_TIMER_HZ;
        overflowTimer.modNs(overflowTimer.nowNs() + ns);
    }

    private void timerOverflow() {
        updateSci();
    }

    // ------------------------------------------------------------------ reset

    @Override
    protected void resetDevice() {
        pm1Status = 0;
        pm1Enable = 0;
        pm1Control = 0;
        apmControl = 0;
        apmStatus = 0;
        timerEpoch = pmTimer.getAsLong() >>> (TIMER_BITS - 1);
        applyLegacyDevices();
        updatePmBlock();
        updateSci();
    }
}
