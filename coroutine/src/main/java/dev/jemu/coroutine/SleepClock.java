package dev.jemu.coroutine;

/**
 * A clock that {@link Coroutine#sleepNs} measures its delay on: {@code dev.jemu.aio.ClockType}
 * (QEMU's {@code QEMUClockType}), whose constants are the clocks a {@link HomeContext} runs timers
 * on. Any thread.
 */
public interface SleepClock {
    /** The clock's time in nanoseconds (QEMU's {@code qemu_clock_get_ns}). */
    long nowNs();

    /** The clock's name, as QEMU spells the clock type ({@code REALTIME}, ...). */
    String name();
}
