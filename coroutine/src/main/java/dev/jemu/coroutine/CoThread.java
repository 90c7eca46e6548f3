package dev.jemu.coroutine;

/**
 * The coroutine state of one logical thread: the coroutine running on it, its leader (the
 * pseudo-coroutine that stands for the thread's own stack) and its current {@link HomeContext}.
 *
 * <p>On the thread backend a coroutine's code runs on a thread of its own; that thread adopts
 * the state of whoever entered it, so that {@link Coroutine#self()} and {@link
 * HomeContext#current()} answer as they would on the entering thread.
 */
final class CoThread {
    private static final ThreadLocal<CoThread> LOCAL = ThreadLocal.withInitial(CoThread::new);

    final Coroutine leader = Coroutine.newLeader();
    final Thread thread = Thread.currentThread();
    Coroutine current = leader;
    HomeContext context;

    static CoThread get() {
        return LOCAL.get();
    }

    /** Thread backend: makes the calling (coroutine) thread act for {@code state}. */
    static void adopt(CoThread state) {
        LOCAL.set(state);
    }
}
