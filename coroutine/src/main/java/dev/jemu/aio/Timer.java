package dev.jemu.aio;

import dev.jemu.coroutine.WaitReason;
import java.util.Locale;

/**
 * A timer of one context on one clock (QEMU's {@code QEMUTimer} with scale ns). Used on the
 * context's home thread. The callback runs in the timer phase of a poll once the clock reaches
 * the expiry; it may re-arm the timer.
 */
public final class Timer implements WaitReason {
    final AioContext context;
    final ClockType clock;
    final Runnable callback;
    /** Expiry in ns of {@link #clock}, or -1 when not pending. */
    long expireNs = -1;
    Timer next;

    Timer(AioContext context, ClockType clock, Runnable callback) {
        this.context = context;
        this.clock = clock;
        this.callback = callback;
    }

    /**
     * QEMU's {@code timer_mod_ns}: (re)arms the timer to fire once {@link #clock()} reaches {@code
     * expireNs} (negative values count as 0). Among timers with the same expiry, the one armed
     * first fires first.
     */
    public void modNs(long expireNs) {
        context.modTimer(this, Math.max(0, expireNs));
    }

    /** Arms the timer only if that makes it fire earlier (QEMU's {@code timer_mod_anticipate_ns}). */
    public void modAnticipateNs(long expireNs) {
        long clamped = Math.max(0, expireNs);
        if (expireNs() < 0 || clamped < expireNs()) {
            modNs(clamped);
        }
    }

    /** Disarms the timer. */
    public void del() {
        context.delTimer(this);
    }

    public boolean isPending() {
        return expireNs >= 0;
    }

    /** The expiry, or -1 when not pending. */
    public long expireNs() {
        return expireNs;
    }

    public ClockType clock() {
        return clock;
    }

    /** {@code timer}: what a coroutine in {@link dev.jemu.coroutine.Coroutine#sleepNs} waits on. */
    @Override
    public String waitType() {
        return "timer";
    }

    /** The clock and the time left, as {@link dev.jemu.coroutine.CoroutineInspector} reports a sleep. */
    @Override
    public String describeWait() {
        long left = isPending() ? expireNs - clock.nowNs() : -1;
        return "sleep on the " + clock.name().toLowerCase(Locale.ROOT) + " clock" + (left >= 0 ? ", " + left + " ns left" : ", due");
    }
}
