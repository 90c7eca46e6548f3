package dev.jemu.coroutine;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The coroutines scheduled into one context (QEMU's {@code ctx->scheduled_coroutines}): any
 * thread {@link #push}es, the home thread {@link #enterAll enters} them in scheduling order. A
 * coroutine in the queue is tagged scheduled, so that entering it by any other way throws until
 * the context enters it.
 *
 * <p>Threading: {@link #push} from any thread; {@link #enterAll} on the context's home thread.
 */
public final class ScheduleQueue {
    /** Newest first, linked through {@link Coroutine#scheduledNext}. */
    private final AtomicReference<Coroutine> stack = new AtomicReference<>();

    /**
     * Queues {@code co} and tags it scheduled.
     *
     * @throws IllegalStateException if {@code co} is already scheduled or sleeping
     */
    public void push(Coroutine co) {
        co.markScheduled(Coroutine.TAG_SCHEDULE, "AioContext.schedule");
        Coroutine head;
        do {
            head = stack.get();
            co.scheduledNext = head;
        } while (!stack.compareAndSet(head, co));
    }

    /**
     * Enters, in {@code ctx}, every coroutine queued so far, oldest first; a failure of one does
     * not stop the others and is rethrown (the rest suppressed) once all have run.
     */
    public void enterAll(HomeContext ctx) {
        Coroutine newest = stack.getAndSet(null);
        Coroutine fifo = null;
        while (newest != null) {
            Coroutine next = newest.scheduledNext;
            newest.scheduledNext = fifo;
            fifo = newest;
            newest = next;
        }
        RuntimeException failure = null;
        while (fifo != null) {
            Coroutine co = fifo;
            fifo = co.scheduledNext;
            co.scheduledNext = null;
            co.clearScheduled(Coroutine.TAG_SCHEDULE);
            try {
                co.enter(ctx);
            } catch (RuntimeException | Error e) {
                if (failure == null) {
                    failure = e instanceof RuntimeException r ? r : new IllegalStateException(e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
