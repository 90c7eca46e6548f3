package dev.jemu.devices.serial;

import dev.jemu.core.memory.AccessSizes;
import dev.jemu.core.memory.IrqLine;
import dev.jemu.core.memory.MmioOps;
import dev.jemu.core.memory.MmioRegion;

import java.io.IOException;
import java.io.OutputStream;

/**
 * A 16550A UART: eight byte registers, a 16-byte receive FIFO, transmit straight to an
 * output stream (the host side of {@code -serial stdio}), the THR-empty and data-ready
 * interrupts, the modem status lines and loopback mode (which Linux's 8250 driver uses to
 * probe the port). The transmitter is infinitely fast: THR is always empty.
 *
 * <p>Threading: register access and {@link #receive} are called under the big emulator lock.
 */
public final class Serial16550 implements MmioOps {
    public static final int RBR_THR_DLL = 0;
    public static final int IER_DLM = 1;
    public static final int IIR_FCR = 2;
    public static final int LCR = 3;
    public static final int MCR = 4;
    public static final int LSR = 5;
    public static final int MSR = 6;
    public static final int SCR = 7;

    static final int IER_RDA = 1;
    static final int IER_THRE = 2;
    static final int IER_RLS = 4;
    static final int IER_MS = 8;
    static final int IIR_NONE = 1;
    static final int IIR_MSI = 0x00;
    static final int IIR_THRI = 0x02;
    static final int IIR_RDI = 0x04;
    static final int IIR_FIFO = 0xC0;
    static final int FCR_ENABLE = 1;
    static final int FCR_CLEAR_RX = 2;
    static final int LCR_DLAB = 0x80;
    static final int MCR_DTR = 1;
    static final int MCR_RTS = 2;
    static final int MCR_OUT1 = 4;
    static final int MCR_OUT2 = 8;
    static final int MCR_LOOP = 0x10;
    static final int LSR_DR = 1;
    static final int LSR_OE = 2;
    static final int LSR_THRE = 0x20;
    static final int LSR_TEMT = 0x40;
    static final int MSR_DCTS = 1;
    static final int MSR_DDSR = 2;
    static final int MSR_TERI = 4;
    static final int MSR_DDCD = 8;
    static final int MSR_CTS = 0x10;
    static final int MSR_DSR = 0x20;
    static final int MSR_RI = 0x40;
    static final int MSR_DCD = 0x80;
    private static final int FIFO_SIZE = 16;

    private final OutputStream out;
    private final IrqLine irq;
    private final byte[] rxFifo = new byte[FIFO_SIZE];
    private int rxHead;
    private int rxCount;
    private int ier;
    private int lcr;
    private int mcr;
    private int lsrErrors;
    private int msr;
    private int scr;
    private int divisor;
    private boolean fifoEnabled;
    private boolean thrInterruptPending;

    /** A UART that transmits to {@code out} and interrupts through {@code irq}. */
    public Serial16550(OutputStream out, IrqLine irq) {
        this.out = out;
        this.irq = irq;
        reset();
    }

    /** The 8-byte register block, for an I/O address space. */
    public MmioRegion region(String name) {
        return new MmioRegion(name, 8, this, AccessSizes.UP_TO_DWORD, AccessSizes.BYTE);
    }

    @Override
    public long read(long offset, int size) {
        boolean dlab = (lcr & LCR_DLAB) != 0;
        return switch ((int) offset) {
            case RBR_THR_DLL -> dlab ? divisor & 0xFF : popReceived();
            case IER_DLM -> dlab ? (divisor >> 8) & 0xFF : ier;
            case IIR_FCR -> readIir();
            case LCR -> lcr;
            case MCR -> mcr;
            case LSR -> readLsr();
            case MSR -> readMsr();
            default -> scr;
        };
    }

    @Override
    public void write(long offset, long value, int size) {
        int v = (int) value & 0xFF;
        boolean dlab = (lcr & LCR_DLAB) != 0;
        switch ((int) offset) {
            case RBR_THR_DLL -> {
                if (dlab) {
                    divisor = (divisor & 0xFF00) | v;
                } else {
                    transmit(v);
                }
            }
            case IER_DLM -> {
                if (dlab) {
                    divisor = (divisor & 0xFF) | (v << 8);
                } else {
                    boolean threNewlyEnabled = (v & IER_THRE) != 0 && (ier & IER_THRE) == 0;
                    ier = v & 0x0F;
                    if (threNewlyEnabled) {
                        thrInterruptPending = true;
                    }
                }
            }
            case IIR_FCR -> {
                fifoEnabled = (v & FCR_ENABLE) != 0;
                if ((v & FCR_CLEAR_RX) != 0) {
                    rxCount = 0;
                }
            }
            case LCR -> lcr = v;
            case MCR -> {
                int changed = (mcr ^ v) & 0x0F;
                mcr = v & 0x1F;
                if ((mcr & MCR_LOOP) != 0 && changed != 0) {
                    msr |= deltaBits(changed);
                }
            }
            case LSR, MSR -> {
            }
            default -> scr = v;
        }
        updateIrq();
    }

    /** A byte arriving from the host side; dropped with an overrun when the FIFO is full. */
    public void receive(int b) {
        if ((mcr & MCR_LOOP) != 0) {
            return;
        }
        push(b);
        updateIrq();
    }

    /** Whether the receive FIFO can take another byte. */
    public boolean canReceive() {
        return rxCount < (fifoEnabled ? FIFO_SIZE : 1);
    }

    /** Power-on state. */
    public void reset() {
        rxHead = 0;
        rxCount = 0;
        ier = 0;
        lcr = 0;
        mcr = MCR_OUT2;
        lsrErrors = 0;
        msr = MSR_DCD | MSR_DSR | MSR_CTS;
        scr = 0;
        divisor = 12;
        fifoEnabled = false;
        thrInterruptPending = false;
        irq.lower();
    }

    private void transmit(int v) {
        if ((mcr & MCR_LOOP) != 0) {
            push(v);
        } else {
            try {
                out.write(v);
                out.flush();
            } catch (IOException e) {
                // The host side went away (a closed pipe): like QEMU, the guest's bytes are dropped.
                return;
            }
        }
        thrInterruptPending = true;
    }

    private void push(int b) {
        if (!canReceive()) {
            lsrErrors |= LSR_OE;
            return;
        }
        rxFifo[(rxHead + rxCount) % FIFO_SIZE] = (byte) b;
        rxCount++;
    }

    private int popReceived() {
        if (rxCount == 0) {
            return 0;
        }
        int b = rxFifo[rxHead] & 0xFF;
        rxHead = (rxHead + 1) % FIFO_SIZE;
        rxCount--;
        updateIrq();
        return b;
    }

    private int readIir() {
        int id = pendingInterrupt();
        if (id == IIR_THRI) {
            thrInterruptPending = false;
            updateIrq();
        }
        return id | (fifoEnabled ? IIR_FIFO : 0);
    }

    private int readLsr() {
        int v = LSR_THRE | LSR_TEMT | (rxCount > 0 ? LSR_DR : 0) | lsrErrors;
        lsrErrors = 0;
        return v;
    }

    private int readMsr() {
        int v;
        if ((mcr & MCR_LOOP) != 0) {
            v = (msr & 0x0F)
                    | ((mcr & MCR_RTS) != 0 ? MSR_CTS : 0)
                    | ((mcr & MCR_DTR) != 0 ? MSR_DSR : 0)
                    | ((mcr & MCR_OUT1) != 0 ? MSR_RI : 0)
                    | ((mcr & MCR_OUT2) != 0 ? MSR_DCD : 0);
        } else {
            v = msr;
        }
        msr &= 0xF0;
        updateIrq();
        return v;
    }

    private static int deltaBits(int changedMcr) {
        return ((changedMcr & MCR_RTS) != 0 ? MSR_DCTS : 0)
                | ((changedMcr & MCR_DTR) != 0 ? MSR_DDSR : 0)
                | ((changedMcr & MCR_OUT1) != 0 ? MSR_TERI : 0)
                | ((changedMcr & MCR_OUT2) != 0 ? MSR_DDCD : 0);
    }

    private int pendingInterrupt() {
        if ((ier & IER_RLS) != 0 && lsrErrors != 0) {
            return 0x06;
        }
        if ((ier & IER_RDA) != 0 && rxCount > 0) {
            return IIR_RDI;
        }
        if ((ier & IER_THRE) != 0 && thrInterruptPending) {
            return IIR_THRI;
        }
        if ((ier & IER_MS) != 0 && (msr & 0x0F) != 0) {
            return IIR_MSI;
        }
        return IIR_NONE;
    }

    private void updateIrq() {
        irq.set(pendingInterrupt() != IIR_NONE);
    }
}
