package dev.jemu.core.memory;

import java.util.List;

/**
 * The layout of an address space resolved to non-overlapping ranges of RAM or MMIO, sorted
 * by address, looked up by binary search. Immutable; a new one is built on every layout
 * change.
 */
public final class FlatView {
    private final long[] starts;
    private final FlatRange[] ranges;

    FlatView(List<FlatRange> sorted) {
        ranges = sorted.toArray(new FlatRange[0]);
        starts = new long[ranges.length];
        for (int i = 0; i < ranges.length; i++) {
            starts[i] = ranges[i].start();
        }
    }

    /** The range holding {@code addr}, or null if the address is unassigned. Allocates nothing. */
    public FlatRange find(long addr) {
        int lo = 0;
        int hi = starts.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(starts[mid], addr) <= 0) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        if (hi < 0) {
            return null;
        }
        FlatRange r = ranges[hi];
        return Long.compareUnsigned(addr, r.end()) < 0 ? r : null;
    }

    /** All ranges, by address. */
    public List<FlatRange> ranges() {
        return List.of(ranges);
    }
}
