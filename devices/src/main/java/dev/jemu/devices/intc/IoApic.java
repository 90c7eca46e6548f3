package dev.jemu.devices.intc;

import dev.jemu.core.log.Log;
import dev.jemu.core.log.LogCategory;
import dev.jemu.core.memory.AccessSizes;
import dev.jemu.core.memory.IrqLine;
import dev.jemu.core.memory.MmioOps;
import dev.jemu.core.memory.MmioRegion;

/**
 * The I/O APIC of the pc board (Intel 82093AA datasheet; version 0x20 as QEMU 7.2 has it, so
 * with the directed-EOI register): 24 input pins, each with a 64-bit redirection entry, that
 * send interrupt messages to the local APIC.
 *
 * <p><b>Registers</b> (memory-mapped at {@link #DEFAULT_BASE}): IOREGSEL at 0x00, IOWIN at
 * 0x10 (indirect registers 0x00 ID, 0x01 version 0x00170020, 0x02 arbitration ID, 0x10 + 2n
 * and 0x11 + 2n entry n low and high), EOI at 0x40 (writes clear the remote IRR of every
 * level-triggered entry with that vector).
 *
 * <p><b>Entries</b>: vector, delivery mode (fixed, lowest priority, NMI, ExtINT; SMI and INIT
 * are logged under {@code -d unimp}), destination mode and destination, polarity, trigger
 * mode and mask are writable; delivery status always reads idle (delivery is immediate) and
 * remote IRR is read-only. Entries come out of reset masked. As on QEMU, a pin's input is the
 * logical level (the polarity bit is kept for the guest but the board's lines are already
 * "asserted = true"). An edge-triggered pin sends a message on each rising edge while
 * unmasked; a level-triggered pin sends one while asserted, unmasked and not waiting for the
 * EOI (remote IRR), and again after the EOI if still asserted, or when unmasked while
 * asserted.
 *
 * <p>Threading: under the big emulator lock.
 */
public final class IoApic {
    /** Where the registers are mapped in the memory space. */
    public static final long DEFAULT_BASE = 0xFEC0_0000L;
    /** Size of the register window. */
    public static final int SIZE = 0x1000;
    /** Input pins. */
    public static final int PINS = 24;

    static final int IOREGSEL = 0x00;
    static final int IOWIN = 0x10;
    static final int EOI = 0x40;
    static final int REG_ID = 0x00;
    static final int REG_VERSION = 0x01;
    static final int REG_ARBITRATION = 0x02;
    static final int REG_TABLE = 0x10;
    static final int VERSION = 0x20 | ((PINS - 1) << 16);

    static final long VECTOR_MASK = 0xFF;
    static final int MODE_SHIFT = 8;
    static final long DEST_LOGICAL = 1L << 11;
    static final long DELIVERY_STATUS = 1L << 12;
    static final long REMOTE_IRR = 1L << 14;
    static final long TRIGGER_LEVEL = 1L << 15;
    static final long MASKED = 1L << 16;
    static final int DEST_SHIFT = 56;
    /** Writable entry bits: vector, mode, destination mode, polarity, trigger, mask, destination. */
    static final long WRITABLE = 0xFF00_0000_0001_AFFFL;

    private static final int MODE_SMI = 2;
    private static final int MODE_INIT = 5;
    private static final int MODE_EXTINT = 7;

    private final Lapic lapic;
    private final MmioRegion region;
    private final long[] table = new long[PINS];
    private final boolean[] level = new boolean[PINS];
    private int select;
    private int id;

    /** Creates the IO-APIC in its reset state, delivering to {@code lapic}. */
    public IoApic(Lapic lapic) {
        this.lapic = lapic;
        this.region = new MmioRegion("ioapic", SIZE, new MmioOps() {
            @Override
            public long read(long offset, int size) {
                return switch ((int) offset) {
                    case IOREGSEL -> select;
                    case IOWIN -> readRegister(select) & 0xFFFF_FFFFL;
                    default -> 0;
                };
            }

            @Override
            public void write(long offset, long value, int size) {
                switch ((int) offset) {
                    case IOREGSEL -> select = (int) value & 0xFF;
                    case IOWIN -> writeRegister(select, (int) value);
                    case EOI -> eoi((int) value & 0xFF);
                    default -> guestError("write to the unassigned offset 0x" + Long.toHexString(offset));
                }
            }
        }, AccessSizes.DWORD);
        reset();
    }

    /** The register window, for {@link #DEFAULT_BASE}. */
    public MmioRegion region() {
        return region;
    }

    /** Input pin {@code pin}, for a device or the ISA IRQ lines to drive. */
    public IrqLine.Sink input(int pin) {
        if (pin < 0 || pin >= PINS) {
            throw new IllegalArgumentException("IO-APIC pin " + pin + " out of range 0.." + (PINS - 1));
        }
        return l -> setLevel(pin, l);
    }

    /** The redirection entry of {@code pin} (tests and the monitor read it). */
    public long entry(int pin) {
        return table[pin];
    }

    /** Resets the registers: entries masked, ID 0. */
    public void reset() {
        for (int i = 0; i < PINS; i++) {
            table[i] = MASKED;
        }
        select = 0;
        id = 0;
    }

    /** The local APIC's EOI broadcast of a level-triggered {@code vector}. */
    public void eoi(int vector) {
        for (int pin = 0; pin < PINS; pin++) {
            long e = table[pin];
            if ((e & REMOTE_IRR) != 0 && (e & VECTOR_MASK) == vector) {
                table[pin] = e & ~REMOTE_IRR;
                service(pin);
            }
        }
    }

    private int readRegister(int reg) {
        if (reg >= REG_TABLE && reg < REG_TABLE + 2 * PINS) {
            long e = table[(reg - REG_TABLE) >> 1];
            return (reg & 1) == 0 ? (int) e : (int) (e >>> 32);
        }
        return switch (reg) {
            case REG_ID, REG_ARBITRATION -> id << 24;
            case REG_VERSION -> VERSION;
            default -> {
                guestError("read of the unassigned register 0x" + Integer.toHexString(reg));
                yield 0;
            }
        };
    }

    private void writeRegister(int reg, int value) {
        if (reg >= REG_TABLE && reg < REG_TABLE + 2 * PINS) {
            int pin = (reg - REG_TABLE) >> 1;
            long e = table[pin];
            long written = (reg & 1) == 0
                    ? (e & 0xFFFF_FFFF_0000_0000L) | (value & 0xFFFF_FFFFL)
                    : (e & 0xFFFF_FFFFL) | ((long) value << 32);
            long next = (written & WRITABLE) | (e & REMOTE_IRR);
            if ((next & TRIGGER_LEVEL) == 0) {
                next &= ~REMOTE_IRR;
            }
            table[pin] = next;
            service(pin);
            return;
        }
        switch (reg) {
            case REG_ID -> id = (value >>> 24) & 0xF;
            case REG_VERSION, REG_ARBITRATION -> {
                // read-only
            }
            default -> guestError("write to the unassigned register 0x" + Integer.toHexString(reg));
        }
    }

    private void setLevel(int pin, boolean l) {
        boolean rising = l && !level[pin];
        level[pin] = l;
        if ((table[pin] & TRIGGER_LEVEL) != 0) {
            service(pin);
        } else if (rising && (table[pin] & MASKED) == 0) {
            send(table[pin]);
        }
    }

    /** Sends a level-triggered pin's message if it is asserted, unmasked and not awaiting an EOI. */
    private void service(int pin) {
        long e = table[pin];
        if ((e & TRIGGER_LEVEL) != 0 && level[pin] && (e & (MASKED | REMOTE_IRR)) == 0) {
            table[pin] = e | REMOTE_IRR;
            send(e);
        }
    }

    private void send(long e) {
        int mode = (int) (e >> MODE_SHIFT) & 7;
        if (mode == MODE_SMI || mode == MODE_INIT) {
            if (Log.enabled(LogCategory.UNIMP)) {
                String what = "ioapic: delivery mode " + mode;
                Log.logOnce(LogCategory.UNIMP, what, what + " is not implemented");
            }
            return;
        }
        boolean levelTriggered = (e & TRIGGER_LEVEL) != 0 && mode != MODE_EXTINT;
        lapic.deliver((int) (e & VECTOR_MASK), mode, (int) (e >>> DEST_SHIFT), (e & DEST_LOGICAL) != 0,
                levelTriggered);
    }

    private static void guestError(String what) {
        if (Log.enabled(LogCategory.GUEST_ERRORS)) {
            String line = "ioapic: " + what;
            Log.logOnce(LogCategory.GUEST_ERRORS, line, line);
        }
    }
}
