package dev.jemu.devices.intc;

import dev.jemu.core.log.Log;
import dev.jemu.core.log.LogCategory;
import dev.jemu.core.memory.IrqLine;

/**
 * One 8259A programmable interrupt controller in 8086 mode: eight request inputs, the
 * interrupt request (IRR), in-service (ISR) and mask (IMR) registers, the ICW1–ICW4
 * initialisation sequence and the OCW1–OCW3 operation commands: specific and non-specific
 * EOI, automatic EOI, priority rotation (on EOI, in automatic-EOI mode, or set explicitly),
 * special mask mode, special fully nested mode, poll mode and register reads. Each input is
 * edge- or level-triggered: all level when ICW1 sets LTIM, otherwise per input as the ELCR
 * byte given by {@link #setElcr} says.
 *
 * <p>The chip drives its INT output through an {@link IrqLine.Sink} (the CPU's INTR for a
 * master, an input of the master for a slave) and hears of its inputs' levels through
 * {@link #setInput}. An edge-triggered input latches its request on a rising edge and keeps
 * it until acknowledged, even if the line falls first (so a device may pulse its line); a
 * level-triggered request follows the line. The INTA cycle is split between
 * {@link #highestRequest()} and {@link #acknowledge(int)} because a cascaded pair interleaves
 * the two chips' halves ({@link I8259Pair}).
 *
 * <p>Threading: under the big emulator lock.
 */
public final class I8259 {
    static final int ICW1_IC4 = 0x01;
    static final int ICW1_SNGL = 0x02;
    static final int ICW1_LTIM = 0x08;
    static final int ICW1_INIT = 0x10;
    static final int ICW4_UPM = 0x01;
    static final int ICW4_AEOI = 0x02;
    static final int ICW4_SFNM = 0x10;
    static final int OCW3_SELECT = 0x08;
    static final int OCW3_RIS = 0x01;
    static final int OCW3_RR = 0x02;
    static final int OCW3_POLL = 0x04;
    static final int OCW3_SMM = 0x20;
    static final int OCW3_ESMM = 0x40;
    static final int OCW2_NONSPECIFIC_EOI = 1;
    static final int OCW2_SPECIFIC_EOI = 3;
    static final int OCW2_ROTATE_NONSPECIFIC_EOI = 5;
    static final int OCW2_ROTATE_AEOI_SET = 4;
    static final int OCW2_ROTATE_AEOI_CLEAR = 0;
    static final int OCW2_ROTATE_SPECIFIC_EOI = 7;
    static final int OCW2_SET_PRIORITY = 6;
    /** The poll word's "interrupt present" bit. */
    static final int POLL_INTERRUPT = 0x80;
    /** No request can be serviced. */
    public static final int NONE = -1;

    private static final int AWAIT_NONE = 0;
    private static final int AWAIT_ICW2 = 2;
    private static final int AWAIT_ICW3 = 3;
    private static final int AWAIT_ICW4 = 4;

    private final String name;
    private final IrqLine.Sink intOut;
    private final boolean master;
    private final int elcrWritable;
    /** Input levels as last reported (the edge detector's memory). */
    private int lines;
    private int irr;
    private int isr;
    private int imr;
    private int elcr;
    private boolean levelAll;
    private int vectorBase;
    private int cascade;
    private boolean single;
    private boolean expectIcw4;
    private int awaiting;
    /** The input with the highest priority (rotation moves it). */
    private int highestPriority;
    private boolean autoEoi;
    private boolean rotateOnAutoEoi;
    private boolean specialFullyNested;
    private boolean specialMask;
    private boolean readIsr;
    private boolean pollPending;
    private boolean intLevel;

    /**
     * A chip called {@code name} (for logs) whose INT output drives {@code intOut}; the ELCR
     * bits outside {@code elcrWritable} stay 0 (inputs that cannot be level-triggered).
     * {@code master} says whether it is wired as a master (its ICW3 then lists the inputs with
     * slaves, which special fully nested mode lets through while in service).
     */
    public I8259(String name, IrqLine.Sink intOut, int elcrWritable, boolean master) {
        this.name = name;
        this.intOut = intOut;
        this.master = master;
        this.elcrWritable = elcrWritable & 0xFF;
        reset();
    }

    /** Reads port {@code offset} (0 or 1 of the chip's pair of ports). */
    public int read(int offset) {
        if (pollPending) {
            pollPending = false;
            return poll();
        }
        if (offset == 0) {
            return readIsr ? isr : irr;
        }
        return imr;
    }

    /** Writes port {@code offset} (0 or 1). */
    public void write(int offset, int value) {
        int v = value & 0xFF;
        if (offset == 0) {
            if ((v & ICW1_INIT) != 0) {
                icw1(v);
            } else if ((v & OCW3_SELECT) != 0) {
                ocw3(v);
            } else {
                ocw2(v);
            }
        } else {
            switch (awaiting) {
                case AWAIT_ICW2 -> {
                    vectorBase = v & 0xF8;
                    awaiting = single ? afterIcw3() : AWAIT_ICW3;
                }
                case AWAIT_ICW3 -> {
                    cascade = v;
                    awaiting = afterIcw3();
                }
                case AWAIT_ICW4 -> {
                    icw4(v);
                    awaiting = AWAIT_NONE;
                }
                default -> imr = v;
            }
        }
        updateOutput();
    }

    /** Sets the level of input {@code irq} (0–7). */
    public void setInput(int irq, boolean level) {
        int bit = 1 << irq;
        boolean was = (lines & bit) != 0;
        if (level) {
            lines |= bit;
            if (!was || isLevelTriggered(irq)) {
                irr |= bit;
            }
        } else {
            lines &= ~bit;
            if (isLevelTriggered(irq)) {
                irr &= ~bit;
            }
        }
        updateOutput();
    }

    /** Sets the edge/level control byte (1 = level); read-only-zero bits are dropped. */
    public void setElcr(int value) {
        elcr = value & elcrWritable;
        int level = levelMask();
        irr = (irr & ~level) | (lines & level);
        updateOutput();
    }

    /** The edge/level control byte. */
    public int elcr() {
        return elcr;
    }

    /**
     * The input the chip would hand to the CPU now: the highest-priority unmasked request
     * whose priority is above everything in service, or {@link #NONE}.
     */
    public int highestRequest() {
        int pending = irr & ~imr;
        if (pending == 0) {
            return NONE;
        }
        int req = highestIn(pending);
        int blocking = isr;
        if (specialMask) {
            blocking &= ~imr;
        }
        if (specialFullyNested && master && !single) {
            blocking &= ~cascade;
        }
        if (blocking != 0 && priority(highestIn(blocking)) <= priority(req)) {
            return NONE;
        }
        return req;
    }

    /**
     * The chip's half of an INTA cycle for input {@code irq} (as chosen by
     * {@link #highestRequest()}): marks it in service (or, in automatic-EOI mode, rotates if
     * asked to), clears an edge-triggered request, and updates INT. Returns the vector.
     */
    public int acknowledge(int irq) {
        int bit = 1 << irq;
        if (!isLevelTriggered(irq)) {
            irr &= ~bit;
        }
        if (autoEoi) {
            if (rotateOnAutoEoi) {
                highestPriority = (irq + 1) & 7;
            }
        } else {
            isr |= bit;
        }
        updateOutput();
        return vectorBase + irq;
    }

    /** The vector of a spurious interrupt (IR7, with nothing set in service). */
    public int spuriousVector() {
        return vectorBase + 7;
    }

    /** Whether INT is asserted. */
    public boolean intLevel() {
        return intLevel;
    }

    /** Power-on state: everything cleared, not initialised, inputs edge-triggered. */
    public void reset() {
        isr = 0;
        imr = 0;
        elcr = 0;
        levelAll = false;
        vectorBase = 0;
        cascade = 0;
        single = false;
        expectIcw4 = false;
        awaiting = AWAIT_NONE;
        highestPriority = 0;
        autoEoi = false;
        rotateOnAutoEoi = false;
        specialFullyNested = false;
        specialMask = false;
        readIsr = false;
        pollPending = false;
        irr = lines & levelMask();
        updateOutput();
    }

    private void icw1(int v) {
        levelAll = (v & ICW1_LTIM) != 0;
        single = (v & ICW1_SNGL) != 0;
        expectIcw4 = (v & ICW1_IC4) != 0;
        // The edge-sense latches are cleared: an edge input needs a new rising edge.
        irr = lines & levelMask();
        isr = 0;
        imr = 0;
        highestPriority = 0;
        specialMask = false;
        readIsr = false;
        pollPending = false;
        autoEoi = false;
        rotateOnAutoEoi = false;
        specialFullyNested = false;
        awaiting = AWAIT_ICW2;
    }

    private int afterIcw3() {
        return expectIcw4 ? AWAIT_ICW4 : AWAIT_NONE;
    }

    private void icw4(int v) {
        if ((v & ICW4_UPM) == 0) {
            guestError("ICW4 selects 8080/8085 mode, which a PC cannot use; treating it as 8086 mode");
        }
        autoEoi = (v & ICW4_AEOI) != 0;
        specialFullyNested = (v & ICW4_SFNM) != 0;
    }

    private void ocw2(int v) {
        int level = v & 7;
        switch (v >> 5) {
            case OCW2_NONSPECIFIC_EOI, OCW2_ROTATE_NONSPECIFIC_EOI -> {
                if (isr != 0) {
                    int irq = highestIn(isr);
                    isr &= ~(1 << irq);
                    if (v >> 5 == OCW2_ROTATE_NONSPECIFIC_EOI) {
                        highestPriority = (irq + 1) & 7;
                    }
                }
            }
            case OCW2_SPECIFIC_EOI -> isr &= ~(1 << level);
            case OCW2_ROTATE_SPECIFIC_EOI -> {
                isr &= ~(1 << level);
                highestPriority = (level + 1) & 7;
            }
            case OCW2_SET_PRIORITY -> highestPriority = (level + 1) & 7;
            case OCW2_ROTATE_AEOI_SET -> rotateOnAutoEoi = true;
            case OCW2_ROTATE_AEOI_CLEAR -> rotateOnAutoEoi = false;
            default -> {
            }
        }
    }

    private void ocw3(int v) {
        if ((v & OCW3_ESMM) != 0) {
            specialMask = (v & OCW3_SMM) != 0;
        }
        if ((v & OCW3_RR) != 0) {
            readIsr = (v & OCW3_RIS) != 0;
        }
        pollPending = (v & OCW3_POLL) != 0;
    }

    /** The poll read: acknowledges the highest request like an INTA and returns its level with bit 7 set, or 0. */
    private int poll() {
        int irq = highestRequest();
        if (irq == NONE) {
            return 0;
        }
        acknowledge(irq);
        return POLL_INTERRUPT | irq;
    }

    private boolean isLevelTriggered(int irq) {
        return ((levelMask() >> irq) & 1) != 0;
    }

    private int levelMask() {
        return levelAll ? 0xFF : elcr;
    }

    /** The input in {@code set} with the highest priority under the current rotation. */
    private int highestIn(int set) {
        for (int i = 0; i < 8; i++) {
            int irq = (highestPriority + i) & 7;
            if ((set & (1 << irq)) != 0) {
                return irq;
            }
        }
        return NONE;
    }

    /** 0 for the highest priority, 7 for the lowest. */
    private int priority(int irq) {
        return (irq - highestPriority) & 7;
    }

    private void updateOutput() {
        boolean level = highestRequest() != NONE;
        if (level != intLevel) {
            intLevel = level;
            intOut.setLevel(level);
        }
    }

    private void guestError(String what) {
        if (Log.enabled(LogCategory.GUEST_ERRORS)) {
            Log.log(LogCategory.GUEST_ERRORS, name + ": " + what);
        }
    }
}
