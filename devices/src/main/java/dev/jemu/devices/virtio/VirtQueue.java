package dev.jemu.devices.virtio;

import dev.jemu.core.memory.AddressSpace;
import dev.jemu.core.memory.FlatRange;
import dev.jemu.core.memory.FlatView;
import dev.jemu.core.memory.RamRegion;

import java.lang.invoke.VarHandle;

/**
 * A split virtqueue (virtio 1.x section 2.7): the descriptor table, the available ring the
 * driver fills and the used ring the device fills, all in guest RAM and reached through the
 * memory {@link AddressSpace} (never a raw array of RAM). {@link #pop} walks one chain
 * (direct or through an indirect table) into a {@link VirtQueueElement}, {@link #push} puts a
 * used element, {@link #flush} publishes the used index for a whole batch, {@link
 * #shouldNotify} applies {@code VIRTIO_RING_F_EVENT_IDX} (or the flags without it) in the
 * device-to-driver direction and {@link #setNotification} in the other.
 *
 * <p>Guest mistakes (rings, tables or buffers outside RAM, a chain that loops or is longer than
 * its table, an indirect table inside another, a zero-length buffer, a readable buffer after a
 * writable one, an avail index more than the queue size ahead, a head out of range) are thrown
 * as {@link VirtQueueException}; the device then stops until reset ({@link VirtioDevice#needsReset}).
 *
 * <p>Threading: configured by the transport and processed by the device, always with the
 * device's {@link VirtioDevice#lock()} held.
 */
public final class VirtQueue {
    /** The largest queue a device may offer (QEMU's VIRTQUEUE_MAX_SIZE). */
    public static final int MAX_SIZE = 1024;
    /** Descriptor flag: the chain continues at {@code next}. */
    public static final int DESC_F_NEXT = 1;
    /** Descriptor flag: the buffer is device-writable. */
    public static final int DESC_F_WRITE = 2;
    /** Descriptor flag: the buffer is a table of descriptors. */
    public static final int DESC_F_INDIRECT = 4;
    /** Available ring flag: the driver does not want interrupts (without EVENT_IDX). */
    public static final int AVAIL_F_NO_INTERRUPT = 1;
    /** Used ring flag: the device does not want notifications (without EVENT_IDX). */
    public static final int USED_F_NO_NOTIFY = 1;
    /** Alignment of the used ring in the legacy layout. */
    public static final int LEGACY_ALIGN = 4096;

    private static final int DESC_SIZE = 16;

    private final AddressSpace mem;
    private final int index;
    private final int maxSize;

    private int size;
    private long desc;
    private long avail;
    private long used;
    private boolean enabled;

    private boolean eventIdx;
    private boolean notifyOnEmpty;
    private int lastAvail;
    private int usedIdx;
    private int inFlight;
    private int signalledUsed;
    private boolean signalledValid;

    /**
     * @param mem guest memory as the device sees it
     * @param index the queue's number
     * @param maxSize the largest size offered, a power of two up to {@link #MAX_SIZE}
     */
    public VirtQueue(AddressSpace mem, int index, int maxSize) {
        if (maxSize < 1 || maxSize > MAX_SIZE || Integer.bitCount(maxSize) != 1) {
            throw new IllegalArgumentException("virtqueue size " + maxSize + " is not a power of two up to " + MAX_SIZE);
        }
        this.mem = mem;
        this.index = index;
        this.maxSize = maxSize;
        this.size = maxSize;
    }

    // ------------------------------------------------------------------ configuration

    /** The queue's number. */
    public int index() {
        return index;
    }

    /** The largest size offered. */
    public int maxSize() {
        return maxSize;
    }

    /** The size in use. */
    public int size() {
        return size;
    }

    /**
     * Sets the size (the modern interface's {@code queue_size}); returns false, changing
     * nothing, unless it is from 1 to {@link #maxSize()}. Like QEMU, a size that is not a power
     * of two is taken (ring positions are the free-running indices modulo the size).
     */
    public boolean setSize(int newSize) {
        if (newSize < 1 || newSize > maxSize) {
            return false;
        }
        size = newSize;
        return true;
    }

    /** The descriptor table's address. */
    public long descAddress() {
        return desc;
    }

    /** The available ring's address. */
    public long availAddress() {
        return avail;
    }

    /** The used ring's address. */
    public long usedAddress() {
        return used;
    }

    /** Sets the descriptor table's address. */
    public void setDescAddress(long address) {
        desc = address;
    }

    /** Sets the available ring's address. */
    public void setAvailAddress(long address) {
        avail = address;
    }

    /** Sets the used ring's address. */
    public void setUsedAddress(long address) {
        used = address;
    }

    /**
     * The legacy interface's queue address: page frame {@code pfn} holds the descriptor table,
     * the available ring follows it and the used ring starts at the next 4 KiB boundary; the
     * queue is enabled unless {@code pfn} is 0.
     */
    public void setLegacyPfn(long pfn) {
        desc = pfn * LEGACY_ALIGN;
        avail = desc + (long) DESC_SIZE * size;
        used = (avail + 2L * (3 + size) + LEGACY_ALIGN - 1) & -LEGACY_ALIGN;
        enabled = pfn != 0;
    }

    /** The legacy page frame number ({@link #descAddress()} / 4096). */
    public long legacyPfn() {
        return desc / LEGACY_ALIGN;
    }

    /** Whether the driver enabled the queue. */
    public boolean isEnabled() {
        return enabled;
    }

    /** Enables or disables the queue (the modern interface's {@code queue_enable}). */
    public void setEnabled(boolean on) {
        enabled = on;
    }

    /**
     * Starts processing with the negotiated ring features: {@code VIRTIO_RING_F_EVENT_IDX} and
     * {@code VIRTIO_F_NOTIFY_ON_EMPTY}.
     */
    public void start(boolean withEventIdx, boolean withNotifyOnEmpty) {
        eventIdx = withEventIdx;
        notifyOnEmpty = withNotifyOnEmpty;
        signalledValid = false;
    }

    /** Forgets everything: size back to the maximum, addresses 0, disabled, indices 0. */
    public void reset() {
        size = maxSize;
        desc = 0;
        avail = 0;
        used = 0;
        enabled = false;
        eventIdx = false;
        notifyOnEmpty = false;
        lastAvail = 0;
        usedIdx = 0;
        inFlight = 0;
        signalledUsed = 0;
        signalledValid = false;
    }

    // ------------------------------------------------------------------ processing

    /**
     * Checks that the three ring areas lie in RAM; called before each batch of processing so
     * that the ring accesses of the batch need no check of their own.
     */
    public void checkRings() throws VirtQueueException {
        if (!isRam(mem, desc, (long) DESC_SIZE * size) || !isRam(mem, avail, 6 + 2L * size)
                || !isRam(mem, used, 6 + 8L * size)) {
            throw new VirtQueueException(String.format(
                    "virtqueue %d: rings at desc 0x%x avail 0x%x used 0x%x (size %d) are not in RAM",
                    index, desc, avail, used, size));
        }
    }

    /** Whether the queue holds no chain the device has not popped (a disabled queue is empty). */
    public boolean isEmpty() throws VirtQueueException {
        return !enabled || availableCount() == 0;
    }

    private int availableCount() throws VirtQueueException {
        int availIdx = read16(avail + 2);
        int n = (availIdx - lastAvail) & 0xFFFF;
        if (n > size) {
            throw new VirtQueueException(String.format(
                    "virtqueue %d: avail index moved from %d to %d, more than the queue size %d",
                    index, lastAvail, availIdx, size));
        }
        return n;
    }

    /**
     * Takes the next available chain into {@code e}; false if there is none (or the queue is
     * disabled).
     */
    public boolean pop(VirtQueueElement e) throws VirtQueueException {
        if (!enabled || availableCount() == 0) {
            return false;
        }
        VarHandle.acquireFence();
        int head = read16(avail + 4 + 2L * (lastAvail % size));
        if (head >= size) {
            throw new VirtQueueException(String.format(
                    "virtqueue %d: available entry %d names descriptor %d of a queue of %d", index, lastAvail, head, size));
        }
        e.clear(head);
        long table = desc;
        int tableSize = size;
        boolean indirect = false;
        int count = 0;
        int i = head;
        while (true) {
            long d = table + (long) DESC_SIZE * i;
            long addr = mem.read(d, 8);
            int len = (int) mem.read(d + 8, 4);
            int flags = (int) mem.read(d + 12, 2);
            int next = (int) mem.read(d + 14, 2);
            if ((flags & DESC_F_INDIRECT) != 0) {
                if (indirect) {
                    throw error(head, "has an indirect descriptor inside an indirect table");
                }
                if (count != 0) {
                    throw error(head, "has an indirect descriptor after its head");
                }
                long bytes = Integer.toUnsignedLong(len);
                if (bytes == 0 || bytes % DESC_SIZE != 0 || bytes / DESC_SIZE > MAX_SIZE) {
                    throw error(head, "has an indirect table of " + bytes + " bytes");
                }
                if (!isRam(mem, addr, bytes)) {
                    throw error(head, String.format("has an indirect table at 0x%x outside RAM", addr));
                }
                table = addr;
                tableSize = (int) (bytes / DESC_SIZE);
                indirect = true;
                i = 0;
                continue;
            }
            if (++count > tableSize) {
                throw error(head, "loops or is longer than its table of " + tableSize + " descriptors");
            }
            if (len == 0) {
                throw error(head, "has a zero-length buffer in descriptor " + i);
            }
            if (!isRam(mem, addr, Integer.toUnsignedLong(len))) {
                throw error(head, String.format("has a buffer at 0x%x (%d bytes) outside RAM", addr,
                        Integer.toUnsignedLong(len)));
            }
            boolean writable = (flags & DESC_F_WRITE) != 0;
            if (!writable && e.inCount() > 0) {
                throw error(head, "has a device-readable buffer after a device-writable one");
            }
            e.add(addr, len, writable);
            if ((flags & DESC_F_NEXT) == 0) {
                break;
            }
            if (next >= tableSize) {
                throw error(head, "links descriptor " + i + " to " + next + ", past its table of " + tableSize);
            }
            i = next;
        }
        lastAvail = (lastAvail + 1) & 0xFFFF;
        inFlight++;
        return true;
    }

    private VirtQueueException error(int head, String what) {
        return new VirtQueueException("virtqueue " + index + ": the chain at descriptor " + head + " " + what);
    }

    /** Puts {@code e} in the used ring with {@code len} bytes written; {@link #flush} publishes it. */
    public void push(VirtQueueElement e, long len) {
        long slot = used + 4 + 8L * (usedIdx % size);
        mem.write(slot, e.head(), 4);
        mem.write(slot + 4, len, 4);
        usedIdx = (usedIdx + 1) & 0xFFFF;
        inFlight--;
    }

    /** Makes the elements pushed so far visible to the driver by writing the used index. */
    public void flush() {
        VarHandle.releaseFence();
        mem.write(used + 2, usedIdx, 2);
        VarHandle.fullFence();
    }

    /**
     * Whether the driver wants an interrupt for what was flushed since the last time this
     * answered true: with EVENT_IDX when the used index passed {@code used_event}, else unless
     * the driver set {@code VIRTQ_AVAIL_F_NO_INTERRUPT}; with NOTIFY_ON_EMPTY always when the
     * queue ran empty.
     */
    public boolean shouldNotify() throws VirtQueueException {
        if (notifyOnEmpty && inFlight == 0 && availableCount() == 0) {
            return true;
        }
        if (!eventIdx) {
            return (read16(avail) & AVAIL_F_NO_INTERRUPT) == 0;
        }
        int old = signalledUsed;
        boolean valid = signalledValid;
        signalledUsed = usedIdx;
        signalledValid = true;
        int usedEvent = read16(avail + 4 + 2L * size);
        return !valid || needEvent(usedEvent, usedIdx, old);
    }

    /** The virtio spec's {@code vring_need_event}: whether {@code event} lies in (old, now]. */
    static boolean needEvent(int event, int now, int old) {
        return ((now - event - 1) & 0xFFFF) < ((now - old) & 0xFFFF);
    }

    /**
     * Asks the driver for notifications (true) or tells it they are not needed (false): with
     * EVENT_IDX by writing {@code avail_event}, else through {@code VIRTQ_USED_F_NO_NOTIFY}.
     * After enabling, the caller checks {@link #isEmpty()} again so that no kick is lost.
     */
    public void setNotification(boolean enable) {
        if (eventIdx) {
            if (enable) {
                mem.write(used + 4 + 8L * size, read16(avail + 2), 2);
            }
        } else {
            int flags = read16(used);
            mem.write(used, enable ? flags & ~USED_F_NO_NOTIFY : flags | USED_F_NO_NOTIFY, 2);
        }
        VarHandle.fullFence();
    }

    private int read16(long addr) {
        return (int) mem.read(addr, 2);
    }

    /** Whether {@code [addr, addr + len)} is guest RAM all along (empty ranges are). */
    public static boolean isRam(AddressSpace mem, long addr, long len) {
        if (len <= 0) {
            return len == 0;
        }
        long end = addr + len;
        if (Long.compareUnsigned(end, addr) <= 0) {
            return false;
        }
        FlatView view = mem.flatView();
        while (Long.compareUnsigned(addr, end) < 0) {
            FlatRange r = view.find(addr);
            if (r == null || !(r.region() instanceof RamRegion)) {
                return false;
            }
            addr = r.end();
        }
        return true;
    }
}
