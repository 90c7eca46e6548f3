package dev.jemu.aio;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * What one {@link AioContext} is watching (jemu's {@code x-query-aio}): its fd handlers, its
 * armed timers and its bottom halves, each callback named by its class (a lambda by the class
 * that wrote it).
 *
 * <p>Threading: {@link #inspect} on the context's home thread, whose lists it reads.
 */
public final class AioInspector {
    /** An fd handler: the descriptor and the classes of its read and write callbacks (null if none). */
    public record FdHandler(int fd, String onReadable, String onWritable) {
    }

    /** An armed timer: its clock, expiry, time left (0 if due) and callback class. */
    public record TimerInfo(String clock, long expireNs, long remainingNs, String callback) {
    }

    /** A bottom half: its callback class and whether it is scheduled, idle, one-shot. */
    public record BottomHalfInfo(String callback, boolean scheduled, boolean idle, boolean oneshot) {
    }

    /** One context: its home thread, engine, and the three lists. */
    public record Snapshot(String thread, String engine, List<FdHandler> fdHandlers, List<TimerInfo> timers,
                           List<BottomHalfInfo> bottomHalves) {
    }

    private AioInspector() {
    }

    /**
     * Lists what {@code ctx} watches.
     *
     * @throws IllegalStateException if not called on {@code ctx}'s home thread
     */
    public static Snapshot inspect(AioContext ctx) {
        if (Thread.currentThread() != ctx.homeThread()) {
            throw new IllegalStateException("AioInspector.inspect: must run on the context's home thread ("
                    + ctx.homeThread().getName() + ")");
        }
        List<FdHandler> fds = new ArrayList<>();
        for (FdWatch w : ctx.fdWatches()) {
            if (!w.removed) {
                fds.add(new FdHandler(w.fd, callbackName(w.onReadable), callbackName(w.onWritable)));
            }
        }
        fds.sort(Comparator.comparingInt(FdHandler::fd));
        List<TimerInfo> timers = new ArrayList<>();
        for (ClockType clock : ClockType.values()) {
            long now = clock.nowNs();
            for (Timer t = ctx.timerHead(clock); t != null; t = t.next) {
                timers.add(new TimerInfo(clock.name().toLowerCase(Locale.ROOT), t.expireNs, Math.max(0, t.expireNs - now),
                        callbackName(t.callback)));
            }
        }
        List<BottomHalfInfo> bhs = new ArrayList<>();
        for (BottomHalf bh : ctx.bottomHalves()) {
            int flags = bh.flags();
            if ((flags & BottomHalf.DELETED) == 0) {
                bhs.add(new BottomHalfInfo(callbackName(bh.callback), (flags & BottomHalf.SCHEDULED) != 0,
                        (flags & BottomHalf.IDLE) != 0, (flags & BottomHalf.ONESHOT) != 0));
            }
        }
        bhs.sort(Comparator.comparing(BottomHalfInfo::callback));
        return new Snapshot(ctx.homeThread().getName(), ctx.engine().name().toLowerCase(Locale.ROOT).replace('_', '-'),
                fds, timers, bhs);
    }

    /** The class of a callback, a lambda's as {@code Declaring$$Lambda}; null for none. */
    static String callbackName(Object callback) {
        if (callback == null) {
            return null;
        }
        String name = callback.getClass().getName();
        int lambda = name.indexOf("$$Lambda");
        return lambda < 0 ? name : name.substring(0, lambda + "$$Lambda".length());
    }
}
