package dev.jemu.devices.pci;

import dev.jemu.core.log.Log;
import dev.jemu.core.log.LogCategory;
import dev.jemu.core.memory.ContainerRegion;
import dev.jemu.core.memory.MemoryRegion;

import java.util.ArrayList;
import java.util.List;

/**
 * PCI bus 0: 32 slots of 8 functions, the address spaces BARs are mapped into, and INTx
 * routing. Each function's INTx pin is swizzled to one of four PCI interrupt request lines
 * (PIRQA–D) the way the i440FX board wires them ({@code (slot + pin - 1) mod 4}, pin 0 =
 * INTA, so slot 1's INTA is PIRQA), and a PIRQ line is asserted while any function driving
 * it is; the {@link IntxRouter} (the PIIX3) turns PIRQs into ISA IRQs.
 *
 * <p>Memory BARs are placed in the memory container under RAM (priority -1: RAM wins where a
 * guest maps a BAR over it); I/O BARs in the port space.
 *
 * <p>Threading: under the big emulator lock.
 */
public final class PciBus {
    /** Receives the level of the four PIRQ lines. */
    @FunctionalInterface
    public interface IntxRouter {
        /** PIRQ line {@code pirq} (0 = PIRQA .. 3 = PIRQD) changed to {@code level}. */
        void setPirq(int pirq, boolean level);
    }

    /** Receives the MSI and MSI-X messages functions send (the board's interrupt controller). */
    @FunctionalInterface
    public interface MsiSink {
        /** A message write of {@code data} to {@code address}. */
        void send(long address, int data);
    }

    private static final int BAR_PRIORITY = -1;

    private final ContainerRegion memory;
    private final ContainerRegion io;
    private final PciDevice[] functions = new PciDevice[256];
    private final int[] pirqCount = new int[4];
    /** Per function and pin: whether it asserts its PIRQ now. */
    private final boolean[] asserted = new boolean[256 * 4];
    private IntxRouter router = (pirq, level) -> { };
    private MsiSink msiSink;

    /** A bus whose memory BARs go into {@code memory} and I/O BARs into {@code io}. */
    public PciBus(ContainerRegion memory, ContainerRegion io) {
        this.memory = memory;
        this.io = io;
    }

    /** Sets where PIRQ levels go (the ISA bridge). */
    public void setIntxRouter(IntxRouter router) {
        this.router = router;
    }

    /** Sets where MSI messages go; without one, functions' messages are dropped and logged. */
    public void setMsiSink(MsiSink sink) {
        this.msiSink = sink;
    }

    void sendMsi(PciDevice device, long address, int data) {
        if (msiSink != null) {
            msiSink.send(address, data);
        } else if (Log.enabled(LogCategory.UNIMP)) {
            Log.logOnce(LogCategory.UNIMP, "pci-msi", device.name() + ": MSI message with no interrupt controller to take it");
        }
    }

    /**
     * Plugs {@code device} in at {@code devfn}.
     *
     * @throws IllegalArgumentException naming the device when the slot is taken
     */
    public void plug(PciDevice device, int devfn) {
        if (devfn < 0 || devfn > 255) {
            throw new IllegalArgumentException("PCI: devfn " + devfn + " out of range for " + device.name());
        }
        PciDevice there = functions[devfn];
        if (there != null) {
            throw new IllegalArgumentException(String.format("PCI: slot %d function %d not available for %s, in use by %s",
                    devfn >> 3, devfn & 7, device.name(), there.name()));
        }
        functions[devfn] = device;
        device.plugged(this, devfn);
    }

    /** The first free slot's function 0 at or after {@code firstSlot}, as a devfn; -1 if the bus is full. */
    public int freeSlot(int firstSlot) {
        for (int slot = firstSlot; slot < 32; slot++) {
            boolean free = true;
            for (int f = 0; f < 8; f++) {
                free &= functions[slot << 3 | f] == null;
            }
            if (free) {
                return slot << 3;
            }
        }
        return -1;
    }

    /** The function at {@code devfn}, or null. */
    public PciDevice function(int devfn) {
        return functions[devfn & 0xFF];
    }

    /** Every plugged function in devfn order. */
    public List<PciDevice> functions() {
        List<PciDevice> out = new ArrayList<>();
        for (PciDevice d : functions) {
            if (d != null) {
                out.add(d);
            }
        }
        return out;
    }

    /**
     * Reads config space of {@code devfn} at {@code offset}; all ones where no function is
     * (what a master abort returns) or for a function > 0 of a slot whose function 0 is
     * absent or not multi-function.
     */
    public long configRead(int devfn, int offset, int size) {
        PciDevice d = visible(devfn);
        if (d == null) {
            return size == 4 ? 0xFFFF_FFFFL : (1L << (8 * size)) - 1;
        }
        return d.configRead(offset, size);
    }

    /** Writes config space of {@code devfn}; ignored where no function is. */
    public void configWrite(int devfn, int offset, long value, int size) {
        PciDevice d = visible(devfn);
        if (d != null) {
            d.configWrite(offset, value, size);
        }
    }

    private PciDevice visible(int devfn) {
        PciDevice d = functions[devfn & 0xFF];
        if (d == null || (devfn & 7) == 0) {
            return d;
        }
        PciDevice f0 = functions[devfn & 0xF8];
        return f0 != null && (f0.configRead(PciDevice.HEADER_TYPE, 1) & PciDevice.HEADER_MULTI_FUNCTION) != 0 ? d : null;
    }

    /** Resets every function. */
    public void reset() {
        for (PciDevice d : functions) {
            if (d != null) {
                d.reset();
            }
        }
    }

    /** The PIRQ line (0..3) that INTx {@code pin} (0 = INTA) of {@code devfn} drives. */
    public static int pirqOf(int devfn, int pin) {
        return ((devfn >> 3) + pin - 1) & 3;
    }

    void setIntx(PciDevice device, int pin, boolean level) {
        int key = device.devfn() * 4 + pin;
        if (asserted[key] == level) {
            return;
        }
        asserted[key] = level;
        int pirq = pirqOf(device.devfn(), pin);
        int before = pirqCount[pirq];
        pirqCount[pirq] += level ? 1 : -1;
        if ((before == 0) != (pirqCount[pirq] == 0)) {
            router.setPirq(pirq, pirqCount[pirq] != 0);
        }
    }

    /** Whether PIRQ line {@code pirq} is asserted by any function. */
    public boolean pirqLevel(int pirq) {
        return pirqCount[pirq] != 0;
    }

    void mapBar(MemoryRegion region, boolean isIo, long address) {
        ContainerRegion space = isIo ? io : memory;
        if (address < 0) {
            region.setEnabled(false);
            return;
        }
        if (!space.subregions().contains(region)) {
            space.addSubregion(address, region, isIo ? 0 : BAR_PRIORITY);
        } else {
            region.setAddress(address);
        }
        region.setEnabled(true);
    }
}
