package dev.jemu.coroutine;

import dev.jemu.aio.AioContext;

/**
 * The coroutine state that {@code dev.jemu.aio} reads and writes: a thread's current context,
 * the scheduled tag and the link of a context's scheduled-coroutine stack. Not for other callers:
 * everything here bypasses the checks of the public API.
 */
public final class ContextHooks {
    private ContextHooks() {
    }

    public static AioContext currentContext() {
        return Coroutine.currentContext();
    }

    public static void setCurrentContext(AioContext ctx) {
        Coroutine.setCurrentContext(ctx);
    }

    /** Tags {@code co} as scheduled by {@link AioContext#schedule}; throws if it already is tagged. */
    public static void markScheduled(Coroutine co) {
        co.markScheduled(Coroutine.TAG_SCHEDULE, "AioContext.schedule");
    }

    /** Clears the tag set by {@link #markScheduled}, before the context enters {@code co}. */
    public static void clearScheduled(Coroutine co) {
        co.clearScheduled(Coroutine.TAG_SCHEDULE);
    }

    /** QEMU's {@code aio_co_enter}. */
    public static void enterIn(AioContext ctx, Coroutine co) {
        Coroutine.enterIn(ctx, co);
    }

    public static Coroutine scheduledNext(Coroutine co) {
        return co.scheduledNext;
    }

    public static void setScheduledNext(Coroutine co, Coroutine next) {
        co.scheduledNext = next;
    }
}
