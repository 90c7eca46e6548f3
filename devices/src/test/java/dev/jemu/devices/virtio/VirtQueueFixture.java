package dev.jemu.devices.virtio;

import dev.jemu.core.memory.AddressSpace;

/**
 * A driver's view of one split virtqueue, written straight into guest RAM as the virtio 1.x
 * spec lays it out (section 2.7): descriptor table, available ring (with {@code used_event}),
 * used ring (with {@code avail_event}). Tests build chains, indirect tables and mistakes with
 * it and read back what the device used.
 */
public final class VirtQueueFixture {
    /** One buffer of a chain. */
    public record Buf(long addr, int len, boolean writable) {
        public static Buf out(long addr, int len) {
            return new Buf(addr, len, false);
        }

        public static Buf in(long addr, int len) {
            return new Buf(addr, len, true);
        }
    }

    private final AddressSpace mem;
    public final int size;
    public final long desc;
    public final long avail;
    public final long used;
    private int nextDesc;
    private int availIdx;

    public VirtQueueFixture(AddressSpace mem, int size, long desc, long avail, long used) {
        this.mem = mem;
        this.size = size;
        this.desc = desc;
        this.avail = avail;
        this.used = used;
    }

    /** The legacy layout at page frame {@code pfn}: used ring at the next 4 KiB boundary. */
    public static VirtQueueFixture legacy(AddressSpace mem, long pfn, int size) {
        long d = pfn * 4096;
        long a = d + 16L * size;
        long u = (a + 2L * (3 + size) + 4095) & -4096L;
        return new VirtQueueFixture(mem, size, d, a, u);
    }

    /** Bytes the legacy layout of a queue of {@code size} takes. */
    public static long legacyBytes(int size) {
        long a = 16L * size;
        long u = (a + 2L * (3 + size) + 4095) & -4096L;
        return u + 6 + 8L * size;
    }

    /** Writes descriptor {@code i} of the table at {@code table}. */
    public void writeDesc(long table, int i, long addr, int len, int flags, int next) {
        long d = table + 16L * i;
        mem.write(d, addr, 8);
        mem.write(d + 8, len, 4);
        mem.write(d + 12, flags, 2);
        mem.write(d + 14, next, 2);
    }

    /** Writes a chain of {@code bufs} into the next free descriptors; returns its head. */
    public int chain(Buf... bufs) {
        int head = nextDesc;
        for (int k = 0; k < bufs.length; k++) {
            int i = (nextDesc + k) % size;
            boolean more = k + 1 < bufs.length;
            Buf b = bufs[k];
            writeDesc(desc, i, b.addr(), b.len(), (more ? VirtQueue.DESC_F_NEXT : 0)
                    | (b.writable() ? VirtQueue.DESC_F_WRITE : 0), more ? (i + 1) % size : 0);
        }
        nextDesc = (nextDesc + bufs.length) % size;
        return head;
    }

    /** Writes {@code bufs} as an indirect table at {@code table}, referenced by one descriptor; returns its head. */
    public int indirect(long table, Buf... bufs) {
        for (int k = 0; k < bufs.length; k++) {
            boolean more = k + 1 < bufs.length;
            Buf b = bufs[k];
            writeDesc(table, k, b.addr(), b.len(), (more ? VirtQueue.DESC_F_NEXT : 0)
                    | (b.writable() ? VirtQueue.DESC_F_WRITE : 0), more ? k + 1 : 0);
        }
        int head = nextDesc;
        writeDesc(desc, head, table, 16 * bufs.length, VirtQueue.DESC_F_INDIRECT, 0);
        nextDesc = (nextDesc + 1) % size;
        return head;
    }

    /** Makes {@code head} available without publishing the index. */
    public void add(int head) {
        mem.write(avail + 4 + 2L * (availIdx % size), head, 2);
        availIdx = (availIdx + 1) & 0xFFFF;
    }

    /** Publishes the available index. */
    public void publish() {
        mem.write(avail + 2, availIdx, 2);
    }

    /** Adds and publishes {@code head}. */
    public void offer(int head) {
        add(head);
        publish();
    }

    /** Writes any available index (a driver mistake). */
    public void setAvailIdx(int idx) {
        availIdx = idx & 0xFFFF;
        publish();
    }

    public void setAvailFlags(int flags) {
        mem.write(avail, flags, 2);
    }

    public void setUsedEvent(int idx) {
        mem.write(avail + 4 + 2L * size, idx, 2);
    }

    public int usedIdx() {
        return (int) mem.read(used + 2, 2);
    }

    public int usedFlags() {
        return (int) mem.read(used, 2);
    }

    public int availEvent() {
        return (int) mem.read(used + 4 + 8L * size, 2);
    }

    /** The head index of used element {@code n} (counting from 0 since the start). */
    public int usedId(int n) {
        return (int) mem.read(used + 4 + 8L * (n % size), 4);
    }

    /** The length of used element {@code n}. */
    public long usedLen(int n) {
        return mem.read(used + 8 + 8L * (n % size), 4);
    }
}
