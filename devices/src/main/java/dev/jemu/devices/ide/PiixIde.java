package dev.jemu.devices.ide;

import dev.jemu.core.memory.AccessSizes;
import dev.jemu.core.memory.AddressSpace;
import dev.jemu.core.memory.IrqLine;
import dev.jemu.core.memory.MmioOps;
import dev.jemu.core.memory.MmioRegion;
import dev.jemu.core.sync.BigLock;
import dev.jemu.devices.pci.PciDevice;

/**
 * The PIIX3 IDE function (PCI 8086:7010, class 01:01 programming interface 0x80: legacy
 * ports, bus master capable), function 1 of the PIIX slot. It has no INTx pin: its two
 * channels interrupt on ISA IRQ 14 and 15 through the lines the board gives. The board adds
 * each channel's {@linkplain #commandRegion command block} and {@linkplain #controlRegion
 * control block} to the I/O space at the legacy addresses ({@link #COMMAND_BASE},
 * {@link #CONTROL_BASE}); BAR4 maps the 16-byte bus-master block (channel 0 at 0, channel 1
 * at 8) where the guest programs it. DMA goes through the guest's memory address space.
 *
 * <p>Threading: under the big emulator lock. Drives are attached before the machine runs.
 */
public final class PiixIde extends PciDevice {
    public static final int VENDOR = 0x8086;
    public static final int DEVICE = 0x7010;
    public static final int CLASS_CODE = 0x010180;
    /** The BAR of the bus-master block. */
    public static final int BMDMA_BAR = 4;
    public static final int BMDMA_SIZE = 16;
    /** Legacy command block addresses of channels 0 and 1. */
    public static final int[] COMMAND_BASE = {0x1F0, 0x170};
    /** Legacy control block addresses of channels 0 and 1. */
    public static final int[] CONTROL_BASE = {0x3F6, 0x376};
    /** Legacy ISA interrupts of channels 0 and 1. */
    public static final int[] ISA_IRQ = {14, 15};

    private static final int STATUS_FAST_BACK_TO_BACK = 0x0080;
    private static final int STATUS_DEVSEL_MEDIUM = 0x0200;
    private static final int DEVICE_SPECIFIC = 0x40;

    private final IdeChannel[] channels = new IdeChannel[2];
    private final Bmdma[] bmdma = new Bmdma[2];
    private final MmioRegion bmdmaRegion;

    /**
     * @param bql the machine's big lock, which request completions take
     * @param memory the guest memory space that bus-master DMA reads and writes
     * @param irq14 channel 0's interrupt (ISA IRQ 14)
     * @param irq15 channel 1's interrupt (ISA IRQ 15)
     * @param vmStop stops the VM after a host I/O error under {@code werror/rerror=stop};
     *     called from a completion, under the big lock; the board then calls
     *     {@link #resumeStoppedRequests()} when the VM runs again
     */
    public PiixIde(BigLock bql, AddressSpace memory, IrqLine irq14, IrqLine irq15, Runnable vmStop) {
        super("piix3-ide", VENDOR, DEVICE, 0, CLASS_CODE);
        IrqLine[] irqs = {irq14, irq15};
        for (int i = 0; i < 2; i++) {
            bmdma[i] = new Bmdma(memory);
            channels[i] = new IdeChannel("ide." + i, bql, irqs[i], bmdma[i], vmStop);
        }
        bmdmaRegion = new MmioRegion("piix-bmdma", BMDMA_SIZE, new MmioOps() {
            @Override
            public long read(long offset, int size) {
                return bmdma[(int) offset >> 3].read((int) offset & 7);
            }

            @Override
            public void write(long offset, long value, int size) {
                bmdma[(int) offset >> 3].write((int) offset & 7, (int) value & 0xFF);
            }
        }, AccessSizes.UP_TO_DWORD, AccessSizes.BYTE);
        registerBar(BMDMA_BAR, BarType.IO, BMDMA_SIZE, bmdmaRegion);
        setWord(STATUS, STATUS_FAST_BACK_TO_BACK | STATUS_DEVSEL_MEDIUM);
        for (int off = DEVICE_SPECIFIC; off < 256; off += 4) {
            setWritable(off, 4, 0xFFFF_FFFFL);
        }
    }

    /**
     * Attaches {@code drive} as {@code unit} (0 master, 1 slave) of {@code channel} (0 primary,
     * 1 secondary).
     *
     * @throws IllegalArgumentException naming the unit if it is taken
     */
    public void attach(int channel, int unit, IdeDrive drive) {
        channels[channel].attach(unit, drive);
    }

    /** Channel {@code i} (0 primary, 1 secondary). */
    public IdeChannel channel(int i) {
        return channels[i];
    }

    /** Channel {@code i}'s command block, for the board to add at {@code COMMAND_BASE[i]}. */
    public MmioRegion commandRegion(int i) {
        return channels[i].commandRegion();
    }

    /** Channel {@code i}'s control block, for the board to add at {@code CONTROL_BASE[i]}. */
    public MmioRegion controlRegion(int i) {
        return channels[i].controlRegion();
    }

    /** Retries the requests that {@code werror/rerror=stop} stopped; the board calls it when the VM resumes. */
    public void resumeStoppedRequests() {
        for (IdeChannel c : channels) {
            c.resumeStoppedRequest();
        }
    }

    @Override
    protected void resetDevice() {
        for (IdeChannel c : channels) {
            c.reset();
        }
    }
}
