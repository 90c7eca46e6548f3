package dev.jemu.block.qcow2;

import dev.jemu.block.BlockException;
import dev.jemu.block.Preallocation;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Consistency check and repair of a qcow2 image, as {@code qemu-img check} does it: every
 * cluster reachable from the header (header, L1 tables of the active state and of snapshots,
 * L2 tables, data and compressed clusters, refcount table and blocks, snapshot table) is
 * counted, and the counts are compared with the stored refcounts. A stored refcount below the
 * count is a corruption; above it, a leak. The "copied" flag of L1 and L2 entries must match
 * refcount == 1. Damage is counted the way qemu-img counts it, so that both tools report the
 * same numbers: a table at an unaligned offset is still read and counted, a region reaching a
 * cluster or more past the end of the file is one corruption, reserved bits set in an L1 or L2
 * entry are one corruption each, and a version 3 snapshot entry without the large VM state
 * size and disk size is incomplete; {@code -r all} rewrites the snapshot table so that every
 * entry carries the disk size and at most the allowed extra data.
 *
 * <p>When the refcount structure itself is unusable (a refcount table past the end of the file,
 * of no clusters or overlapping other metadata, refcount table entries that are damaged, or
 * refcounts that cannot be read), {@code -r all} rebuilds it as qemu-img does: new refcount
 * blocks and a new refcount table holding the counted references are written after the last
 * used cluster, the header is pointed at them, and the old structure is then freed as leaked.
 * Runs inside a coroutine with the image's metadata lock held.
 */
public final class Qcow2Check {
    /** Only report. */
    public static final int NO_REPAIR = 0;
    /** Repair leaked clusters ({@code -r leaks}). */
    public static final int REPAIR_LEAKS = 1;
    /** Repair leaks and corruptions ({@code -r all}). */
    public static final int REPAIR_ALL = 2;

    /**
     * The outcome, under the names of {@code qemu-img check --output=json}.
     *
     * @param checkErrors refcounts that could not be read (each also a "Can't get refcount"
     *                    message), as qemu-img counts them; other failures to read the image end
     *                    the check with an exception instead (qemu-img's exit code 1 either way)
     * @param messages one line per problem found, in the order found
     */
    public record Result(int corruptions, int leaks, int checkErrors, int corruptionsFixed, int leaksFixed,
                         long imageEndOffset, long totalClusters, long allocatedClusters,
                         long fragmentedClusters, long compressedClusters, List<String> messages) {
    }

    private final Qcow2Driver img;
    private final int cs;
    private final int cb;
    private int[] refs;
    private long fileClusters;
    /** Clusters compared: those of the file, and one more if a region counted reaches into it. */
    private long comparedClusters;
    private int corruptions;
    private int leaks;
    private int checkErrors;
    private long allocated;
    private long fragmented;
    private long compressed;
    private long highest = -1;
    private long fileLen;
    private List<String> messages = new ArrayList<>();
    /** Whether this run rebuilt the refcount structure. */
    private boolean rebuilt;

    Qcow2Check(Qcow2Driver img) {
        this.img = img;
        this.cs = img.clusterSize;
        this.cb = img.clusterBits;
    }

    /** Runs the check with repair mode {@code fix}; after a repair the image is checked again. */
    Result run(int fix) throws IOException {
        img.flushMetadata();
        rebuilt = false;
        Result first = pass(fix);
        if (fix == NO_REPAIR) {
            return first;
        }
        if (rebuilt) {
            // The old refcount structure is referenced by nothing now: free it.
            pass(REPAIR_LEAKS);
        }
        Result last = pass(NO_REPAIR);
        return new Result(last.corruptions(), last.leaks(), last.checkErrors(), first.corruptionsFixed(),
                first.leaksFixed(), last.imageEndOffset(), last.totalClusters(), last.allocatedClusters(),
                last.fragmentedClusters(), last.compressedClusters(), first.messages());
    }

    private Result pass(int fix) throws IOException {
        corruptions = 0;
        leaks = 0;
        checkErrors = 0;
        allocated = 0;
        fragmented = 0;
        compressed = 0;
        highest = -1;
        messages = new ArrayList<>();
        fileLen = img.file.length();
        fileClusters = (fileLen + cs - 1) >>> cb;
        if (fileClusters > Integer.MAX_VALUE - 8) {
            throw new BlockException(img.name + ": image file too large to check");
        }
        // A region may end less than a cluster past the end of the file: one slot more.
        refs = new int[(int) fileClusters + 1];
        comparedClusters = fileClusters;

        count(0, cs);
        Qcow2Header h = img.header;
        checkL1(h.l1TableOffset, h.l1Size, true);
        long tableBytes = 0;
        int snapshotFixes = 0;
        for (int i = 0; i < img.snapshots.size(); i++) {
            Qcow2Snapshot s = img.snapshots.get(i);
            tableBytes += s.entryBytes();
            if (s.extraBytes() > Qcow2Snapshot.MAX_EXTRA) {
                if (fix == REPAIR_ALL) {
                    messages.add("Discarding too much extra metadata in snapshot table entry " + i + " ("
                            + s.extraBytes() + " > " + Qcow2Snapshot.MAX_EXTRA + ")");
                    snapshotFixes++;
                } else {
                    corruption("ERROR snapshot table entry " + i + " has too much extra metadata (" + s.extraBytes()
                            + " > " + Qcow2Snapshot.MAX_EXTRA + ")");
                }
            }
            if (h.version >= 3 && s.extraBytes() < Qcow2Snapshot.V3_EXTRA) {
                if (fix == REPAIR_ALL) {
                    messages.add("Repairing snapshot table entry " + i + " is incomplete");
                    snapshotFixes++;
                } else {
                    corruption("ERROR snapshot table entry " + i + " is incomplete");
                }
            }
            String problem = s.l1Problem(cs);
            if (problem != null) {
                corruption(problem);
                continue;
            }
            checkL1(s.l1Offset(), s.l1Size(), false);
        }
        count(h.snapshotsOffset, tableBytes);
        Qcow2Refcounts rc = img.refcounts;
        count(rc.tableOffset, (long) rc.tableClusters * cs);
        int[] fixed = new int[2];
        int before = corruptions;
        boolean damaged = checkRefcountBlocks(rc, fix == REPAIR_ALL, fixed) | reftableUnusable(rc);
        if (fix == REPAIR_ALL) {
            // A dry comparison first: refcounts that cannot be read also call for a rebuild.
            int mark = messages.size();
            int corruptionsBefore = corruptions;
            int leaksBefore = leaks;
            compare(rc, NO_REPAIR, fixed);
            damaged |= checkErrors > 0;
            if (damaged) {
                fixed[0] += corruptions - before + checkErrors;
                fixed[1] += leaks - leaksBefore;
                corruptions = before;
                leaks = leaksBefore;
                checkErrors = 0;
                messages.add("Rebuilding refcount structure");
                rebuild(img.header.refcountOrder);
            } else {
                messages.subList(mark, messages.size()).clear();
                corruptions = corruptionsBefore;
                leaks = leaksBefore;
                compare(rc, REPAIR_ALL, fixed);
            }
        } else {
            compare(rc, fix, fixed);
        }
        checkCopiedFlags(fix == REPAIR_ALL, fixed);
        if (snapshotFixes > 0) {
            // Rewritten once the refcounts are right: the new table goes to clusters that are free.
            img.flushMetadata();
            new Qcow2Snapshots(img).writeTable(img.snapshots);
            fixed[0] += snapshotFixes;
        }
        if (fix != NO_REPAIR) {
            img.flushMetadata();
            img.refcounts.resetHint();
        }
        long total = (h.size + cs - 1) >>> cb;
        return new Result(corruptions, leaks, checkErrors, fixed[0], fixed[1],
                (highest + 1) << cb, total, allocated, fragmented, compressed, messages);
    }

    /**
     * Checks the refcount table's entries and counts the blocks; true if an entry is damaged
     * beyond what this repairs in place (a rebuild is then needed).
     */
    private boolean checkRefcountBlocks(Qcow2Refcounts rc, boolean repair, int[] fixed) throws IOException {
        int before = corruptions;
        for (int i = 0; i < rc.table.length; i++) {
            long e = rc.table[i];
            long off = e & Qcow2Refcounts.REFT_OFFSET_MASK;
            if ((e & 0x1ff) != 0) {
                corruption("ERROR refcount table entry " + i + " has reserved bits set");
                continue;
            }
            if ((off & (cs - 1)) != 0) {
                corruption("ERROR refcount block " + i + " is not cluster aligned; refcount table entry corrupted");
                continue;
            }
            if (off >>> cb >= fileClusters) {
                if (repair && growFileTo(off + cs)) {
                    messages.add("Repairing refcount block " + i + " is outside image");
                    count(off, cs);
                    fixed[0]++;
                } else {
                    corruption("ERROR refcount block " + i + " is outside image");
                }
                continue;
            }
            if (off != 0) {
                count(off, cs);
                int n = refs[(int) (off >>> cb)];
                if (n != 1) {
                    corruption("ERROR refcount block " + i + " refcount=" + n);
                }
            }
        }
        return corruptions > before;
    }

    /**
     * Whether the refcount table cannot be used as it stands: no clusters, reaching past the end
     * of the file, or sharing a cluster with other metadata. Called once everything is counted.
     */
    private boolean reftableUnusable(Qcow2Refcounts rc) {
        long off = rc.tableOffset;
        long bytes = (long) rc.tableClusters * cs;
        if (bytes == 0 || off < cs || off + bytes > fileLen) {
            return true;
        }
        for (long c = off >>> cb; c < (off + bytes) >>> cb; c++) {
            if (refs[(int) c] > 1) {
                return true;
            }
        }
        return false;
    }

    /**
     * Writes a new refcount structure holding the counted references: the blocks, then the
     * table, right after the last cluster in use, each counting itself; the header then points
     * at the new table, and the driver uses it from there on.
     */
    private void rebuild(int order) throws IOException {
        Qcow2Header h = img.header;
        boolean newOrder = order != h.refcountOrder;
        long used = 0;
        for (long c = 0; c < comparedClusters; c++) {
            if (refs[(int) c] != 0) {
                used = c + 1;
            }
        }
        long perBlock = 1L << (cb + 3 - order);
        long perTableCluster = cs / 8;
        long blocks = 0;
        long tableClusters = 0;
        while (true) {
            long end = used + blocks + tableClusters;
            long b = (end + perBlock - 1) / perBlock;
            long t = (b + perTableCluster - 1) / perTableCluster;
            if (b == blocks && t == tableClusters) {
                break;
            }
            blocks = b;
            tableClusters = t;
        }
        if (tableClusters * cs > Qcow2Header.MAX_REFTABLE_BYTES || used + blocks + tableClusters > Integer.MAX_VALUE) {
            throw new BlockException(img.name + ": cannot rebuild the refcount structure: the image is too large");
        }
        long end = used + blocks + tableClusters;
        long tableOffset = (used + blocks) << cb;
        long[] table = new long[(int) (tableClusters * perTableCluster)];
        h.refcountOrder = order;
        h.refcountTableOffset = tableOffset;
        h.refcountTableClusters = (int) tableClusters;
        Qcow2Refcounts fresh = new Qcow2Refcounts(img, table, 4);
        ByteBuffer block = ByteBuffer.allocate(cs);
        for (long bi = 0; bi < blocks; bi++) {
            Arrays.fill(block.array(), (byte) 0);
            for (long c = bi * perBlock; c < Math.min(end, (bi + 1) * perBlock); c++) {
                long v = c < used ? refs[(int) c] : 1;
                if (v != 0) {
                    fresh.write(block, (int) (c - bi * perBlock), v);
                }
            }
            img.file.coPwritev((used + bi) << cb, block, 0, cs, 0);
        }
        ByteBuffer t = ByteBuffer.allocate((int) (tableClusters * cs));
        for (int bi = 0; bi < blocks; bi++) {
            table[bi] = (used + bi) << cb;
            t.putLong(bi * 8, table[bi]);
        }
        img.file.coPwritev(tableOffset, t, 0, t.capacity(), 0);
        img.file.coFlush();
        if (newOrder) {
            // The width and the table change together: the whole header in one write.
            ByteBuffer hdr = ByteBuffer.allocate(cs).put(0, h.toBytes());
            img.file.coPwritev(0, hdr, 0, cs, 0);
        } else {
            ByteBuffer hdr = ByteBuffer.allocate(12).putLong(0, tableOffset).putInt(8, (int) tableClusters);
            img.file.coPwritev(Qcow2Header.OFF_REFTABLE_OFFSET, hdr, 0, 12, 0);
        }
        img.file.coFlush();
        img.refcounts = fresh;
        // The new blocks lie past the old end of the file: refcounts are read from them now.
        fileLen = img.file.length();
        rebuilt = true;
    }

    /**
     * Rewrites the refcount structure with entries of {@code 1 << order} bits ({@code amend -o
     * refcount_bits=}): the image must check clean, every reference count must fit the new
     * width; the structure is rebuilt from the counted references and the old one freed.
     */
    void changeRefcountOrder(int order) throws IOException {
        img.flushMetadata();
        Result r = pass(NO_REPAIR);
        if (r.corruptions() > 0 || r.checkErrors() > 0) {
            throw new BlockException(img.name + ": Image is corrupt: run check -r all before changing refcount_bits");
        }
        long max = order == 6 ? Long.MAX_VALUE : (1L << (1 << order)) - 1;
        for (long c = 0; c < comparedClusters; c++) {
            if (refs[(int) c] > max) {
                throw new BlockException("Cannot decrease refcount entry width to " + (1 << order)
                        + " bits: Cluster at offset 0x" + Long.toHexString(c << cb) + " has a refcount of "
                        + refs[(int) c]);
            }
        }
        rebuild(order);
        pass(REPAIR_LEAKS);
    }

    /**
     * Extends the file with zeroes to {@code end} so that a refcount block recorded past its end
     * lies inside it, as qemu-img's repair does; false (nothing done) if that would more than
     * double the file.
     */
    private boolean growFileTo(long end) throws IOException {
        if (end > Math.max(2 * fileLen, fileLen + (64L << cb))) {
            return false;
        }
        img.file.coTruncate(end, Preallocation.OFF);
        fileLen = img.file.length();
        fileClusters = (fileLen + cs - 1) >>> cb;
        refs = Arrays.copyOf(refs, (int) fileClusters + 1);
        comparedClusters = Math.max(comparedClusters, fileClusters);
        return true;
    }

    /**
     * Compares stored refcounts with the counts for every cluster counted or inside the file,
     * repairing per {@code fix}; adds to {@code fixed} = {corruptions fixed, leaks fixed}.
     */
    private void compare(Qcow2Refcounts rc, int fix, int[] fixed) throws IOException {
        if (fix != NO_REPAIR) {
            rc.reserved = refs;
        }
        try {
            for (long c = 0; c < comparedClusters; c++) {
                long stored;
                try {
                    stored = blockPastEnd(rc, c) ? 0 : rc.get(c);
                } catch (BlockException e) {
                    checkErrors++;
                    messages.add("Can't get refcount for cluster " + c + ": " + e.getMessage());
                    continue;
                }
                long want = refs[(int) c];
                if (stored > 0 || want > 0) {
                    highest = c;
                }
                if (stored == want) {
                    continue;
                }
                if (stored < want) {
                    if (fix == REPAIR_ALL && want <= rc.maxRefcount()) {
                        messages.add("Repairing cluster " + c + " refcount=" + stored + " reference=" + want);
                        rc.set(c, want);
                        fixed[0]++;
                    } else {
                        corruption("ERROR cluster " + c + " refcount=" + stored + " reference=" + want);
                    }
                } else if (fix != NO_REPAIR) {
                    messages.add("Repairing cluster " + c + " refcount=" + stored + " reference=" + want);
                    rc.set(c, want);
                    fixed[1]++;
                } else {
                    leaks++;
                    messages.add("Leaked cluster " + c + " refcount=" + stored + " reference=" + want);
                }
            }
        } finally {
            rc.reserved = null;
        }
    }

    /**
     * Whether the refcount block holding {@code cluster}'s refcount lies past the end of the
     * file: it reads as zeroes there, as in qemu-img, and is reported as outside the image.
     */
    private boolean blockPastEnd(Qcow2Refcounts rc, long cluster) {
        long ti = cluster >>> rc.blockBits();
        if (ti >= rc.table.length) {
            return false;
        }
        long off = rc.table[(int) ti] & Qcow2Refcounts.REFT_OFFSET_MASK;
        return off != 0 && (rc.table[(int) ti] & 0x1ff) == 0 && (off & (cs - 1)) == 0 && off >= fileLen;
    }

    private void corruption(String message) {
        corruptions++;
        messages.add(message);
    }

    /**
     * Counts one reference to every cluster of {@code [offset, offset + bytes)}; a region that
     * reaches a cluster or more past the end of the file is a corruption and is not counted.
     */
    private void count(long offset, long bytes) {
        if (bytes <= 0) {
            return;
        }
        if (offset < 0 || offset + bytes - fileLen >= cs) {
            corruption("ERROR: counting reference for region exceeding the end of the file by one cluster or more: "
                    + "offset 0x" + Long.toHexString(offset) + " size 0x" + Long.toHexString(bytes));
            return;
        }
        long first = offset >>> cb;
        long last = (offset + bytes - 1) >>> cb;
        for (long c = first; c <= last; c++) {
            if (refs[(int) c] == img.refcounts.maxRefcount()) {
                corruption("ERROR: overflow cluster offset=0x" + Long.toHexString(c << cb));
                continue;
            }
            refs[(int) c]++;
            comparedClusters = Math.max(comparedClusters, c + 1);
        }
    }

    /** {@code bytes} of the file at {@code offset}, zeroes past its end. */
    private ByteBuffer readPadded(long offset, int bytes) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(bytes);
        long n = Math.min(bytes, fileLen - offset);
        if (offset >= 0 && n > 0) {
            img.file.coPreadv(offset, b, 0, (int) n);
        }
        return b;
    }

    private void checkL1(long l1Offset, int l1Size, boolean active) throws IOException {
        count(l1Offset, (long) l1Size * 8);
        ByteBuffer l1 = readPadded(l1Offset, l1Size * 8);
        for (int i = 0; i < l1Size; i++) {
            long e = l1.getLong(i * 8);
            if (e == 0) {
                continue;
            }
            if ((e & Qcow2Driver.L1E_RESERVED) != 0) {
                corruption("ERROR found L1 entry with reserved bits set: " + Long.toHexString(e));
            }
            long off = e & Qcow2Driver.L1E_OFFSET_MASK;
            count(off, cs);
            if ((off & (cs - 1)) != 0) {
                corruption("ERROR l2_offset=" + Long.toHexString(off)
                        + ": Table is not cluster aligned; L1 entry corrupted");
            }
            checkL2(readPadded(off, cs), active);
        }
    }

    private void checkL2(ByteBuffer t, boolean active) {
        long nextContiguous = 0;
        for (int j = 0; j < cs / 8; j++) {
            long e = t.getLong(j << 3);
            int type = Qcow2Driver.entryType(e);
            if (type != Qcow2Driver.TYPE_COMPRESSED && (e & Qcow2Driver.L2E_RESERVED) != 0) {
                corruption("ERROR found l2 entry with reserved bits set: " + Long.toHexString(e));
            }
            long host = e & Qcow2Driver.L2E_OFFSET_MASK;
            if (type == Qcow2Driver.TYPE_COMPRESSED) {
                long coffset = img.compressedOffset(e);
                if ((e & Qcow2Driver.OFLAG_COPIED) != 0) {
                    corruption("ERROR: coffset=0x" + Long.toHexString(coffset)
                            + ": copied flag must never be set for compressed clusters");
                }
                count(coffset, (long) img.compressedSectors(e) * 512 - (coffset & 511));
                if (active) {
                    allocated++;
                    compressed++;
                    fragmented++;
                }
            } else if (host != 0 && (type == Qcow2Driver.TYPE_NORMAL || type == Qcow2Driver.TYPE_ZERO)) {
                if ((host & (cs - 1)) != 0) {
                    corruption("ERROR offset=" + Long.toHexString(host) + ": "
                            + (type == Qcow2Driver.TYPE_NORMAL ? "Data" : "Preallocated")
                            + " cluster is not properly aligned; L2 entry corrupted.");
                }
                if (active) {
                    allocated++;
                    if (nextContiguous != 0 && host != nextContiguous) {
                        fragmented++;
                    }
                    nextContiguous = host + cs;
                }
                count(host, cs);
            }
        }
    }

    /**
     * The stored refcount for the copied-flag checks, or -1 if it cannot be read: as in qemu-img
     * the flag is then not judged, and the refcount comparison reports the unreadable refcount.
     */
    private long storedRefcountOrMinus1(long cluster) throws IOException {
        try {
            return blockPastEnd(img.refcounts, cluster) ? 0 : img.refcounts.get(cluster);
        } catch (BlockException e) {
            return -1;
        }
    }

    /**
     * The copied flag of every active L1 and L2 entry must be set exactly when the refcount is 1;
     * judged after the refcounts are repaired, and repaired with {@code repair}.
     */
    private void checkCopiedFlags(boolean repair, int[] fixed) throws IOException {
        long[] l1 = img.l1;
        for (int i = 0; i < l1.length; i++) {
            long e = l1[i];
            long off = e & Qcow2Driver.L1E_OFFSET_MASK;
            if (off == 0) {
                continue;
            }
            long rc = storedRefcountOrMinus1(off >>> cb);
            if (rc < 0) {
                continue;
            }
            boolean inFile = (off & (cs - 1)) == 0 && off >>> cb < fileClusters;
            if ((rc == 1) != ((e & Qcow2Driver.OFLAG_COPIED) != 0)) {
                if (repair) {
                    messages.add("Repairing OFLAG_COPIED L2 cluster: l1_index=" + i + " l1_entry="
                            + Long.toHexString(e) + " refcount=" + rc);
                    img.l2Cache.flush();
                    img.map.writeL1Entry(i, rc == 1 ? e | Qcow2Driver.OFLAG_COPIED : e & ~Qcow2Driver.OFLAG_COPIED);
                    fixed[0]++;
                } else {
                    corruption("ERROR OFLAG_COPIED L2 cluster: l1_index=" + i + " l1_entry=" + Long.toHexString(e)
                            + " refcount=" + rc);
                }
            }
            ByteBuffer t = inFile ? img.l2Cache.get(i, off) : readPadded(off, cs);
            for (int j = 0; j < cs / 8; j++) {
                long l2e = t.getLong(j << 3);
                int type = Qcow2Driver.entryType(l2e);
                long host = l2e & Qcow2Driver.L2E_OFFSET_MASK;
                if (host == 0 || (type != Qcow2Driver.TYPE_NORMAL && type != Qcow2Driver.TYPE_ZERO)) {
                    continue;
                }
                long drc = storedRefcountOrMinus1(host >>> cb);
                if (drc < 0 || (drc == 1) == ((l2e & Qcow2Driver.OFLAG_COPIED) != 0)) {
                    continue;
                }
                if (repair && inFile) {
                    messages.add("Repairing OFLAG_COPIED data cluster: l2_entry=" + Long.toHexString(l2e)
                            + " refcount=" + drc);
                    t.putLong(j << 3, drc == 1 ? l2e | Qcow2Driver.OFLAG_COPIED : l2e & ~Qcow2Driver.OFLAG_COPIED);
                    img.l2Cache.markDirty(i);
                    fixed[0]++;
                } else {
                    corruption("ERROR OFLAG_COPIED data cluster: l2_entry=" + Long.toHexString(l2e)
                            + " refcount=" + drc);
                }
            }
        }
    }
}
