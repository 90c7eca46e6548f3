package dev.jemu.core.log;

import java.io.PrintStream;

/**
 * The diagnostic log, like QEMU's {@code qemu_log}: a set of enabled categories and one
 * destination (standard error unless {@code -D FILE} chose a file). Messages a guest can
 * repeat without end go through {@link #logOnce}, which writes each distinct one once and
 * counts the rest.
 *
 * <p>Each machine may have a {@link Scope} of its own (categories, destination, repeat
 * counts): a thread that {@linkplain #bind binds} a scope logs into it, and so do the threads
 * it starts afterwards (the scope is inherited), so several machines in one JVM log apart.
 * Threads that bound none log into the process scope, which the static configuration methods
 * below change.
 *
 * <p>Threading: any thread may log; a scope is configured before its machine runs.
 */
public final class Log {
    /** How many distinct keys {@link #logOnce} remembers. */
    public static final int MAX_REPEAT_KEYS = 4096;
    private static final Scope PROCESS = new Scope(System.err);
    private static final InheritableThreadLocal<Scope> CURRENT = new InheritableThreadLocal<>() {
        @Override
        protected Scope initialValue() {
            return PROCESS;
        }
    };

    private Log() {
    }

    /**
     * One machine's log: enabled categories, destination and {@link #logOnce} bookkeeping.
     *
     * <p>Threading: any thread.
     */
    public static final class Scope {
        private final Repeats repeats = new Repeats(MAX_REPEAT_KEYS);
        private volatile int enabledMask;
        private volatile PrintStream out;

        /** A scope writing to {@code out} with every category off. */
        public Scope(PrintStream out) {
            this.out = out;
        }

        /** Enables the given categories (in addition to those already on). */
        public synchronized void enable(LogCategory... categories) {
            int mask = enabledMask;
            for (LogCategory c : categories) {
                mask |= c.bit();
            }
            enabledMask = mask;
        }

        /** Turns every category off. */
        public void disableAll() {
            enabledMask = 0;
        }

        /** Sends log lines to {@code stream} from now on. */
        public void setOutput(PrintStream stream) {
            out = stream;
        }

        /** See {@link Log#logRepeatSummary()}. */
        public void logRepeatSummary() {
            for (String line : repeats.drainSummary()) {
                out.println(line);
            }
        }
    }

    /** Makes the calling thread, and the threads it starts from now on, log into {@code scope}. */
    public static void bind(Scope scope) {
        CURRENT.set(scope);
    }

    /** Makes the calling thread log into the process scope again (undoes {@link #bind}). */
    public static void unbind() {
        CURRENT.remove();
    }

    /** Enables the given categories of the process scope (in addition to those already on). */
    public static void enable(LogCategory... categories) {
        PROCESS.enable(categories);
    }

    /** Turns every category of the process scope off. */
    public static void disableAll() {
        PROCESS.disableAll();
    }

    /** Sends the process scope's log lines to {@code stream} from now on. */
    public static void setOutput(PrintStream stream) {
        PROCESS.setOutput(stream);
    }

    /** Whether lines of {@code category} are being written; check before formatting. */
    public static boolean enabled(LogCategory category) {
        return (CURRENT.get().enabledMask & category.bit()) != 0;
    }

    /**
     * The enabled categories of the calling thread's scope as a mask of
     * {@link LogCategory#bit()}s: for a hot loop that checks several categories with one read.
     */
    public static int enabledMask() {
        return CURRENT.get().enabledMask;
    }

    /**
     * Writes {@code line} whatever categories are enabled: a warning about something the
     * emulator itself got wrong and worked around, as QEMU's {@code warn_report}.
     */
    public static void warn(String line) {
        CURRENT.get().out.println(line);
    }

    /** Writes {@code line} if {@code category} is enabled. */
    public static void log(LogCategory category, String line) {
        Scope s = CURRENT.get();
        if ((s.enabledMask & category.bit()) != 0) {
            s.out.println(line);
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
        Scope s = CURRENT.get();
        if ((s.enabledMask & category.bit()) != 0) {
            String written = s.repeats.record(category, key, line);
            if (written != null) {
                s.out.println(written);
            }
        }
    }

    /**
     * Writes, for each {@link #logOnce} key of the process scope that came back after being
     * logged, its first line followed by {@code [N more]}; called at exit. The counts start
     * again from zero.
     */
    public static void logRepeatSummary() {
        PROCESS.logRepeatSummary();
    }
}
