package dev.jemu.block.qcow2;

import dev.jemu.block.BlockException;
import dev.jemu.block.BlockGraph;
import dev.jemu.block.SyncIo;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Loading an opened image's metadata: the L1 and refcount tables, the caches, the snapshot
 * table, the backing file, and on a writable open the validation of the refcount table and the
 * repair of a dirty image. Runs on the thread that opens the image, before the driver is shared.
 */
final class Qcow2Open {
    private Qcow2Open() {
    }

    static void load(Qcow2Driver d, Qcow2Driver.BackingOpener opener, Boolean lazyOverride) throws IOException {
        long fileSize = d.file.length();
        d.l1 = readTable(d, d.header.l1TableOffset, d.header.l1Size);
        int rtEntries = d.header.refcountTableClusters * (d.clusterSize / 8);
        long[] rt = readTable(d, d.header.refcountTableOffset, rtEntries);
        int l2Slots = (int) Math.max(16, Math.min(Math.max(d.header.l1Size, 1), (32L << 20) / d.clusterSize));
        d.l2Cache = new Qcow2Cache(d.file, d.clusterSize, l2Slots, Math.max(d.header.l1Size, 1));
        int refSlots = (int) Math.max(4, Math.min(rtEntries, (4L << 20) / d.clusterSize));
        d.refcounts = new Qcow2Refcounts(d, rt, refSlots);
        d.l2Cache.setDependency(d::flushRefcountsForOrdering);
        d.snapshots = List.of();
        if (d.header.nbSnapshots > 0) {
            long len = Math.max(0, Math.min(fileSize - d.header.snapshotsOffset,
                    Qcow2Snapshot.maxTableBytes(d.header.nbSnapshots)));
            if (len > (64L << 20)) {
                len = 64L << 20;
            }
            ByteBuffer st = ByteBuffer.allocate((int) len);
            long off = d.header.snapshotsOffset;
            SyncIo.run(() -> d.file.coPreadv(off, st, 0, st.capacity()));
            d.snapshots = Qcow2Snapshot.parseTable(st, d.header.nbSnapshots, d.forRepair && !d.readOnly);
        }
        d.lazyRefcounts = lazyOverride != null ? lazyOverride
                : (d.header.compatible & Qcow2Header.COMPAT_LAZY_REFCOUNTS) != 0;
        if (d.lazyRefcounts && d.header.version < 3) {
            throw new BlockException("Lazy refcounts require a qcow2 image with at least qemu 1.1 compatibility"
                    + " level");
        }
        if (!d.readOnly && !d.forRepair) {
            validateRefcountTable(d, fileSize);
        }
        if (d.header.backingFile != null && opener != null) {
            String resolved = BlockGraph.resolveBacking(d.name, d.header.backingFile);
            d.backing = opener.open(resolved, d.header.backingFormat);
        }
        if (!d.readOnly && !d.forRepair) {
            SyncIo.run(() -> prepareForWriting(d));
        }
    }

    private static void validateRefcountTable(Qcow2Driver d, long fileSize) throws BlockException {
        long[] rt = d.refcounts.table;
        for (int i = 0; i < rt.length; i++) {
            long off = rt[i] & Qcow2Refcounts.REFT_OFFSET_MASK;
            if (rt[i] == 0) {
                continue;
            }
            if ((rt[i] & 0x1ff) != 0 || (off & (d.clusterSize - 1)) != 0) {
                throw new BlockException("Image is corrupt: refcount block offset 0x"
                        + Long.toHexString(rt[i]) + " unaligned (refcount table entry " + i + ")");
            }
            if (off < d.clusterSize) {
                throw new BlockException("Image is corrupt: refcount block " + i
                        + " points into the image header");
            }
            if (off >= fileSize) {
                throw new BlockException("Image is corrupt: refcount block " + i + " at 0x"
                        + Long.toHexString(off) + " is beyond the end of the file");
            }
            long rtStart = d.header.refcountTableOffset;
            long rtEnd = rtStart + (long) d.header.refcountTableClusters * d.clusterSize;
            long l1Start = d.header.l1TableOffset;
            long l1End = l1Start + Qcow2Header.roundUp((long) d.header.l1Size * 8, d.clusterSize);
            if ((off >= rtStart && off < rtEnd) || (d.header.l1Size > 0 && off >= l1Start && off < l1End)) {
                throw new BlockException("Image is corrupt: refcount block " + i + " at 0x"
                        + Long.toHexString(off) + " overlaps the " + (off >= rtStart && off < rtEnd
                        ? "refcount table" : "L1 table"));
            }
        }
    }

    /** On a writable open: repairs stale refcounts (dirty bit) and clears unknown autoclear bits. */
    private static void prepareForWriting(Qcow2Driver d) throws IOException {
        d.lock.lock();
        try {
            if ((d.header.incompatible & Qcow2Header.INCOMPAT_DIRTY) != 0) {
                Qcow2Check.Result r = new Qcow2Check(d).run(Qcow2Check.REPAIR_ALL);
                if (r.corruptions() - r.corruptionsFixed() > 0) {
                    throw new BlockException("Image is corrupt: could not repair "
                            + "the refcounts of a dirty image");
                }
                d.setIncompatible(d.header.incompatible & ~Qcow2Header.INCOMPAT_DIRTY);
            }
            if (d.header.version >= 3 && d.header.autoclear != 0) {
                d.header.autoclear = 0;
                ByteBuffer b = ByteBuffer.allocate(8);
                d.file.coPwritev(Qcow2Header.OFF_AUTOCLEAR, b, 0, 8, 0);
                d.file.coFlush();
            }
        } finally {
            d.lock.unlock();
        }
    }

    /** Reads a table; on a check open the part past the end of the file reads as zeros, as in QEMU. */
    private static long[] readTable(Qcow2Driver d, long offset, int entries) throws IOException {
        long[] t = new long[entries];
        if (entries == 0) {
            return t;
        }
        ByteBuffer b = ByteBuffer.allocate(entries * 8);
        int n = d.forRepair || d.readOnly ? (int) Math.max(0, Math.min(b.capacity(), d.file.length() - offset)) : b.capacity();
        SyncIo.run(() -> d.file.coPreadv(offset, b, 0, n));
        b.asLongBuffer().get(t);
        return t;
    }
}
