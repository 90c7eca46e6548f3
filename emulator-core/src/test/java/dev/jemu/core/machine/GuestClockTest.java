package dev.jemu.core.machine;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The instruction-counted clock of {@code -icount shift=N}. */
class GuestClockTest {
    @Test
    void countsTwoToTheShiftNanosecondsPerInstruction() {
        AtomicLong instructions = new AtomicLong();
        GuestClock c = GuestClock.instructionCounted(3);
        assertTrue(c.isInstructionCounted());
        assertFalse(c.isManual());
        c.countInstructions(instructions::get);
        assertEquals(0, c.nowNs());
        instructions.set(1000);
        assertEquals(8000, c.nowNs());
    }

    @Test
    void warpSkipsIdleTimeForwardOnly() {
        AtomicLong instructions = new AtomicLong(10);
        GuestClock c = GuestClock.instructionCounted(0);
        c.countInstructions(instructions::get);
        assertEquals(0, c.nowNs(), "binding keeps the time the clock had");
        c.warpTo(1_000_000);
        assertEquals(1_000_000, c.nowNs());
        c.warpTo(5);
        assertEquals(1_000_000, c.nowNs(), "a deadline in the past moves nothing");
        instructions.addAndGet(7);
        assertEquals(1_000_007, c.nowNs());
    }

    @Test
    void pauseLeavesItToTheInstructionCount() {
        AtomicLong instructions = new AtomicLong();
        GuestClock c = GuestClock.instructionCounted(1);
        c.countInstructions(instructions::get);
        c.pause();
        instructions.set(4);
        assertEquals(8, c.nowNs());
        c.resume();
        assertEquals(8, c.nowNs());
    }

    @Test
    void refusesShiftsQemuRefusesAndWarpsOfOtherClocks() {
        assertThrows(IllegalArgumentException.class, () -> GuestClock.instructionCounted(11));
        assertThrows(IllegalArgumentException.class, () -> GuestClock.instructionCounted(-1));
        assertThrows(IllegalStateException.class, () -> GuestClock.manual().warpTo(5));
    }
}
