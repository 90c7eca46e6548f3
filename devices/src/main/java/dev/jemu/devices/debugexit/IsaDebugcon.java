package dev.jemu.devices.debugexit;

import dev.jemu.core.memory.AccessSizes;
import dev.jemu.core.memory.MmioOps;
import dev.jemu.core.memory.MmioRegion;

import java.io.IOException;
import java.io.OutputStream;

/**
 * isa-debugcon ({@code -device isa-debugcon,iobase=0xe9,chardev=...}): a one-byte port whose
 * writes go to a character stream (SeaBIOS logs to 0x402 this way) and whose reads return the
 * configured read-back value, 0xE9 by default, so a guest can detect it (QEMU's
 * {@code readback} property).
 *
 * <p>Threading: under the big emulator lock.
 */
public final class IsaDebugcon implements MmioOps {
    /** QEMU's default port. */
    public static final int DEFAULT_IOBASE = 0xE9;
    /** QEMU's default read-back value. */
    public static final int DEFAULT_READBACK = 0xE9;

    private final OutputStream out;
    private final int readback;

    /**
     * @param out where written bytes go (flushed after each byte; dropped if it fails)
     * @param readback what port reads return
     */
    public IsaDebugcon(OutputStream out, int readback) {
        this.out = out;
        this.readback = readback & 0xFF;
    }

    /** The port region, for an I/O address space at the chosen {@code iobase}. */
    public MmioRegion region() {
        return new MmioRegion("isa-debugcon", 1, this, AccessSizes.BYTE);
    }

    @Override
    public long read(long offset, int size) {
        return readback;
    }

    @Override
    public void write(long offset, long value, int size) {
        try {
            out.write((int) value);
            out.flush();
        } catch (IOException e) {
            // The host side went away (a closed pipe): as QEMU does, the guest's bytes are dropped.
        }
    }
}
