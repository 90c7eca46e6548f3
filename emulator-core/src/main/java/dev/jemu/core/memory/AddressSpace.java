package dev.jemu.core.memory;

import dev.jemu.core.log.Log;
import dev.jemu.core.log.LogCategory;
import dev.jemu.core.sync.BigLock;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An address space seen by a bus master: the guest-physical memory space, or the port I/O
 * space (64 KiB). Its root container is flattened into a {@link FlatView} again whenever a
 * region inside it is added, removed, moved, enabled, disabled or write-protected; layout
 * listeners (CPU TLBs) are then told.
 *
 * <p>Unassigned addresses read as all ones and ignore writes (logged under
 * {@code guest_errors}, once per address, with the first value written).
 *
 * <p>Threading: layout changes are made under the big emulator lock. Once a machine has
 * {@linkplain #setBigLock given the space its lock}, every MMIO or port access takes that lock
 * around the device's callback, whichever thread makes it (the vCPU, a DMA completion, a test
 * harness); RAM accesses do not take it. The current flat view may be read by any thread.
 */
public final class AddressSpace {
    private final String name;
    private final ContainerRegion root;
    private final List<Runnable> listeners = new ArrayList<>();
    private final List<ContainerRegion> watched = new ArrayList<>();
    private final Runnable rebuild = this::rebuild;
    private volatile FlatView view;
    private BigLock bql;

    /** Creates an address space over {@code root}. */
    public AddressSpace(String name, ContainerRegion root) {
        this.name = name;
        this.root = root;
        rebuild();
    }

    /** A port I/O space of 64 KiB with an empty root container. */
    public static AddressSpace ioPorts() {
        return new AddressSpace("I/O", new ContainerRegion("io", 0x10000));
    }

    /** The name given at creation. */
    public String name() {
        return name;
    }

    /** The root container. */
    public ContainerRegion root() {
        return root;
    }

    /** The current layout. */
    public FlatView flatView() {
        return view;
    }

    /** Makes every MMIO and port access take {@code lock} around the device's callback. */
    public void setBigLock(BigLock lock) {
        this.bql = lock;
    }

    /** Adds a listener run after every layout rebuild. */
    public void addLayoutListener(Runnable listener) {
        listeners.add(listener);
    }

    /** Reads {@code size} (1, 2, 4 or 8) bytes little-endian at {@code addr}. */
    public long read(long addr, int size) {
        FlatRange r = view.find(addr);
        if (r != null && Long.compareUnsigned(addr + size, r.end()) <= 0) {
            long off = r.offsetOf(addr);
            if (r.region() instanceof RamRegion ram) {
                if ((off & (RamBlock.PAGE_SIZE - 1)) + size <= RamBlock.PAGE_SIZE) {
                    return ram.block().read(off, size);
                }
            } else {
                return dispatchRead((MmioRegion) r.region(), off, size);
            }
        } else if (r == null && size == 1) {
            unassigned("read", addr, "");
            return 0xFF;
        }
        long value = 0;
        for (int i = 0; i < size; i++) {
            value |= read(addr + i, 1) << (8 * i);
        }
        return value;
    }

    /** Writes the low {@code size} (1, 2, 4 or 8) bytes of {@code value} little-endian at {@code addr}. */
    public void write(long addr, long value, int size) {
        FlatRange r = view.find(addr);
        if (r != null && Long.compareUnsigned(addr + size, r.end()) <= 0) {
            long off = r.offsetOf(addr);
            if (r.region() instanceof RamRegion ram) {
                if ((off & (RamBlock.PAGE_SIZE - 1)) + size <= RamBlock.PAGE_SIZE) {
                    if (!ram.isReadOnly()) {
                        ram.block().write(off, value, size);
                    }
                    return;
                }
            } else {
                dispatchWrite((MmioRegion) r.region(), off, value, size);
                return;
            }
        } else if (r == null && size == 1) {
            unassigned("write", addr, String.format(" value 0x%02x", value & 0xFF));
            return;
        }
        for (int i = 0; i < size; i++) {
            write(addr + i, value >>> (8 * i), 1);
        }
    }

    /** Copies {@code len} guest bytes at {@code addr} into {@code dst} (DMA, loaders). */
    public void readBytes(long addr, byte[] dst, int off, int len) {
        while (len > 0) {
            FlatRange r = view.find(addr);
            if (r != null && r.region() instanceof RamRegion ram) {
                int n = (int) Math.min(len, r.end() - addr);
                ram.block().readBytes(r.offsetOf(addr), dst, off, n);
                addr += n;
                off += n;
                len -= n;
            } else {
                dst[off++] = (byte) read(addr++, 1);
                len--;
            }
        }
    }

    /** Copies {@code len} bytes of {@code src} to guest address {@code addr} (DMA, loaders). */
    public void writeBytes(long addr, byte[] src, int off, int len) {
        while (len > 0) {
            FlatRange r = view.find(addr);
            if (r != null && r.region() instanceof RamRegion ram && !ram.isReadOnly()) {
                int n = (int) Math.min(len, r.end() - addr);
                ram.block().writeBytes(r.offsetOf(addr), src, off, n);
                addr += n;
                off += n;
                len -= n;
            } else {
                write(addr++, src[off++], 1);
                len--;
            }
        }
    }

    private long dispatchRead(MmioRegion region, long off, int size) {
        BigLock lock = bql;
        if (lock == null) {
            return region.dispatchRead(off, size);
        }
        lock.lock();
        try {
            return region.dispatchRead(off, size);
        } finally {
            lock.unlock();
        }
    }

    private void dispatchWrite(MmioRegion region, long off, long value, int size) {
        BigLock lock = bql;
        if (lock == null) {
            region.dispatchWrite(off, value, size);
            return;
        }
        lock.lock();
        try {
            region.dispatchWrite(off, value, size);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Logs an access to nothing, once per address and direction (a guest polling an absent
     * device would otherwise fill the disk); repeats are counted for the summary at exit.
     */
    private void unassigned(String what, long addr, String value) {
        if (Log.enabled(LogCategory.GUEST_ERRORS)) {
            String where = "unassigned " + name + " " + what + " at 0x" + Long.toHexString(addr);
            Log.logOnce(LogCategory.GUEST_ERRORS, where, where + value);
        }
    }

    private void rebuild() {
        for (ContainerRegion c : watched) {
            c.removeLayoutListener(rebuild);
        }
        watched.clear();
        TreeMap<Long, FlatRange> out = new TreeMap<>();
        render(root, 0, 0, root.size(), out);
        view = new FlatView(new ArrayList<>(out.values()));
        for (int i = 0; i < listeners.size(); i++) {
            listeners.get(i).run();
        }
    }

    /** Renders {@code r}, placed at {@code base}, into the gaps of {@code out} within {@code [lo, hi)}. */
    private void render(MemoryRegion r, long base, long lo, long hi, TreeMap<Long, FlatRange> out) {
        long from = Math.max(lo, base);
        long to = Math.min(hi, base + r.size());
        if (from >= to || !r.isEnabled()) {
            return;
        }
        switch (r) {
            case ContainerRegion c -> {
                if (!watched.contains(c)) {
                    c.addLayoutListener(rebuild);
                    watched.add(c);
                }
                List<MemoryRegion> kids = new ArrayList<>(c.childrenView());
                java.util.Collections.reverse(kids);
                kids.sort(Comparator.comparingInt(MemoryRegion::priority).reversed());
                for (MemoryRegion k : kids) {
                    render(k, base + k.address, from, to, out);
                }
            }
            case AliasRegion a -> render(a.target(), base - a.targetOffset(), from, to, out);
            case RamRegion ram -> fillGaps(ram, base, from, to, out);
            case MmioRegion mmio -> fillGaps(mmio, base, from, to, out);
        }
    }

    private static void fillGaps(MemoryRegion r, long base, long from, long to, TreeMap<Long, FlatRange> out) {
        long cursor = from;
        Map.Entry<Long, FlatRange> before = out.floorEntry(cursor);
        if (before != null && before.getValue().end() > cursor) {
            cursor = before.getValue().end();
        }
        while (cursor < to) {
            Map.Entry<Long, FlatRange> next = out.ceilingEntry(cursor);
            long gapEnd = next == null ? to : Math.min(to, next.getKey());
            if (gapEnd > cursor) {
                out.put(cursor, new FlatRange(cursor, gapEnd, r, cursor - base));
            }
            if (next == null || next.getKey() >= to) {
                break;
            }
            cursor = next.getValue().end();
        }
    }
}
