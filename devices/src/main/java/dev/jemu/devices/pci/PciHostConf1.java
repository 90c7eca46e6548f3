package dev.jemu.devices.pci;

import dev.jemu.core.memory.AccessSizes;
import dev.jemu.core.memory.MmioOps;
import dev.jemu.core.memory.MmioRegion;

/**
 * PCI configuration mechanism #1: the CONFIG_ADDRESS register at 0xCF8 (dword access only;
 * bit 31 enables, bits 23:16 bus, 15:8 devfn, 7:2 register) and the CONFIG_DATA window at
 * 0xCFC–0xCFF (byte, word or dword, the low address bits selecting the byte of the
 * register). Only bus 0 exists; other buses read as all ones.
 *
 * <p>Threading: under the big emulator lock.
 */
public final class PciHostConf1 {
    public static final int CONFIG_ADDRESS_PORT = 0xCF8;
    public static final int CONFIG_DATA_PORT = 0xCFC;
    private static final long ENABLE = 0x8000_0000L;

    private final PciBus bus;
    private long address;

    public PciHostConf1(PciBus bus) {
        this.bus = bus;
    }

    /** The CONFIG_ADDRESS register's region (4 ports at 0xCF8, dword access). */
    public MmioRegion addressRegion() {
        return new MmioRegion("pci-conf-idx", 4, new MmioOps() {
            @Override
            public long read(long offset, int size) {
                return address;
            }

            @Override
            public void write(long offset, long value, int size) {
                address = value & 0x80FF_FFFCL;
            }
        }, AccessSizes.DWORD);
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

    private int register() {
        return (int) address & 0xFC;
    }

    /** Clears CONFIG_ADDRESS. */
    public void reset() {
        address = 0;
    }
}
