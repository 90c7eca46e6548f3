package dev.jemu.devices.timer;

import dev.jemu.core.log.Log;
import dev.jemu.core.log.LogCategory;
import dev.jemu.core.machine.DeviceTimers;
import dev.jemu.core.memory.AccessSizes;
import dev.jemu.core.memory.IrqLine;
import dev.jemu.core.memory.MmioOps;
import dev.jemu.core.memory.MmioRegion;

import java.time.Clock;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/**
 * The MC146818 real-time clock and its 128 bytes of CMOS RAM behind ports 0x70 (index; bit 7
 * is the NMI mask, which nothing here uses, and is dropped) and 0x71 (data). Time and date
 * run from a start time (the host's clock or {@code -rtc base=}) plus elapsed guest time, in
 * BCD or binary and 12- or 24-hour format as register B says; the day of week always follows
 * the date (a value software writes there is not kept, as in QEMU), and the century is kept at CMOS byte 0x32 as PC firmware expects. With a 32.768 kHz
 * time base (register A DV = 010) the clock updates once a second, with UIP set for the
 * 244 µs before each update; SET in register B or a divider reset stops updates and leaves
 * the time registers to software. Register C's flags (periodic, alarm with don't-care
 * values, update-ended) are set whether or not enabled, raise IRQF and IRQ 8 when enabled,
 * and clear when C is read. Daylight saving (DSE) and the square-wave pin are not modelled.
 *
 * <p>Flags are computed from guest time when read; device timers are armed only for
 * interrupts that are enabled and would raise the line (none while IRQF is already set).
 *
 * <p>Threading: under the big emulator lock. The constructor may run without it.
 */
public final class Mc146818Rtc implements MmioOps {
    /** The index port; the data port follows. */
    public static final int PORT = 0x70;
    /** Size of the CMOS RAM, clock registers included. */
    public static final int CMOS_SIZE = 128;

    public static final int SECONDS = 0x00;
    public static final int SECONDS_ALARM = 0x01;
    public static final int MINUTES = 0x02;
    public static final int MINUTES_ALARM = 0x03;
    public static final int HOURS = 0x04;
    public static final int HOURS_ALARM = 0x05;
    public static final int DAY_OF_WEEK = 0x06;
    public static final int DAY_OF_MONTH = 0x07;
    public static final int MONTH = 0x08;
    public static final int YEAR = 0x09;
    public static final int REG_A = 0x0A;
    public static final int REG_B = 0x0B;
    public static final int REG_C = 0x0C;
    public static final int REG_D = 0x0D;
    /** The first byte of plain CMOS RAM. */
    public static final int FIRST_RAM_BYTE = 0x0E;
    /** The century, by PC convention (IBM AT). */
    public static final int CENTURY = 0x32;

    static final int A_UIP = 0x80;
    static final int A_DV = 0x70;
    static final int A_DV_32KHZ = 0x20;
    static final int A_RS = 0x0F;
    static final int B_SET = 0x80;
    static final int B_PIE = 0x40;
    static final int B_AIE = 0x20;
    static final int B_UIE = 0x10;
    static final int B_SQWE = 0x08;
    static final int B_BINARY = 0x04;
    static final int B_24H = 0x02;
    static final int C_IRQF = 0x80;
    static final int C_PF = 0x40;
    static final int C_AF = 0x20;
    static final int C_UF = 0x10;
    static final int D_VRT = 0x80;
    static final int HOUR_PM = 0x80;
    /** Alarm register values with both top bits set match any value. */
    static final int ALARM_DONT_CARE = 0xC0;
    static final long TIME_BASE_HZ = 32_768;
    /** How long before an update UIP is set. */
    static final long UIP_NS = 244_000;
    /** After a divider reset the first update comes half a second later. */
    static final long FIRST_UPDATE_AFTER_RESET_NS = 500_000_000;
    private static final long NS = ClockTicks.NS_PER_SECOND;
    private static final int SECONDS_PER_DAY = 86_400;

    private final DeviceTimers timers;
    private final IrqLine irq;
    private final DeviceTimers.Timer periodicTimer;
    private final DeviceTimers.Timer updateTimer;
    private final int[] cmos = new int[CMOS_SIZE];
    private int index;
    /** Guest time of a divider second boundary: updates happen at whole seconds from it. */
    private long phaseNs;
    /** The time (epoch seconds of the wall-clock date and time, read as UTC) at {@link #phaseNs}. */
    private long baseSecond;
    /** Guest time up to which register C's flags are accounted for. */
    private long flagsSyncedNs;

    /**
     * A clock that shows {@code start} now (at the current time of {@code timers}' clock) and
     * interrupts through {@code irq} (ISA IRQ 8). Registers A, B and D start as a PC BIOS
     * expects them: 32.768 kHz time base with 1024 Hz periodic rate, 24-hour BCD, valid RAM.
     */
    public Mc146818Rtc(DeviceTimers timers, IrqLine irq, LocalDateTime start) {
        this.timers = timers;
        this.irq = irq;
        this.periodicTimer = timers.newTimer("rtc periodic", this::timerExpired);
        this.updateTimer = timers.newTimer("rtc update", this::timerExpired);
        long now = timers.clock().nowNs();
        phaseNs = now;
        flagsSyncedNs = now;
        baseSecond = start.toEpochSecond(ZoneOffset.UTC);
        cmos[REG_A] = A_DV_32KHZ | 0x06;
        cmos[REG_B] = B_24H;
        cmos[REG_D] = D_VRT;
    }

    /**
     * The start time for QEMU's {@code -rtc base=}: {@code utc} or {@code localtime} (the
     * {@code host} clock's instant in UTC or in the clock's zone), or a date and time
     * {@code 2006-06-17T16:01:21} or a date {@code 2006-06-17} (midnight).
     *
     * @throws IllegalArgumentException for any other value, with QEMU's message
     */
    public static LocalDateTime startTime(String base, Clock host) {
        switch (base) {
            case "utc" -> {
                return LocalDateTime.ofInstant(host.instant(), ZoneOffset.UTC);
            }
            case "localtime" -> {
                return LocalDateTime.ofInstant(host.instant(), host.getZone());
            }
            default -> {
                try {
                    if (base.length() == "2006-06-17".length()) {
                        return LocalDate.parse(base).atStartOfDay();
                    }
                    return LocalDateTime.parse(base).withNano(0);
                } catch (DateTimeParseException e) {
                    throw new IllegalArgumentException(
                            "invalid datetime format; valid formats: '2006-06-17T16:01:21' or '2006-06-17'");
                }
            }
        }
    }

    /** The index and data ports, for 0x70. */
    public MmioRegion region() {
        return new MmioRegion("rtc", 2, this, AccessSizes.UP_TO_DWORD, AccessSizes.BYTE);
    }

    @Override
    public long read(long offset, int size) {
        if (offset == 0) {
            return 0xFF;
        }
        long now = sync();
        int value = switch (index) {
            case REG_A -> cmos[REG_A] | (updateInProgress(now) ? A_UIP : 0);
            case REG_C -> {
                int c = cmos[REG_C];
                cmos[REG_C] = 0;
                irq.lower();
                rearm(now);
                yield c;
            }
            default -> {
                if (isClockRegister(index) && !frozen()) {
                    storeTime(now);
                }
                yield cmos[index];
            }
        };
        return value;
    }

    @Override
    public void write(long offset, long value, int size) {
        int v = (int) value & 0xFF;
        if (offset == 0) {
            index = v & 0x7F;
            return;
        }
        long now = sync();
        boolean wasFrozen = frozen();
        if (!wasFrozen && (isClockRegister(index) || index == REG_A || index == REG_B)) {
            storeTime(now);
        }
        switch (index) {
            case REG_A -> {
                boolean wasRunning = dividerRunning();
                cmos[REG_A] = v & ~A_UIP;
                if (!wasRunning && dividerRunning()) {
                    phaseNs = now - FIRST_UPDATE_AFTER_RESET_NS;
                }
            }
            case REG_B -> cmos[REG_B] = (v & B_SET) != 0 ? v & ~B_UIE : v;
            case REG_C, REG_D -> guestError("register " + (index == REG_C ? 'C' : 'D') + " is read-only");
            default -> cmos[index] = v;
        }
        if (!frozen() && (wasFrozen || isClockRegister(index))) {
            loadTime(now);
        }
        updateIrq();
        rearm(now);
    }

    /** CMOS byte {@code index} (a clock register shows the current time; C is not cleared). */
    public int cmos(int index) {
        checkIndex(index);
        if (isClockRegister(index) && !frozen()) {
            storeTime(timers.clock().nowNs());
        }
        return cmos[index];
    }

    /** Sets CMOS RAM byte {@code index} (0x0E–0x7F, except the century at 0x32). */
    public void setCmos(int index, int value) {
        checkIndex(index);
        if (index < FIRST_RAM_BYTE || index == CENTURY) {
            throw new IllegalArgumentException("CMOS byte 0x" + Integer.toHexString(index) + " belongs to the clock");
        }
        cmos[index] = value & 0xFF;
    }

    /**
     * The RESET pin (system reset): clears the interrupt enables and the square-wave enable
     * in register B and the flags in register C, lowers IRQ 8. Time and CMOS RAM survive.
     */
    public void reset() {
        long now = sync();
        cmos[REG_B] &= ~(B_PIE | B_AIE | B_UIE | B_SQWE);
        cmos[REG_C] = 0;
        irq.lower();
        rearm(now);
    }

    private static void checkIndex(int index) {
        if (index < 0 || index >= CMOS_SIZE) {
            throw new IllegalArgumentException("CMOS byte " + index + " does not exist (0-127)");
        }
    }

    private static boolean isClockRegister(int index) {
        return index <= YEAR && index != SECONDS_ALARM && index != MINUTES_ALARM && index != HOURS_ALARM
                || index == CENTURY;
    }

    private boolean dividerRunning() {
        return (cmos[REG_A] & A_DV) == A_DV_32KHZ;
    }

    /** Whether the time registers hold still and belong to software (SET, or no time base). */
    private boolean frozen() {
        return (cmos[REG_B] & B_SET) != 0 || !dividerRunning();
    }

    private boolean updateInProgress(long now) {
        return !frozen() && Math.floorMod(now - phaseNs, NS) >= NS - UIP_NS;
    }

    /** The current time in epoch seconds (valid while not frozen). */
    private long second(long now) {
        return baseSecond + Math.floorDiv(now - phaseNs, NS);
    }

    /** 32.768 kHz cycles since the divider phase. */
    private long cycles(long now) {
        return ClockTicks.ticks(now - phaseNs, TIME_BASE_HZ);
    }

    /** The periodic interrupt's period in time-base cycles, or 0 if RS selects none. */
    private long periodicCycles() {
        int rs = cmos[REG_A] & A_RS;
        if (rs == 0) {
            return 0;
        }
        return rs <= 2 ? 1L << (rs + 6) : 1L << (rs - 1);
    }

    /** Guest time now, with register C's flags brought up to it. */
    private long sync() {
        long now = timers.clock().nowNs();
        if (now <= flagsSyncedNs) {
            return now;
        }
        int flags = 0;
        if (dividerRunning()) {
            long period = periodicCycles();
            if (period != 0 && cycles(now) / period > cycles(flagsSyncedNs) / period) {
                flags |= C_PF;
            }
            if ((cmos[REG_B] & B_SET) == 0) {
                long from = second(flagsSyncedNs);
                long to = second(now);
                if (to > from) {
                    flags |= C_UF;
                    if (nextAlarm(from + 1) <= to) {
                        flags |= C_AF;
                    }
                }
            }
        }
        flagsSyncedNs = now;
        if (flags != 0) {
            cmos[REG_C] |= flags;
            updateIrq();
        }
        return now;
    }

    private void updateIrq() {
        int b = cmos[REG_B];
        int c = cmos[REG_C] & (C_PF | C_AF | C_UF);
        boolean irqf = (c & C_PF) != 0 && (b & B_PIE) != 0
                || (c & C_AF) != 0 && (b & B_AIE) != 0
                || (c & C_UF) != 0 && (b & B_UIE) != 0;
        cmos[REG_C] = c | (irqf ? C_IRQF : 0);
        irq.set(irqf);
    }

    /** Arms a timer for each enabled interrupt that could raise the line next. */
    private void rearm(long now) {
        int b = cmos[REG_B];
        boolean quiet = (cmos[REG_C] & C_IRQF) == 0 && dividerRunning();
        long period = periodicCycles();
        if (quiet && (b & B_PIE) != 0 && period != 0) {
            long next = (cycles(now) / period + 1) * period;
            periodicTimer.modNs(phaseNs + ClockTicks.nsForTicks(next, TIME_BASE_HZ));
        } else {
            periodicTimer.del();
        }
        long updateAt = -1;
        if (quiet && (b & B_SET) == 0) {
            long current = second(now);
            if ((b & B_UIE) != 0) {
                updateAt = current + 1;
            } else if ((b & B_AIE) != 0) {
                long alarm = nextAlarm(current + 1);
                updateAt = alarm == Long.MAX_VALUE ? -1 : alarm;
            }
        }
        if (updateAt < 0) {
            updateTimer.del();
        } else {
            updateTimer.modNs(phaseNs + (updateAt - baseSecond) * NS);
        }
    }

    private void timerExpired() {
        rearm(sync());
    }

    /** The first second at or after {@code from} whose time of day matches the alarm, or {@link Long#MAX_VALUE}. */
    private long nextAlarm(long from) {
        int hour = alarmField(HOURS_ALARM, 24);
        int minute = alarmField(MINUTES_ALARM, 60);
        int sec = alarmField(SECONDS_ALARM, 60);
        if (hour == -2 || minute == -2 || sec == -2) {
            return Long.MAX_VALUE;
        }
        long day = Math.floorDiv(from, SECONDS_PER_DAY);
        int timeOfDay = (int) Math.floorMod(from, SECONDS_PER_DAY);
        for (int d = 0; d < 2; d++) {
            int floor = d == 0 ? timeOfDay : 0;
            for (int h = 0; h < 24; h++) {
                if (hour >= 0 && h != hour || h * 3600 + 3599 < floor) {
                    continue;
                }
                for (int m = 0; m < 60; m++) {
                    if (minute >= 0 && m != minute || h * 3600 + m * 60 + 59 < floor) {
                        continue;
                    }
                    for (int s = 0; s < 60; s++) {
                        int t = h * 3600 + m * 60 + s;
                        if ((sec < 0 || s == sec) && t >= floor) {
                            return (day + d) * SECONDS_PER_DAY + t;
                        }
                    }
                }
            }
        }
        return Long.MAX_VALUE;
    }

    /** An alarm register's value in binary 24-hour terms, -1 for don't care, -2 if it can never match. */
    private int alarmField(int register, int limit) {
        int v = cmos[register];
        if ((v & ALARM_DONT_CARE) == ALARM_DONT_CARE) {
            return -1;
        }
        int value = register == HOURS_ALARM ? decodeHour(v) : decode(v);
        return value < limit ? value : -2;
    }

    /** Writes the current time into the clock registers in the format register B selects. */
    private void storeTime(long now) {
        LocalDateTime t = LocalDateTime.ofEpochSecond(second(now), 0, ZoneOffset.UTC);
        cmos[SECONDS] = encode(t.getSecond());
        cmos[MINUTES] = encode(t.getMinute());
        cmos[HOURS] = encodeHour(t.getHour());
        cmos[DAY_OF_WEEK] = encode(dayOfWeek(t.toLocalDate()) + 1);
        cmos[DAY_OF_MONTH] = encode(t.getDayOfMonth());
        cmos[MONTH] = encode(t.getMonthValue());
        cmos[YEAR] = encode(t.getYear() % 100);
        cmos[CENTURY] = encode(t.getYear() / 100);
    }

    /**
     * Takes the time software left in the clock registers as the time of the current second;
     * an impossible date counts on from the nearest valid one (31 February is 3 March).
     */
    private void loadTime(long now) {
        int year = decode(cmos[CENTURY]) * 100 + decode(cmos[YEAR]);
        int month = decode(cmos[MONTH]);
        int day = decode(cmos[DAY_OF_MONTH]);
        int hour = decodeHour(cmos[HOURS]);
        int minute = decode(cmos[MINUTES]);
        int sec = decode(cmos[SECONDS]);
        if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || sec > 59) {
            guestError(String.format("invalid time set: %04d-%02d-%02d %02d:%02d:%02d (counting on from the nearest valid one)",
                    year, month, day, hour, minute, sec));
        }
        LocalDate date = LocalDate.of(year, 1, 1).plusMonths(Math.clamp(month, 1, 12) - 1)
                .plusDays(Math.clamp(day, 1, 31) - 1);
        long t = date.toEpochDay() * SECONDS_PER_DAY + Math.min(hour, 23) * 3600L + Math.min(minute, 59) * 60L
                + Math.min(sec, 59);
        baseSecond = t - Math.floorDiv(now - phaseNs, NS);
    }

    /** 0 for Sunday ... 6 for Saturday. */
    private static int dayOfWeek(LocalDate date) {
        return date.getDayOfWeek() == DayOfWeek.SUNDAY ? 0 : date.getDayOfWeek().getValue();
    }

    private boolean binary() {
        return (cmos[REG_B] & B_BINARY) != 0;
    }

    private int encode(int value) {
        return binary() ? value : value / 10 << 4 | value % 10;
    }

    private int decode(int value) {
        return binary() ? value : (value >> 4) * 10 + (value & 0xF);
    }

    private int encodeHour(int hour) {
        if ((cmos[REG_B] & B_24H) != 0) {
            return encode(hour);
        }
        int h12 = hour % 12 == 0 ? 12 : hour % 12;
        return encode(h12) | (hour >= 12 ? HOUR_PM : 0);
    }

    private int decodeHour(int value) {
        if ((cmos[REG_B] & B_24H) != 0) {
            return decode(value);
        }
        return decode(value & ~HOUR_PM) % 12 + ((value & HOUR_PM) != 0 ? 12 : 0);
    }

    private void guestError(String what) {
        if (Log.enabled(LogCategory.GUEST_ERRORS)) {
            Log.log(LogCategory.GUEST_ERRORS, "mc146818rtc: " + what);
        }
    }
}
