package dev.jemu.core.log;

import java.io.PrintStream;

/**
 * The process-wide diagnostic log, like QEMU's {@code qemu_log}: a set of enabled
 * categories and one destination (standard error unless {@code -D FILE} chose a file).
 * Messages a guest can repeat without end go through {@link #logOnce}, which writes each
 * distinct one once and counts the rest.
 *
 * <p>Threading: any thread may log; configuration happens once at start-up.
 */
public final class Log {
    /** How many distinct keys {@link #logOnce} remembers. */
    public static final int MAX_REPEAT_KEYS = 4096;
    private static final Repeats REPEATS = new Repeats(MAX_REPEAT_KEYS);
    private static volatile int enabledMask;
    private static volatile PrintStream out = System.err;

    private Log() {
    }

    /** Enables the given categories (in addition to those already on). */
    public static void enable(LogCategory... categories) {
        int mask = enabledMask;
        for (LogCategory c : categories) {
            mask |= 1 << c.ordinal();
        }
        enabledMask = mask;
    }

    /** Turns every category off. */
    public static void disableAll() {
        enabledMask = 0;
    }

    /** Sends log lines to {@code stream} from now on. */
    public static void setOutput(PrintStream stream) {
        out = stream;
    }

    /** Whether lines of {@code category} are being written; check before formatting. */
    public static boolean enabled(LogCategory category) {
        return (enabledMask & (1 << category.ordinal())) != 0;
    }

    /** Writes {@code line} if {@code category} is enabled. */
    public static void log(LogCategory category, String line) {
        if (enabled(category)) {
            out.println(line);
        }
    }

    /**
     * Writes {@code line} if {@code category} is enabled and {@code key} has not been logged in
     * that category before; later calls with the same key are only counted, and
     * {@link #logRepeatSummary} reports the counts. For messages a guest can cause over and over
     * (an unassigned address it polls): build {@code key} and {@code line} only after checking
     * {@link #enabled}. At most {@value #MAX_REPEAT_KEYS} distinct keys are remembered; beyond
     * that new keys are counted, not written.
     */
    public static void logOnce(LogCategory category, String key, String line) {
        if (enabled(category)) {
            String written = REPEATS.record(category, key, line);
            if (written != null) {
                out.println(written);
            }
        }
    }

    /**
     * Writes, for each {@link #logOnce} key that came back after being logged, its first line
     * followed by {@code [N more]}; called at exit. The counts start again from zero.
     */
    public static void logRepeatSummary() {
        for (String line : REPEATS.drainSummary()) {
            out.println(line);
        }
    }
}
