package dev.jemu.devices.timer;

import dev.jemu.core.machine.DeviceTimers;
import dev.jemu.core.memory.AccessSizes;
import dev.jemu.core.memory.IrqLine;
import dev.jemu.core.memory.MmioOps;
import dev.jemu.core.memory.MmioRegion;

/**
 * The 8254 programmable interval timer of the PC (ports 0x40–0x43): three counters on a
 * 1.193182 MHz clock, modes 0–5, binary or BCD counts, LSB/MSB/both access, the counter
 * latch command and the read-back command with its status byte. Counter 0's OUT drives
 * IRQ 0; counter 1 (DRAM refresh on old PCs) drives nothing; counter 2's GATE and OUT are
 * bits 0 and 5 of port 0x61 ({@link Port61}). Counters 0 and 1 have GATE tied high.
 *
 * <p>Counts are computed from guest time ({@link PitChannel}); the only device timer is
 * counter 0's, armed for the rising edges of OUT. The control word register is write-only
 * and reads 0, as in QEMU.
 *
 * <p>Threading: under the big emulator lock. The constructor may run without it.
 */
public final class I8254 implements MmioOps {
    /** The counters' input clock in Hz. */
    public static final long FREQUENCY_HZ = 1_193_182L;
    /** The base port. */
    public static final int PORT = 0x40;
    /** Offset of the control word register. */
    static final int CONTROL = 3;
    static final int SELECT_READ_BACK = 3;
    static final int READ_BACK_NO_COUNT = 0x20;
    static final int READ_BACK_NO_STATUS = 0x10;

    private final PitChannel[] channels = new PitChannel[3];

    /** A timer whose counter 0 drives {@code irq0}; counters run on {@code timers}' clock. */
    public I8254(DeviceTimers timers, IrqLine irq0) {
        channels[0] = new PitChannel(0, timers, irq0, true);
        channels[1] = new PitChannel(1, timers, null, true);
        channels[2] = new PitChannel(2, timers, null, false);
    }

    /** The four ports, for 0x40. */
    public MmioRegion region() {
        return new MmioRegion("pit", 4, this, AccessSizes.UP_TO_DWORD, AccessSizes.BYTE);
    }

    @Override
    public long read(long offset, int size) {
        if (offset == CONTROL) {
            return 0;
        }
        return channels[(int) offset].read();
    }

    @Override
    public void write(long offset, long value, int size) {
        int v = (int) value & 0xFF;
        if (offset != CONTROL) {
            channels[(int) offset].write(v);
            return;
        }
        int select = v >> 6;
        if (select == SELECT_READ_BACK) {
            for (int c = 0; c < 3; c++) {
                if ((v & (2 << c)) != 0) {
                    if ((v & READ_BACK_NO_COUNT) == 0) {
                        channels[c].latchCount();
                    }
                    if ((v & READ_BACK_NO_STATUS) == 0) {
                        channels[c].latchStatus();
                    }
                }
            }
        } else if (((v >> 4) & 3) == PitChannel.ACCESS_LATCH) {
            channels[select].latchCount();
        } else {
            channels[select].control(v);
        }
    }

    /** Sets counter {@code channel}'s GATE input. */
    public void setGate(int channel, boolean level) {
        channels[channel].setGate(level);
    }

    /** Counter {@code channel}'s GATE input. */
    public boolean gate(int channel) {
        return channels[channel].gate();
    }

    /** Counter {@code channel}'s OUT now. */
    public boolean output(int channel) {
        return channels[channel].output();
    }

    /**
     * Power-on state: every counter in mode 0 without a count, OUT low. GATE inputs keep their
     * levels: they belong to whoever drives them (port 0x61 for counter 2).
     */
    public void reset() {
        for (PitChannel c : channels) {
            c.reset();
        }
    }
}
