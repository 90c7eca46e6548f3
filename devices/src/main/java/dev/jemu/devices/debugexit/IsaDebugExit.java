package dev.jemu.devices.debugexit;

import dev.jemu.core.memory.AccessSizes;
import dev.jemu.core.memory.MmioOps;
import dev.jemu.core.memory.MmioRegion;

import java.util.function.IntConsumer;

/**
 * isa-debug-exit ({@code -device isa-debug-exit,iobase=0xf4,iosize=0x04}): a write of
 * {@code value} ends the emulator with exit status {@code (value << 1) | 1}, so a guest can
 * report success or failure to a test script. Reads return 0.
 */
public final class IsaDebugExit implements MmioOps {
    /** QEMU's default port. */
    public static final int DEFAULT_IOBASE = 0x501;
    /** QEMU's default width in bytes. */
    public static final int DEFAULT_IOSIZE = 2;

    private final IntConsumer exit;
    private final int iosize;

    /**
     * @param iosize the port's width: 1, 2 or 4 bytes
     * @param exit ends the emulator with the given status (the machine's shutdown request)
     */
    public IsaDebugExit(int iosize, IntConsumer exit) {
        if (iosize != 1 && iosize != 2 && iosize != 4) {
            throw new IllegalArgumentException("iosize must be 1, 2 or 4, not " + iosize);
        }
        this.iosize = iosize;
        this.exit = exit;
    }

    /** The port region, for an I/O address space. */
    public MmioRegion region() {
        return new MmioRegion("isa-debug-exit", iosize, this, new AccessSizes(1, iosize));
    }

    @Override
    public long read(long offset, int size) {
        return 0;
    }

    @Override
    public void write(long offset, long value, int size) {
        exit.accept((int) ((value << 1) | 1));
    }
}
