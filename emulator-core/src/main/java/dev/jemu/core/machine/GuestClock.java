package dev.jemu.core.machine;

import java.util.function.LongSupplier;

/**
 * Guest time of one machine (QEMU's {@code QEMU_CLOCK_VIRTUAL}): nanoseconds since the
 * machine was created. A {@linkplain #hostDriven() host-driven} clock follows the host's
 * monotonic clock while the machine runs and stands still while it is {@linkplain #pause()
 * paused}; a {@linkplain #manual() manual} clock moves only by {@link #step(long)}, which is
 * how device tests drive time (qtest's {@code clock_step}); an {@linkplain
 * #instructionCounted(int) instruction-counted} clock (QEMU's {@code -icount shift=N}) moves
 * 2^N ns with every instruction the vCPU executes, plus the jumps the machine loop makes over
 * idle time ({@link #warpTo(long)}), so that guest time depends on nothing but the guest.
 *
 * <p>Threading: any thread; {@link #nowNs()} is lock-free.
 */
public final class GuestClock {
    /** No instruction source yet: the count stands at 0. */
    private static final LongSupplier NO_INSTRUCTIONS = () -> 0;

    private final boolean manual;
    /** {@code -icount shift=N}, or -1 for a clock that is not instruction-counted. */
    private final int icountShift;
    private volatile boolean paused;
    private volatile long frozenNs;
    private volatile long offsetNs;
    private volatile LongSupplier instructions = NO_INSTRUCTIONS;
    /** Idle time an instruction-counted clock skipped over. */
    private volatile long warpNs;

    private GuestClock(boolean manual, int icountShift) {
        this.manual = manual;
        this.icountShift = icountShift;
        this.paused = manual;
        this.offsetNs = -System.nanoTime();
    }

    /** A clock that runs with the host's monotonic clock from now, starting at 0. */
    public static GuestClock hostDriven() {
        return new GuestClock(false, -1);
    }

    /** A clock that stands at 0 and moves only by {@link #step(long)}. */
    public static GuestClock manual() {
        return new GuestClock(true, -1);
    }

    /**
     * A clock that moves {@code 2^shift} ns per executed instruction once the machine loop
     * {@linkplain #countInstructions binds} it to its vCPU, and by {@link #warpTo(long)}.
     *
     * @param shift 0 to 10, as QEMU's {@code -icount shift=N}
     */
    public static GuestClock instructionCounted(int shift) {
        if (shift < 0 || shift > 10) {
            throw new IllegalArgumentException("GuestClock.instructionCounted: shift " + shift + " is not in 0..10");
        }
        return new GuestClock(false, shift);
    }

    /** Current guest time in nanoseconds. */
    public long nowNs() {
        if (icountShift >= 0) {
            return (instructions.getAsLong() << icountShift) + warpNs;
        }
        return paused ? frozenNs : System.nanoTime() + offsetNs;
    }

    /** Whether executed instructions, not the host, move this clock. */
    public boolean isInstructionCounted() {
        return icountShift >= 0;
    }

    /** The shift of an instruction-counted clock: each instruction is 2^shift ns; -1 otherwise. */
    public int icountShift() {
        return icountShift;
    }

    /**
     * Makes an instruction-counted clock follow {@code count} (the vCPU's executed
     * instructions, which must only grow); no effect on other clocks. Called by the machine
     * loop before the vCPU runs.
     */
    public void countInstructions(LongSupplier count) {
        if (icountShift >= 0) {
            long before = nowNs();
            instructions = count;
            warpNs = before - (count.getAsLong() << icountShift);
        }
    }

    /**
     * Moves an instruction-counted clock forward to {@code ns} over time in which no
     * instruction ran (the halted vCPU reaching its next timer deadline, as QEMU's icount with
     * {@code sleep=off}); no effect if {@code ns} is not in its future. On the vCPU thread.
     */
    public synchronized void warpTo(long ns) {
        if (icountShift < 0) {
            throw new IllegalStateException("GuestClock.warpTo: only an instruction-counted clock warps");
        }
        long now = nowNs();
        if (ns > now) {
            warpNs += ns - now;
        }
    }

    /** Whether only {@link #step(long)} moves this clock. */
    public boolean isManual() {
        return manual;
    }

    /** Stops guest time where it stands (the VM is paused); idempotent. */
    public synchronized void pause() {
        if (!paused && icountShift < 0) {
            frozenNs = System.nanoTime() + offsetNs;
            paused = true;
        }
    }

    /** Lets a host-driven clock run again from where it stands; idempotent, no effect on a manual clock. */
    public synchronized void resume() {
        if (paused && !manual && icountShift < 0) {
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
