package dev.jemu.devices.ide;

import dev.jemu.core.memory.AddressSpace;
import dev.jemu.core.memory.FlatRange;
import dev.jemu.core.memory.FlatView;
import dev.jemu.core.memory.RamRegion;

/**
 * A physical region descriptor table in guest memory, as the bus-master IDE programming
 * interface defines it, and the walk through it. Each 8-byte entry holds the buffer's
 * physical address (bit 0 ignored) and its byte count in bits 15:0 (0 meaning 64 KiB, bit 0
 * ignored); bit 31 of the second dword marks the last entry (EOT).
 *
 * <p>The walk copies between a host buffer and the buffers the entries describe. It stops
 * when the transfer has its bytes, so a table without EOT is only read as far as the
 * transfer needs; it reports a table that ends (EOT) before the transfer does, and an entry
 * or a buffer that is not guest RAM.
 *
 * <p>Threading: under the big emulator lock.
 */
final class PrdTable {
    static final int ENTRY_SIZE = 8;
    static final long END_OF_TABLE = 0x8000_0000L;

    /** {@link #copy} result: the table ended before the transfer's bytes. */
    static final int EXHAUSTED = -1;
    /** {@link #copy} result: an entry or a buffer lies outside guest RAM. */
    static final int MEMORY_ERROR = -2;

    private final AddressSpace memory;
    private long nextEntry;
    private long segmentAddress;
    private int segmentLeft;
    private boolean lastSegment;

    PrdTable(AddressSpace memory) {
        this.memory = memory;
    }

    /** Starts a walk at the table at {@code tableAddress}. */
    void start(long tableAddress) {
        nextEntry = tableAddress;
        segmentLeft = 0;
        lastSegment = false;
    }

    /** Whether the walk has used up the entry marked EOT. */
    boolean atEnd() {
        return lastSegment && segmentLeft == 0;
    }

    /** The guest address of the entry the walk reads next (for messages). */
    long nextEntry() {
        return nextEntry;
    }

    /**
     * Copies {@code len} bytes between {@code buf[off..]} and the guest buffers: into guest
     * memory if {@code toMemory}, else out of it. Returns {@code len}, {@link #EXHAUSTED} or
     * {@link #MEMORY_ERROR}; bytes before the failure have been copied.
     */
    int copy(byte[] buf, int off, int len, boolean toMemory) {
        int done = 0;
        while (done < len) {
            if (segmentLeft == 0) {
                if (lastSegment) {
                    return EXHAUSTED;
                }
                if (!isRam(memory, nextEntry, ENTRY_SIZE)) {
                    return MEMORY_ERROR;
                }
                long address = memory.read(nextEntry, 4) & 0xFFFF_FFFEL;
                long control = memory.read(nextEntry + 4, 4);
                int count = (int) (control & 0xFFFE);
                segmentAddress = address;
                segmentLeft = count == 0 ? 0x10000 : count;
                lastSegment = (control & END_OF_TABLE) != 0;
                nextEntry = (nextEntry + ENTRY_SIZE) & 0xFFFF_FFFFL;
            }
            int n = Math.min(segmentLeft, len - done);
            if (!isRam(memory, segmentAddress, n)) {
                return MEMORY_ERROR;
            }
            if (toMemory) {
                memory.writeBytes(segmentAddress, buf, off + done, n);
            } else {
                memory.readBytes(segmentAddress, buf, off + done, n);
            }
            segmentAddress += n;
            segmentLeft -= n;
            done += n;
        }
        return done;
    }

    /** Whether {@code [address, address + length)} is all guest RAM. */
    static boolean isRam(AddressSpace memory, long address, long length) {
        FlatView view = memory.flatView();
        while (length > 0) {
            FlatRange r = view.find(address);
            if (r == null || !(r.region() instanceof RamRegion)) {
                return false;
            }
            long n = Math.min(length, r.end() - address);
            address += n;
            length -= n;
        }
        return true;
    }
}
