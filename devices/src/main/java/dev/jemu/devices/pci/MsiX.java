package dev.jemu.devices.pci;

import dev.jemu.core.memory.AccessSizes;
import dev.jemu.core.memory.MmioOps;
import dev.jemu.core.memory.MmioRegion;

/**
 * A function's MSI-X capability (PCI Local Bus 3.0, 6.8.2): the capability in config space
 * (message control with the table size, MSI-X Enable and Function Mask; table and PBA
 * offsets), and the vector table and pending-bit array in a 4 KiB 32-bit memory BAR of their
 * own (the table at 0, the PBA at {@link #PBA_OFFSET}, as QEMU lays out virtio-pci's BAR 1).
 *
 * <p>Each table entry holds the message address (low, high), data and vector control (bit 0
 * masked; entries come out of reset masked). {@link #notify(int)} sends the vector's message
 * through the bus when MSI-X is enabled and neither the function nor the entry is masked;
 * otherwise it sets the vector's pending bit, and the message goes when the mask is lifted.
 * While MSI-X is enabled the function's INTx is not used (the owner checks
 * {@link #enabled()}).
 *
 * <p>Threading: under the big emulator lock.
 */
public final class MsiX {
    public static final int CAP_ID = 0x11;
    public static final int CAP_LENGTH = 12;
    /** Size of the BAR holding the table and the PBA. */
    public static final int BAR_SIZE = 0x1000;
    public static final int PBA_OFFSET = 0x800;
    static final int CONTROL = 2;
    static final int TABLE = 4;
    static final int PBA = 8;
    static final int CONTROL_ENABLE = 1 << 15;
    static final int CONTROL_FUNCTION_MASK = 1 << 14;
    static final int ENTRY_SIZE = 16;
    static final int ENTRY_ADDRESS_LOW = 0;
    static final int ENTRY_ADDRESS_HIGH = 4;
    static final int ENTRY_DATA = 8;
    static final int ENTRY_CONTROL = 12;
    static final int ENTRY_MASKED = 1;

    private final PciDevice function;
    private final int capOffset;
    private final int vectors;
    private final int[] table;
    private final long[] pending;
    private final MmioRegion region;

    /**
     * Adds the capability at config offset {@code capOffset} of {@code function} with
     * {@code vectors} entries, the table and PBA in its BAR {@code bar}.
     */
    MsiX(PciDevice function, int capOffset, int vectors, int bar) {
        if (vectors < 1 || vectors * ENTRY_SIZE > PBA_OFFSET) {
            throw new IllegalArgumentException(function.name() + ": " + vectors + " MSI-X vectors do not fit");
        }
        this.function = function;
        this.capOffset = capOffset;
        this.vectors = vectors;
        this.table = new int[vectors * ENTRY_SIZE / 4];
        this.pending = new long[(vectors + 63) / 64];
        function.addCapability(CAP_ID, capOffset, CAP_LENGTH);
        function.setWord(capOffset + CONTROL, vectors - 1);
        function.setDword(capOffset + TABLE, bar);
        function.setDword(capOffset + PBA, PBA_OFFSET | bar);
        function.setWritable(capOffset + CONTROL, 2, CONTROL_ENABLE | CONTROL_FUNCTION_MASK);
        this.region = new MmioRegion(function.name() + "-msix", BAR_SIZE, new MmioOps() {
            @Override
            public long read(long offset, int size) {
                return readBar((int) offset) & 0xFFFF_FFFFL;
            }

            @Override
            public void write(long offset, long value, int size) {
                writeBar((int) offset, (int) value);
            }
        }, AccessSizes.DWORD);
        function.registerBar(bar, PciDevice.BarType.MEMORY32, BAR_SIZE, region);
        reset();
    }

    /** The number of vectors. */
    public int vectors() {
        return vectors;
    }

    /** Whether MSI-X Enable is set. */
    public boolean enabled() {
        return (function.word(capOffset + CONTROL) & CONTROL_ENABLE) != 0;
    }

    /** Signals {@code vector}: sends its message, or sets its pending bit while masked. */
    public void notify(int vector) {
        if (vector < 0 || vector >= vectors || !enabled()) {
            return;
        }
        if (masked(vector)) {
            pending[vector >> 6] |= 1L << vector;
            return;
        }
        send(vector);
    }

    /** The config write hook: a cleared Function Mask releases pending messages. */
    void configWritten(int offset, int size) {
        if (offset <= capOffset + CONTROL + 1 && offset + size > capOffset + CONTROL) {
            releasePending();
        }
    }

    /** Masks every entry and clears the pending bits (the capability's config bytes reset with the function). */
    void reset() {
        java.util.Arrays.fill(table, 0);
        for (int v = 0; v < vectors; v++) {
            table[v * 4 + ENTRY_CONTROL / 4] = ENTRY_MASKED;
        }
        java.util.Arrays.fill(pending, 0);
    }

    private boolean masked(int vector) {
        return (function.word(capOffset + CONTROL) & CONTROL_FUNCTION_MASK) != 0
                || (table[vector * 4 + ENTRY_CONTROL / 4] & ENTRY_MASKED) != 0;
    }

    private void send(int vector) {
        long address = (table[vector * 4] & 0xFFFF_FFFFL) | ((long) table[vector * 4 + 1] << 32);
        function.sendMsi(address, table[vector * 4 + 2]);
    }

    private void releasePending() {
        if (!enabled()) {
            return;
        }
        for (int v = 0; v < vectors; v++) {
            if ((pending[v >> 6] & (1L << v)) != 0 && !masked(v)) {
                pending[v >> 6] &= ~(1L << v);
                send(v);
            }
        }
    }

    private int readBar(int offset) {
        if (offset < vectors * ENTRY_SIZE) {
            return table[offset / 4];
        }
        if (offset >= PBA_OFFSET && offset < PBA_OFFSET + pending.length * 8) {
            long word = pending[(offset - PBA_OFFSET) / 8];
            return (offset & 4) == 0 ? (int) word : (int) (word >>> 32);
        }
        return 0;
    }

    private void writeBar(int offset, int value) {
        if (offset >= vectors * ENTRY_SIZE) {
            return;
        }
        if ((offset & 0xF) == ENTRY_CONTROL) {
            table[offset / 4] = value & ENTRY_MASKED;
            releasePending();
        } else {
            table[offset / 4] = value;
        }
    }
}
