package dev.jemu.machine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code -icount}: the clock guest reads the PIT, the TSC and the RTC between PIT ticks it
 * halts for; five runs print the same transcript and execute the same number of
 * instructions, and guest time is what the instruction count and the idle jumps make it.
 */
class IcountDeterminismTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Pattern LINE = Pattern.compile(" tick=(\\p{XDigit}{8}) tsc=(\\p{XDigit}{16}) pit=(\\p{XDigit}{4}) rtc=(\\p{XDigit}{2})");
    /** The PIT's input clock, Hz (Intel 8254 as wired in the PC), and the guest's divisor. */
    private static final double PIT_HZ = 1_193_182;
    private static final int DIVISOR = 11932;

    private record Run(String transcript, long instructions) {
    }

    private static Run run(Path kernel, String... more) {
        List<String> args = new ArrayList<>(Guests.COMMON);
        args.addAll(List.of(more));
        args.addAll(List.of("-rtc", "base=2024-01-01T00:00:00", "-kernel", kernel.toString()));
        try (Machine m = Machine.fromArgs(args)) {
            assertEquals(Guests.DONE, m.start().waitForExit(WAIT), m.console().transcript());
            return new Run(m.console().transcript(), m.instructionCount());
        }
    }

    @Test
    void fiveRunsPrintTheSameClockReadingsAndExecuteTheSameInstructions(@TempDir Path dir) throws Exception {
        Path kernel = Guests.clockGuest(dir, "ROUNDS=8");
        Run first = run(kernel, "-icount", "shift=3");
        for (int i = 1; i < 5; i++) {
            Run again = run(kernel, "-icount", "shift=3");
            assertEquals(first.transcript(), again.transcript(), "run " + (i + 1) + "'s transcript");
            assertEquals(first.instructions(), again.instructions(), "run " + (i + 1) + "'s instruction count");
        }
        List<Matcher> lines = first.transcript().lines().map(LINE::matcher).filter(Matcher::matches).toList();
        assertEquals(8, lines.size(), first.transcript());
        // between two ticks the guest halts, so the TSC (1 GHz of guest time) moves by one PIT
        // period, 11932 / 1193182 Hz = 10.000151 ms, to within the instructions the guest ran
        // in between (a few hundred, 8 ns each at shift=3)
        double periodNs = DIVISOR / PIT_HZ * 1e9;
        for (int i = 1; i < lines.size(); i++) {
            long delta = Long.parseUnsignedLong(lines.get(i).group(2), 16) - Long.parseUnsignedLong(lines.get(i - 1).group(2), 16);
            assertTrue(Math.abs(delta - periodNs) < 20_000, "TSC delta " + delta + " ns between ticks " + i + " and " + (i + 1));
        }
        // the RTC counts from -rtc base on guest time: under a second has passed
        assertTrue(lines.stream().allMatch(m -> m.group(4).equals("00")), first.transcript());
    }

    @Test
    void shiftScalesGuestTimePerInstruction(@TempDir Path dir) throws Exception {
        Path kernel = Guests.clockGuest(dir, "ROUNDS=2");
        Run slow = run(kernel, "-icount", "shift=6");
        Run fast = run(kernel, "-icount", "shift=0");
        // 64 ns per instruction instead of 1: fewer instructions fit between two ticks, and the
        // PIT count read right after a tick has gone further down
        assertNotEquals(slow.transcript(), fast.transcript());
        assertTrue(slow.instructions() < fast.instructions(), slow.instructions() + " vs " + fast.instructions());
    }
}
