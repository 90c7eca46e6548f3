package dev.jemu.core.machine;

/**
 * Guest time of one machine (QEMU's {@code QEMU_CLOCK_VIRTUAL}): nanoseconds since the
 * machine was created. A {@linkplain #hostDriven() host-driven} clock follows the host's
 * monotonic clock while the machine runs and stands still while it is {@linkplain #pause()
 * paused}; a {@linkplain #manual() manual} clock moves only by {@link #step(long)}, which is
 * how device tests drive time (qtest's {@code clock_step}).
 *
 * <p>Threading: any thread; {@link #nowNs()} is lock-free.
 */
public final class GuestClock {
    private final boolean manual;
    private volatile boolean paused;
    private volatile long frozenNs;
    private volatile long offsetNs;

    private GuestClock(boolean manual) {
        this.manual = manual;
        this.paused = manual;
        this.offsetNs = -System.nanoTime();
    }

    /** A clock that runs with the host's monotonic clock from now, starting at 0. */
    public static GuestClock hostDriven() {
        return new GuestClock(false);
    }

    /** A clock that stands at 0 and moves only by {@link #step(long)}. */
    public static GuestClock manual() {
        return new GuestClock(true);
    }

    /** Current guest time in nanoseconds. */
    public long nowNs() {
        return paused ? frozenNs : System.nanoTime() + offsetNs;
    }

    /** Whether only {@link #step(long)} moves this clock. */
    public boolean isManual() {
        return manual;
    }

    /** Stops guest time where it stands (the VM is paused); idempotent. */
    public synchronized void pause() {
        if (!paused) {
            frozenNs = System.nanoTime() + offsetNs;
            paused = true;
        }
    }

    /** Lets a host-driven clock run again from where it stands; idempotent, no effect on a manual clock. */
    public synchronized void resume() {
        if (paused && !manual) {
            offsetNs = frozenNs - System.nanoTime();
            paused = false;
        }
    }

    /** Moves a manual clock forward by {@code ns}. */
    public synchronized void step(long ns) {
        if (!manual) {
            throw new IllegalStateException("GuestClock.step: this clock follows the host; only a manual clock steps");
        }
        if (ns < 0) {
            throw new IllegalArgumentException("GuestClock.step: negative step " + ns + " ns");
        }
        frozenNs += ns;
    }

    /** Sets a manual clock to {@code ns}, which must not be in its past. */
    synchronized void stepTo(long ns) {
        step(ns - frozenNs);
    }
}
