package dev.jemu.devices.timer;

/**
 * Conversions between guest nanoseconds and the ticks of a device's crystal, exact for any
 * duration a {@code long} holds (no intermediate overflow).
 *
 * <p>Threading: stateless.
 */
final class ClockTicks {
    static final long NS_PER_SECOND = 1_000_000_000L;

    private ClockTicks() {
    }

    /** Whole ticks of a {@code hz} clock in {@code ns} (≥ 0) nanoseconds: floor(ns·hz / 10⁹). */
    static long ticks(long ns, long hz) {
        return ns / NS_PER_SECOND * hz + ns % NS_PER_SECOND * hz / NS_PER_SECOND;
    }

    /** The first nanosecond at which {@code ticks} (≥ 0) ticks of a {@code hz} clock have passed: ceil(ticks·10⁹ / hz). */
    static long nsForTicks(long ticks, long hz) {
        long whole = ticks / hz;
        long rest = ticks % hz;
        return whole * NS_PER_SECOND + (rest * NS_PER_SECOND + hz - 1) / hz;
    }
}
