package dev.jemu.core.machine;

import dev.jemu.core.sync.BigLock;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeviceTimersTest {
    private final BigLock bql = new BigLock();
    private final DeviceTimers timers = new DeviceTimers(GuestClock.manual(), bql);

    @Test
    void stepRunsTimersInDeadlineOrderAtTheirOwnTime() {
        List<String> fired = new ArrayList<>();
        bql.lock();
        try {
            DeviceTimers.Timer late = timers.newTimer("late", () -> fired.add("late@" + timers.clock().nowNs()));
            DeviceTimers.Timer early = timers.newTimer("early", () -> fired.add("early@" + timers.clock().nowNs()));
            late.modNs(300);
            early.modNs(100);
            assertEquals(100, timers.nextDeadlineNs());
            timers.step(250);
            assertEquals(List.of("early@100"), fired);
            assertEquals(250, timers.clock().nowNs());
            assertFalse(early.isPending());
            assertTrue(late.isPending());
            timers.step(50);
            assertEquals(List.of("early@100", "late@300"), fired);
            assertEquals(Long.MAX_VALUE, timers.nextDeadlineNs());
        } finally {
            bql.unlock();
        }
    }

    @Test
    void periodicTimerRearmingItselfFiresOncePerPeriod() {
        int[] count = {0};
        bql.lock();
        try {
            DeviceTimers.Timer[] t = new DeviceTimers.Timer[1];
            t[0] = timers.newTimer("periodic", () -> {
                count[0]++;
                t[0].modNs(t[0].expireNs() + 1000);
            });
            t[0].modNs(1000);
            timers.step(10_500);
            assertEquals(10, count[0]);
            assertEquals(11_000, t[0].expireNs());
        } finally {
            bql.unlock();
        }
    }

    @Test
    void reArmingMovesTheTimerAndDelDisarms() {
        int[] count = {0};
        bql.lock();
        try {
            DeviceTimers.Timer t = timers.newTimer("t", () -> count[0]++);
            t.modNs(100);
            t.modNs(500);
            timers.step(200);
            assertEquals(0, count[0]);
            t.del();
            timers.step(1000);
            assertEquals(0, count[0]);
        } finally {
            bql.unlock();
        }
    }

    @Test
    void armingEarlierThanEveryOtherTellsTheDeadlineListener() {
        int[] told = {0};
        timers.setDeadlineListener(() -> told[0]++);
        bql.lock();
        try {
            DeviceTimers.Timer a = timers.newTimer("a", () -> { });
            DeviceTimers.Timer b = timers.newTimer("b", () -> { });
            a.modNs(100);
            b.modNs(200);
            assertEquals(1, told[0]);
            b.modNs(50);
            assertEquals(2, told[0]);
        } finally {
            bql.unlock();
        }
    }

    @Test
    void armingWithoutTheBigLockFailsLoudly() {
        DeviceTimers.Timer t = bql.call(() -> timers.newTimer("pit", () -> { }));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.modNs(10));
        assertTrue(e.getMessage().startsWith("timer pit called without the big emulator lock"), e.getMessage());
    }
}
