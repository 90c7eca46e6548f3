package dev.jemu.block.qcow2;

import dev.jemu.block.BlockException;
import dev.jemu.block.RequestFlags;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Zero writes and discards: partial clusters are written as zeros, whole clusters get the zero
 * flag (version 3) or lose their mapping, and released host clusters are punched out of the file.
 * Metadata under the image's mutex.
 */
final class Qcow2Zeroes {
    private final Qcow2Driver d;

    Qcow2Zeroes(Qcow2Driver d) {
        this.d = d;
    }

        void writeZeroes(long offset, long bytes, int flags) throws IOException {
        if (offset + bytes > d.header.size) {
            throw new BlockException(d.name + ": Input/output error: zero write at offset " + offset + " of " + bytes
                    + " bytes is past the end of the disk (" + d.header.size + " bytes)");
        }
        if (d.header.version < 3 && d.backing != null) {
            throw new UnsupportedOperationException("qcow2 v2 cannot mark clusters as zero");
        }
        long end = offset + bytes;
        long first = (offset + d.clusterSize - 1) & -d.clusterSize;
        long last = end & -d.clusterSize;
        if (first >= last) {
            writeZeroBuffer(offset, bytes);
            return;
        }
        if (first > offset) {
            writeZeroBuffer(offset, first - offset);
        }
        zeroClusters(first, last, d.header.version >= 3 ? flags : flags | RequestFlags.MAY_UNMAP, true, false);
        if (last < end) {
            writeZeroBuffer(last, end - last);
        }
        if ((flags & RequestFlags.FUA) != 0) {
            d.coFlush();
        }
    }

    private void writeZeroBuffer(long offset, long bytes) throws IOException {
        ByteBuffer z = ByteBuffer.wrap(Qcow2Driver.ZEROES);
        while (bytes > 0) {
            int n = (int) Math.min(bytes, Qcow2Driver.ZEROES.length);
            d.coPwritev(offset, z, 0, n, 0);
            offset += n;
            bytes -= n;
        }
    }

        void discard(long offset, long bytes) throws IOException {
        long end = Math.min(offset + bytes, d.header.size);
        long first = (offset + d.clusterSize - 1) & -d.clusterSize;
        long last = end == d.header.size ? (end + d.clusterSize - 1) & -d.clusterSize : end & -d.clusterSize;
        if (first < last) {
            zeroClusters(first, last, RequestFlags.MAY_UNMAP, false, false);
        }
    }

    /**
     * Drops every cluster of the active state so that the whole disk reads from the backing file
     * again (what {@code commit} does to the committed image). Coroutine function.
     */
    void makeEmpty() throws IOException {
        zeroClusters(0, (d.header.size + d.clusterSize - 1) & -d.clusterSize, RequestFlags.MAY_UNMAP, false, true);
        d.coFlush();
    }

    /**
     * Makes whole clusters in {@code [start, end)} read as zeros ({@code zero}) or discards them.
     * With MAY_UNMAP their host clusters are released, otherwise an allocated cluster stays
     * allocated with the zero flag. A discard leaves zero-flagged entries over a backing file
     * unless {@code full}, which makes the clusters unallocated (reading the backing file).
     */
    void zeroClusters(long start, long end, int flags, boolean zero, boolean full) throws IOException {
        boolean unmap = (flags & RequestFlags.MAY_UNMAP) != 0;
        long cluster = start >>> d.clusterBits;
        long endCluster = end >>> d.clusterBits;
        List<long[]> punch = new ArrayList<>();
        d.lock.lock();
        try {
            d.markDirtyForLazyRefcounts();
            while (cluster < endCluster) {
                int l1i = (int) (cluster >>> d.l2Bits);
                int l2i = (int) (cluster & ((1 << d.l2Bits) - 1));
                int n = (int) Math.min(endCluster - cluster, (1 << d.l2Bits) - l2i);
                if (d.writer.waitForInflight(cluster, n)) {
                    continue;
                }
                if ((d.l1[l1i] & Qcow2Driver.L1E_OFFSET_MASK) == 0 && (!zero || d.backing == null)) {
                    cluster += n;
                    continue;
                }
                ByteBuffer t = d.map.ensureL2(l1i);
                for (int i = 0; i < n; i++) {
                    long e = t.getLong((l2i + i) << 3);
                    int type = Qcow2Driver.entryType(e);
                    long replacement;
                    if (!zero) {
                        replacement = !full && d.backing != null && d.header.version >= 3 ? Qcow2Driver.OFLAG_ZERO : 0;
                    } else if (d.header.version < 3) {
                        replacement = 0;
                    } else if (!unmap && Qcow2ClusterMap.inPlace(e)) {
                        replacement = (e & Qcow2Driver.L2E_OFFSET_MASK) | Qcow2Driver.OFLAG_ZERO | Qcow2Driver.OFLAG_COPIED;
                    } else if (d.backing == null && type == Qcow2Driver.TYPE_UNALLOCATED) {
                        replacement = 0;
                    } else {
                        replacement = Qcow2Driver.OFLAG_ZERO;
                    }
                    if (replacement == e) {
                        continue;
                    }
                    if (type == Qcow2Driver.TYPE_NORMAL) {
                        d.map.checkDataEntry(e, (cluster + i) << d.clusterBits);
                    }
                    t.putLong((l2i + i) << 3, replacement);
                    d.l2Cache.markDirty(l1i);
                    boolean keeps = (replacement & Qcow2Driver.L2E_OFFSET_MASK) != 0;
                    if (!keeps) {
                        if (!zero && Qcow2ClusterMap.inPlace(e)) {
                            punch.add(new long[] {e & Qcow2Driver.L2E_OFFSET_MASK});
                        }
                        d.map.releaseEntry(e);
                    }
                }
                cluster += n;
            }
        } finally {
            d.lock.unlock();
        }
        for (long[] p : punch) {
            d.file.coPdiscard(p[0], d.clusterSize);
        }
    }
}
