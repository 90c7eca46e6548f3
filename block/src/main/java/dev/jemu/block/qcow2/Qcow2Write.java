package dev.jemu.block.qcow2;

import dev.jemu.block.BlockException;
import dev.jemu.block.RequestFlags;
import dev.jemu.coroutine.CoQueue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Guest writes: in place where the clusters are the active layer's own, otherwise allocating
 * new clusters with copy-on-write of the partial head and tail, and compressed cluster writes.
 * Allocations in flight are tracked so that concurrent allocating writes (and zeroing) of the
 * same guest clusters wait for each other. Metadata under the image's mutex; data I/O outside it.
 */
final class Qcow2Write {
    private final Qcow2Driver d;
    private final CoQueue allocWaiters = new CoQueue();
    private long[] inflightAllocs = new long[16];
    private int inflightCount;
    private long compressedFreeByte;

    Qcow2Write(Qcow2Driver d) {
        this.d = d;
    }

        void write(long offset, ByteBuffer buf, int bufOffset, int bytes, int flags) throws IOException {
        if (offset + bytes > d.header.size) {
            throw new BlockException(d.name + ": Input/output error: write at offset " + offset + " of " + bytes
                    + " bytes is past the end of the disk (" + d.header.size + " bytes)");
        }
        if ((flags & RequestFlags.COMPRESSED) != 0) {
            writeCompressed(offset, buf, bufOffset, bytes);
        } else {
            while (bytes > 0) {
                int n = writeStep(offset, buf, bufOffset, bytes);
                offset += n;
                bufOffset += n;
                bytes -= n;
            }
        }
        if ((flags & RequestFlags.FUA) != 0) {
            d.coFlush();
        }
    }
    /** Writes a prefix of the request that maps one way; returns its length. */
    int writeStep(long offset, ByteBuffer buf, int bufOffset, int bytes) throws IOException {
        long cluster = offset >>> d.clusterBits;
        int inCluster = (int) (offset & (d.clusterSize - 1));
        int l1i = (int) (cluster >>> d.l2Bits);
        int l2i = (int) (cluster & ((1 << d.l2Bits) - 1));
        int entries = 1 << d.l2Bits;
        long tableEnd = ((long) (l1i + 1) << (d.l2Bits + d.clusterBits)) - offset;
        int max = (int) Math.min(bytes, tableEnd);
        d.lock.lock();
        boolean locked = true;
        boolean registered = false;
        long[] old = null;
        int nClusters = 0;
        try {
            d.markDirtyForLazyRefcounts();
            while (true) {
                ByteBuffer t = (d.l1[l1i] & Qcow2Driver.OFLAG_COPIED) != 0 ? d.map.l2Table(l1i) : null;
                if (t != null) {
                    long e0 = t.getLong(l2i << 3);
                    if (Qcow2ClusterMap.inPlace(e0)) {
                        d.map.checkDataEntry(e0, offset);
                        long host0 = e0 & Qcow2Driver.L2E_OFFSET_MASK;
                        int n = d.clusterSize - inCluster;
                        for (int i = l2i + 1; n < max && i < entries; i++) {
                            long e = t.getLong(i << 3);
                            long next = host0 + ((long) (i - l2i) << d.clusterBits);
                            if (!Qcow2ClusterMap.inPlace(e) || (e & Qcow2Driver.L2E_OFFSET_MASK) != next) {
                                break;
                            }
                            n += d.clusterSize;
                        }
                        n = Math.min(n, max);
                        d.lock.unlock();
                        locked = false;
                        d.file.coPwritev(host0 + inCluster, buf, bufOffset, n, 0);
                        return n;
                    }
                }
                // Allocation: the clusters up to the first one that could be written in place.
                nClusters = (int) ((inCluster + (long) max + d.clusterSize - 1) >>> d.clusterBits);
                if (t != null) {
                    for (int i = 1; i < nClusters; i++) {
                        if (Qcow2ClusterMap.inPlace(t.getLong((l2i + i) << 3))) {
                            nClusters = i;
                            break;
                        }
                    }
                }
                if (waitForInflight(cluster, nClusters)) {
                    continue;
                }
                break;
            }
            addInflight(cluster, nClusters);
            registered = true;
            ByteBuffer t = d.map.ensureL2(l1i);
            old = new long[nClusters];
            for (int i = 0; i < nClusters; i++) {
                old[i] = t.getLong((l2i + i) << 3);
                if (Qcow2Driver.entryType(old[i]) == Qcow2Driver.TYPE_NORMAL) {
                    d.map.checkDataEntry(old[i], (cluster + i) << d.clusterBits);
                }
            }
            long host = d.refcounts.alloc(nClusters);
            // Clusters past the end of the file never held data: zero COW areas need no write.
            boolean fresh = host >= d.file.length();
            d.lock.unlock();
            locked = false;

            int n = (int) Math.min(max, ((long) nClusters << d.clusterBits) - inCluster);
            writeWithCow(host, cluster << d.clusterBits, nClusters, inCluster, n, old, fresh, buf, bufOffset);

            d.lock.lock();
            locked = true;
            t = d.map.l2Table(l1i);
            for (int i = 0; i < nClusters; i++) {
                t.putLong((l2i + i) << 3, (host + ((long) i << d.clusterBits)) | Qcow2Driver.OFLAG_COPIED);
            }
            d.l2Cache.markDirty(l1i);
            for (int i = 0; i < nClusters; i++) {
                d.map.releaseEntry(old[i]);
            }
            return n;
        } finally {
            if (registered) {
                if (!locked) {
                    d.lock.lock();
                    locked = true;
                }
                removeInflight(cluster);
                allocWaiters.restartAll();
            }
            if (locked) {
                d.lock.unlock();
            }
        }
    }

    /**
     * Writes guest data {@code buf[bufOffset, +n)} at byte {@code inCluster} of the newly
     * allocated run {@code host} of {@code nClusters}, filling the rest of the run's first and
     * last cluster with their old content (copy-on-write from {@code old} entries). When the run
     * is {@code fresh} (past the end of the file) areas whose old content is zeros are left as
     * holes.
     */
    private void writeWithCow(long host, long runStart, int nClusters, int inCluster, int n, long[] old,
                              boolean fresh, ByteBuffer buf, int bufOffset) throws IOException {
        int tailStart = inCluster + n;
        int runBytes = nClusters << d.clusterBits;
        long lastCluster = runStart + runBytes - d.clusterSize;
        boolean head = inCluster > 0 && !(fresh && readsAsZero(old[0], runStart));
        boolean tail = tailStart < runBytes && !(fresh && readsAsZero(old[nClusters - 1], lastCluster));
        if (!head && !tail) {
            d.file.coPwritev(host + inCluster, buf, bufOffset, n, 0);
            return;
        }
        int start = head ? 0 : inCluster;
        int end = tail ? runBytes : tailStart;
        if (end - start <= (4 << 20)) {
            ByteBuffer whole = ByteBuffer.allocate(end - start);
            if (head) {
                d.readMapped(old[0], runStart, whole, 0, inCluster);
            }
            if (tail) {
                d.readMapped(old[nClusters - 1], runStart + tailStart, whole, tailStart - start, runBytes - tailStart);
            }
            whole.put(inCluster - start, buf, bufOffset, n);
            d.file.coPwritev(host + start, whole, 0, end - start, 0);
            return;
        }
        if (head) {
            ByteBuffer headBuf = ByteBuffer.allocate(inCluster);
            d.readMapped(old[0], runStart, headBuf, 0, inCluster);
            d.file.coPwritev(host, headBuf, 0, inCluster, 0);
        }
        if (tail) {
            int tailLen = runBytes - tailStart;
            ByteBuffer tailBuf = ByteBuffer.allocate(tailLen);
            d.readMapped(old[nClusters - 1], runStart + tailStart, tailBuf, 0, tailLen);
            d.file.coPwritev(host + tailStart, tailBuf, 0, tailLen, 0);
        }
        d.file.coPwritev(host + inCluster, buf, bufOffset, n, 0);
    }

    /** Whether the guest cluster at {@code clusterStart} mapped by {@code e} reads as zeros without I/O. */
    private boolean readsAsZero(long e, long clusterStart) {
        return switch (Qcow2Driver.entryType(e)) {
            case Qcow2Driver.TYPE_ZERO -> true;
            case Qcow2Driver.TYPE_UNALLOCATED -> d.backing == null || clusterStart >= d.backing.length();
            default -> false;
        };
    }

    boolean waitForInflight(long cluster, int n) {
        for (int i = 0; i < inflightCount; i++) {
            long s = inflightAllocs[2 * i];
            long e = inflightAllocs[2 * i + 1];
            if (s < cluster + n && cluster < e) {
                allocWaiters.await(d.lock);
                return true;
            }
        }
        return false;
    }

    private void addInflight(long cluster, int n) {
        if (2 * inflightCount + 2 > inflightAllocs.length) {
            inflightAllocs = Arrays.copyOf(inflightAllocs, inflightAllocs.length * 2);
        }
        inflightAllocs[2 * inflightCount] = cluster;
        inflightAllocs[2 * inflightCount + 1] = cluster + n;
        inflightCount++;
    }

    private void removeInflight(long cluster) {
        for (int i = 0; i < inflightCount; i++) {
            if (inflightAllocs[2 * i] == cluster) {
                inflightCount--;
                inflightAllocs[2 * i] = inflightAllocs[2 * inflightCount];
                inflightAllocs[2 * i + 1] = inflightAllocs[2 * inflightCount + 1];
                return;
            }
        }
    }

    private void writeCompressed(long offset, ByteBuffer buf, int bufOffset, int bytes) throws IOException {
        if ((offset & (d.clusterSize - 1)) != 0 || bytes > d.clusterSize
                || (bytes < d.clusterSize && offset + bytes != d.header.size)) {
            throw new BlockException(d.name + ": compressed writes must cover one whole cluster");
        }
        ByteBuffer src = buf.slice(bufOffset, bytes);
        if (bytes < d.clusterSize) {
            ByteBuffer padded = ByteBuffer.allocate(d.clusterSize);
            padded.put(0, src, 0, bytes);
            src = padded;
        }
        byte[] out = new byte[d.clusterSize];
        int len = d.compression.deflate(src.duplicate(), out, d.clusterSize - 512);
        if (len < 0) {
            writeStep(offset, buf, bufOffset, bytes);
            return;
        }
        long cluster = offset >>> d.clusterBits;
        int l1i = (int) (cluster >>> d.l2Bits);
        int l2i = (int) (cluster & ((1 << d.l2Bits) - 1));
        long start;
        d.lock.lock();
        try {
            d.markDirtyForLazyRefcounts();
            ByteBuffer t = d.map.ensureL2(l1i);
            long old = t.getLong(l2i << 3);
            if (Qcow2Driver.entryType(old) == Qcow2Driver.TYPE_NORMAL || Qcow2Driver.entryType(old) == Qcow2Driver.TYPE_COMPRESSED) {
                d.lock.unlock();
                try {
                    writeStep(offset, buf, bufOffset, bytes);
                } finally {
                    d.lock.lock();
                }
                return;
            }
            long free = compressedFreeByte;
            long room = free == 0 ? 0 : d.clusterSize - (free & (d.clusterSize - 1));
            if (free != 0 && (free & (d.clusterSize - 1)) != 0 && room >= len && d.refcounts.get(free >>> d.clusterBits) > 0) {
                start = free;
                d.refcounts.update(start >>> d.clusterBits, 1);
            } else {
                int n = (len + d.clusterSize - 1) >>> d.clusterBits;
                start = d.refcounts.alloc(n);
            }
            compressedFreeByte = (start + len + 511) & ~511L;
        } finally {
            d.lock.unlock();
        }
        d.file.coPwritev(start, ByteBuffer.wrap(out), 0, len, 0);
        d.lock.lock();
        try {
            ByteBuffer t = d.map.ensureL2(l1i);
            long old = t.getLong(l2i << 3);
            int sectors = (int) (((start + len - 1) >>> 9) - (start >>> 9) + 1);
            long desc = Qcow2Driver.OFLAG_COMPRESSED | ((long) (sectors - 1) << d.compressedShift()) | start;
            t.putLong(l2i << 3, desc);
            d.l2Cache.markDirty(l1i);
            d.map.releaseEntry(old);
        } finally {
            d.lock.unlock();
        }
    }
}
