package dev.jemu.devices.pci;

import dev.jemu.core.memory.MmioOps;

/**
 * The PIIX3 PCI-to-ISA bridge (82371SB function 0, 8086:7000, class 0x060100) at 01.0, the
 * multi-function device whose other functions are IDE and (on QEMU's pc) the PIIX4 PM
 * function: PCI interrupt routing and the reset control register.
 *
 * <p><b>PIRQ routing.</b> Registers 0x60–0x63 (PIRQRC[A:D]) route the four PCI interrupt
 * lines to ISA IRQs: a value below 16 routes the line to that IRQ, anything else (bit 7,
 * the power-on 0x80, or a reserved bit 6:4) leaves it unrouted, as in QEMU. The bridge is the
 * bus's {@link PciBus.IntxRouter}; an ISA IRQ driven by several PIRQ lines is asserted while
 * any of them is, recomputed whenever a line or the routing changes. The {@link IrqSink}
 * hears level changes per IRQ; the board ORs them with the ISA devices on the same IRQ (and
 * the 8259's ELCR makes such IRQs level-triggered).
 *
 * <p><b>Reset control</b> (port 0xCF9, reached through {@link PciHostConf1#setResetControl}):
 * writing a value with bit 2 (RCPU) set requests a hard reset of the machine; otherwise bit 1
 * (SRST) is kept and reads back. QEMU makes every reset a hard one, and so does jemu.
 *
 * <p>The other device-specific registers (0x40–0xFF) are storage with the datasheet's
 * power-on values, as in QEMU.
 *
 * <p>Threading: under the big emulator lock.
 */
public final class Piix3Isa extends PciDevice implements PciBus.IntxRouter {
    public static final int VENDOR = 0x8086;
    public static final int DEVICE = 0x7000;
    public static final int CLASS_ISA_BRIDGE = 0x060100;
    /** Slot 1, function 0. */
    public static final int DEVFN = 1 << 3;

    /** PIRQA route control; B, C, D follow. */
    public static final int PIRQRC = 0x60;
    /** A route value that leaves the line unrouted. */
    public static final int PIRQ_DISABLED = 0x80;
    /** Reset control port. */
    public static final int RESET_CONTROL_PORT = 0xCF9;
    public static final int RCR_SRST = 0x02;
    public static final int RCR_RCPU = 0x04;

    private static final int IRQS = 16;

    /** Where routed ISA IRQ levels go: the board's connection to the 8259s. */
    @FunctionalInterface
    public interface IrqSink {
        /** ISA IRQ {@code irq} (0–15) as driven by PCI interrupts changed to {@code level}. */
        void setIrq(int irq, boolean level);
    }

    private final IrqSink irqs;
    private final Runnable hardReset;
    private final boolean[] pirqLevels = new boolean[4];
    private final boolean[] irqLevels = new boolean[IRQS];
    private int resetControl;

    /**
     * @param irqs receives the PCI-driven level of each ISA IRQ
     * @param hardReset requests a machine reset (a write of RCPU to 0xCF9)
     */
    public Piix3Isa(IrqSink irqs, Runnable hardReset) {
        super("PIIX3", VENDOR, DEVICE, 0x00, CLASS_ISA_BRIDGE);
        this.irqs = irqs;
        this.hardReset = hardReset;
        setMultiFunction();
        setWord(COMMAND, COMMAND_IO | COMMAND_MEMORY | COMMAND_MASTER);
        setWord(STATUS, 0x0200);
        for (int at = 0x40; at < 0x100; at++) {
            setWritable(at, 1, 0xFF);
        }
        config[0x4C] = 0x4D;
        config[0x4E] = 0x03;
        for (int i = 0; i < 4; i++) {
            config[PIRQRC + i] = (byte) PIRQ_DISABLED;
        }
        config[0x69] = 0x02;
        config[0x70] = (byte) 0x80;
        config[0x76] = 0x0C;
        config[0x77] = 0x0C;
        config[0x78] = 0x02;
        config[0xA0] = 0x08;
        config[0xA8] = 0x0F;
    }

    @Override
    public void setPirq(int pirq, boolean level) {
        pirqLevels[pirq] = level;
        updateIrqs();
    }

    /** The ISA IRQ PIRQ line {@code pirq} is routed to, or -1. */
    public int routeOf(int pirq) {
        int route = config[PIRQRC + pirq] & 0xFF;
        return route < IRQS ? route : -1;
    }

    @Override
    protected void configWritten(int offset, long value, int size) {
        if (offset < PIRQRC + 4 && offset + size > PIRQRC) {
            updateIrqs();
        }
    }

    private void updateIrqs() {
        for (int irq = 0; irq < IRQS; irq++) {
            boolean level = false;
            for (int p = 0; p < 4; p++) {
                level |= pirqLevels[p] && routeOf(p) == irq;
            }
            if (level != irqLevels[irq]) {
                irqLevels[irq] = level;
                irqs.setIrq(irq, level);
            }
        }
    }

    /** The reset control register, for {@link PciHostConf1#setResetControl}. */
    public MmioOps resetControl() {
        return new MmioOps() {
            @Override
            public long read(long offset, int size) {
                return resetControl;
            }

            @Override
            public void write(long offset, long value, int size) {
                if ((value & RCR_RCPU) != 0) {
                    hardReset.run();
                } else {
                    resetControl = (int) value & RCR_SRST;
                }
            }
        };
    }

    @Override
    protected void resetDevice() {
        resetControl = 0;
        updateIrqs();
    }
}
