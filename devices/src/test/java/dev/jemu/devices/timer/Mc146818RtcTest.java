package dev.jemu.devices.timer;

import dev.jemu.core.machine.DeviceTimers;
import dev.jemu.core.machine.GuestClock;
import dev.jemu.core.memory.AddressSpace;
import dev.jemu.core.memory.IrqLine;
import dev.jemu.core.sync.BigLock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The RTC driven through ports 0x70/0x71. Register formats, rates and flag behaviour from the
 * Motorola MC146818A datasheet; 2006-06-17 was a Saturday (day of week 7).
 */
class Mc146818RtcTest {
    private static final LocalDateTime START = LocalDateTime.parse("2006-06-17T16:01:21");
    private static final long SECOND = 1_000_000_000L;
    private final BigLock bql = new BigLock();
    private final GuestClock clock = GuestClock.manual();
    private final DeviceTimers timers = new DeviceTimers(clock, bql);
    private AddressSpace io;
    /** IRQ 8 level changes as {time, level}. */
    private final List<long[]> irq8 = new ArrayList<>();
    private final IrqLine line = new IrqLine(level -> irq8.add(new long[] {clock.nowNs(), level ? 1 : 0}));
    private Mc146818Rtc rtc;

    @BeforeEach
    void setUp() {
        bql.lock();
        install(START);
    }

    private void install(LocalDateTime start) {
        rtc = new Mc146818Rtc(timers, line, start);
        io = AddressSpace.ioPorts();
        io.root().addSubregion(0x70, rtc.region());
    }

    @AfterEach
    void tearDown() {
        bql.unlock();
    }

    private int cmosRead(int index) {
        io.write(0x70, index, 1);
        return (int) io.read(0x71, 1);
    }

    private void cmosWrite(int index, int value) {
        io.write(0x70, index, 1);
        io.write(0x71, value, 1);
    }

    private void stepTo(long ns) {
        timers.step(ns - clock.nowNs());
    }

    private int[] dateTime() {
        int[] r = new int[8];
        int[] regs = {0x00, 0x02, 0x04, 0x06, 0x07, 0x08, 0x09, 0x32};
        for (int i = 0; i < regs.length; i++) {
            r[i] = cmosRead(regs[i]);
        }
        return r;
    }

    private static int[] expected(int... values) {
        return values;
    }

    @Test
    void showsTheStartTimeInBcdAnd24HourFormat() {
        assertArrayEquals(
                expected(0x21, 0x01, 0x16, 7, 0x17, 0x06, 0x06, 0x20), dateTime());
        assertEquals(0x26, cmosRead(0x0A));
        assertEquals(0x02, cmosRead(0x0B));
        assertEquals(0x80, cmosRead(0x0D), "valid RAM and time");
    }

    @Test
    void timeAdvancesWithGuestTimeAcrossMidnightMonthAndYear() {
        stepTo(39 * SECOND);
        assertArrayEquals(
                expected(0x00, 0x02, 0x16, 7, 0x17, 0x06, 0x06, 0x20), dateTime());
        install(LocalDateTime.parse("2099-12-31T23:59:59"));
        timers.step(SECOND);
        assertArrayEquals(
                expected(0x00, 0x00, 0x00, 6, 0x01, 0x01, 0x00, 0x21), dateTime(), "2100-01-01 was a Friday");
    }

    @Test
    void binaryAnd12HourFormats() {
        cmosWrite(0x0B, 0x06);
        assertEquals(21, cmosRead(0x00));
        assertEquals(16, cmosRead(0x04));
        cmosWrite(0x0B, 0x04);
        assertEquals(0x84, cmosRead(0x04), "4 PM in binary 12-hour format");
        cmosWrite(0x0B, 0x00);
        assertEquals(0x84, cmosRead(0x04));
        stepTo((7 * 3600 + 58 * 60 + 39) * SECOND);
        assertEquals(0x12, cmosRead(0x04), "midnight is 12 AM");
        assertEquals(0x18, cmosRead(0x07));
        assertEquals(1, cmosRead(0x06), "Sunday");
        stepTo(clock.nowNs() + 12 * 3600 * SECOND);
        assertEquals(0x92, cmosRead(0x04), "noon is 12 PM");
        stepTo(clock.nowNs() + 11 * 3600 * SECOND);
        assertEquals(0x91, cmosRead(0x04), "11 PM in BCD");
    }

    @Test
    void uipIsSetFor244MicrosecondsBeforeEachUpdate() {
        stepTo(SECOND - 244_001);
        assertEquals(0, cmosRead(0x0A) & 0x80);
        stepTo(SECOND - 244_000);
        assertEquals(0x80, cmosRead(0x0A) & 0x80);
        assertEquals(0x21, cmosRead(0x00), "the update has not happened yet");
        stepTo(SECOND - 1);
        assertEquals(0x80, cmosRead(0x0A) & 0x80);
        stepTo(SECOND);
        assertEquals(0, cmosRead(0x0A) & 0x80);
        assertEquals(0x22, cmosRead(0x00));
    }

    @Test
    void periodicInterruptAt1024HzIsAcknowledgedByReadingC() {
        cmosWrite(0x0B, 0x42);
        long firstEdge = (long) Math.ceil(SECOND / 1024.0);
        assertEquals(firstEdge, timers.nextDeadlineNs());
        stepTo(firstEdge - 1);
        assertTrue(irq8.isEmpty());
        stepTo(firstEdge);
        assertEquals(1, irq8.size());
        assertEquals(firstEdge, irq8.get(0)[0]);
        assertEquals(Long.MAX_VALUE, timers.nextDeadlineNs(), "no timer while IRQF is set");
        assertEquals(0xC0, cmosRead(0x0C));
        assertEquals(0, irq8.get(1)[1], "reading C lowers IRQ 8");
        assertEquals(0x00, cmosRead(0x0C));
        int interrupts = 1;
        while (clock.nowNs() < SECOND) {
            timers.step(100_000);
            if (line.isRaised()) {
                assertEquals(0xC0, cmosRead(0x0C) & 0xC0);
                interrupts++;
            }
        }
        assertEquals(1024, interrupts);
    }

    @Test
    void disabledInterruptsSetFlagsWithoutIrqfOrTimers() {
        stepTo(SECOND + 5_000_000);
        assertEquals(Long.MAX_VALUE, timers.nextDeadlineNs());
        assertEquals(0x50, cmosRead(0x0C), "periodic and update-ended flags, no IRQF");
        assertTrue(irq8.isEmpty());
        cmosWrite(0x0A, 0x20);
        stepTo(clock.nowNs() + SECOND);
        assertEquals(0x10, cmosRead(0x0C), "rate 0: no periodic flag");
    }

    @Test
    void enablingAnInterruptWhoseFlagIsSetRaisesIrqAtOnce() {
        stepTo(SECOND);
        cmosWrite(0x0B, 0x12);
        assertTrue(line.isRaised());
        assertEquals(0xD0, cmosRead(0x0C));
    }

    @Test
    void updateEndedInterruptEverySecond() {
        cmosWrite(0x0B, 0x12);
        assertEquals(SECOND, timers.nextDeadlineNs());
        stepTo(SECOND);
        assertTrue(line.isRaised());
        assertEquals(0xD0, cmosRead(0x0C), "IRQF, UF, and PF (set at 1024 Hz though not enabled)");
        stepTo(2 * SECOND - 1);
        assertFalse(line.isRaised());
        stepTo(2 * SECOND);
        assertTrue(line.isRaised());
    }

    @Test
    void alarmInterruptWithExactAndDontCareValues() {
        cmosWrite(0x01, 0x30);
        cmosWrite(0x03, 0x01);
        cmosWrite(0x05, 0x16);
        cmosWrite(0x0B, 0x22);
        assertEquals(9 * SECOND, timers.nextDeadlineNs(), "armed for the alarm, not every second");
        stepTo(9 * SECOND - 1);
        assertFalse(line.isRaised());
        stepTo(9 * SECOND);
        assertTrue(line.isRaised());
        assertEquals(0xF0, cmosRead(0x0C), "IRQF, AF, UF, and PF (not enabled)");
        cmosWrite(0x01, 0x00);
        cmosWrite(0x03, 0xC0);
        cmosWrite(0x05, 0xFF);
        assertEquals(39 * SECOND, timers.nextDeadlineNs(), "every minute at :00 from 16:01:30");
        stepTo(39 * SECOND);
        assertEquals(0xF0, cmosRead(0x0C));
        assertEquals(99 * SECOND, timers.nextDeadlineNs());
        cmosWrite(0x05, 0x25);
        assertEquals(Long.MAX_VALUE, timers.nextDeadlineNs(), "hour 25 never matches");
    }

    @Test
    void setFreezesUpdatesAndTheWrittenTimeRunsOnWhenCleared() {
        cmosWrite(0x0B, 0x92);
        assertEquals(0x82, cmosRead(0x0B), "SET clears UIE");
        stepTo(5 * SECOND);
        assertEquals(0x21, cmosRead(0x00));
        assertEquals(0, cmosRead(0x0A) & 0x80, "no UIP while SET");
        cmosWrite(0x00, 0x58);
        cmosWrite(0x02, 0x59);
        cmosWrite(0x04, 0x23);
        cmosWrite(0x07, 0x28);
        cmosWrite(0x08, 0x02);
        cmosWrite(0x09, 0x24);
        cmosWrite(0x06, 0x04);
        stepTo(5 * SECOND + 500_000_000);
        assertEquals(0x58, cmosRead(0x00));
        assertEquals(0x00, cmosRead(0x0C) & 0x10, "no update while SET");
        cmosWrite(0x0B, 0x02);
        stepTo(7 * SECOND);
        assertArrayEquals(
                expected(0x00, 0x00, 0x00, 0x05, 0x29, 0x02, 0x24, 0x20), dateTime(), "2024 is a leap year");
        assertEquals(0x10, cmosRead(0x0C) & 0x10);
    }

    @Test
    void impossibleDateCountsOnIntoTheNextMonthWithItsDayOfWeek() {
        cmosWrite(0x0B, 0x82);
        cmosWrite(0x07, 0x31);
        cmosWrite(0x08, 0x02);
        cmosWrite(0x0B, 0x02);
        assertEquals(0x03, cmosRead(0x07), "2006-02-31 is read back as 2006-03-03, as QEMU 7.2 does");
        assertEquals(0x03, cmosRead(0x08));
        assertEquals(6, cmosRead(0x06), "a Friday");
    }

    @Test
    void dividerResetStopsTheClockAndTheFirstUpdateComesHalfASecondLater() {
        cmosWrite(0x0A, 0x70);
        stepTo(10 * SECOND + 300_000_000);
        assertEquals(0x21, cmosRead(0x00));
        cmosWrite(0x0A, 0x26);
        stepTo(10 * SECOND + 800_000_000 - 1);
        assertEquals(0x21, cmosRead(0x00));
        stepTo(10 * SECOND + 800_000_000);
        assertEquals(0x22, cmosRead(0x00));
    }

    @Test
    void cmosRamBytesAndTheNmiMaskBitOfTheIndex() {
        rtc.setCmos(0x10, 0x40);
        assertEquals(0x40, cmosRead(0x10));
        assertEquals(0x40, cmosRead(0x90), "bit 7 of the index is the NMI mask");
        cmosWrite(0x7F, 0xA5);
        assertEquals(0xA5, rtc.cmos(0x7F));
        assertEquals(0x16, rtc.cmos(0x04));
        assertThrows(IllegalArgumentException.class, () -> rtc.setCmos(0x00, 1));
        assertThrows(IllegalArgumentException.class, () -> rtc.setCmos(0x32, 0x19));
        assertThrows(IllegalArgumentException.class, () -> rtc.setCmos(0x80, 0));
        cmosWrite(0x0D, 0x00);
        assertEquals(0x80, cmosRead(0x0D), "register D is read-only");
    }

    @Test
    void resetClearsEnablesAndFlagsButKeepsTime() {
        cmosWrite(0x0B, 0x7A);
        stepTo(SECOND);
        assertTrue(line.isRaised());
        rtc.reset();
        assertFalse(line.isRaised());
        assertEquals(0x02, cmosRead(0x0B));
        assertEquals(0x00, cmosRead(0x0C));
        assertEquals(0x22, cmosRead(0x00));
        assertEquals(Long.MAX_VALUE, timers.nextDeadlineNs());
    }

    @Test
    void startTimeFromRtcBaseOption() {
        Clock host = Clock.fixed(Instant.parse("2026-03-01T10:20:30Z"), ZoneId.of("Asia/Tokyo"));
        assertEquals(START, Mc146818Rtc.startTime("2006-06-17T16:01:21", host));
        assertEquals(LocalDateTime.parse("2006-06-17T00:00:00"), Mc146818Rtc.startTime("2006-06-17", host));
        assertEquals(LocalDateTime.parse("2026-03-01T10:20:30"), Mc146818Rtc.startTime("utc", host));
        assertEquals(LocalDateTime.parse("2026-03-01T19:20:30"), Mc146818Rtc.startTime("localtime", host));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Mc146818Rtc.startTime("yesterday", host));
        assertTrue(e.getMessage().startsWith("invalid datetime format"));
    }
}
