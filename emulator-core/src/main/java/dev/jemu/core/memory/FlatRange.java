package dev.jemu.core.memory;

/**
 * One piece of a {@link FlatView}: guest addresses {@code [start, end)} served by a RAM or
 * MMIO region starting at {@code regionOffset} inside it. Immutable.
 *
 * @param start first address
 * @param end address after the last
 * @param region a {@link RamRegion} or {@link MmioRegion}
 * @param regionOffset offset inside {@code region} of {@code start}
 */
public record FlatRange(long start, long end, MemoryRegion region, long regionOffset) {
    /** The offset inside the region of guest address {@code addr}. */
    public long offsetOf(long addr) {
        return regionOffset + (addr - start);
    }
}
