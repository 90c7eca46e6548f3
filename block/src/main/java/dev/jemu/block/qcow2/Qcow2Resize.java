package dev.jemu.block.qcow2;

import dev.jemu.block.BlockException;
import dev.jemu.block.Preallocation;
import dev.jemu.block.RequestFlags;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Resizing the virtual disk (growing the L1 table, dropping the clusters past a smaller size)
 * and preallocation of a range's L2 tables and data clusters. Metadata under the image's mutex.
 */
final class Qcow2Resize {
    private final Qcow2Driver d;

    Qcow2Resize(Qcow2Driver d) {
        this.d = d;
    }

    void truncate(long newSize, Preallocation prealloc) throws IOException {
        // Internal snapshots keep their own L1 tables (and sizes): as in qemu-img 7.2, only the
        // active layer changes; shared L2 tables and clusters lose one reference each.
        if ((newSize & 511) != 0) {
            throw new BlockException(d.name + ": The new size must be a multiple of 512");
        }
        if (newSize > Qcow2Header.MAX_VIRTUAL_SIZE) {
            throw new BlockException(d.name + ": Image size too large");
        }
        long oldSize = d.header.size;
        d.lock.lock();
        try {
            d.markDirtyForLazyRefcounts();
            if (newSize > oldSize) {
                long need = Qcow2Header.l1EntriesFor(newSize, d.clusterBits);
                if (need > d.l1.length) {
                    growL1(need);
                }
            } else if (newSize < oldSize) {
                d.lock.unlock();
                try {
                    d.zeroes.zeroClusters((newSize + d.clusterSize - 1) & -d.clusterSize,
                            (oldSize + d.clusterSize - 1) & -d.clusterSize, RequestFlags.MAY_UNMAP, false, true);
                } finally {
                    d.lock.lock();
                }
                for (int l1i = (int) Qcow2Header.l1EntriesFor(newSize, d.clusterBits); l1i < d.l1.length; l1i++) {
                    long off = d.l1[l1i] & Qcow2Driver.L1E_OFFSET_MASK;
                    if (off != 0) {
                        d.l2Cache.flush();
                        d.map.writeL1Entry(l1i, 0);
                        d.l2Cache.discard(l1i);
                        d.flushFileForOrdering();
                        d.refcounts.free(off, 1);
                    }
                }
            }
            d.flushMetadata();
            ByteBuffer b = ByteBuffer.allocate(8).putLong(0, newSize);
            d.file.coPwritev(Qcow2Header.OFF_SIZE, b, 0, 8, 0);
            d.file.coFlush();
            d.header.size = newSize;
        } finally {
            d.lock.unlock();
        }
        if (newSize > oldSize && prealloc != Preallocation.OFF) {
            preallocate(oldSize, newSize, prealloc);
        }
    }

    /** Replaces the L1 table by one of at least {@code entries} entries. Under the lock. */
    void growL1(long entries) throws IOException {
        long wanted = Math.max(entries, d.l1.length + d.l1.length / 2);
        wanted = Math.min(Math.max(wanted, entries), Qcow2Header.MAX_L1_BYTES / 8);
        if (entries > Qcow2Header.MAX_L1_BYTES / 8) {
            throw new BlockException(d.name + ": Image size too large: the L1 table would exceed "
                    + (Qcow2Header.MAX_L1_BYTES >> 20) + " MiB");
        }
        int newEntries = (int) wanted;
        int clusters = (int) ((newEntries * 8L + d.clusterSize - 1) >>> d.clusterBits);
        long newOffset = d.refcounts.alloc(clusters);
        ByteBuffer b = ByteBuffer.allocate(clusters << d.clusterBits);
        for (int i = 0; i < d.l1.length; i++) {
            b.putLong(i * 8, d.l1[i]);
        }
        d.flushRefcountsForOrdering();
        d.file.coPwritev(newOffset, b, 0, b.capacity(), 0);
        d.flushFileForOrdering();
        ByteBuffer h = ByteBuffer.allocate(12).putInt(0, newEntries).putLong(4, newOffset);
        d.file.coPwritev(Qcow2Header.OFF_L1_SIZE, h, 0, 12, 0);
        d.file.coFlush();
        long oldOffset = d.header.l1TableOffset;
        int oldClusters = (int) ((d.l1.length * 8L + d.clusterSize - 1) >>> d.clusterBits);
        d.header.l1TableOffset = newOffset;
        d.header.l1Size = newEntries;
        d.l1 = Arrays.copyOf(d.l1, newEntries);
        d.l2Cache.growKeySpace(newEntries);
        if (oldOffset != 0 && oldClusters > 0) {
            d.refcounts.free(oldOffset, oldClusters);
        }
    }

    /**
     * Allocates L2 tables and data clusters for every guest cluster of {@code [from, to)} that
     * is not allocated; with FULL or FALLOC the data clusters are also written or reserved.
     */
    void preallocate(long from, long to, Preallocation mode) throws IOException {
        long cluster = from >>> d.clusterBits;
        long endCluster = (to + d.clusterSize - 1) >>> d.clusterBits;
        while (cluster < endCluster) {
            int l1i = (int) (cluster >>> d.l2Bits);
            int l2i = (int) (cluster & ((1 << d.l2Bits) - 1));
            int n = (int) Math.min(endCluster - cluster, (1 << d.l2Bits) - l2i);
            long host;
            d.lock.lock();
            try {
                ByteBuffer t = d.map.ensureL2(l1i);
                int free = 0;
                while (free < n && Qcow2Driver.entryType(t.getLong((l2i + free) << 3)) == Qcow2Driver.TYPE_UNALLOCATED) {
                    free++;
                }
                if (free == 0) {
                    cluster++;
                    continue;
                }
                n = free;
                host = d.refcounts.alloc(n);
                t = d.map.l2Table(l1i);
                for (int i = 0; i < n; i++) {
                    t.putLong((l2i + i) << 3, (host + ((long) i << d.clusterBits)) | Qcow2Driver.OFLAG_COPIED);
                }
                d.l2Cache.markDirty(l1i);
                d.flushMetadata();
            } finally {
                d.lock.unlock();
            }
            long end = host + ((long) n << d.clusterBits);
            if (mode == Preallocation.FULL) {
                ByteBuffer z = ByteBuffer.wrap(Qcow2Driver.ZEROES);
                for (long p = host; p < end; p += Qcow2Driver.ZEROES.length) {
                    d.file.coPwritev(p, z, 0, (int) Math.min(Qcow2Driver.ZEROES.length, end - p), 0);
                }
            } else if (end > d.file.length()) {
                d.file.coTruncate(end, mode == Preallocation.FALLOC ? Preallocation.FALLOC : Preallocation.OFF);
            }
            cluster += n;
        }
    }
}
