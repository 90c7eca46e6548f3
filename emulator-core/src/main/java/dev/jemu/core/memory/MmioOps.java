package dev.jemu.core.memory;

/**
 * The callbacks of an MMIO or port I/O region. The memory core calls them only with
 * offsets inside the region and sizes inside the region's implemented {@link AccessSizes},
 * aligned to the size; it never hands a device a size it did not declare.
 *
 * <p>Threading: called with the big emulator lock held, on whichever thread made the access.
 */
public interface MmioOps {
    /** Reads {@code size} bytes at {@code offset}; the value is in the low bits. */
    long read(long offset, int size);

    /** Writes the low {@code size} bytes of {@code value} at {@code offset}. */
    void write(long offset, long value, int size);
}
