package dev.jemu.devices.isa;

import dev.jemu.core.memory.AccessSizes;
import dev.jemu.core.memory.IrqLine;
import dev.jemu.core.memory.MmioOps;
import dev.jemu.core.memory.MmioRegion;

/**
 * System control port A at 0x92 (QEMU's {@code port92}): bit 1 is fast A20, driven on the
 * {@code a20} line; setting bit 0 (a 0-to-1 change) requests a reset. The register reads
 * back what was written; a machine reset clears bit 0. jemu's CPU has no A20 gate yet, so
 * A20 is observable but does not mask addresses.
 *
 * <p>Threading: under the big emulator lock.
 */
public final class Port92 implements MmioOps {
    public static final int PORT = 0x92;
    public static final int FAST_RESET = 0x01;
    public static final int FAST_A20 = 0x02;

    private final IrqLine a20;
    private final Runnable reset;
    private int value;

    /**
     * @param a20 the fast A20 output (raised = enabled)
     * @param reset requests a machine reset
     */
    public Port92(IrqLine a20, Runnable reset) {
        this.a20 = a20;
        this.reset = reset;
    }

    /** The port's region. */
    public MmioRegion region() {
        return new MmioRegion("port92", 1, this, AccessSizes.BYTE);
    }

    @Override
    public long read(long offset, int size) {
        return value;
    }

    @Override
    public void write(long offset, long v, int size) {
        int old = value;
        value = (int) v & 0xFF;
        a20.set((value & FAST_A20) != 0);
        if ((value & FAST_RESET) != 0 && (old & FAST_RESET) == 0) {
            reset.run();
        }
    }

    /** Clears the reset bit, as a machine reset does. */
    public void reset() {
        value &= ~FAST_RESET;
    }
}
