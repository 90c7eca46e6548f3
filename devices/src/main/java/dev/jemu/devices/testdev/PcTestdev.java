package dev.jemu.devices.testdev;

import dev.jemu.core.log.Log;
import dev.jemu.core.log.LogCategory;
import dev.jemu.core.memory.AccessSizes;
import dev.jemu.core.memory.IrqLine;
import dev.jemu.core.memory.MmioOps;
import dev.jemu.core.memory.MmioRegion;

import java.util.Arrays;
import java.util.function.IntFunction;

/**
 * QEMU's ISA test device {@code pc-testdev}, as kvm-unit-tests uses it:
 * <ul>
 *   <li>ports 0xE0–0xE3: a 32-bit scratch register, readable and writable with any width at
 *       any of its bytes (the {@code realmode} and {@code emulator} tests check port I/O of
 *       each size through it);</li>
 *   <li>port 0xE4: the "flush page" register; QEMU changes the host protection of the page
 *       written there and back, which changes nothing the guest can see; here writes are
 *       accepted and reads return 0, as on QEMU;</li>
 *   <li>ports 0x2000–0x2017: byte {@code n} sets ISA IRQ line {@code n} to "value != 0"
 *       (lines 16–23 would be I/O APIC inputs, which the pc board does not have: those writes
 *       are logged under {@code -d guest_errors} and dropped; QEMU 7.2 aborts on them);
 *       reads return 0;</li>
 *   <li>memory 0xFF000000–0xFF00FFFF: 64 KiB of plain storage behind MMIO, which the
 *       {@code emulator} test maps to exercise instructions on MMIO operands.</li>
 * </ul>
 *
 * <p>Threading: under the big emulator lock.
 */
public final class PcTestdev {
    /** Port of the scratch register. */
    public static final int IOPORT = 0xE0;
    /** Port of the flush-page register. */
    public static final int FLUSH_PAGE_PORT = 0xE4;
    /** First port of the IRQ-line range. */
    public static final int IRQ_PORT = 0x2000;
    /** Guest-physical address of the memory window. */
    public static final long IOMEM_BASE = 0xFF00_0000L;
    static final int IRQ_LINES = 24;
    static final int ISA_IRQS = 16;
    static final int IOMEM_SIZE = 0x10000;

    private final IntFunction<IrqLine> isaIrq;
    private final IrqLine[] lines = new IrqLine[ISA_IRQS];
    private final byte[] iomem = new byte[IOMEM_SIZE];
    private int ioportData;

    /** A test device that drives ISA IRQ {@code n} through {@code isaIrq.apply(n)}. */
    public PcTestdev(IntFunction<IrqLine> isaIrq) {
        this.isaIrq = isaIrq;
    }

    /** The scratch register, for port {@link #IOPORT}. */
    public MmioRegion ioportRegion() {
        return new MmioRegion("pc-testdev-ioport", 4, new MmioOps() {
            @Override
            public long read(long offset, int size) {
                return ioportData & 0xFFFF_FFFFL;
            }

            @Override
            public void write(long offset, long value, int size) {
                ioportData = (int) value;
            }
        }, AccessSizes.UP_TO_DWORD, AccessSizes.DWORD);
    }

    /** The flush-page register, for port {@link #FLUSH_PAGE_PORT}. */
    public MmioRegion flushPageRegion() {
        return new MmioRegion("pc-testdev-flush-page", 4, new MmioOps() {
            @Override
            public long read(long offset, int size) {
                return 0;
            }

            @Override
            public void write(long offset, long value, int size) {
                // QEMU re-protects the host page behind this guest address; no guest-visible effect
            }
        }, AccessSizes.UP_TO_DWORD);
    }

    /** The IRQ-line bytes, for port {@link #IRQ_PORT}. */
    public MmioRegion irqRegion() {
        return new MmioRegion("pc-testdev-irq-line", IRQ_LINES, new MmioOps() {
            @Override
            public long read(long offset, int size) {
                return 0;
            }

            @Override
            public void write(long offset, long value, int size) {
                setLine((int) offset, value != 0);
            }
        }, AccessSizes.UP_TO_DWORD, AccessSizes.BYTE);
    }

    /** The 64 KiB memory window, for {@link #IOMEM_BASE}. */
    public MmioRegion iomemRegion() {
        return new MmioRegion("pc-testdev-iomem", IOMEM_SIZE, new MmioOps() {
            @Override
            public long read(long offset, int size) {
                long v = 0;
                for (int i = size - 1; i >= 0; i--) {
                    v = (v << 8) | (iomem[(int) offset + i] & 0xFF);
                }
                return v;
            }

            @Override
            public void write(long offset, long value, int size) {
                for (int i = 0; i < size; i++) {
                    iomem[(int) offset + i] = (byte) (value >>> (8 * i));
                }
            }
        }, AccessSizes.ANY);
    }

    private void setLine(int line, boolean level) {
        if (line >= ISA_IRQS) {
            if (Log.enabled(LogCategory.GUEST_ERRORS)) {
                String msg = "pc-testdev: IRQ line " + line + " is an I/O APIC input; the pc board has no I/O APIC";
                Log.logOnce(LogCategory.GUEST_ERRORS, msg, msg);
            }
            return;
        }
        if (lines[line] == null) {
            lines[line] = isaIrq.apply(line);
        }
        lines[line].set(level);
    }

    /** Clears the scratch register and the memory window, and lowers the lines it raised. */
    public void reset() {
        ioportData = 0;
        Arrays.fill(iomem, (byte) 0);
        for (IrqLine l : lines) {
            if (l != null) {
                l.lower();
            }
        }
    }
}
