package dev.jemu.devices.fwcfg;

/**
 * One range of the BIOS memory map as fw_cfg's {@code etc/e820} carries it: 20 bytes,
 * little-endian 64-bit address and length and 32-bit type. Immutable; any thread.
 *
 * @param address first byte
 * @param length size in bytes
 * @param type {@link #RAM}, {@link #RESERVED}, ...
 */
public record E820Entry(long address, long length, int type) {
    /** Usable RAM. */
    public static final int RAM = 1;
    /** Reserved. */
    public static final int RESERVED = 2;
    /** ACPI tables, reclaimable once the OS has read them. */
    public static final int ACPI = 3;
    /** Size of one entry in {@code etc/e820}. */
    public static final int SIZE = 20;
}
