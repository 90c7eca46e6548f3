package dev.jemu.devices.pc.boot;

import dev.jemu.core.memory.AddressSpace;
import dev.jemu.core.memory.ContainerRegion;
import dev.jemu.core.memory.IrqLine;
import dev.jemu.core.sync.BigLock;
import dev.jemu.devices.ide.PiixIde;
import dev.jemu.devices.intc.I8259Pair;
import dev.jemu.devices.pci.PciBus;
import dev.jemu.devices.pci.PciDevice;
import dev.jemu.devices.pci.PciHostConf1;
import dev.jemu.devices.pci.Piix3Isa;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The chipset state the loader leaves for a kernel started without SeaBIOS, as SeaBIOS's PCI
 * set-up leaves it (PIRQA–D to IRQs 10, 10, 11, 11, level-triggered; PIIX IDE decode enabled),
 * checked through conf1 and by raising a function's INTx and seeing the ISA IRQ its Interrupt
 * Line names.
 */
class PciFirmwareSetupTest {
    /** A function with one interrupt pin. */
    static final class Function extends PciDevice {
        Function(int pin) {
            super("f", 0x1234, 0x5678, 0, 0xFF0000);
            setInterruptPin(pin);
        }

        void interrupt(boolean level) {
            setIntx(level);
        }
    }

    private final BigLock bql = new BigLock();
    private final ContainerRegion memoryRoot = new ContainerRegion("system", 1L << 32);
    private final AddressSpace memory = new AddressSpace("memory", memoryRoot);
    private final AddressSpace io = AddressSpace.ioPorts();
    private final boolean[] isaIrq = new boolean[16];

    private long config(int devfn, int reg, int size) {
        io.write(0xCF8, 0x8000_0000L | devfn << 8 | (reg & 0xFC), 4);
        return io.read(0xCFC + (reg & 3), size);
    }

    @Test
    void routesPirqsAndFillsInterruptLinesAsSeaBiosDoes() {
        PciBus bus = new PciBus(memoryRoot, io.root());
        PciHostConf1 conf1 = new PciHostConf1(bus);
        io.root().addSubregion(PciHostConf1.CONFIG_ADDRESS_PORT, conf1.addressRegion());
        io.root().addSubregion(PciHostConf1.CONFIG_DATA_PORT, conf1.dataRegion());
        I8259Pair pics = new I8259Pair(bql, level -> { });
        io.root().addSubregion(I8259Pair.ELCR_PORT, pics.elcrRegion());
        Piix3Isa piix3 = new Piix3Isa((irq, level) -> isaIrq[irq] = level, () -> { });
        bus.plug(piix3, Piix3Isa.DEVFN);
        bus.setIntxRouter(piix3);
        PiixIde ide = new PiixIde(bql, memory, new IrqLine(level -> { }), new IrqLine(level -> { }), () -> { });
        bus.plug(ide, Piix3Isa.DEVFN + 1);
        Function slot2 = new Function(1);
        Function slot3 = new Function(2);
        bus.plug(slot2, 2 << 3);
        bus.plug(slot3, 3 << 3);
        io.setBigLock(bql);

        PciFirmwareSetup.apply(io);

        assertEquals(0x0B0B_0A0AL, config(Piix3Isa.DEVFN, 0x60, 4), "PIRQRC[A:D] = 10, 10, 11, 11");
        assertEquals(0x0C, io.read(0x4D1, 1) & 0x0C, "IRQ 10 and 11 level-triggered in ELCR2");
        assertEquals(0x8000, config(Piix3Isa.DEVFN + 1, 0x40, 2), "IDETIM primary: IDE decode enable");
        assertEquals(0x8000, config(Piix3Isa.DEVFN + 1, 0x42, 2), "IDETIM secondary: IDE decode enable");
        for (Function f : new Function[] {slot2, slot3}) {
            int line = (int) config(f.devfn(), PciDevice.INTERRUPT_LINE, 1);
            f.interrupt(true);
            assertTrue(isaIrq[line], "slot " + (f.devfn() >> 3) + "'s interrupt arrives on its Interrupt Line " + line);
            f.interrupt(false);
        }
        assertEquals(10, config(slot2.devfn(), PciDevice.INTERRUPT_LINE, 1), "slot 2 INTA -> PIRQB");
        assertEquals(11, config(slot3.devfn(), PciDevice.INTERRUPT_LINE, 1), "slot 3 INTB -> PIRQD");
    }
}
