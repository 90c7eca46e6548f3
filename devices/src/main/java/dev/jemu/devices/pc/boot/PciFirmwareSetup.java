package dev.jemu.devices.pc.boot;

import dev.jemu.core.memory.AddressSpace;

/**
 * Leaves the PCI chipset as SeaBIOS's PCI set-up does, for a kernel started without the
 * BIOS: the PIIX3 routes PIRQA–D to ISA IRQs 10, 10, 11, 11 and the ELCR makes those IRQs
 * level-triggered; every function with an interrupt pin gets the routed IRQ in its
 * Interrupt Line register (the board's swizzle: PIRQ = (slot + pin - 1) mod 4, pin 0 = INTA);
 * the PIIX IDE function's primary and secondary channels are decoded (IDETIM bit 15); the
 * PIIX4 PM function's I/O block is at 0x600 and enabled (PMBA, PMREGMISC), where the ACPI
 * tables place PM1 and the PM timer. BARs
 * are left to the kernel. Everything goes through configuration mechanism #1 and the ELCR
 * ports, as firmware does it.
 *
 * <p>Runs on the thread that owns the machine; port accesses take the big lock.
 */
final class PciFirmwareSetup {
    static final int CONF1_ADDRESS = 0xCF8;
    static final int CONF1_DATA = 0xCFC;
    static final int ELCR2 = 0x4D1;
    static final int PIIX3_ISA = 0x7000_8086;
    static final int PIIX_IDE = 0x7010_8086;
    static final int PIRQRC = 0x60;
    static final int IDETIM_PRIMARY = 0x40;
    static final int IDETIM_SECONDARY = 0x42;
    static final int IDETIM_DECODE_ENABLE = 0x8000;
    static final int PIIX4_PM = 0x7113_8086;
    static final int PMBA = 0x40;
    static final int PMREGMISC = 0x80;
    static final int PM_BASE = 0x600;
    static final int INTERRUPT_LINE = 0x3C;
    static final int INTERRUPT_PIN = 0x3D;
    /** ISA IRQ of PIRQA–D. */
    static final int[] PIRQ_IRQS = {10, 10, 11, 11};

    private PciFirmwareSetup() {
    }

    static void apply(AddressSpace io) {
        int elcr2 = (int) io.read(ELCR2, 1);
        for (int irq : PIRQ_IRQS) {
            elcr2 |= 1 << (irq - 8);
        }
        io.write(ELCR2, elcr2, 1);
        for (int devfn = 0; devfn < 256; devfn++) {
            int id = (int) read(io, devfn, 0, 4);
            if (id == -1 || id == 0) {
                continue;
            }
            if (id == PIIX3_ISA) {
                for (int k = 0; k < 4; k++) {
                    write(io, devfn, PIRQRC + k, PIRQ_IRQS[k], 1);
                }
            } else if (id == PIIX_IDE) {
                write(io, devfn, IDETIM_PRIMARY, IDETIM_DECODE_ENABLE, 2);
                write(io, devfn, IDETIM_SECONDARY, IDETIM_DECODE_ENABLE, 2);
            } else if (id == PIIX4_PM) {
                write(io, devfn, PMBA, PM_BASE | 1, 4);
                write(io, devfn, PMREGMISC, 1, 1);
            }
            int pin = (int) read(io, devfn, INTERRUPT_PIN, 1);
            if (pin >= 1 && pin <= 4) {
                int slot = devfn >> 3;
                write(io, devfn, INTERRUPT_LINE, PIRQ_IRQS[(slot + pin - 2) & 3], 1);
            }
        }
    }

    private static long read(AddressSpace io, int devfn, int reg, int size) {
        io.write(CONF1_ADDRESS, 0x8000_0000L | devfn << 8 | (reg & 0xFC), 4);
        return io.read(CONF1_DATA + (reg & 3), size);
    }

    private static void write(AddressSpace io, int devfn, int reg, long value, int size) {
        io.write(CONF1_ADDRESS, 0x8000_0000L | devfn << 8 | (reg & 0xFC), 4);
        io.write(CONF1_DATA + (reg & 3), value, size);
    }
}
