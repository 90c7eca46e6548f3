package dev.jemu.devices.intc;

import dev.jemu.core.memory.AccessSizes;
import dev.jemu.core.memory.IrqLine;
import dev.jemu.core.memory.MmioOps;
import dev.jemu.core.memory.MmioRegion;
import dev.jemu.core.sync.BigLock;

/**
 * The PC's two cascaded 8259A interrupt controllers: the master (ports 0x20/0x21, ISA IRQ
 * 0–7) drives the CPU's INTR; the slave (ports 0xA0/0xA1, IRQ 8–15) drives the master's IRQ 2.
 * Also the PIIX3's edge/level control registers ELCR1/ELCR2 (ports 0x4D0/0x4D1), which make
 * single inputs level-triggered; IRQ 0, 1, 2, 8 and 13 are always edge-triggered and their
 * ELCR bits read 0.
 *
 * <p>Devices drive {@link #input(int)} with their line levels; the CPU's interrupt
 * acknowledge calls {@link #acknowledge()} for the vector. An acknowledge with no request
 * left (the line fell, or was masked, after INTR rose) answers the spurious vector of IRQ 7,
 * or of IRQ 15 when the master chose the cascade input (the master then has IRQ 2 in service).
 *
 * <p>Threading: under the big emulator lock ({@link #acknowledge()} and the inputs check it).
 */
public final class I8259Pair {
    /** The master's ports. */
    public static final int MASTER_PORT = 0x20;
    /** The slave's ports. */
    public static final int SLAVE_PORT = 0xA0;
    /** ELCR1 (IRQ 0–7); ELCR2 (IRQ 8–15) follows. */
    public static final int ELCR_PORT = 0x4D0;
    /** The master input the slave's INT is wired to. */
    public static final int CASCADE_IRQ = 2;
    /** ELCR1 bits that can be set: IRQ 0, 1 and 2 are edge-only. */
    static final int ELCR1_WRITABLE = 0xF8;
    /** ELCR2 bits that can be set: IRQ 8 and 13 are edge-only. */
    static final int ELCR2_WRITABLE = 0xDE;

    private final BigLock bql;
    private final I8259 master;
    private final I8259 slave;
    private final IrqLine.Sink[] inputs = new IrqLine.Sink[16];
    /** Per ISA IRQ, how many times its line was raised (QEMU's {@code info irq} statistics). */
    private final long[] raised = new long[16];

    /** A pair whose master's INT drives {@code intr} (the CPU's INTR pin). */
    public I8259Pair(BigLock bql, IrqLine.Sink intr) {
        this.bql = bql;
        this.master = new I8259("pic master", intr, ELCR1_WRITABLE, true);
        this.slave = new I8259("pic slave", level -> {
            if (level) {
                raised[CASCADE_IRQ]++;
            }
            master.setInput(CASCADE_IRQ, level);
        }, ELCR2_WRITABLE, false);
        for (int irq = 0; irq < 16; irq++) {
            if (irq == CASCADE_IRQ) {
                continue;
            }
            int pin = irq & 7;
            I8259 chip = irq < 8 ? master : slave;
            String what = "i8259 IRQ " + irq;
            int index = irq;
            inputs[irq] = level -> {
                bql.assertHeld(what);
                if (level) {
                    raised[index]++;
                }
                chip.setInput(pin, level);
            };
        }
    }

    /**
     * The sink of ISA IRQ {@code irq} (0–15 except 2, which the slave's INT drives), for a
     * device's {@link IrqLine}; it hears the line's level.
     */
    public IrqLine.Sink input(int irq) {
        if (irq < 0 || irq > 15 || irq == CASCADE_IRQ) {
            throw new IllegalArgumentException("ISA IRQ " + irq + " is not a device input of the PIC pair (0-15 except 2)");
        }
        return inputs[irq];
    }

    /** How many times each of the 16 ISA IRQ lines was raised since power-on (IRQ 2: the slave's INT). Under the big lock. */
    public long[] raisedCounts() {
        return raised.clone();
    }

    /**
     * The INTA cycle: resolves the highest-priority request across both chips, marks it in
     * service, and returns its vector (a spurious IRQ 7 or 15 vector if none is left).
     */
    public int acknowledge() {
        bql.assertHeld("i8259 interrupt acknowledge");
        int irq = master.highestRequest();
        if (irq == I8259.NONE) {
            return master.spuriousVector();
        }
        int vector = master.acknowledge(irq);
        if (irq != CASCADE_IRQ) {
            return vector;
        }
        int slaveIrq = slave.highestRequest();
        return slaveIrq == I8259.NONE ? slave.spuriousVector() : slave.acknowledge(slaveIrq);
    }

    /** Whether the master asserts INTR. */
    public boolean intrLevel() {
        return master.intLevel();
    }

    /** The master's two ports, for 0x20. */
    public MmioRegion masterRegion() {
        return chipRegion("pic-master", master);
    }

    /** The slave's two ports, for 0xA0. */
    public MmioRegion slaveRegion() {
        return chipRegion("pic-slave", slave);
    }

    /** ELCR1 and ELCR2, for 0x4D0. */
    public MmioRegion elcrRegion() {
        return new MmioRegion("elcr", 2, new MmioOps() {
            @Override
            public long read(long offset, int size) {
                return (offset == 0 ? master : slave).elcr();
            }

            @Override
            public void write(long offset, long value, int size) {
                (offset == 0 ? master : slave).setElcr((int) value);
            }
        }, AccessSizes.UP_TO_DWORD, AccessSizes.BYTE);
    }

    /** Resets both chips and the ELCRs (the slave first, so its INT falls before the master resets). */
    public void reset() {
        slave.reset();
        master.reset();
    }

    private static MmioRegion chipRegion(String name, I8259 chip) {
        return new MmioRegion(name, 2, new MmioOps() {
            @Override
            public long read(long offset, int size) {
                return chip.read((int) offset);
            }

            @Override
            public void write(long offset, long value, int size) {
                chip.write((int) offset, (int) value);
            }
        }, AccessSizes.UP_TO_DWORD, AccessSizes.BYTE);
    }
}
