package dev.jemu.aio;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * QEMU's bottom half: a callback that a context runs in the BH phase of its next {@link
 * AioContext#poll}. {@link #schedule()} may be called from any thread; scheduling one that is
 * already pending runs it once. BHs run newest first, and one scheduled while BHs are running
 * waits for the next poll.
 */
public final class BottomHalf {
    static final int PENDING = 1;
    static final int SCHEDULED = 2;
    static final int DELETED = 4;
    static final int ONESHOT = 8;
    static final int IDLE = 16;

    private static final VarHandle FLAGS;

    static {
        try {
            FLAGS = MethodHandles.lookup().findVarHandle(BottomHalf.class, "flags", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final AioContext context;
    final Runnable callback;
    @SuppressWarnings("unused") // accessed through FLAGS
    private volatile int flags;
    /** Link of the context's lists of queued BHs. */
    BottomHalf next;

    BottomHalf(AioContext context, Runnable callback, int initialFlags) {
        this.context = context;
        this.callback = callback;
        this.flags = initialFlags;
    }

    /** Schedules the callback for the context's next poll and kicks the context. Any thread. */
    public void schedule() {
        enqueue(PENDING | SCHEDULED);
    }

    /**
     * Like {@link #schedule()}, but running it does not count as progress, and if only idle BHs
     * are pending a blocking poll waits at most 10 ms.
     */
    public void scheduleIdle() {
        enqueue(PENDING | SCHEDULED | IDLE);
    }

    /** Unschedules the callback; the BH stays usable. */
    public void cancel() {
        FLAGS.getAndBitwiseAnd(this, ~SCHEDULED);
    }

    /** Frees the BH at the next poll without running it, even if it was scheduled. */
    public void delete() {
        int old = (int) FLAGS.getAndBitwiseOr(this, PENDING | DELETED);
        if ((old & DELETED) != 0) {
            throw new IllegalStateException("BottomHalf.delete: already deleted");
        }
        context.bottomHalfDeleted(this);
        if ((old & PENDING) == 0) {
            context.pushBottomHalf(this);
        }
        context.kick();
    }

    private void enqueue(int set) {
        int old = (int) FLAGS.getAndBitwiseOr(this, set);
        if ((old & DELETED) != 0) {
            throw new IllegalStateException("BottomHalf.schedule: the bottom half was deleted");
        }
        if ((old & PENDING) == 0) {
            context.pushBottomHalf(this);
        }
        context.kick();
    }

    /** Clears PENDING, SCHEDULED and IDLE before the run and returns the flags as they were. */
    int takeFlags() {
        return (int) FLAGS.getAndBitwiseAnd(this, ~(PENDING | SCHEDULED | IDLE));
    }

    int flags() {
        return (int) FLAGS.getVolatile(this);
    }
}
