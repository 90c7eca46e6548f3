package dev.jemu.devices.intc;

import dev.jemu.core.log.Log;
import dev.jemu.core.log.LogCategory;
import dev.jemu.core.machine.DeviceTimers;
import dev.jemu.core.memory.AccessSizes;
import dev.jemu.core.memory.IrqLine;
import dev.jemu.core.memory.MmioOps;
import dev.jemu.core.memory.MmioRegion;
import dev.jemu.core.sync.BigLock;
import dev.jemu.core.x86.LocalApicAccess;

import java.util.Arrays;
import java.util.function.IntConsumer;
import java.util.function.IntSupplier;

/**
 * The local APIC of the pc board's one CPU, in xAPIC mode (Intel SDM vol. 3A chapter 10 /
 * 11 in newer editions): ID, version, TPR and PPR, EOI, LDR and DFR, SVR with the software
 * enable, ISR/TMR/IRR, ESR, the ICR (fixed and lowest-priority delivery, NMI, to itself by
 * shorthand or by a physical or logical destination that matches it; the delivery-status bit
 * always reads idle because delivery is immediate), the LVT entries timer, thermal,
 * performance counter, LINT0, LINT1 and error, and the timer (one-shot and periodic, the
 * divide configuration, initial and current count) on guest time.
 *
 * <p>As on QEMU 7.2: the registers stay at {@link #DEFAULT_BASE} whatever IA32_APIC_BASE says,
 * the timer counts at 1 GHz before the divider, the version register reads 0x00050014, and
 * LINT0 comes out of reset unmasked in ExtINT mode, so the 8259's INTR reaches the CPU until
 * the guest programs LINT0 otherwise. The 8259 also passes while the APIC is globally disabled.
 * Clearing IA32_APIC_BASE's enable bit returns the registers to their reset state (SDM
 * 10.4.3); setting it again enables the APIC. No x2APIC, no TSC-deadline timer mode.
 *
 * <p>The APIC drives the CPU's INTR pin with "an APIC interrupt is deliverable, or the 8259's
 * INTR passes through LINT0"; the CPU's interrupt acknowledge calls {@link #acknowledge()},
 * which hands the APIC's vector or asks the 8259 for its own.
 *
 * <p>Threading: under the big emulator lock; the CPU's calls ({@link #cpuAccess()}) take it.
 */
public final class Lapic {
    /** Where the registers are mapped in the memory space. */
    public static final long DEFAULT_BASE = 0xFEE0_0000L;
    /** Size of the register page. */
    public static final int SIZE = 0x1000;

    static final int REG_ID = 0x20;
    static final int REG_VERSION = 0x30;
    static final int REG_TPR = 0x80;
    static final int REG_APR = 0x90;
    static final int REG_PPR = 0xA0;
    static final int REG_EOI = 0xB0;
    static final int REG_LDR = 0xD0;
    static final int REG_DFR = 0xE0;
    static final int REG_SVR = 0xF0;
    static final int REG_ISR = 0x100;
    static final int REG_TMR = 0x180;
    static final int REG_IRR = 0x200;
    static final int REG_ESR = 0x280;
    static final int REG_ICR_LOW = 0x300;
    static final int REG_ICR_HIGH = 0x310;
    /** LVT timer; thermal, performance, LINT0, LINT1 and error follow every 0x10. */
    static final int REG_LVT_TIMER = 0x320;
    static final int REG_LVT_ERROR = 0x370;
    static final int REG_TIMER_INITIAL = 0x380;
    static final int REG_TIMER_CURRENT = 0x390;
    static final int REG_TIMER_DIVIDE = 0x3E0;

    static final int LVT_TIMER = 0;
    static final int LVT_LINT0 = 3;
    static final int LVT_LINT1 = 4;
    static final int LVT_ERROR = 5;
    static final int LVT_COUNT = 6;
    /**
     * Writable bits of each LVT entry: timer, thermal, performance counter, LINT0, LINT1, error
     * (SDM figure "Local Vector Table").
     */
    private static final int[] LVT_WRITABLE = {0x300FF, 0x107FF, 0x107FF, 0x1A7FF, 0x1A7FF, 0x100FF};

    static final int VERSION = 0x14 | ((LVT_COUNT - 1) << 16);
    static final int LVT_MASKED = 1 << 16;
    static final int LVT_TIMER_PERIODIC = 1 << 17;
    static final int LVT_LEVEL = 1 << 15;
    static final int SVR_ENABLE = 1 << 8;
    static final int SVR_WRITABLE = 0x1FF;
    static final int DFR_FLAT = 0xFFFF_FFFF;
    static final int ICR_HIGH_WRITABLE = 0xFF00_0000;
    /** ICR low: vector, delivery mode, destination mode, level, trigger mode, shorthand. */
    static final int ICR_LOW_WRITABLE = 0xCCFFF;
    static final int ICR_DEST_LOGICAL = 1 << 11;
    static final int ICR_LEVEL_ASSERT = 1 << 14;
    static final int ICR_TRIGGER_LEVEL = 1 << 15;

    static final int MODE_FIXED = 0;
    static final int MODE_LOWEST = 1;
    static final int MODE_NMI = 4;
    static final int MODE_INIT = 5;
    static final int MODE_STARTUP = 6;
    static final int MODE_EXTINT = 7;

    static final int SHORTHAND_NONE = 0;
    static final int SHORTHAND_SELF = 1;
    static final int SHORTHAND_ALL = 2;

    static final int ESR_SEND_ILLEGAL_VECTOR = 1 << 5;
    static final int ESR_RECEIVE_ILLEGAL_VECTOR = 1 << 6;
    static final int ESR_ILLEGAL_REGISTER = 1 << 7;

    /** IA32_APIC_BASE: BSP flag, global enable, base address. */
    static final long BASE_BSP = 1 << 8;
    static final long BASE_ENABLE = 1 << 11;
    /** Bits of IA32_APIC_BASE that may be set: BSP (read-only), enable, base below MAXPHYADDR (40). */
    static final long BASE_VALID = 0xFF_FFFF_F000L | BASE_ENABLE | BASE_BSP;
    static final long MSI_ADDRESS_MASK = 0xFFFF_FFFF_FFF0_0000L;
    static final long MSI_DEST_LOGICAL = 1 << 2;
    static final int MSI_TRIGGER_LEVEL = 1 << 15;
    /** The timer's input clock: 1 GHz, one tick per guest nanosecond, before the divider. */
    static final long TIMER_NS_PER_TICK = 1;

    private final BigLock bql;
    private final DeviceTimers.Timer timer;
    private final IrqLine intr;
    private final Runnable nmi;
    private final IntSupplier extIntAcknowledge;
    private final MmioRegion region;
    private final LocalApicAccess cpuAccess = new CpuAccess();

    private long apicBase = DEFAULT_BASE | BASE_BSP | BASE_ENABLE;
    private int id;
    private int tpr;
    private int ldr;
    private int dfr;
    private int svr;
    private final int[] isr = new int[8];
    private final int[] tmr = new int[8];
    private final int[] irr = new int[8];
    private int esr;
    private int esrPending;
    private int icrLow;
    private int icrHigh;
    private final int[] lvt = new int[LVT_COUNT];
    private long initialCount;
    private int divideConfig;
    private int countShift;
    private long loadTimeNs;
    private boolean lint0Level;
    private boolean lint1Level;
    /** An ExtINT message from the IO-APIC waits for the CPU's acknowledge. */
    private boolean extIntMessage;
    /** Told the vector of every EOI of a level-triggered interrupt (the IO-APIC's remote IRR). */
    private IntConsumer eoiBroadcast = vector -> { };

    /**
     * Creates the APIC in its reset state.
     *
     * @param bql the big lock
     * @param timers device timers for the APIC timer
     * @param intr the CPU's INTR pin
     * @param nmi raises an NMI on the CPU
     * @param extIntAcknowledge the 8259's interrupt acknowledge (an ExtINT's vector)
     */
    public Lapic(BigLock bql, DeviceTimers timers, IrqLine.Sink intr, Runnable nmi, IntSupplier extIntAcknowledge) {
        this.bql = bql;
        this.timer = timers.newTimer("lapic", this::timerExpired);
        this.intr = new IrqLine(intr);
        this.nmi = nmi;
        this.extIntAcknowledge = extIntAcknowledge;
        this.region = new MmioRegion("apic", SIZE, new MmioOps() {
            @Override
            public long read(long offset, int size) {
                return size < 4 ? 0 : readRegister((int) offset) & 0xFFFF_FFFFL;
            }

            @Override
            public void write(long offset, long value, int size) {
                if (size == 4) {
                    writeRegister((int) offset, (int) value);
                }
            }
        }, AccessSizes.UP_TO_DWORD);
        resetRegisters();
    }

    /** The register page, for {@link #DEFAULT_BASE}. */
    public MmioRegion region() {
        return region;
    }

    /** What the CPU calls for IA32_APIC_BASE and CR8. */
    public LocalApicAccess cpuAccess() {
        return cpuAccess;
    }

    /** The LINT0 input: the 8259's INTR. */
    public IrqLine.Sink lint0() {
        return level -> setLint(LVT_LINT0, level);
    }

    /** The LINT1 input. */
    public IrqLine.Sink lint1() {
        return level -> setLint(LVT_LINT1, level);
    }

    /** Sets who hears the EOI of a level-triggered interrupt (SDM "EOI Register": the broadcast to the IO-APICs). */
    public void setEoiBroadcast(IntConsumer listener) {
        this.eoiBroadcast = listener;
    }

    /**
     * An interrupt message from the IO-APIC or an MSI: {@code mode} fixed or lowest priority
     * sets {@code vector} pending (level-triggered if {@code level}), NMI raises an NMI, ExtINT
     * takes the 8259's vector at acknowledge; the message is dropped unless {@code dest}
     * (physical or {@code logical}) names this APIC. INIT, SMI and the reserved modes are
     * logged under {@code -d unimp}.
     */
    public void deliver(int vector, int mode, int dest, boolean logical, boolean level) {
        bql.assertHeld("apic interrupt message");
        if ((apicBase & BASE_ENABLE) == 0 || !matchesDestination(dest, logical)) {
            return;
        }
        switch (mode) {
            case MODE_FIXED, MODE_LOWEST -> accept(vector, level);
            case MODE_NMI -> nmi.run();
            case MODE_EXTINT -> {
                extIntMessage = true;
                update();
            }
            default -> unimplemented("interrupt message delivery mode " + mode);
        }
    }

    /**
     * An MSI message (Intel SDM "Message Signalled Interrupts": address 0xFEExxxxx with the
     * destination ID in bits 19:12 and the destination mode in bit 2; data with the vector,
     * delivery mode and trigger mode). A message to another address is dropped and logged.
     */
    public void receiveMsi(long address, int data) {
        if ((address & MSI_ADDRESS_MASK) != DEFAULT_BASE) {
            if (Log.enabled(LogCategory.GUEST_ERRORS)) {
                String line = "apic: MSI to 0x" + Long.toHexString(address) + ", outside 0xFEExxxxx";
                Log.logOnce(LogCategory.GUEST_ERRORS, line, line);
            }
            return;
        }
        deliver(data & 0xFF, (data >> 8) & 7, (int) (address >> 12) & 0xFF, (address & MSI_DEST_LOGICAL) != 0,
                (data & MSI_TRIGGER_LEVEL) != 0);
    }

    /** Whether the APIC asserts the CPU's INTR. */
    public boolean intrLevel() {
        return intr.isRaised();
    }

    /** Resets the APIC (machine reset: also IA32_APIC_BASE). */
    public void reset() {
        apicBase = DEFAULT_BASE | BASE_BSP | BASE_ENABLE;
        timer.del();
        resetRegisters();
    }

    // ------------------------------------------------------------------ register access

    int readRegister(int offset) {
        if ((offset & 0xF) != 0) {
            return 0;
        }
        if (offset >= REG_ISR && offset < REG_ISR + 0x80) {
            return isr[(offset - REG_ISR) >> 4];
        }
        if (offset >= REG_TMR && offset < REG_TMR + 0x80) {
            return tmr[(offset - REG_TMR) >> 4];
        }
        if (offset >= REG_IRR && offset < REG_IRR + 0x80) {
            return irr[(offset - REG_IRR) >> 4];
        }
        if (offset >= REG_LVT_TIMER && offset <= REG_LVT_ERROR) {
            return lvt[(offset - REG_LVT_TIMER) >> 4];
        }
        return switch (offset) {
            case REG_ID -> id << 24;
            case REG_VERSION -> VERSION;
            case REG_TPR -> tpr;
            case REG_APR -> 0;
            case REG_PPR -> ppr();
            case REG_EOI -> 0;
            case REG_LDR -> ldr;
            case REG_DFR -> dfr;
            case REG_SVR -> svr;
            case REG_ESR -> esr;
            case REG_ICR_LOW -> icrLow;
            case REG_ICR_HIGH -> icrHigh;
            case REG_TIMER_INITIAL -> (int) initialCount;
            case REG_TIMER_CURRENT -> (int) currentCount();
            case REG_TIMER_DIVIDE -> divideConfig;
            default -> {
                illegalRegister("read", offset);
                yield 0;
            }
        };
    }

    void writeRegister(int offset, int value) {
        if ((offset & 0xF) != 0) {
            return;
        }
        if (offset >= REG_LVT_TIMER && offset <= REG_LVT_ERROR) {
            writeLvt((offset - REG_LVT_TIMER) >> 4, value);
            return;
        }
        switch (offset) {
            case REG_ID -> id = value >>> 24;
            case REG_TPR -> {
                tpr = value & 0xFF;
                update();
            }
            case REG_EOI -> eoi();
            case REG_LDR -> ldr = value & 0xFF00_0000;
            case REG_DFR -> dfr = value | 0x0FFF_FFFF;
            case REG_SVR -> {
                svr = value & SVR_WRITABLE;
                update();
            }
            case REG_ESR -> {
                esr = esrPending;
                esrPending = 0;
            }
            case REG_ICR_LOW -> {
                icrLow = value & ICR_LOW_WRITABLE;
                sendIpi();
            }
            case REG_ICR_HIGH -> icrHigh = value & ICR_HIGH_WRITABLE;
            case REG_TIMER_INITIAL -> {
                initialCount = value & 0xFFFF_FFFFL;
                loadTimeNs = timer.nowNs();
                armTimer(loadTimeNs);
            }
            case REG_TIMER_DIVIDE -> {
                divideConfig = value & 0xB;
                int v = (divideConfig & 3) | ((divideConfig >> 1) & 4);
                countShift = (v + 1) & 7;
            }
            case REG_VERSION, REG_APR, REG_PPR, REG_TIMER_CURRENT -> {
                // read-only
            }
            default -> {
                if (!isReadOnlyBank(offset)) {
                    illegalRegister("write", offset);
                }
            }
        }
    }

    private static boolean isReadOnlyBank(int offset) {
        return offset >= REG_ISR && offset < REG_IRR + 0x80;
    }

    private void writeLvt(int index, int value) {
        int old = lvt[index];
        lvt[index] = value & LVT_WRITABLE[index];
        if (index == LVT_TIMER && ((old ^ lvt[index]) & LVT_TIMER_PERIODIC) != 0) {
            armTimer(timer.nowNs());
        }
        if (index == LVT_LINT0) {
            update();
        }
    }

    private void illegalRegister(String what, int offset) {
        setError(ESR_ILLEGAL_REGISTER);
        if (Log.enabled(LogCategory.GUEST_ERRORS)) {
            String line = "apic: " + what + " of the reserved register 0x" + Integer.toHexString(offset);
            Log.logOnce(LogCategory.GUEST_ERRORS, line, line);
        }
    }

    // ------------------------------------------------------------------ interrupt logic

    /** Sets interrupt {@code vector} pending (level-triggered if {@code level}), or logs an illegal vector. */
    private void accept(int vector, boolean level) {
        if (vector < 16) {
            setError(ESR_RECEIVE_ILLEGAL_VECTOR);
            return;
        }
        irr[vector >> 5] |= 1 << (vector & 31);
        if (level) {
            tmr[vector >> 5] |= 1 << (vector & 31);
        } else {
            tmr[vector >> 5] &= ~(1 << (vector & 31));
        }
        update();
    }

    private void setError(int bit) {
        boolean fresh = (esrPending & bit) == 0;
        esrPending |= bit;
        if (fresh && (lvt[LVT_ERROR] & LVT_MASKED) == 0) {
            accept(lvt[LVT_ERROR] & 0xFF, false);
        }
    }

    private static int highest(int[] bits) {
        for (int i = 7; i >= 0; i--) {
            if (bits[i] != 0) {
                return i * 32 + 31 - Integer.numberOfLeadingZeros(bits[i]);
            }
        }
        return -1;
    }

    /** The processor-priority register (SDM "Processor Priority Register"). */
    int ppr() {
        int isrv = highest(isr);
        int isrClass = isrv < 0 ? 0 : isrv & 0xF0;
        return (tpr & 0xF0) >= isrClass ? tpr : isrClass;
    }

    private boolean enabled() {
        return (apicBase & BASE_ENABLE) != 0 && (svr & SVR_ENABLE) != 0;
    }

    /** The vector the APIC would deliver now, or -1. */
    private int deliverable() {
        if (!enabled()) {
            return -1;
        }
        int v = highest(irr);
        return v >= 0 && (v & 0xF0) > (ppr() & 0xF0) ? v : -1;
    }

    /** Whether the 8259's INTR reaches the CPU: through LINT0 in ExtINT mode, or with the APIC globally disabled. */
    private boolean extIntPasses() {
        if (extIntMessage) {
            return true;
        }
        if (!lint0Level) {
            return false;
        }
        if ((apicBase & BASE_ENABLE) == 0) {
            return true;
        }
        int e = lvt[LVT_LINT0];
        return (e & LVT_MASKED) == 0 && ((e >> 8) & 7) == MODE_EXTINT;
    }

    private void update() {
        intr.set(deliverable() >= 0 || extIntPasses());
    }

    /**
     * The CPU's interrupt acknowledge: the highest deliverable APIC vector (now in service),
     * else the 8259's vector when its INTR passes through LINT0, else the spurious vector.
     */
    public int acknowledge() {
        bql.assertHeld("apic interrupt acknowledge");
        int vector = deliverable();
        if (vector >= 0) {
            irr[vector >> 5] &= ~(1 << (vector & 31));
            isr[vector >> 5] |= 1 << (vector & 31);
            update();
            return vector;
        }
        if (extIntPasses() || !enabled()) {
            extIntMessage = false;
            vector = extIntAcknowledge.getAsInt();
            update();
            return vector;
        }
        return svr & 0xFF;
    }

    private void eoi() {
        int v = highest(isr);
        if (v >= 0) {
            isr[v >> 5] &= ~(1 << (v & 31));
            update();
            if ((tmr[v >> 5] & (1 << (v & 31))) != 0) {
                eoiBroadcast.accept(v);
            }
        }
    }

    private void setLint(int index, boolean level) {
        bql.assertHeld("apic LINT" + (index - LVT_LINT0));
        boolean rising;
        if (index == LVT_LINT0) {
            rising = level && !lint0Level;
            lint0Level = level;
        } else {
            rising = level && !lint1Level;
            lint1Level = level;
        }
        int e = lvt[index];
        if (rising && (e & LVT_MASKED) == 0 && (apicBase & BASE_ENABLE) != 0) {
            int mode = (e >> 8) & 7;
            if (mode == MODE_FIXED) {
                accept(e & 0xFF, (e & LVT_LEVEL) != 0);
            } else if (mode == MODE_NMI) {
                nmi.run();
            }
        }
        update();
    }

    // ------------------------------------------------------------------ IPIs

    private void sendIpi() {
        int shorthand = (icrLow >> 18) & 3;
        boolean toSelf = switch (shorthand) {
            case SHORTHAND_NONE -> matchesDestination(icrHigh >>> 24, (icrLow & ICR_DEST_LOGICAL) != 0);
            case SHORTHAND_SELF, SHORTHAND_ALL -> true;
            default -> false;
        };
        int mode = (icrLow >> 8) & 7;
        int vector = icrLow & 0xFF;
        if ((mode == MODE_FIXED || mode == MODE_LOWEST) && vector < 16) {
            setError(ESR_SEND_ILLEGAL_VECTOR);
        }
        if (!toSelf) {
            return;
        }
        switch (mode) {
            case MODE_FIXED, MODE_LOWEST -> accept(vector, (icrLow & ICR_TRIGGER_LEVEL) != 0);
            case MODE_NMI -> nmi.run();
            case MODE_INIT, MODE_STARTUP -> {
                // an INIT level de-assert only synchronises arbitration IDs: nothing to do
                if (mode == MODE_STARTUP || (icrLow & ICR_LEVEL_ASSERT) != 0) {
                    unimplemented("INIT or SIPI to the boot CPU itself");
                }
            }
            default -> unimplemented("IPI delivery mode " + mode);
        }
    }

    private boolean matchesDestination(int dest, boolean logical) {
        if (dest == 0xFF) {
            return true;
        }
        if (!logical) {
            return dest == id;
        }
        int logicalId = ldr >>> 24;
        if ((dfr >>> 28) == 0xF) {
            return (logicalId & dest) != 0;
        }
        return (logicalId >> 4) == (dest >> 4) && (logicalId & dest & 0xF) != 0;
    }

    private static void unimplemented(String what) {
        if (Log.enabled(LogCategory.UNIMP)) {
            Log.logOnce(LogCategory.UNIMP, what, "apic: " + what + " is not implemented");
        }
    }

    // ------------------------------------------------------------------ timer

    private boolean periodic() {
        return (lvt[LVT_TIMER] & LVT_TIMER_PERIODIC) != 0;
    }

    /** Ticks of the divided clock from the initial count's write to guest time {@code nowNs}. */
    private long elapsedTicks(long nowNs) {
        return ((nowNs - loadTimeNs) / TIMER_NS_PER_TICK) >> countShift;
    }

    long currentCount() {
        if (initialCount == 0) {
            return 0;
        }
        long d = elapsedTicks(timer.nowNs());
        if (periodic()) {
            return initialCount - d % (initialCount + 1);
        }
        return d >= initialCount ? 0 : initialCount - d;
    }

    /**
     * Arms the timer for the next time the count reaches zero after guest time {@code nowNs}.
     * A write of the initial count passes its own load time, so that a count which runs out
     * while the write is handled still interrupts (the host clock moves between two reads).
     */
    private void armTimer(long nowNs) {
        if (initialCount == 0) {
            timer.del();
            return;
        }
        long d = elapsedTicks(nowNs);
        long next;
        if (periodic()) {
            next = (d / (initialCount + 1) + 1) * (initialCount + 1);
        } else if (d < initialCount) {
            next = initialCount;
        } else {
            timer.del();
            return;
        }
        timer.modNs(loadTimeNs + (next << countShift) * TIMER_NS_PER_TICK);
    }

    private void timerExpired() {
        int e = lvt[LVT_TIMER];
        if ((e & LVT_MASKED) == 0) {
            accept(e & 0xFF, false);
        }
        if (periodic()) {
            armTimer(timer.nowNs());
        }
    }

    // ------------------------------------------------------------------ reset

    private void resetRegisters() {
        id = 0;
        tpr = 0;
        ldr = 0;
        dfr = DFR_FLAT;
        svr = 0xFF;
        Arrays.fill(isr, 0);
        Arrays.fill(tmr, 0);
        Arrays.fill(irr, 0);
        esr = 0;
        esrPending = 0;
        icrLow = 0;
        icrHigh = 0;
        Arrays.fill(lvt, LVT_MASKED);
        lvt[LVT_LINT0] = MODE_EXTINT << 8;
        initialCount = 0;
        divideConfig = 0;
        countShift = 1;
        loadTimeNs = 0;
        extIntMessage = false;
        update();
    }

    /** IA32_APIC_BASE and CR8 for the CPU, under the big lock. */
    private final class CpuAccess implements LocalApicAccess {
        @Override
        public long readApicBase() {
            bql.lock();
            try {
                return apicBase;
            } finally {
                bql.unlock();
            }
        }

        @Override
        public boolean writeApicBase(long value) {
            if ((value & ~BASE_VALID) != 0) {
                return false;
            }
            bql.lock();
            try {
                boolean wasEnabled = (apicBase & BASE_ENABLE) != 0;
                apicBase = (value & ~BASE_BSP) | (apicBase & BASE_BSP);
                if (wasEnabled && (value & BASE_ENABLE) == 0) {
                    timer.del();
                    resetRegisters();
                }
                update();
                return true;
            } finally {
                bql.unlock();
            }
        }

        @Override
        public boolean globallyEnabled() {
            bql.lock();
            try {
                return (apicBase & BASE_ENABLE) != 0;
            } finally {
                bql.unlock();
            }
        }

        @Override
        public int readTprClass() {
            bql.lock();
            try {
                return tpr >> 4;
            } finally {
                bql.unlock();
            }
        }

        @Override
        public void writeTprClass(int tprClass) {
            bql.lock();
            try {
                tpr = (tprClass & 0xF) << 4;
                update();
            } finally {
                bql.unlock();
            }
        }
    }
}
