package dev.jemu.devices.pc;

import dev.jemu.core.memory.IrqLine;

/**
 * The sixteen ISA interrupt request lines of the board. Several sources may drive one line (an
 * ISA device and a PCI interrupt the PIIX3 routes there, or two PCI interrupts); the line is
 * asserted while any source asserts it, and the interrupt controller input hears the result.
 *
 * <p>Threading: under the big emulator lock.
 */
final class IsaIrqs {
    private final IrqLine.Sink[] inputs;
    /** Per IRQ, one bit per source. */
    private final long[] asserted = new long[16];
    private final int[] sources = new int[16];
    private final boolean[] level = new boolean[16];

    /** Lines that drive {@code inputs} (the 8259 pair's inputs, by IRQ; null for the cascade, IRQ 2). */
    IsaIrqs(IrqLine.Sink[] inputs) {
        this.inputs = inputs;
    }

    /** A new source on IRQ {@code irq}: an output line a device drives. */
    IrqLine source(int irq) {
        if (inputs[irq] == null) {
            throw new IllegalArgumentException("ISA IRQ " + irq + " has no interrupt controller input");
        }
        int bit = sources[irq]++;
        if (bit >= 64) {
            throw new IllegalStateException("more than 64 sources on IRQ " + irq);
        }
        return new IrqLine(l -> set(irq, bit, l));
    }

    private void set(int irq, int bit, boolean l) {
        asserted[irq] = l ? asserted[irq] | 1L << bit : asserted[irq] & ~(1L << bit);
        boolean now = asserted[irq] != 0;
        if (now != level[irq]) {
            level[irq] = now;
            inputs[irq].setLevel(now);
        }
    }

    /** Whether IRQ {@code irq} is asserted by any source. */
    boolean level(int irq) {
        return level[irq];
    }
}
