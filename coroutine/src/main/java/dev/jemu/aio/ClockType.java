package dev.jemu.aio;

import dev.jemu.coroutine.SleepClock;

/**
 * QEMU's {@code QEMUClockType}, in QEMU's order. {@link #VIRTUAL} (and {@link #VIRTUAL_RT},
 * which equals it without icount) is guest time: it follows the host's monotonic clock until
 * something drives it through {@link VirtualClock}, as the machine and tests do.
 */
public enum ClockType implements SleepClock {
    /** Host monotonic time; runs while the VM is stopped. */
    REALTIME {
        @Override
        public long nowNs() {
            return System.nanoTime();
        }
    },
    /** Guest time. */
    VIRTUAL {
        @Override
        public long nowNs() {
            return VirtualClock.nowNs();
        }
    },
    /** Host wall-clock time in ns since the epoch; may jump. */
    HOST {
        @Override
        public long nowNs() {
            java.time.Instant now = java.time.Instant.now();
            return now.getEpochSecond() * 1_000_000_000L + now.getNano();
        }
    },
    /** The same as {@link #VIRTUAL} (jemu has no icount). */
    VIRTUAL_RT {
        @Override
        public long nowNs() {
            return VirtualClock.nowNs();
        }
    };

    /** QEMU's {@code qemu_clock_get_ns}. */
    @Override
    public abstract long nowNs();
}
