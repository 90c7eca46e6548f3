package dev.jemu.devices.timer;

import dev.jemu.core.machine.GuestClock;
import dev.jemu.core.memory.AccessSizes;
import dev.jemu.core.memory.MmioOps;
import dev.jemu.core.memory.MmioRegion;

/**
 * Port 0x61, the PIIX3's NMI status and control register (the AT's "port B"): bit 0 drives
 * the 8254's counter 2 GATE, bit 1 enables the speaker data (there is no sound; the bit is
 * kept), bits 2 and 3 are the PCI SERR# and IOCHK# NMI enables (kept; nothing raises an NMI),
 * bit 4 is the refresh toggle, which flips once per DRAM refresh cycle of 18 PIT clocks
 * (15.09 µs of guest time), and bit 5 is counter 2's OUT. Bits 6 and 7 (NMI sources) read 0.
 * BIOSes and Linux time short delays and calibrate their clocks with bits 4 and 5.
 *
 * <p>Threading: under the big emulator lock.
 */
public final class Port61 implements MmioOps {
    /** The port. */
    public static final int PORT = 0x61;
    static final int GATE2 = 0x01;
    static final int WRITABLE = 0x0F;
    static final int REFRESH_TOGGLE = 0x10;
    static final int OUT2 = 0x20;
    /** PIT clocks per DRAM refresh cycle (counter 1's count on a PC). */
    static final long REFRESH_PIT_CLOCKS = 18;

    private final I8254 pit;
    private final GuestClock clock;
    private int control;

    /** The port for {@code pit}'s counter 2, with the refresh toggle on {@code clock}. */
    public Port61(I8254 pit, GuestClock clock) {
        this.pit = pit;
        this.clock = clock;
    }

    /** The one-byte region, for port 0x61. */
    public MmioRegion region() {
        return new MmioRegion("port61", 1, this, AccessSizes.BYTE);
    }

    @Override
    public long read(long offset, int size) {
        long refreshCycles = ClockTicks.ticks(clock.nowNs(), I8254.FREQUENCY_HZ) / REFRESH_PIT_CLOCKS;
        return control | ((refreshCycles & 1) != 0 ? REFRESH_TOGGLE : 0) | (pit.output(2) ? OUT2 : 0);
    }

    @Override
    public void write(long offset, long value, int size) {
        control = (int) value & WRITABLE;
        pit.setGate(2, (control & GATE2) != 0);
    }

    /** Power-on state: every bit 0, counter 2's GATE low. */
    public void reset() {
        control = 0;
        pit.setGate(2, false);
    }
}
