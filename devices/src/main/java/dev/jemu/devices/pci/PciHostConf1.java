package dev.jemu.devices.pci;

import dev.jemu.core.memory.AccessSizes;
import dev.jemu.core.memory.MmioOps;
import dev.jemu.core.memory.MmioRegion;

/**
 * PCI configuration mechanism #1: the CONFIG_ADDRESS register at 0xCF8 (dword writes; bit 31
 * enables, bits 23:16 bus, 15:8 devfn, 7:2 register; it reads back as written, as in QEMU)
 * and the CONFIG_DATA window at 0xCFC–0xCFF (byte, word or dword, the low address bits
 * selecting the byte of the register). Only bus 0 exists; other buses read as all ones.
 *
 * <p>Byte and word writes to 0xCF8–0xCFB do not change CONFIG_ADDRESS; byte and word reads
 * return its low bytes, whatever the offset, as QEMU's do. The byte at 0xCF9 is the
 * {@linkplain #setResetControl reset control register} of the PIIX3 instead. (The two share
 * one region here: a separate one-byte region at 0xCF9 would split every dword access to
 * 0xCF8 into bytes.)
 *
 * <p>Threading: under the big emulator lock.
 */
public final class PciHostConf1 {
    public static final int CONFIG_ADDRESS_PORT = 0xCF8;
    public static final int CONFIG_DATA_PORT = 0xCFC;
    private static final long ENABLE = 0x8000_0000L;

    private static final long RESET_CONTROL_OFFSET = 1;

    private final PciBus bus;
    private long address;
    private MmioOps resetControl;

    public PciHostConf1(PciBus bus) {
        this.bus = bus;
    }

    /** Gives byte accesses to port 0xCF9 to {@code register} (the PIIX3's reset control, offset 0, size 1). */
    public void setResetControl(MmioOps register) {
        this.resetControl = register;
    }

    /**
     * The region of ports 0xCF8–0xCFB: CONFIG_ADDRESS for dword accesses, the reset control
     * register for a byte at 0xCF9.
     */
    public MmioRegion addressRegion() {
        return new MmioRegion("pci-conf-idx", 4, new MmioOps() {
            @Override
            public long read(long offset, int size) {
                if (size == 4) {
                    return address;
                }
                if (size == 1 && offset == RESET_CONTROL_OFFSET && resetControl != null) {
                    return resetControl.read(0, 1);
                }
                return address & ((1L << (8 * size)) - 1);
            }

            @Override
            public void write(long offset, long value, int size) {
                if (size == 4) {
                    address = value & 0xFFFF_FFFFL;
                } else if (size == 1 && offset == RESET_CONTROL_OFFSET && resetControl != null) {
                    resetControl.write(0, value, 1);
                }
            }
        }, AccessSizes.UP_TO_DWORD);
    }

    /** The CONFIG_DATA window's region (4 ports at 0xCFC, any size). */
    public MmioRegion dataRegion() {
        return new MmioRegion("pci-conf-data", 4, new MmioOps() {
            @Override
            public long read(long offset, int size) {
                if (!selected()) {
                    return size == 4 ? 0xFFFF_FFFFL : (1L << (8 * size)) - 1;
                }
                return bus.configRead(devfn(), register() + (int) offset, size);
            }

            @Override
            public void write(long offset, long value, int size) {
                if (selected()) {
                    bus.configWrite(devfn(), register() + (int) offset, value, size);
                }
            }
        }, AccessSizes.UP_TO_DWORD);
    }

    private boolean selected() {
        return (address & ENABLE) != 0 && ((address >> 16) & 0xFF) == 0;
    }

    private int devfn() {
        return (int) (address >> 8) & 0xFF;
    }

    /** Bits 7:2; bits 1:0 are ignored (QEMU adds them to the offset; no guest relies on it). */
    private int register() {
        return (int) address & 0xFC;
    }

    /** Clears CONFIG_ADDRESS. */
    public void reset() {
        address = 0;
    }
}
