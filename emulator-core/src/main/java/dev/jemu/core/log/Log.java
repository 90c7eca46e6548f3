package dev.jemu.core.log;

import java.io.PrintStream;

/**
 * The process-wide diagnostic log, like QEMU's {@code qemu_log}: a set of enabled
 * categories and one destination (standard error unless {@code -D FILE} chose a file).
 *
 * <p>Threading: any thread may log; configuration happens once at start-up.
 */
public final class Log {
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
}
