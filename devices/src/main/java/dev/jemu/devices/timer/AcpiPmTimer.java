package dev.jemu.devices.timer;

import dev.jemu.core.machine.GuestClock;

/**
 * The ACPI power-management timer's counter (ACPI 6, 4.8.3.3): a free-running count at
 * 3.579545 MHz of guest time, 24 bits wide, or 32 bits when the FADT sets TMR_VAL_EXT. The
 * PIIX4 PM function reads it at PM base + 8; SeaBIOS uses it as its clock. It counts from 0 at
 * guest time 0.
 *
 * <p>Threading: any thread (it only reads the guest clock).
 */
public final class AcpiPmTimer {
    /** The timer's frequency in Hz. */
    public static final long FREQUENCY_HZ = 3_579_545L;

    private final GuestClock clock;
    private final long mask;

    /** A counter on {@code clock}, 32 bits wide if {@code extended}, otherwise 24. */
    public AcpiPmTimer(GuestClock clock, boolean extended) {
        this.clock = clock;
        this.mask = extended ? 0xFFFF_FFFFL : 0xFF_FFFFL;
    }

    /** The current value (TMR_VAL). */
    public long read() {
        return ClockTicks.ticks(clock.nowNs(), FREQUENCY_HZ) & mask;
    }

    /** Ticks since guest time 0, not wrapped to the counter's width (for status bits that watch carries). */
    public long ticks() {
        return ClockTicks.ticks(clock.nowNs(), FREQUENCY_HZ);
    }

    /** Whether the counter is 32 bits wide. */
    public boolean extended() {
        return mask == 0xFFFF_FFFFL;
    }
}
