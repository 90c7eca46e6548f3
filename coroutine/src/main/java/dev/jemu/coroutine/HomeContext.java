package dev.jemu.coroutine;

/**
 * What a coroutine needs of the event loop it lives in (its "home", QEMU's {@code AioContext}):
 * the one seam between this package and {@code dev.jemu.aio}, whose {@code AioContext} implements
 * it. Through it {@link Coroutine#wake()} reaches another thread, {@link Coroutine#sleepNs} arms
 * a timer and {@link Coroutine#yieldUntilFdReadable} watches a descriptor; the thread's current
 * context ({@link #current()}, {@link #setCurrent}) is kept here, beside the coroutine state of
 * the thread, so that a coroutine resumed on the thread backend's own thread sees its enterer's.
 *
 * <p>Threading: {@link #schedule} and {@link #enter} from any thread; {@link #armSleep}, {@link
 * #cancelSleep} and {@link #setFdHandler} on the home thread (or in a coroutine entered there).
 */
public interface HomeContext {
    /** The thread that polls this context. */
    Thread homeThread();

    /**
     * QEMU's {@code aio_co_schedule}: enters {@code co} in this context's next poll, making this
     * its home. Any thread.
     */
    void schedule(Coroutine co);

    /**
     * QEMU's {@code aio_co_enter}: on another thread than this context's, {@link #schedule}s
     * {@code co}; inside a coroutine of this context, runs it once that coroutine yields or
     * terminates; otherwise enters it now.
     */
    default void enter(Coroutine co) {
        Coroutine.enterIn(this, co);
    }

    /** QEMU's {@code aio_set_fd_handler} on raw descriptor {@code fd} (both null removes). */
    void setFdHandler(int fd, Runnable onReadable, Runnable onWritable);

    /**
     * Arms a one-shot timer that runs {@code wake} in this context once {@code clock} reaches
     * {@code deadlineNs}, for {@link Coroutine#sleepNs}. Returns it as what the sleeper waits on.
     *
     * @throws IllegalArgumentException if this context has no timers on {@code clock}
     */
    WaitReason armSleep(SleepClock clock, long deadlineNs, Runnable wake);

    /** Disarms a timer made by {@link #armSleep} (a no-op once it has fired). */
    void cancelSleep(WaitReason timer);

    /** QEMU's {@code qemu_get_current_aio_context}: the calling thread's context, or null. */
    static HomeContext current() {
        return CoThread.get().context;
    }

    /**
     * Makes {@code ctx} the calling thread's current context, replacing any earlier one (null
     * clears it). For the event loop when it is created and closed.
     */
    static void setCurrent(HomeContext ctx) {
        CoThread.get().context = ctx;
    }
}
