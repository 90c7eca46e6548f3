package dev.jemu.devices.pc;

import dev.jemu.core.memory.IrqLine;

/**
 * A device's interrupt output that the board can disconnect: the PIT's and the RTC's lines
 * while the HPET's legacy-replacement mode owns IRQ 0 and IRQ 8 (IA-PC HPET 1.0a, 2.3.9.2.2).
 * The device's level is remembered, and reaches the line again when reconnected.
 *
 * <p>Threading: under the big emulator lock.
 */
final class GatedIrq {
    private final IrqLine out;
    private boolean level;
    private boolean connected = true;

    /** A gate in front of {@code out}, connected. */
    GatedIrq(IrqLine out) {
        this.out = out;
    }

    /** The line the device drives. */
    IrqLine input() {
        return new IrqLine(l -> {
            level = l;
            if (connected) {
                out.set(l);
            }
        });
    }

    /** Connects or disconnects the device from its line. */
    void setConnected(boolean c) {
        connected = c;
        out.set(c && level);
    }
}
