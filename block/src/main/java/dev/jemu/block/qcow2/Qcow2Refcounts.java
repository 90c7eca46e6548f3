package dev.jemu.block.qcow2;

import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Refcounts of host clusters (refcount table in memory, refcount blocks in a
 * {@link Qcow2Cache}) and the cluster allocator. Growing the refcount structures is
 * self-referential: a new refcount block is placed where it can count itself when possible,
 * and a new refcount table is placed after the used area together with the blocks that cover
 * it. New blocks and tables are written before anything points to them. Used only under the
 * image's metadata mutex.
 */
final class Qcow2Refcounts {
    /** Bits 9..63 of a refcount table entry hold the block offset. */
    static final long REFT_OFFSET_MASK = 0xffffffffffffff00L << 1;

    private final Qcow2Driver img;
    private final BlockDriverState file;
    private final int clusterBits;
    private final int clusterSize;
    private final int order;
    private final int blockBits;
    private final long maxRefcount;
    final Qcow2Cache blocks;
    long[] table;
    long tableOffset;
    int tableClusters;
    private long freeHint;
    /** During repair: clusters referenced by metadata, never handed out. */
    int[] reserved;

    Qcow2Refcounts(Qcow2Driver img, long[] table, int cacheSlots) {
        this.img = img;
        this.file = img.file;
        this.clusterBits = img.clusterBits;
        this.clusterSize = 1 << clusterBits;
        this.order = img.header.refcountOrder;
        this.blockBits = clusterBits + 3 - order;
        this.maxRefcount = order == 6 ? Long.MAX_VALUE : (1L << (1 << order)) - 1;
        this.table = table;
        this.tableOffset = img.header.refcountTableOffset;
        this.tableClusters = img.header.refcountTableClusters;
        this.blocks = new Qcow2Cache(file, clusterSize, cacheSlots, table.length);
    }

    /** Refcount entries per block, as a shift. */
    int blockBits() {
        return blockBits;
    }

    /** The largest refcount the width allows. */
    long maxRefcount() {
        return maxRefcount;
    }

    /** Reads entry {@code index} of a refcount block. */
    long read(ByteBuffer block, int index) {
        return switch (order) {
            case 6 -> block.getLong(index << 3);
            case 5 -> block.getInt(index << 2) & 0xffffffffL;
            case 4 -> block.getShort(index << 1) & 0xffff;
            case 3 -> block.get(index) & 0xff;
            default -> {
                int bits = 1 << order;
                int bit = index << order;
                yield (block.get(bit >>> 3) >>> (bit & 7)) & ((1 << bits) - 1);
            }
        };
    }

    /** Writes entry {@code index} of a refcount block. */
    void write(ByteBuffer block, int index, long value) {
        switch (order) {
            case 6 -> block.putLong(index << 3, value);
            case 5 -> block.putInt(index << 2, (int) value);
            case 4 -> block.putShort(index << 1, (short) value);
            case 3 -> block.put(index, (byte) value);
            default -> {
                int bits = 1 << order;
                int bit = index << order;
                int mask = ((1 << bits) - 1) << (bit & 7);
                int old = block.get(bit >>> 3) & 0xff;
                block.put(bit >>> 3, (byte) ((old & ~mask) | ((int) value << (bit & 7) & mask)));
            }
        }
    }

    /** The block of refcount-table index {@code ti}, or null if it is not allocated. */
    private ByteBuffer block(int ti) throws IOException {
        long off = table[ti] & REFT_OFFSET_MASK;
        if (off == 0) {
            return null;
        }
        img.checkMetadataOffset("refcount block", off, table[ti]);
        return blocks.get(ti, off);
    }

    /** The refcount of host cluster {@code cluster}. */
    long get(long cluster) throws IOException {
        long ti = cluster >>> blockBits;
        if (ti >= table.length) {
            return 0;
        }
        ByteBuffer b = block((int) ti);
        return b == null ? 0 : read(b, (int) (cluster & ((1L << blockBits) - 1)));
    }

    /** Adds {@code delta} to the refcount of {@code cluster}, creating its block if needed. */
    void update(long cluster, long delta) throws IOException {
        long ti = cluster >>> blockBits;
        ensureBlock(ti);
        ByteBuffer b = block((int) ti);
        int idx = (int) (cluster & ((1L << blockBits) - 1));
        long old = read(b, idx);
        long now = old + delta;
        if (now < 0 || (delta > 0 && (now > maxRefcount || now < old))) {
            throw new BlockException(img.name + ": Image is corrupt: refcount of cluster 0x"
                    + Long.toHexString(cluster << clusterBits) + " would become " + now
                    + (now < 0 ? " (freeing a free cluster)" : " (more than the refcount width allows)"));
        }
        write(b, idx, now);
        blocks.markDirty((int) ti);
        if (now == 0 && cluster < freeHint) {
            freeHint = cluster;
        }
    }

    /** Allocates {@code n} contiguous clusters with refcount 1; returns the byte offset of the first. */
    long alloc(int n) throws IOException {
        while (true) {
            long start = findFree(n);
            boolean created = false;
            for (long ti = start >>> blockBits; ti <= (start + n - 1) >>> blockBits; ti++) {
                if (ti >= table.length || table[(int) ti] == 0) {
                    ensureBlock(ti);
                    created = true;
                }
            }
            if (created) {
                continue;
            }
            for (long c = start; c < start + n; c++) {
                update(c, 1);
            }
            if (start + n > freeHint) {
                freeHint = start + n;
            }
            return start << clusterBits;
        }
    }

    /** Decrements the refcounts of {@code n} clusters from byte offset {@code offset}. */
    void free(long offset, int n) throws IOException {
        for (long c = offset >>> clusterBits; c < (offset >>> clusterBits) + n; c++) {
            update(c, -1);
        }
    }

    /** Lowest run of {@code n} clusters whose refcount is 0 (clusters of missing blocks count as 0). */
    private long findFree(int n) throws IOException {
        long c = freeHint;
        long runStart = c;
        long mask = (1L << blockBits) - 1;
        while (c - runStart < n) {
            long ti = c >>> blockBits;
            boolean free;
            if (ti >= table.length || (table[(int) ti] & REFT_OFFSET_MASK) == 0) {
                if (reserved == null) {
                    long blockEnd = (ti + 1) << blockBits;
                    c = Math.min(blockEnd, runStart + n);
                    continue;
                }
                free = true;
            } else {
                free = read(block((int) ti), (int) (c & mask)) == 0;
            }
            if (free && reserved != null && c < reserved.length && reserved[(int) c] != 0) {
                free = false;
            }
            if (!free) {
                runStart = c + 1;
            }
            c++;
        }
        return runStart;
    }

    /** Makes sure refcount-table index {@code ti} has a block. */
    private void ensureBlock(long ti) throws IOException {
        if (ti >= table.length) {
            growTable(ti);
        }
        while (table[(int) ti] == 0) {
            long r = findFree(1);
            long rti = r >>> blockBits;
            long off = r << clusterBits;
            if (rti == ti) {
                ByteBuffer b = blocks.create((int) ti, off);
                write(b, (int) (r & ((1L << blockBits) - 1)), 1);
                blocks.writeNow((int) ti);
                setTableEntry((int) ti, off);
                return;
            }
            if (rti < table.length && table[(int) rti] != 0) {
                update(r, 1);
                blocks.flush();
                blocks.create((int) ti, off);
                blocks.writeNow((int) ti);
                setTableEntry((int) ti, off);
                return;
            }
            ensureBlock(rti);
        }
    }

    private void setTableEntry(int ti, long off) throws IOException {
        img.flushFileForOrdering();
        table[ti] = off;
        ByteBuffer e = ByteBuffer.allocate(8).putLong(0, off);
        file.coPwritev(tableOffset + (long) ti * 8, e, 0, 8, 0);
    }

    /** Replaces the refcount table by a larger one able to index {@code needIndex}. */
    private void growTable(long needIndex) throws IOException {
        int perCluster = clusterSize / 8;
        long wanted = Math.max(needIndex + 1, table.length + table.length / 2);
        long newClusters = (wanted + perCluster - 1) / perCluster;
        if (newClusters * clusterSize > Qcow2Header.MAX_REFTABLE_BYTES) {
            throw new BlockException(img.name + ": refcount table would exceed "
                    + (Qcow2Header.MAX_REFTABLE_BYTES >> 20) + " MiB; the image is too large");
        }
        int k = (int) newClusters;
        long[] newTable = Arrays.copyOf(table, k * perCluster);
        int m = 0;
        long start;
        int missing;
        while (true) {
            start = findFree(k + m);
            missing = 0;
            long lastTi = -1;
            for (long c = start; c < start + k + m; c++) {
                long ti = c >>> blockBits;
                if (ti != lastTi && (ti >= newTable.length || newTable[(int) ti] == 0)) {
                    missing++;
                }
                lastTi = ti;
            }
            if (missing <= m) {
                break;
            }
            m = missing;
        }
        // New blocks sit right after the new table; each counts what it covers.
        long blockCluster = start + k;
        long[] newBlockTi = new long[missing];
        ByteBuffer[] newBlocks = new ByteBuffer[missing];
        int nb = 0;
        long lastTi = -1;
        for (long c = start; c < start + k + m; c++) {
            long ti = c >>> blockBits;
            if (ti != lastTi && (ti >= newTable.length || newTable[(int) ti] == 0) && nb < missing) {
                if (ti >= newTable.length) {
                    throw new BlockException(img.name + ": refcount table growth did not converge");
                }
                newBlockTi[nb] = ti;
                newBlocks[nb] = ByteBuffer.allocate(clusterSize);
                newTable[(int) ti] = (blockCluster + nb) << clusterBits;
                nb++;
            }
            lastTi = ti;
        }
        long used = k + (long) nb;
        for (long c = start; c < start + used; c++) {
            long ti = c >>> blockBits;
            int idx = (int) (c & ((1L << blockBits) - 1));
            int which = indexOf(newBlockTi, nb, ti);
            if (which >= 0) {
                write(newBlocks[which], idx, 1);
            } else {
                update(c, 1);
            }
        }
        for (int i = 0; i < nb; i++) {
            file.coPwritev((blockCluster + i) << clusterBits, newBlocks[i], 0, clusterSize, 0);
        }
        blocks.flush();
        ByteBuffer t = ByteBuffer.allocate(k * clusterSize);
        for (int i = 0; i < newTable.length; i++) {
            t.putLong(i * 8, newTable[i]);
        }
        file.coPwritev(start << clusterBits, t, 0, t.capacity(), 0);
        img.flushFileForOrdering();
        ByteBuffer hdr = ByteBuffer.allocate(12).putLong(0, start << clusterBits).putInt(8, k);
        file.coPwritev(Qcow2Header.OFF_REFTABLE_OFFSET, hdr, 0, 12, 0);
        img.flushFileForOrdering();
        long oldOffset = tableOffset;
        int oldClusters = tableClusters;
        table = newTable;
        tableOffset = start << clusterBits;
        tableClusters = k;
        img.header.refcountTableOffset = tableOffset;
        img.header.refcountTableClusters = k;
        blocks.growKeySpace(newTable.length);
        free(oldOffset, oldClusters);
    }

    private static int indexOf(long[] values, int n, long v) {
        for (int i = 0; i < n; i++) {
            if (values[i] == v) {
                return i;
            }
        }
        return -1;
    }

    /** Number of host clusters the refcount structure could describe as used (highest in-use + 1). */
    long usedEnd(long fileClusters) throws IOException {
        long end = 0;
        for (long c = 0; c < fileClusters; c++) {
            if (get(c) != 0) {
                end = c + 1;
            }
        }
        return end;
    }

    /** Sets the refcount of {@code cluster} to exactly {@code value} (repair). */
    void set(long cluster, long value) throws IOException {
        long cur = get(cluster);
        if (cur != value) {
            update(cluster, value - cur);
        }
    }

    /** Restarts the free-cluster search from the start (after repair). */
    void resetHint() {
        freeHint = 0;
    }
}
