package dev.jemu.block.qcow2;

import dev.jemu.block.BlockException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The guest-to-host cluster map of the active layer: L2 tables reached through the in-memory L1
 * table, validation of the entries met on the way, lookups of how far one mapping extends,
 * making an L2 table private (allocated or copied) before it changes, and the refcount
 * decrements of clusters an entry stopped pointing at, held back until the next metadata flush.
 * Used only under the image's metadata mutex.
 */
final class Qcow2ClusterMap {
    private static final int MAX_PENDING_FREES = 4096;

    private final Qcow2Driver d;
    /** Set by {@link #lookup}: bytes from the looked-up offset that map the same way. */
    long lookupBytes;
    private long[] pendingFrees = new long[64];
    private int pendingFreeCount;

    Qcow2ClusterMap(Qcow2Driver d) {
        this.d = d;
    }

    void checkDataEntry(long e, long guestOffset) throws BlockException {
        if ((e & Qcow2Driver.L2E_RESERVED) != 0) {
            throw new BlockException(d.name + ": Image is corrupt: L2 entry 0x" + Long.toHexString(e)
                    + " for guest offset 0x" + Long.toHexString(guestOffset) + " has reserved bits set");
        }
        long host = e & Qcow2Driver.L2E_OFFSET_MASK;
        if ((host & (d.clusterSize - 1)) != 0) {
            throw new BlockException(d.name + ": Image is corrupt: cluster offset 0x" + Long.toHexString(host)
                    + " unaligned (guest offset 0x" + Long.toHexString(guestOffset) + ")");
        }
        if (host != 0 && host < d.clusterSize) {
            throw new BlockException(d.name + ": Image is corrupt: data cluster for guest offset 0x"
                    + Long.toHexString(guestOffset) + " points into the image header");
        }
    }

    /** The L2 table of L1 index {@code l1i}, or null if it is not allocated. Under the lock. */
    ByteBuffer l2Table(int l1i) throws IOException {
        long l1e = d.l1[l1i];
        long off = l1e & Qcow2Driver.L1E_OFFSET_MASK;
        if (off == 0) {
            return null;
        }
        if ((l1e & Qcow2Driver.L1E_RESERVED) != 0) {
            throw new BlockException(d.name + ": Image is corrupt: L1 entry " + l1i + " (0x" + Long.toHexString(l1e)
                    + ") has reserved bits set");
        }
        d.checkMetadataOffset("L2 table", off, l1e);
        return d.l2Cache.get(l1i, off);
    }


    /**
     * The L2 entry for {@code offset} and, in {@link #lookupBytes}, how many bytes from there
     * (at most {@code max}) map the same way: same type and, for data, contiguous host clusters.
     * Under the lock.
     */
    long lookup(long offset, long max) throws IOException {
        long cluster = offset >>> d.clusterBits;
        int inCluster = (int) (offset & (d.clusterSize - 1));
        int l1i = (int) (cluster >>> d.l2Bits);
        int l2i = (int) (cluster & ((1 << d.l2Bits) - 1));
        long tableEnd = ((long) (l1i + 1) << (d.l2Bits + d.clusterBits)) - offset;
        long avail = Math.min(max, tableEnd);
        ByteBuffer t = l1i < d.l1.length ? l2Table(l1i) : null;
        if (t == null) {
            lookupBytes = avail;
            return 0;
        }
        long e0 = t.getLong(l2i << 3);
        int type = Qcow2Driver.entryType(e0);
        if (type == Qcow2Driver.TYPE_NORMAL) {
            checkDataEntry(e0, offset);
        } else if (type == Qcow2Driver.TYPE_ZERO && d.header.version < 3) {
            throw new BlockException(d.name + ": Image is corrupt: Zero cluster entry found in pre-v3 image"
                    + " (L2 offset: 0x" + Long.toHexString(d.l1[l1i] & Qcow2Driver.L1E_OFFSET_MASK)
                    + ", L2 index: " + (l2i == 0 ? "0" : "0x" + Integer.toHexString(l2i)) + ")");
        }
        long n = d.clusterSize - inCluster;
        long host0 = e0 & Qcow2Driver.L2E_OFFSET_MASK;
        int entries = 1 << d.l2Bits;
        for (int i = l2i + 1; n < avail && i < entries && type != Qcow2Driver.TYPE_COMPRESSED; i++) {
            long e = t.getLong(i << 3);
            if (Qcow2Driver.entryType(e) != type) {
                break;
            }
            long host = e & Qcow2Driver.L2E_OFFSET_MASK;
            if (host0 == 0 ? host != 0 : host != host0 + ((long) (i - l2i) << d.clusterBits)) {
                break;
            }
            n += d.clusterSize;
        }
        lookupBytes = Math.min(n, avail);
        return e0;
    }

    static boolean inPlace(long e) {
        long flags = Qcow2Driver.OFLAG_COPIED | Qcow2Driver.OFLAG_COMPRESSED | Qcow2Driver.OFLAG_ZERO;
        return (e & flags) == Qcow2Driver.OFLAG_COPIED && (e & Qcow2Driver.L2E_OFFSET_MASK) != 0;
    }

    /**
     * The L2 table of {@code l1i}, allocated (zeroed) or copied (if shared) as needed so that it
     * may be modified. New tables are written, after the refcounts, before the L1 entry. Under the lock.
     */
    ByteBuffer ensureL2(int l1i) throws IOException {
        long l1e = d.l1[l1i];
        long off = l1e & Qcow2Driver.L1E_OFFSET_MASK;
        if (off != 0 && (l1e & Qcow2Driver.OFLAG_COPIED) != 0) {
            return l2Table(l1i);
        }
        byte[] copy = null;
        if (off != 0) {
            ByteBuffer src = l2Table(l1i);
            copy = new byte[d.clusterSize];
            src.get(0, copy);
        }
        long newOff = d.refcounts.alloc(1);
        ByteBuffer t = d.l2Cache.create(l1i, newOff);
        if (copy != null) {
            t.put(0, copy);
        }
        d.l2Cache.writeNow(l1i);
        d.flushFileForOrdering();
        writeL1Entry(l1i, newOff | Qcow2Driver.OFLAG_COPIED);
        if (off != 0) {
            d.refcounts.free(off, 1);
        }
        return d.l2Cache.get(l1i, newOff);
    }

    void writeL1Entry(int l1i, long value) throws IOException {
        d.l1[l1i] = value;
        ByteBuffer b = ByteBuffer.allocate(8).putLong(0, value);
        d.file.coPwritev(d.header.l1TableOffset + (long) l1i * 8, b, 0, 8, 0);
    }

    /** Queues the clusters entry {@code e} referenced for a refcount decrement after the next L2 flush. */
    void releaseEntry(long e) throws IOException {
        switch (Qcow2Driver.entryType(e)) {
            case Qcow2Driver.TYPE_NORMAL, Qcow2Driver.TYPE_ZERO -> {
                long host = e & Qcow2Driver.L2E_OFFSET_MASK;
                if (host != 0) {
                    deferFree(host, 1);
                }
            }
            case Qcow2Driver.TYPE_COMPRESSED -> {
                long host = d.compressedOffset(e) & ~511L;
                long end = host + (long) d.compressedSectors(e) * 512;
                long first = host >>> d.clusterBits;
                long last = (end - 1) >>> d.clusterBits;
                deferFree(first << d.clusterBits, (int) (last - first + 1));
            }
            default -> { }
        }
    }

    private void deferFree(long host, int n) throws IOException {
        if (2 * pendingFreeCount + 2 > pendingFrees.length) {
            pendingFrees = Arrays.copyOf(pendingFrees, pendingFrees.length * 2);
        }
        pendingFrees[2 * pendingFreeCount] = host;
        pendingFrees[2 * pendingFreeCount + 1] = n;
        pendingFreeCount++;
        if (pendingFreeCount >= MAX_PENDING_FREES) {
            d.flushMetadata();
        }
    }

    /** Applies the held-back refcount decrements once the L2 tables that dropped them are stable. */
    void applyPendingFrees() throws IOException {
        if (pendingFreeCount > 0) {
            d.file.coFlush();
            int count = pendingFreeCount;
            pendingFreeCount = 0;
            for (int i = 0; i < count; i++) {
                d.refcounts.free(pendingFrees[2 * i], (int) pendingFrees[2 * i + 1]);
            }
        }
    }
}
