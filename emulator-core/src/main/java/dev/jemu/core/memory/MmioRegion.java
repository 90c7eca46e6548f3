package dev.jemu.core.memory;

import dev.jemu.core.log.Log;
import dev.jemu.core.log.LogCategory;

/**
 * A device's registers. The region declares which access sizes the guest may use
 * ({@code valid}) and which its {@link MmioOps} implement ({@code impl}). An access of a
 * size outside {@code valid} is a guest error (reads return all ones, writes are dropped).
 * Any other access is carried out with naturally aligned accesses of implemented sizes: a
 * wide access is split into several, a narrow or misaligned one is widened; a narrow write
 * becomes a read of the containing unit, a merge and a write back, so devices whose
 * registers have read side effects should implement byte access.
 */
public final class MmioRegion extends MemoryRegion {
    private final MmioOps ops;
    private final AccessSizes valid;
    private final AccessSizes impl;

    /** Creates an MMIO region whose callbacks implement every size the guest may use. */
    public MmioRegion(String name, long size, MmioOps ops, AccessSizes valid) {
        this(name, size, ops, valid, valid);
    }

    /** Creates an MMIO region with separate guest-valid and implemented access sizes. */
    public MmioRegion(String name, long size, MmioOps ops, AccessSizes valid, AccessSizes impl) {
        super(name, size);
        this.ops = ops;
        this.valid = valid;
        this.impl = impl;
    }

    /** The sizes the guest may use. */
    public AccessSizes validSizes() {
        return valid;
    }

    /** The sizes the callbacks implement. */
    public AccessSizes implSizes() {
        return impl;
    }

    /** Reads {@code size} bytes at {@code offset} on behalf of the guest. */
    public long dispatchRead(long offset, int size) {
        if (!valid.allows(size)) {
            invalidSize("read", offset, size);
            return ones(size);
        }
        if (impl.allows(size) && (offset & (size - 1)) == 0) {
            return ops.read(offset, size) & mask(size);
        }
        int unit = unitFor(size);
        long end = offset + size;
        long value = 0;
        for (long p = offset & -unit; p < end; p += unit) {
            long v = ops.read(p, unit);
            long from = Math.max(p, offset);
            long to = Math.min(p + unit, end);
            for (long b = from; b < to; b++) {
                value |= ((v >>> (8 * (b - p))) & 0xFF) << (8 * (b - offset));
            }
        }
        return value;
    }

    /** Writes the low {@code size} bytes of {@code value} at {@code offset} on behalf of the guest. */
    public void dispatchWrite(long offset, long value, int size) {
        if (!valid.allows(size)) {
            invalidSize("write", offset, size);
            return;
        }
        if (impl.allows(size) && (offset & (size - 1)) == 0) {
            ops.write(offset, value & mask(size), size);
            return;
        }
        int unit = unitFor(size);
        long end = offset + size;
        for (long p = offset & -unit; p < end; p += unit) {
            long from = Math.max(p, offset);
            long to = Math.min(p + unit, end);
            long v = (from == p && to == p + unit) ? 0 : ops.read(p, unit);
            for (long b = from; b < to; b++) {
                int shift = (int) (8 * (b - p));
                v = (v & ~(0xFFL << shift)) | (((value >>> (8 * (b - offset))) & 0xFF) << shift);
            }
            ops.write(p, v & mask(unit), unit);
        }
    }

    private int unitFor(int size) {
        if (size < impl.min()) {
            return impl.min();
        }
        return Math.min(size, impl.max());
    }

    private void invalidSize(String what, long offset, int size) {
        if (Log.enabled(LogCategory.GUEST_ERRORS)) {
            String line = "invalid " + what + " size " + size + " at offset 0x" + Long.toHexString(offset) + " of " + name();
            Log.logOnce(LogCategory.GUEST_ERRORS, line, line);
        }
    }

    static long mask(int size) {
        return size == 8 ? -1L : (1L << (8 * size)) - 1;
    }

    static long ones(int size) {
        return mask(size);
    }
}
