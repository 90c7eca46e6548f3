package dev.jemu.core.machine;

import dev.jemu.core.sync.BigLock;

/**
 * The timer list of a machine's devices (PIT, RTC, UART...), on its {@link GuestClock}. A
 * device creates its timers once and arms them with {@link Timer#modNs(long)}; the machine
 * loop {@linkplain #runExpired() runs} the callbacks of expired timers with the big lock
 * held, between slices of guest instructions, and sleeps no longer than the
 * {@linkplain #nextDeadlineNs() next deadline} while the CPU is halted. Arming a timer earlier
 * than every other calls the {@linkplain #setDeadlineListener deadline listener} (the machine
 * loop's kick), so a halted CPU wakes for it.
 *
 * <p>Threading: timers are created, armed, cancelled and run under the big emulator lock;
 * {@link #nextDeadlineNs()} may be read by any thread. Nothing is allocated per arming.
 */
public final class DeviceTimers {
    private final GuestClock clock;
    private final BigLock bql;
    /** Armed timers, earliest first (a short list: a PC has a handful of timers). */
    private Timer head;
    private volatile long nextDeadline = Long.MAX_VALUE;
    private Runnable deadlineListener = () -> { };

    /** A timer list on {@code clock} whose callbacks run under {@code bql}. */
    public DeviceTimers(GuestClock clock, BigLock bql) {
        this.clock = clock;
        this.bql = bql;
    }

    /** The clock the deadlines are on. */
    public GuestClock clock() {
        return clock;
    }

    /** Sets what is told when the earliest deadline moves earlier; any thread may be calling it. */
    public void setDeadlineListener(Runnable listener) {
        this.deadlineListener = listener;
    }

    /** A new, disarmed timer that runs {@code callback} (under the big lock) when it expires. */
    public Timer newTimer(String name, Runnable callback) {
        return new Timer(name, callback);
    }

    /** The earliest armed deadline in guest nanoseconds, or {@link Long#MAX_VALUE}. Any thread. */
    public long nextDeadlineNs() {
        return nextDeadline;
    }

    /**
     * Runs the callbacks of every timer whose deadline is not after the clock's current time,
     * in deadline order (a callback may re-arm its timer). Returns whether any ran. Under the
     * big lock.
     */
    public boolean runExpired() {
        bql.assertHeld("DeviceTimers.runExpired");
        return runUntil(clock.nowNs());
    }

    /**
     * Moves a manual clock forward by {@code ns}, stopping at each deadline on the way to run
     * what expires there (qtest's {@code clock_step}). Under the big lock.
     */
    public void step(long ns) {
        bql.assertHeld("DeviceTimers.step");
        long target = clock.nowNs() + ns;
        while (head != null && head.expireNs <= target) {
            if (head.expireNs > clock.nowNs()) {
                clock.stepTo(head.expireNs);
            }
            runUntil(clock.nowNs());
        }
        clock.stepTo(target);
    }

    private boolean runUntil(long now) {
        boolean ran = false;
        while (head != null && head.expireNs <= now) {
            Timer t = head;
            unlink(t);
            t.callback.run();
            ran = true;
        }
        return ran;
    }

    private void unlink(Timer t) {
        Timer prev = null;
        for (Timer c = head; c != null; prev = c, c = c.next) {
            if (c == t) {
                if (prev == null) {
                    head = c.next;
                } else {
                    prev.next = c.next;
                }
                break;
            }
        }
        t.next = null;
        t.armed = false;
        nextDeadline = head == null ? Long.MAX_VALUE : head.expireNs;
    }

    /** One device timer. Under the big lock. */
    public final class Timer {
        /** "timer NAME", built once for the lock check's message. */
        private final String what;
        private final Runnable callback;
        private Timer next;
        private boolean armed;
        private long expireNs;

        private Timer(String name, Runnable callback) {
            this.what = "timer " + name;
            this.callback = callback;
        }

        /** Arms (or re-arms) the timer to expire at guest time {@code expireNs}. */
        public void modNs(long expireNs) {
            bql.assertHeld(what);
            if (armed) {
                unlink(this);
            }
            this.expireNs = expireNs;
            armed = true;
            Timer prev = null;
            Timer c = head;
            while (c != null && c.expireNs <= expireNs) {
                prev = c;
                c = c.next;
            }
            next = c;
            if (prev == null) {
                head = this;
            } else {
                prev.next = this;
            }
            long earliest = head.expireNs;
            if (earliest < nextDeadline || prev == null) {
                nextDeadline = earliest;
                deadlineListener.run();
            }
        }

        /** Disarms the timer; no effect if it is not armed. */
        public void del() {
            bql.assertHeld(what);
            if (armed) {
                unlink(this);
            }
        }

        /** Whether the timer is armed. */
        public boolean isPending() {
            return armed;
        }

        /** The deadline it is armed for (meaningful while {@link #isPending()}). */
        public long expireNs() {
            return expireNs;
        }

        /** The current time of the clock this timer is on. */
        public long nowNs() {
            return clock.nowNs();
        }
    }
}
