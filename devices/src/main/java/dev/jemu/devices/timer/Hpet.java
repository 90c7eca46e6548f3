package dev.jemu.devices.timer;

import dev.jemu.core.log.Log;
import dev.jemu.core.log.LogCategory;
import dev.jemu.core.machine.DeviceTimers;
import dev.jemu.core.memory.AccessSizes;
import dev.jemu.core.memory.IrqLine;
import dev.jemu.core.memory.MmioOps;
import dev.jemu.core.memory.MmioRegion;

import java.util.function.IntFunction;

/**
 * The High Precision Event Timer block of QEMU's pc machine (IA-PC HPET specification 1.0a):
 * a 64-bit main counter at 100 MHz (period 10,000,000 fs) and three comparators, each 64-bit
 * and periodic-capable, without FSB (MSI) delivery. Capabilities read 0x8086A201 (vendor
 * 8086, legacy-replacement capable, 64-bit counter, three timers, revision 1).
 *
 * <p><b>Registers</b> (1 KiB at {@link #DEFAULT_BASE}, accessed as dwords or qwords): 0x000
 * capabilities and ID, 0x010 general configuration (ENABLE_CNF, LEG_RT_CNF), 0x020 interrupt
 * status (write one to clear a level-triggered timer's interrupt), 0x0F0 main counter
 * (writable while halted); per timer N at 0x100 + 0x20·N its configuration and capabilities,
 * at 0x108 its comparator, at 0x110 the FSB route (kept, unused).
 *
 * <p><b>Comparators.</b> A timer interrupts when the counter reaches its comparator (the low
 * 32 bits in 32-bit mode). In periodic mode each interrupt adds the period to the comparator;
 * a comparator write sets the period, and also the comparator itself when the timer is
 * one-shot or Tn_VAL_SET_CNF is set (which the write clears), as QEMU does. Edge-triggered
 * timers pulse their line; level-triggered ones set their status bit and hold the line until
 * the guest clears it.
 *
 * <p><b>Routing.</b> Timer N drives the IO-APIC pin in Tn_INT_ROUTE_CNF, one of the pins its
 * route capability (QEMU's pc: 2, 8 and 16–23) allows. In legacy-replacement mode timer 0
 * drives IRQ0/pin 2 and timer 1 IRQ8/pin 8 instead, and the board is told so that it
 * disconnects the PIT and the RTC from those lines.
 *
 * <p>Threading: under the big emulator lock.
 */
public final class Hpet {
    /** Where the registers are mapped in the memory space. */
    public static final long DEFAULT_BASE = 0xFED0_0000L;
    /** Size of the register block. */
    public static final int SIZE = 0x400;
    /** Comparators in the block. */
    public static final int TIMERS = 3;
    /** The counter's period in femtoseconds (100 MHz). */
    public static final long PERIOD_FS = 10_000_000L;
    /** The low half of the capabilities register, as the ACPI HPET table repeats it. */
    public static final int CAPABILITIES_LOW = 0x8086_A201;
    /** IO-APIC pins a timer may be routed to: 2, 8 and 16–23, as QEMU's pc machine allows. */
    public static final int ROUTE_CAP = 0x00FF_0104;

    static final int REG_CAPABILITIES = 0x000;
    static final int REG_CONFIG = 0x010;
    static final int REG_STATUS = 0x020;
    static final int REG_COUNTER = 0x0F0;
    static final int REG_TIMER_BASE = 0x100;
    static final int TIMER_STRIDE = 0x20;
    static final int TIMER_CONFIG = 0x00;
    static final int TIMER_COMPARATOR = 0x08;
    static final int TIMER_FSB = 0x10;

    static final long CONFIG_ENABLE = 1;
    static final long CONFIG_LEGACY = 2;

    static final long TN_LEVEL = 1 << 1;
    static final long TN_ENABLE = 1 << 2;
    static final long TN_PERIODIC = 1 << 3;
    static final long TN_PERIODIC_CAP = 1 << 4;
    static final long TN_SIZE_CAP = 1 << 5;
    static final long TN_VAL_SET = 1 << 6;
    static final long TN_32BIT = 1 << 8;
    static final int TN_ROUTE_SHIFT = 9;
    static final long TN_ROUTE = 0x1FL << TN_ROUTE_SHIFT;
    static final long TN_FSB_ENABLE = 1 << 14;
    /** Writable configuration bits: type, enable, periodic, value-set, 32-bit mode, route, FSB enable. */
    static final long TN_WRITABLE = TN_LEVEL | TN_ENABLE | TN_PERIODIC | TN_VAL_SET | TN_32BIT | TN_ROUTE
            | TN_FSB_ENABLE;
    static final long TN_FIXED = TN_PERIODIC_CAP | TN_SIZE_CAP | ((long) ROUTE_CAP << 32);

    private static final long NS_PER_TICK = PERIOD_FS / 1_000_000L;
    private static final long CAPABILITIES = (PERIOD_FS << 32) | (CAPABILITIES_LOW & 0xFFFF_FFFFL);
    /** Beyond this many ticks (about 29 years) a comparator is never reached in practice and is not armed. */
    private static final long MAX_ARM_TICKS = 1L << 56;

    /** The board's side of legacy-replacement mode. */
    public interface LegacyListener {
        /** Called when LEG_RT_CNF changes: while set, the PIT and the RTC are off IRQ 0 and 8. */
        void legacyReplacement(boolean enabled);
    }

    private final DeviceTimers deviceTimers;
    private final IntFunction<IrqLine> ioapicPin;
    private final IrqLine legacyIrq0;
    private final IrqLine legacyIrq8;
    private final LegacyListener legacy;
    private final MmioRegion region;
    private final Comparator[] timers = new Comparator[TIMERS];

    private long config;
    private long status;
    /** The counter's value at {@link #counterBaseNs} while enabled, or its frozen value. */
    private long counterBase;
    private long counterBaseNs;

    /**
     * Creates the block in its reset state.
     *
     * @param deviceTimers device timers for the comparators
     * @param ioapicPin an output line into IO-APIC pin {@code n}, for the routed timers
     * @param legacyIrq0 timer 0's line in legacy-replacement mode (ISA IRQ 0: 8259 IRQ0, IO-APIC pin 2)
     * @param legacyIrq8 timer 1's line in legacy-replacement mode (ISA IRQ 8)
     * @param legacy told when legacy-replacement mode turns on or off
     */
    public Hpet(DeviceTimers deviceTimers, IntFunction<IrqLine> ioapicPin, IrqLine legacyIrq0, IrqLine legacyIrq8,
            LegacyListener legacy) {
        this.deviceTimers = deviceTimers;
        this.ioapicPin = ioapicPin;
        this.legacyIrq0 = legacyIrq0;
        this.legacyIrq8 = legacyIrq8;
        this.legacy = legacy;
        for (int i = 0; i < TIMERS; i++) {
            int n = i;
            timers[i] = new Comparator(n, deviceTimers.newTimer("hpet" + n, () -> expired(n)));
        }
        this.region = new MmioRegion("hpet", SIZE, new MmioOps() {
            @Override
            public long read(long offset, int size) {
                long v = readRegister((int) offset & ~7);
                v >>>= (offset & 4) * 8;
                return size == 8 ? v : v & 0xFFFF_FFFFL;
            }

            @Override
            public void write(long offset, long value, int size) {
                int reg = (int) offset & ~7;
                long old = readRegister(reg);
                long merged;
                if (size == 8) {
                    merged = value;
                } else if ((offset & 4) == 0) {
                    merged = (old & 0xFFFF_FFFF_0000_0000L) | (value & 0xFFFF_FFFFL);
                } else {
                    merged = (old & 0xFFFF_FFFFL) | (value << 32);
                }
                writeRegister(reg, merged, size == 8 || (offset & 4) == 0, size == 8 || (offset & 4) != 0);
            }
        }, new AccessSizes(4, 8));
    }

    /** The register block, for {@link #DEFAULT_BASE}. */
    public MmioRegion region() {
        return region;
    }

    /** Resets the block: counter halted at 0, legacy mode off, every timer disabled. */
    public void reset() {
        boolean wasLegacy = (config & CONFIG_LEGACY) != 0;
        config = 0;
        status = 0;
        counterBase = 0;
        counterBaseNs = 0;
        for (Comparator t : timers) {
            t.reset();
        }
        if (wasLegacy) {
            legacy.legacyReplacement(false);
        }
    }

    // ------------------------------------------------------------------ register access

    private long nowNs() {
        return deviceTimers.clock().nowNs();
    }

    private boolean enabled() {
        return (config & CONFIG_ENABLE) != 0;
    }

    /** The main counter now. */
    long counter() {
        if (!enabled()) {
            return counterBase;
        }
        return counterBase + (nowNs() - counterBaseNs) / NS_PER_TICK;
    }

    private long readRegister(int reg) {
        if (reg >= REG_TIMER_BASE && reg < REG_TIMER_BASE + TIMERS * TIMER_STRIDE) {
            Comparator t = timers[(reg - REG_TIMER_BASE) / TIMER_STRIDE];
            return switch ((reg - REG_TIMER_BASE) % TIMER_STRIDE) {
                case TIMER_CONFIG -> t.config | TN_FIXED;
                case TIMER_COMPARATOR -> (t.config & TN_32BIT) != 0 ? t.comparator & 0xFFFF_FFFFL : t.comparator;
                case TIMER_FSB -> t.fsb;
                default -> 0;
            };
        }
        return switch (reg) {
            case REG_CAPABILITIES -> CAPABILITIES;
            case REG_CONFIG -> config;
            case REG_STATUS -> status;
            case REG_COUNTER -> counter();
            default -> 0;
        };
    }

    private void writeRegister(int reg, long value, boolean low, boolean high) {
        if (reg >= REG_TIMER_BASE && reg < REG_TIMER_BASE + TIMERS * TIMER_STRIDE) {
            Comparator t = timers[(reg - REG_TIMER_BASE) / TIMER_STRIDE];
            switch ((reg - REG_TIMER_BASE) % TIMER_STRIDE) {
                case TIMER_CONFIG -> t.writeConfig(value);
                case TIMER_COMPARATOR -> t.writeComparator(value, low, high);
                case TIMER_FSB -> t.fsb = value;
                default -> guestError("write to the reserved offset 0x" + Integer.toHexString(reg));
            }
            return;
        }
        switch (reg) {
            case REG_CONFIG -> writeConfig(value & (CONFIG_ENABLE | CONFIG_LEGACY));
            case REG_STATUS -> {
                for (Comparator t : timers) {
                    if ((value & (1L << t.index)) != 0) {
                        status &= ~(1L << t.index);
                        t.line().lower();
                    }
                }
            }
            case REG_COUNTER -> {
                if (enabled()) {
                    guestError("write to the main counter while it runs");
                } else {
                    counterBase = value;
                }
            }
            case REG_CAPABILITIES -> {
                // read-only
            }
            default -> guestError("write to the reserved offset 0x" + Integer.toHexString(reg));
        }
    }

    private void writeConfig(long value) {
        long old = config;
        if (((old ^ value) & CONFIG_ENABLE) != 0) {
            long c = counter();
            counterBaseNs = nowNs();
            counterBase = c;
        }
        for (Comparator t : timers) {
            t.line().lower();
        }
        config = value;
        if (((old ^ value) & CONFIG_LEGACY) != 0) {
            legacy.legacyReplacement((value & CONFIG_LEGACY) != 0);
        }
        for (Comparator t : timers) {
            if ((t.config & TN_LEVEL) != 0 && (status & (1L << t.index)) != 0) {
                t.line().raise();
            }
            t.arm();
        }
    }

    // ------------------------------------------------------------------ comparators

    private void expired(int n) {
        Comparator t = timers[n];
        if (!enabled() || (t.config & TN_ENABLE) == 0) {
            return;
        }
        if ((t.config & TN_PERIODIC) != 0 && t.period != 0) {
            long mask = (t.config & TN_32BIT) != 0 ? 0xFFFF_FFFFL : -1L;
            long behind = (counter() - t.comparator) & mask;
            t.comparator = (t.comparator + t.period * (behind / t.period + 1)) & mask;
        }
        if ((t.config & TN_LEVEL) != 0) {
            status |= 1L << n;
            t.line().raise();
        } else {
            t.line().pulse();
        }
        t.armAfterMatch();
    }

    private static void guestError(String what) {
        if (Log.enabled(LogCategory.GUEST_ERRORS)) {
            String line = "hpet: " + what;
            Log.logOnce(LogCategory.GUEST_ERRORS, line, line);
        }
    }

    /** One comparator: its registers, device timer and output line. */
    private final class Comparator {
        final int index;
        final DeviceTimers.Timer timer;
        long config;
        long comparator;
        long period;
        long fsb;
        /** The line the timer drove last (lowered when the route changes). */
        IrqLine driven;

        Comparator(int index, DeviceTimers.Timer timer) {
            this.index = index;
            this.timer = timer;
            this.comparator = -1L;
        }

        void reset() {
            if (driven != null) {
                driven.lower();
            }
            timer.del();
            config = 0;
            comparator = -1L;
            period = 0;
            fsb = 0;
            driven = null;
        }

        /** The line this timer drives under the current mode and route. */
        IrqLine line() {
            IrqLine l;
            if ((Hpet.this.config & CONFIG_LEGACY) != 0 && index < 2) {
                l = index == 0 ? legacyIrq0 : legacyIrq8;
            } else {
                l = ioapicPin.apply((int) ((config & TN_ROUTE) >>> TN_ROUTE_SHIFT));
            }
            if (driven != null && driven != l) {
                driven.lower();
            }
            driven = l;
            return l;
        }

        void writeConfig(long value) {
            long next = value & TN_WRITABLE;
            int route = (int) ((next & TN_ROUTE) >>> TN_ROUTE_SHIFT);
            if ((ROUTE_CAP & (1 << route)) == 0) {
                guestError("timer " + index + " routed to IO-APIC pin " + route + ", outside its capability");
                next = (next & ~TN_ROUTE) | (config & TN_ROUTE);
            }
            if ((next & TN_FSB_ENABLE) != 0) {
                guestError("timer " + index + " FSB delivery enabled without the capability");
                next &= ~TN_FSB_ENABLE;
            }
            if ((next & TN_32BIT) != 0) {
                comparator &= 0xFFFF_FFFFL;
                period &= 0xFFFF_FFFFL;
            }
            boolean wasLevel = (config & TN_LEVEL) != 0;
            config = next;
            if (wasLevel && (config & TN_LEVEL) == 0) {
                status &= ~(1L << index);
                line().lower();
            }
            arm();
        }

        void writeComparator(long value, boolean low, boolean high) {
            long v = (config & TN_32BIT) != 0 ? value & 0xFFFF_FFFFL : value;
            boolean periodic = (config & TN_PERIODIC) != 0;
            if (!periodic || (config & TN_VAL_SET) != 0) {
                comparator = v;
            }
            period = v;
            if (high || (config & TN_32BIT) != 0) {
                config &= ~TN_VAL_SET;
            }
            arm();
        }

        /** Counter ticks from {@code c} until the counter matches the comparator (0: now). */
        long ticksUntilMatch(long c) {
            if ((config & TN_32BIT) != 0) {
                return (comparator - c) & 0xFFFF_FFFFL;
            }
            return comparator - c;
        }

        void arm() {
            arm(false);
        }

        /** Re-arms after a match: a comparator the counter is on now next matches after a wrap. */
        void armAfterMatch() {
            arm(true);
        }

        private void arm(boolean afterMatch) {
            if (!enabled() || (config & TN_ENABLE) == 0) {
                timer.del();
                return;
            }
            long c = counter();
            long ticks = ticksUntilMatch(c);
            if (ticks == 0 && afterMatch) {
                ticks = (config & TN_32BIT) != 0 ? 1L << 32 : -1;
            }
            if (ticks < 0) {
                // a 64-bit comparator behind the counter matches only after the counter wraps
                timer.del();
                return;
            }
            long now = nowNs();
            long sinceTick = (now - counterBaseNs) % NS_PER_TICK;
            if (ticks > MAX_ARM_TICKS) {
                timer.del();
                return;
            }
            timer.modNs(now + Math.max(ticks * NS_PER_TICK - sinceTick, 0));
        }
    }
}
