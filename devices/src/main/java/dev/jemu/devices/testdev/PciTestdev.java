package dev.jemu.devices.testdev;

import dev.jemu.core.memory.AccessSizes;
import dev.jemu.core.memory.MmioOps;
import dev.jemu.core.memory.MmioRegion;
import dev.jemu.devices.pci.PciDevice;

import java.nio.charset.StandardCharsets;

/**
 * QEMU's PCI test device {@code pci-testdev} (1b36:0005, class 0x00, subclass 0xFF, QEMU's
 * {@code docs/specs/pci-testdev}): BAR0 is 4 KiB of memory, BAR1 256 I/O ports. Both decode
 * the same registers. Writing test number {@code n} to byte 0 of a BAR selects test
 * {@code n} of that BAR's kind (0–2 memory, 3–5 I/O as a global number) and clears its
 * count; any other number deselects. While a test is selected, both BARs read its header:
 * the global test number, the access width (1), the offset to write to (0x800 + n for
 * memory, 0x80 + n for I/O), the data byte, the count and the name
 * ({@code mmio-no-eventfd}, {@code mmio-wildcard-eventfd}, {@code mmio-datamatch-eventfd},
 * then the {@code portio-} ones), zero beyond. A byte write of the data to the offset counts.
 *
 * <p>The {@code wildcard-eventfd} and {@code datamatch-eventfd} tests are for host
 * notifiers: on QEMU the writes they match are taken by the notifier and never reach the
 * count, and the others fail the data match; they never count here either. Accesses are
 * carried out byte by byte, as QEMU's device implements them.
 *
 * <p>Threading: under the big emulator lock.
 */
public final class PciTestdev extends PciDevice {
    static final int VENDOR_REDHAT = 0x1B36;
    static final int DEVICE_TEST = 0x0005;
    static final int CLASS_OTHERS = 0x00FF00;
    static final int MEM_BAR_SIZE = 0x1000;
    static final int IO_BAR_SIZE = 0x100;
    static final int HDR_TEST = 0;
    static final int HDR_WIDTH = 1;
    static final int HDR_OFFSET = 4;
    static final int HDR_DATA = 8;
    static final int HDR_COUNT = 12;
    static final int HDR_NAME = 16;
    static final int DATA_MATCH = 0xFA;
    static final int DATA_NO_MATCH = 0xCE;
    static final String[] TESTS = {"no-eventfd", "wildcard-eventfd", "datamatch-eventfd"};
    static final String[] KINDS = {"mmio", "portio"};
    static final int[] FIRST_OFFSET = {MEM_BAR_SIZE / 2, IO_BAR_SIZE / 2};

    private final byte[][] headers = new byte[TESTS.length * KINDS.length][];
    private int current = -1;

    /** A pci-testdev with its two BARs declared. */
    public PciTestdev() {
        super("pci-testdev", VENDOR_REDHAT, DEVICE_TEST, 0, CLASS_OTHERS);
        for (int t = 0; t < headers.length; t++) {
            byte[] name = (KINDS[t / TESTS.length] + "-" + TESTS[t % TESTS.length]).getBytes(StandardCharsets.US_ASCII);
            byte[] h = new byte[HDR_NAME + name.length + 1];
            h[HDR_TEST] = (byte) t;
            h[HDR_WIDTH] = 1;
            putInt(h, HDR_OFFSET, FIRST_OFFSET[t / TESTS.length] + t);
            h[HDR_DATA] = (byte) (t % TESTS.length == 1 ? DATA_NO_MATCH : DATA_MATCH);
            System.arraycopy(name, 0, h, HDR_NAME, name.length);
            headers[t] = h;
        }
        registerBar(0, BarType.MEMORY32, MEM_BAR_SIZE, barRegion("pci-testdev-mmio", 0, MEM_BAR_SIZE));
        registerBar(1, BarType.IO, IO_BAR_SIZE, barRegion("pci-testdev-portio", 1, IO_BAR_SIZE));
    }

    private MmioRegion barRegion(String name, int kind, int size) {
        return new MmioRegion(name, size, new MmioOps() {
            @Override
            public long read(long offset, int accessSize) {
                return readByte((int) offset);
            }

            @Override
            public void write(long offset, long value, int accessSize) {
                writeByte(kind, (int) offset, (int) value & 0xFF);
            }
        }, AccessSizes.ANY, AccessSizes.BYTE);
    }

    private int readByte(int offset) {
        if (current < 0 || offset >= headers[current].length) {
            return 0;
        }
        return headers[current][offset] & 0xFF;
    }

    private void writeByte(int kind, int offset, int value) {
        if (offset == HDR_TEST) {
            current = value < TESTS.length ? kind * TESTS.length + value : -1;
            if (current >= 0) {
                putInt(headers[current], HDR_COUNT, 0);
            }
            return;
        }
        if (current < 0) {
            return;
        }
        byte[] h = headers[current];
        if (offset == getInt(h, HDR_OFFSET) && current % TESTS.length == 0 && value == (h[HDR_DATA] & 0xFF)) {
            putInt(h, HDR_COUNT, getInt(h, HDR_COUNT) + 1);
        }
    }

    private static void putInt(byte[] b, int at, int v) {
        for (int i = 0; i < 4; i++) {
            b[at + i] = (byte) (v >>> (8 * i));
        }
    }

    private static int getInt(byte[] b, int at) {
        int v = 0;
        for (int i = 3; i >= 0; i--) {
            v = (v << 8) | (b[at + i] & 0xFF);
        }
        return v;
    }

    @Override
    protected void resetDevice() {
        current = -1;
        for (byte[] h : headers) {
            putInt(h, HDR_COUNT, 0);
        }
    }
}
