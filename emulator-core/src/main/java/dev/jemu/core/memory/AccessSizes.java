package dev.jemu.core.memory;

/**
 * A range of access sizes in bytes (1, 2, 4 or 8), as declared by an MMIO region: once for
 * the sizes the guest may use ({@code valid}) and once for the sizes its callbacks
 * implement ({@code impl}). The memory core splits and merges accesses between the two.
 *
 * @param min smallest size, a power of two from 1 to 8
 * @param max largest size, a power of two from {@code min} to 8
 */
public record AccessSizes(int min, int max) {
    /** Any size from 1 to 8 bytes. */
    public static final AccessSizes ANY = new AccessSizes(1, 8);
    /** Bytes only. */
    public static final AccessSizes BYTE = new AccessSizes(1, 1);
    /** 1 to 4 bytes, the common choice of ISA and PCI devices. */
    public static final AccessSizes UP_TO_DWORD = new AccessSizes(1, 4);
    /** Exactly 4 bytes. */
    public static final AccessSizes DWORD = new AccessSizes(4, 4);

    public AccessSizes {
        if (Integer.bitCount(min) != 1 || Integer.bitCount(max) != 1 || min > max || max > 8) {
            throw new IllegalArgumentException("access sizes " + min + ".." + max + " are not powers of two from 1 to 8");
        }
    }

    /** Whether {@code size} lies within this range. */
    public boolean allows(int size) {
        return size >= min && size <= max;
    }
}
