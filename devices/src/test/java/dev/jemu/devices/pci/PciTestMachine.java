package dev.jemu.devices.pci;

import dev.jemu.core.memory.AddressSpace;
import dev.jemu.core.memory.ContainerRegion;

/**
 * A bus 0 reached through configuration mechanism #1 at 0xCF8/0xCFC of a port space, with a
 * 1 TiB memory space for BARs: what a driver sees, without a CPU.
 */
final class PciTestMachine {
    final ContainerRegion memoryRoot = new ContainerRegion("system", 1L << 40);
    final AddressSpace memory = new AddressSpace("memory", memoryRoot);
    final AddressSpace io = AddressSpace.ioPorts();
    final PciBus bus = new PciBus(memoryRoot, io.root());
    final PciHostConf1 conf1 = new PciHostConf1(bus);

    PciTestMachine() {
        io.root().addSubregion(PciHostConf1.CONFIG_ADDRESS_PORT, conf1.addressRegion());
        io.root().addSubregion(PciHostConf1.CONFIG_DATA_PORT, conf1.dataRegion());
    }

    private void select(int devfn, int offset) {
        io.write(PciHostConf1.CONFIG_ADDRESS_PORT, 0x8000_0000L | (long) devfn << 8 | (offset & 0xFC), 4);
    }

    long configRead(int devfn, int offset, int size) {
        select(devfn, offset);
        return io.read(PciHostConf1.CONFIG_DATA_PORT + (offset & 3), size);
    }

    void configWrite(int devfn, int offset, long value, int size) {
        select(devfn, offset);
        io.write(PciHostConf1.CONFIG_DATA_PORT + (offset & 3), value, size);
    }

    static int devfn(int slot, int function) {
        return slot << 3 | function;
    }
}
