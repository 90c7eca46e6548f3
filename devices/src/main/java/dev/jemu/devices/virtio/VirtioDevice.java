package dev.jemu.devices.virtio;

import dev.jemu.core.log.Log;
import dev.jemu.core.log.LogCategory;
import dev.jemu.core.memory.AddressSpace;
import dev.jemu.core.sync.BigLock;

import java.util.concurrent.locks.ReentrantLock;

/**
 * What every virtio device shares, whatever its transport: the device status, feature
 * negotiation, the virtqueues, the configuration generation, NEEDS_RESET for guest mistakes,
 * and the lifecycle: inactive until the driver sets DRIVER_OK, then active (its queues are
 * processed); {@link #reset()} is final and runs the device's own {@link #deviceReset()} hook
 * before clearing features, status and queues. Feature bits the driver acks that were never
 * offered are masked, with a warning under {@code -d guest_errors}.
 *
 * <p>Threading: two locks, always taken in this order: the machine's big lock (held by every
 * register access through the transport) and the device's own {@link #lock()}, which guards the
 * status, the features and the queues, and which the device's queue processing takes in its
 * AioContext (the main loop's or an IOThread's) without the big lock. Interrupts gathered under
 * the device lock are raised by {@link #raisePending()} after it is released, under the big
 * lock.
 */
public abstract class VirtioDevice {
    public static final int STATUS_ACKNOWLEDGE = 1;
    public static final int STATUS_DRIVER = 2;
    public static final int STATUS_DRIVER_OK = 4;
    public static final int STATUS_FEATURES_OK = 8;
    public static final int STATUS_NEEDS_RESET = 0x40;
    public static final int STATUS_FAILED = 0x80;

    /** Interrupt when the queue is empty even if suppressed (legacy only). */
    public static final int F_NOTIFY_ON_EMPTY = 24;
    /** Any framing of headers and data across descriptors (implied by VERSION_1). */
    public static final int F_ANY_LAYOUT = 27;
    /** Indirect descriptor tables. */
    public static final int F_RING_INDIRECT_DESC = 28;
    /** {@code used_event} / {@code avail_event} notification suppression. */
    public static final int F_RING_EVENT_IDX = 29;
    /** Compliance with virtio 1.x (the modern interface). */
    public static final int F_VERSION_1 = 32;

    /** ISR bit: a queue has used buffers. */
    public static final int ISR_QUEUE = 1;
    /** ISR bit: the configuration changed (or the device needs a reset). */
    public static final int ISR_CONFIG = 2;

    /** Where a device's interrupts go: implemented by the transport. */
    public interface Transport {
        /** Sets {@code isrBits} in the ISR and raises the interrupt. Under the big lock. */
        void interrupt(int isrBits);
    }

    private final String name;
    private final int deviceId;
    private final ReentrantLock lock = new ReentrantLock();
    private final VirtQueue[] queues;
    /** Guest memory as the device sees it. */
    protected final AddressSpace memory;
    /** The machine's big lock. */
    protected final BigLock bql;
    private Transport transport;

    private int status;
    private long driverFeatures;
    private boolean active;
    private volatile int resetCount;
    private int pendingIsr;
    private boolean needsResetLogged;
    /** A guest mistake stopped the device until reset. */
    private boolean broken;
    private long guestErrors;
    private long requestErrors;

    /**
     * @param name the device's name in messages (its {@code id=}, or its type)
     * @param deviceId the virtio device ID (2 for a block device)
     * @param numQueues how many virtqueues it has
     * @param queueSize the size each offers, a power of two up to {@link VirtQueue#MAX_SIZE}
     * @param memory guest memory
     * @param bql the machine's big lock
     */
    protected VirtioDevice(String name, int deviceId, int numQueues, int queueSize, AddressSpace memory, BigLock bql) {
        this.name = name;
        this.deviceId = deviceId;
        this.memory = memory;
        this.bql = bql;
        this.queues = new VirtQueue[numQueues];
        for (int i = 0; i < numQueues; i++) {
            queues[i] = new VirtQueue(memory, i, queueSize);
        }
    }

    /** The name given at creation. */
    public final String name() {
        return name;
    }

    /** The virtio device ID. */
    public final int deviceId() {
        return deviceId;
    }

    /** The number of virtqueues. */
    public final int numQueues() {
        return queues.length;
    }

    /** Virtqueue {@code i}; touch it only with {@link #lock()} held. */
    public final VirtQueue queue(int i) {
        return queues[i];
    }

    /** The device lock (see the class comment for its order with the big lock). */
    public final ReentrantLock lock() {
        return lock;
    }

    final void attach(Transport t) {
        if (transport != null) {
            throw new IllegalStateException(name + ": virtio device is already plugged into a transport");
        }
        transport = t;
    }

    // ------------------------------------------------------------------ what a device defines

    /** The device-specific feature bits offered. */
    protected abstract long deviceFeatures();

    /** Bytes of device configuration space. */
    public abstract int configSize();

    /** Reads {@code size} bytes of device configuration at {@code offset} (inside {@link #configSize()}). */
    public abstract long readConfig(int offset, int size);

    /** Writes device configuration; the default ignores writes. */
    public void writeConfig(int offset, long value, int size) {
    }

    /** Queue {@code index} was notified by the driver while the device is active. Device lock held. */
    protected abstract void queueNotified(int index);

    /** The driver set DRIVER_OK: features are final and the queues configured. Device lock held. */
    protected abstract void activated();

    /** The device's own part of a reset, run first by {@link #reset()}. Device lock held. */
    protected abstract void deviceReset();

    // ------------------------------------------------------------------ negotiation and status

    /**
     * Every feature bit the device can offer: its own plus the ring and transport features
     * jemu implements; each transport interface offers the part that applies to it (the
     * legacy-only NOTIFY_ON_EMPTY and ANY_LAYOUT only through a legacy interface).
     */
    public final long hostFeatures() {
        return deviceFeatures() | 1L << F_VERSION_1 | 1L << F_RING_INDIRECT_DESC | 1L << F_RING_EVENT_IDX
                | 1L << F_NOTIFY_ON_EMPTY | 1L << F_ANY_LAYOUT;
    }

    /** The features the driver acked. */
    public final long driverFeatures() {
        return driverFeatures;
    }

    /** Whether feature {@code bit} was negotiated. */
    public final boolean hasFeature(int bit) {
        return (driverFeatures >>> bit & 1) != 0;
    }

    /**
     * The driver acks {@code value} out of {@code offered}; bits never offered are dropped with
     * a warning. Ignored (with a warning) once FEATURES_OK is set. Device lock held.
     */
    public final void setDriverFeatures(long value, long offered) {
        if ((status & STATUS_FEATURES_OK) != 0) {
            logGuestError("driver changed features 0x" + Long.toHexString(value) + " after FEATURES_OK");
            return;
        }
        long extra = value & ~offered;
        if (extra != 0) {
            logGuestError("driver acked features 0x" + Long.toHexString(extra) + " that were not offered");
        }
        driverFeatures = value & offered;
    }

    /** The device status. */
    public final int status() {
        return status;
    }

    /**
     * The driver writes the status: 0 resets; FEATURES_OK through the modern interface is kept
     * only if VERSION_1 was acked; DRIVER_OK activates the device. NEEDS_RESET stays as the
     * device set it. Device lock held.
     */
    public final void setStatus(int value, boolean modern) {
        if (value == 0) {
            reset();
            return;
        }
        int v = (value & ~STATUS_NEEDS_RESET) | (status & STATUS_NEEDS_RESET);
        if (modern && (v & STATUS_FEATURES_OK) != 0 && (status & STATUS_FEATURES_OK) == 0 && !hasFeature(F_VERSION_1)) {
            logGuestError("driver set FEATURES_OK without VERSION_1 on the modern interface");
            v &= ~STATUS_FEATURES_OK;
        }
        status = v;
        boolean nowActive = (v & STATUS_DRIVER_OK) != 0;
        if (nowActive && !active) {
            active = true;
            for (VirtQueue q : queues) {
                q.start(hasFeature(F_RING_EVENT_IDX), hasFeature(F_NOTIFY_ON_EMPTY));
            }
            activated();
        } else if (!nowActive) {
            active = false;
        }
    }

    /** Whether the driver set DRIVER_OK and no guest mistake stopped the device since. */
    public final boolean isActive() {
        return active && !broken;
    }

    /**
     * The configuration generation: 0, since nothing yet changes a device's configuration
     * behind the driver's back (a disk resize would bump it).
     */
    public final int configGeneration() {
        return 0;
    }

    /** The driver notified queue {@code index}. Device lock held; a bad index is a guest error. */
    public final void notifyQueue(int index) {
        if (index < 0 || index >= queues.length) {
            needsReset("notify of queue " + index + ", which does not exist (" + queues.length + " queues)");
            return;
        }
        if (isActive()) {
            queueNotified(index);
        }
    }

    // ------------------------------------------------------------------ errors and interrupts

    /**
     * A guest mistake the device cannot answer in-band: the device stops processing until
     * reset and logs the first such mistake since the last reset. A driver that negotiated
     * VERSION_1 also sees DEVICE_NEEDS_RESET and a configuration interrupt (if it set
     * DRIVER_OK); a legacy driver has no such status bit, and like QEMU the device only stops.
     * Device lock held.
     */
    public final void needsReset(String why) {
        guestErrors++;
        broken = true;
        if (!needsResetLogged) {
            needsResetLogged = true;
            logGuestError(why + "; device needs reset");
        }
        if (hasFeature(F_VERSION_1) && (status & STATUS_NEEDS_RESET) == 0) {
            status |= STATUS_NEEDS_RESET;
            if ((status & STATUS_DRIVER_OK) != 0) {
                pendingIsr |= ISR_CONFIG;
            }
        }
    }

    /**
     * Counts a guest mistake answered in-band (an I/O error status), logging the first one.
     * Takes the device lock; call it without the big lock or with both.
     */
    protected final void requestError(String why) {
        lock.lock();
        try {
            guestErrors++;
            if (requestErrors++ == 0) {
                logGuestError(why);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Guest mistakes seen so far. */
    public final long guestErrorCount() {
        return guestErrors;
    }

    /** Logs a guest mistake the device simply ignores, under {@code -d guest_errors}. */
    final void logGuestError(String line) {
        if (Log.enabled(LogCategory.GUEST_ERRORS)) {
            Log.log(LogCategory.GUEST_ERRORS, name + ": " + line);
        }
    }

    /** Asks for a queue interrupt, raised by the next {@link #raisePending()}. Device lock held. */
    protected final void queueInterrupt() {
        pendingIsr |= ISR_QUEUE;
    }

    /** A number that changes at every reset; work started before a reset must not complete after it. */
    protected final int resetCount() {
        return resetCount;
    }

    /**
     * Raises the interrupts gathered so far, taking the big lock (and then the device lock); an
     * interrupt gathered before a reset that came in between is dropped. Called without the
     * device lock, or with both locks.
     */
    public final void raisePending() {
        if (lock.isHeldByCurrentThread() && !bql.isHeld()) {
            throw new IllegalStateException(name + ": raisePending with the device lock but not the big lock");
        }
        int bits;
        int generation;
        lock.lock();
        try {
            bits = pendingIsr;
            pendingIsr = 0;
            generation = resetCount;
        } finally {
            lock.unlock();
        }
        if (bits == 0) {
            return;
        }
        bql.lock();
        try {
            lock.lock();
            try {
                if (generation == resetCount && transport != null) {
                    transport.interrupt(bits);
                }
            } finally {
                lock.unlock();
            }
        } finally {
            bql.unlock();
        }
    }

    // ------------------------------------------------------------------ reset

    /**
     * Resets the device: the device's {@link #deviceReset()} hook, then status, features,
     * pending interrupts and every queue are cleared. Work in flight that completes later is
     * dropped (it sees a new {@link #resetCount()}).
     */
    public final void reset() {
        lock.lock();
        try {
            resetCount++;
            deviceReset();
            status = 0;
            driverFeatures = 0;
            active = false;
            pendingIsr = 0;
            needsResetLogged = false;
            broken = false;
            for (VirtQueue q : queues) {
                q.reset();
            }
        } finally {
            lock.unlock();
        }
    }
}
