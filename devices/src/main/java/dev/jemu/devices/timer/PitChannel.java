package dev.jemu.devices.timer;

import dev.jemu.core.log.Log;
import dev.jemu.core.log.LogCategory;
import dev.jemu.core.machine.DeviceTimers;
import dev.jemu.core.memory.IrqLine;

/**
 * One counter of an 8254 (Intel 8254 datasheet, "Modes"). The counter is not ticked: it
 * records the guest time its count was loaded and computes the count and OUT from the elapsed
 * CLK pulses. The CLK pulse that loads a count is taken to coincide with the write (or the
 * GATE trigger) that causes it, so in mode 0 OUT rises N pulses after the load, which the
 * datasheet counts as N+1 after the write.
 *
 * <p>A counter with an {@link IrqLine} (the PC's counter 0 on IRQ 0) arms a device timer for
 * each rising edge of OUT only. The line follows OUT at once when software or GATE changes
 * it; at a timed rising edge it is lowered and raised again, so the edge reaches the
 * interrupt controller even where OUT fell between two rising edges without a timer (the
 * one-pulse low of modes 2, 4 and 5, the low half of mode 3).
 *
 * <p>Threading: under the big emulator lock.
 */
final class PitChannel {
    static final int ACCESS_LATCH = 0;
    static final int ACCESS_LSB = 1;
    static final int ACCESS_MSB = 2;
    static final int ACCESS_LSB_MSB = 3;
    static final int STATUS_OUT = 0x80;
    static final int STATUS_NULL_COUNT = 0x40;

    /** No count written since the control word. */
    private static final int IDLE = 0;
    /** Modes 1 and 5: count written, waiting for a GATE rising edge. */
    private static final int WAIT_TRIGGER = 1;
    /** Counting. */
    private static final int RUNNING = 2;
    /** GATE low stopped counting (modes 0, 2, 3 and 4). */
    private static final int SUSPENDED = 3;

    private final int index;
    private final IrqLine out;
    private final DeviceTimers.Timer edgeTimer;
    private final DeviceTimers timers;

    private int mode;
    private int modeBits;
    private int access;
    private boolean bcd;
    private boolean gate;
    private int state;
    /** The count register (CR) as last written. */
    private int countRegister;
    private boolean nullCount;
    /** The count in use, 1..65536 (or 1..10000 in BCD). */
    private int n;
    /** Guest time of the pulse from which {@link #ticksBefore} more pulses are counted. */
    private long startNs;
    private long ticksBefore;
    /** The pulse (counted like {@link #ticksAt}) that loaded the count in use. */
    private long loadTick;
    /** The counting element's value while not counting. */
    private int heldValue;
    private boolean reloadPending;
    private long reloadAtTick;
    private int reloadCount;
    private boolean writeMsbNext;
    private boolean readMsbNext;
    private boolean countLatched;
    private int latchedCount;
    private boolean latchMsbNext;
    private boolean statusLatched;
    private int latchedStatus;

    /** Counter {@code index}; {@code out} (may be null) is the interrupt line its OUT drives. */
    PitChannel(int index, DeviceTimers timers, IrqLine out, boolean gate) {
        this.index = index;
        this.timers = timers;
        this.out = out;
        this.edgeTimer = out == null ? null : timers.newTimer("pit counter " + index, this::risingEdge);
        this.gate = gate;
        clear();
    }

    /** Reads the counter's port: a latched status, a latched count, or the live count. */
    int read() {
        long now = sync();
        if (statusLatched) {
            statusLatched = false;
            return latchedStatus;
        }
        if (countLatched) {
            int b = byteOf(latchedCount, access == ACCESS_MSB || (access == ACCESS_LSB_MSB && latchMsbNext));
            if (access == ACCESS_LSB_MSB && !latchMsbNext) {
                latchMsbNext = true;
            } else {
                countLatched = false;
                latchMsbNext = false;
            }
            return b;
        }
        int value = displayed(countAt(now));
        boolean msb = access == ACCESS_MSB || (access == ACCESS_LSB_MSB && readMsbNext);
        if (access == ACCESS_LSB_MSB) {
            readMsbNext = !readMsbNext;
        }
        return byteOf(value, msb);
    }

    /** Writes the counter's port: one byte of a new count. */
    void write(int value) {
        long now = sync();
        int v = value & 0xFF;
        switch (access) {
            case ACCESS_LSB -> loadCount(now, v);
            case ACCESS_MSB -> loadCount(now, v << 8);
            default -> {
                if (!writeMsbNext) {
                    countRegister = (countRegister & 0xFF00) | v;
                    writeMsbNext = true;
                    if (mode == 0) {
                        heldValue = countAt(now);
                        state = IDLE;
                        updateOutput(now);
                    }
                } else {
                    writeMsbNext = false;
                    loadCount(now, (countRegister & 0xFF) | (v << 8));
                }
            }
        }
    }

    /** A control word for this counter: access, mode and BCD (RW is not 00). */
    void control(int value) {
        long now = sync();
        heldValue = countAt(now);
        access = (value >> 4) & 3;
        modeBits = (value >> 1) & 7;
        mode = modeBits >= 6 ? modeBits - 4 : modeBits;
        bcd = (value & 1) != 0;
        state = IDLE;
        nullCount = true;
        reloadPending = false;
        writeMsbNext = false;
        readMsbNext = false;
        countLatched = false;
        statusLatched = false;
        updateOutput(now);
    }

    /** The counter latch command: holds the current count until it is read (a second latch is ignored). */
    void latchCount() {
        long now = sync();
        if (!countLatched) {
            countLatched = true;
            latchMsbNext = false;
            latchedCount = displayed(countAt(now));
        }
    }

    /** The read-back command's status latch (a second latch before the read is ignored). */
    void latchStatus() {
        long now = sync();
        if (!statusLatched) {
            statusLatched = true;
            latchedStatus = (output(now) ? STATUS_OUT : 0) | (nullCount ? STATUS_NULL_COUNT : 0)
                    | access << 4 | modeBits << 1 | (bcd ? 1 : 0);
        }
    }

    /** Sets the GATE input. */
    void setGate(boolean level) {
        long now = sync();
        boolean rising = level && !gate;
        boolean falling = !level && gate;
        gate = level;
        switch (mode) {
            case 0, 4 -> {
                if (falling && state == RUNNING) {
                    ticksBefore = ticksAt(now);
                    state = SUSPENDED;
                } else if (rising && state == SUSPENDED) {
                    startNs = now;
                    state = RUNNING;
                }
            }
            case 2, 3 -> {
                if (falling && state == RUNNING) {
                    ticksBefore = ticksAt(now);
                    state = SUSPENDED;
                } else if (rising && state == SUSPENDED) {
                    start(now, countRegister);
                }
            }
            default -> {
                if (rising && state != IDLE) {
                    start(now, countRegister);
                }
            }
        }
        updateOutput(now);
    }

    /** The GATE input. */
    boolean gate() {
        return gate;
    }

    /** OUT now. */
    boolean output() {
        return output(sync());
    }

    /** Back to the state after power-on: mode 0, no count, OUT low, the timer disarmed. */
    void reset() {
        if (edgeTimer != null) {
            edgeTimer.del();
        }
        clear();
        if (out != null) {
            out.lower();
        }
    }

    private void clear() {
        mode = 0;
        modeBits = 0;
        access = ACCESS_LSB_MSB;
        bcd = false;
        state = IDLE;
        countRegister = 0;
        nullCount = true;
        n = 0x10000;
        heldValue = 0;
        reloadPending = false;
        writeMsbNext = false;
        readMsbNext = false;
        countLatched = false;
        statusLatched = false;
    }

    private void loadCount(long now, int count) {
        countRegister = count;
        nullCount = true;
        switch (mode) {
            case 0, 4 -> start(now, count);
            case 2, 3 -> {
                if (state == RUNNING) {
                    reloadPending = true;
                    reloadAtTick = loadTick + (sinceLoad(now) / n + 1) * n;
                    reloadCount = count;
                } else if (state == IDLE) {
                    start(now, count);
                }
            }
            default -> {
                if (state == IDLE) {
                    state = WAIT_TRIGGER;
                }
            }
        }
        updateOutput(now);
    }

    /** Loads {@code count} into the counting element at {@code now} (suspended while GATE is low in modes 0, 2, 3, 4). */
    private void start(long now, int count) {
        n = effective(count);
        if (mode == 2 && n == 1) {
            guestError("a count of 1 is invalid in mode 2");
        }
        startNs = now;
        ticksBefore = 0;
        loadTick = 0;
        nullCount = false;
        reloadPending = false;
        state = gate || mode == 1 || mode == 5 ? RUNNING : SUSPENDED;
    }

    /** Guest time now, after applying a mode 2/3 reload whose cycle end has passed. */
    private long sync() {
        long now = timers.clock().nowNs();
        if (reloadPending && state == RUNNING && ticksAt(now) >= reloadAtTick) {
            loadTick = reloadAtTick;
            n = effective(reloadCount);
            reloadPending = false;
            nullCount = false;
        }
        return now;
    }

    /** Pulses counted since the count was loaded. */
    private long sinceLoad(long now) {
        return ticksAt(now) - loadTick;
    }

    private long ticksAt(long now) {
        return state == RUNNING ? ticksBefore + ClockTicks.ticks(now - startNs, I8254.FREQUENCY_HZ) : ticksBefore;
    }

    private long timeOfTick(long tick) {
        return startNs + ClockTicks.nsForTicks(tick - ticksBefore, I8254.FREQUENCY_HZ);
    }

    private int effective(int count) {
        int c = bcd ? fromBcd(count) : count;
        return c != 0 ? c : modulus();
    }

    private int modulus() {
        return bcd ? 10000 : 0x10000;
    }

    /** The counting element's value (binary, 0..modulus-1 after wrapping; N itself in modes 2 and 3). */
    private int countAt(long now) {
        if (state == IDLE || state == WAIT_TRIGGER) {
            return heldValue;
        }
        long t = sinceLoad(now);
        return switch (mode) {
            case 2 -> n - (int) (t % n);
            case 3 -> squareWaveCount(t);
            default -> (int) Math.floorMod(n - t, (long) modulus());
        };
    }

    /** Mode 3 counts down by two through each half of the period; an odd count starts each half at N-1. */
    private int squareWaveCount(long t) {
        int p = (int) (t % n);
        int high = (n + 1) / 2;
        int start = (n & 1) == 0 ? n : n - 1;
        return p < high ? start - 2 * p : start - 2 * (p - high);
    }

    private boolean output(long now) {
        if (state == IDLE) {
            return mode != 0;
        }
        if (state == WAIT_TRIGGER) {
            return true;
        }
        long t = sinceLoad(now);
        return switch (mode) {
            case 0, 1 -> t >= n;
            case 2 -> state == SUSPENDED || t % n != n - 1;
            case 3 -> state == SUSPENDED || t % n < (n + 1) / 2;
            default -> t != n;
        };
    }

    /** The next tick after {@code t} at which OUT rises, or -1. */
    private long nextRisingTick(long t) {
        return switch (mode) {
            case 0, 1 -> t < n ? n : -1;
            case 2, 3 -> n >= 2 ? (t / n + 1) * n : -1;
            default -> t <= n ? n + 1 : -1;
        };
    }

    /** Sets the line to OUT and arms the timer for OUT's next rising edge. */
    private void updateOutput(long now) {
        if (out == null) {
            return;
        }
        out.set(output(now));
        armNextEdge(now);
    }

    private void armNextEdge(long now) {
        long tick = state == RUNNING ? nextRisingTick(sinceLoad(now)) : -1;
        if (tick < 0) {
            edgeTimer.del();
        } else {
            edgeTimer.modNs(timeOfTick(loadTick + tick));
        }
    }

    private void risingEdge() {
        long now = sync();
        out.lower();
        out.set(output(now));
        armNextEdge(now);
    }

    private int displayed(int value) {
        return bcd ? toBcd(value % 10000) : value & 0xFFFF;
    }

    private static int byteOf(int value, boolean msb) {
        return msb ? (value >> 8) & 0xFF : value & 0xFF;
    }

    private int fromBcd(int count) {
        int result = 0;
        for (int shift = 12; shift >= 0; shift -= 4) {
            int digit = (count >> shift) & 0xF;
            if (digit > 9) {
                guestError("BCD count 0x" + Integer.toHexString(count) + " has a digit above 9");
            }
            result = result * 10 + digit;
        }
        return result;
    }

    private static int toBcd(int value) {
        return value / 1000 << 12 | value / 100 % 10 << 8 | value / 10 % 10 << 4 | value % 10;
    }

    private void guestError(String what) {
        if (Log.enabled(LogCategory.GUEST_ERRORS)) {
            Log.log(LogCategory.GUEST_ERRORS, "i8254 counter " + index + ": " + what);
        }
    }
}
