package dev.jemu.devices.virtio;

import dev.jemu.core.memory.AddressSpace;

import java.util.Arrays;

/**
 * One descriptor chain popped from a {@link VirtQueue}: its head index and its buffers, the
 * device-readable ones ("out") first, then the device-writable ones ("in"), each an address in
 * guest RAM and a length. Elements are reused: {@link VirtQueue#pop} refills one, and its arrays
 * grow only when a longer chain than ever before arrives.
 *
 * <p>Threading: owned by whoever popped it (the queue's AioContext thread) until pushed.
 */
public final class VirtQueueElement {
    private static final int INITIAL_SEGMENTS = 8;

    private int head = -1;
    private long[] addr = new long[INITIAL_SEGMENTS];
    private int[] len = new int[INITIAL_SEGMENTS];
    private int outCount;
    private int inCount;
    private long outBytes;
    private long inBytes;

    /** The index of the chain's head descriptor (what the used ring reports back). */
    public int head() {
        return head;
    }

    /** Number of device-readable buffers. */
    public int outCount() {
        return outCount;
    }

    /** Number of device-writable buffers. */
    public int inCount() {
        return inCount;
    }

    /** Total bytes of the device-readable buffers. */
    public long outBytes() {
        return outBytes;
    }

    /** Total bytes of the device-writable buffers. */
    public long inBytes() {
        return inBytes;
    }

    /** Guest address of buffer {@code i} (out buffers first, then in buffers). */
    public long address(int i) {
        return addr[i];
    }

    /** Length of buffer {@code i}. */
    public int length(int i) {
        return len[i];
    }

    void clear(int headIndex) {
        head = headIndex;
        outCount = 0;
        inCount = 0;
        outBytes = 0;
        inBytes = 0;
    }

    void add(long address, int length, boolean writable) {
        int n = outCount + inCount;
        if (n == addr.length) {
            addr = Arrays.copyOf(addr, n * 2);
            len = Arrays.copyOf(len, n * 2);
        }
        addr[n] = address;
        len[n] = length;
        if (writable) {
            inCount++;
            inBytes += Integer.toUnsignedLong(length);
        } else {
            outCount++;
            outBytes += Integer.toUnsignedLong(length);
        }
    }

    /**
     * Copies {@code count} bytes starting {@code from} bytes into the device-readable buffers
     * into {@code dst[off..]}; returns how many bytes there were to copy.
     */
    public int readOut(AddressSpace mem, long from, byte[] dst, int off, int count) {
        return copy(mem, 0, outCount, from, dst, off, count, false);
    }

    /**
     * Copies {@code count} bytes of {@code src[off..]} into the device-writable buffers starting
     * {@code from} bytes into them; returns how many bytes fitted.
     */
    public int writeIn(AddressSpace mem, long from, byte[] src, int off, int count) {
        return copy(mem, outCount, outCount + inCount, from, src, off, count, true);
    }

    private int copy(AddressSpace mem, int first, int end, long from, byte[] buf, int off, int count,
                     boolean toGuest) {
        int done = 0;
        long skip = from;
        for (int i = first; i < end && done < count; i++) {
            long segLen = Integer.toUnsignedLong(len[i]);
            if (skip >= segLen) {
                skip -= segLen;
                continue;
            }
            int n = (int) Math.min(segLen - skip, count - done);
            if (toGuest) {
                mem.writeBytes(addr[i] + skip, buf, off + done, n);
            } else {
                mem.readBytes(addr[i] + skip, buf, off + done, n);
            }
            done += n;
            skip = 0;
        }
        return done;
    }
}
