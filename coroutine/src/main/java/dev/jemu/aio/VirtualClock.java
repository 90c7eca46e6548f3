package dev.jemu.aio;

/**
 * The source of {@link ClockType#VIRTUAL}: guest time. It runs with the host's monotonic clock
 * until {@link #stop()}ped; while stopped it moves only by {@link #advance(long)} (how the
 * machine pauses guest time and how tests step it, like qtest's {@code clock_step}). {@link
 * #resume()} lets it run again from where it stands. Every change kicks all contexts so that
 * their timers are looked at again.
 */
public final class VirtualClock {
    private static final Object GUARD = new Object();
    private static volatile boolean stopped;
    private static volatile long frozenNs;
    private static volatile long offsetNs;

    private VirtualClock() {
    }

    static long nowNs() {
        return stopped ? frozenNs : System.nanoTime() + offsetNs;
    }

    /** Stops guest time where it stands; idempotent. */
    public static void stop() {
        synchronized (GUARD) {
            if (!stopped) {
                frozenNs = System.nanoTime() + offsetNs;
                stopped = true;
            }
        }
    }

    /** Lets guest time run again from its current value; idempotent. */
    public static void resume() {
        synchronized (GUARD) {
            if (stopped) {
                offsetNs = frozenNs - System.nanoTime();
                stopped = false;
            }
        }
        AioContext.kickAll();
    }

    /** Moves stopped guest time forward by {@code ns}. */
    public static void advance(long ns) {
        if (ns < 0) {
            throw new IllegalArgumentException("VirtualClock.advance: negative step " + ns + " ns");
        }
        synchronized (GUARD) {
            if (!stopped) {
                throw new IllegalStateException("VirtualClock.advance: guest time is running; stop() it first");
            }
            frozenNs += ns;
        }
        AioContext.kickAll();
    }

    public static boolean isStopped() {
        return stopped;
    }
}
