package dev.jemu.block.qcow2;

import dev.jemu.block.BlockException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Consistency check and repair of a qcow2 image, as {@code qemu-img check} does it: every
 * cluster reachable from the header (header, L1 tables of the active state and of snapshots,
 * L2 tables, data and compressed clusters, refcount table and blocks, snapshot table) is
 * counted, and the counts are compared with the stored refcounts. A stored refcount below the
 * count is a corruption; above it, a leak. The "copied" flag of L1 and L2 entries must match
 * refcount == 1. Runs inside a coroutine with the image's metadata lock held.
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
    private int corruptions;
    private int leaks;
    private int checkErrors;
    private long allocated;
    private long fragmented;
    private long compressed;
    private long highest = -1;
    private List<String> messages = new ArrayList<>();
    private boolean fixFlags;
    private int flagsFixed;

    Qcow2Check(Qcow2Driver img) {
        this.img = img;
        this.cs = img.clusterSize;
        this.cb = img.clusterBits;
    }

    /** Runs the check with repair mode {@code fix}; after a repair the image is checked again. */
    Result run(int fix) throws IOException {
        img.flushMetadata();
        Result first = pass(fix, false);
        if (fix == NO_REPAIR) {
            return first;
        }
        int fixedC = first.corruptionsFixed();
        int fixedL = first.leaksFixed();
        List<String> msgs = new ArrayList<>(first.messages());
        if (fix == REPAIR_ALL) {
            Result flags = pass(NO_REPAIR, true);
            fixedC += flagsFixed;
            if (flags.leaks() > 0 || flags.corruptions() - flagsFixed > 0) {
                Result again = pass(fix, false);
                fixedC += again.corruptionsFixed();
                fixedL += again.leaksFixed();
            }
        }
        Result last = pass(NO_REPAIR, false);
        return new Result(last.corruptions(), last.leaks(), last.checkErrors(), fixedC, fixedL,
                last.imageEndOffset(), last.totalClusters(), last.allocatedClusters(),
                last.fragmentedClusters(), last.compressedClusters(), msgs);
    }

    private Result pass(int fix, boolean fixCopiedFlags) throws IOException {
        corruptions = 0;
        leaks = 0;
        checkErrors = 0;
        allocated = 0;
        fragmented = 0;
        compressed = 0;
        highest = -1;
        messages = new ArrayList<>();
        fixFlags = fixCopiedFlags;
        flagsFixed = 0;
        long fileLen = img.file.length();
        fileClusters = (fileLen + cs - 1) >>> cb;
        if (fileClusters > Integer.MAX_VALUE - 8) {
            throw new BlockException(img.name + ": image file too large to check");
        }
        refs = new int[(int) fileClusters];

        count(0, cs);
        Qcow2Header h = img.header;
        count(h.l1TableOffset, (long) h.l1Size * 8);
        checkL1(img.l1, h.l1TableOffset, true);
        if (!img.snapshots.isEmpty()) {
            long tableBytes = 0;
            for (Qcow2Snapshot s : img.snapshots) {
                tableBytes += s.entryBytes();
            }
            count(h.snapshotsOffset, tableBytes);
            for (Qcow2Snapshot s : img.snapshots) {
                String problem = s.l1Problem(cs, img.file.length());
                if (problem != null) {
                    corruption(problem);
                    continue;
                }
                count(s.l1Offset(), (long) s.l1Size() * 8);
                long[] l1 = new long[s.l1Size()];
                if (s.l1Size() > 0) {
                    ByteBuffer b = ByteBuffer.allocate(s.l1Size() * 8);
                    img.file.coPreadv(s.l1Offset(), b, 0, b.capacity());
                    b.asLongBuffer().get(l1);
                }
                checkL1(l1, s.l1Offset(), false);
            }
        }
        Qcow2Refcounts rc = img.refcounts;
        count(rc.tableOffset, (long) rc.tableClusters * cs);
        for (int i = 0; i < rc.table.length; i++) {
            long e = rc.table[i];
            if (e == 0) {
                continue;
            }
            long off = e & Qcow2Refcounts.REFT_OFFSET_MASK;
            if ((off & (cs - 1)) != 0 || (e & 0x1ff) != 0) {
                corruption("ERROR refcount block " + i + " is not cluster aligned; refcount table entry corrupted");
                continue;
            }
            if (off >>> cb >= fileClusters) {
                corruption("ERROR refcount block " + i + " is outside image");
                continue;
            }
            count(off, cs);
        }
        int corruptionsFixed = 0;
        int leaksFixed = 0;
        if (fix != NO_REPAIR) {
            rc.reserved = refs;
        }
        try {
            // As qemu-img does, only clusters inside the file are compared.
            for (long c = 0; c < fileClusters; c++) {
                long stored;
                try {
                    stored = rc.get(c);
                } catch (BlockException e) {
                    checkErrors++;
                    messages.add("Can't get refcount for cluster " + c + ": " + e.getMessage());
                    continue;
                }
                long want = refs[(int) c];
                if (stored == want) {
                    continue;
                }
                if (stored < want) {
                    corruption("ERROR cluster " + c + " refcount=" + stored + " reference=" + want);
                    if (fix == REPAIR_ALL && want <= rc.maxRefcount()) {
                        rc.set(c, want);
                        corruptionsFixed++;
                    }
                } else {
                    leaks++;
                    messages.add("Leaked cluster " + c + " refcount=" + stored + " reference=" + want);
                    if (fix != NO_REPAIR) {
                        rc.set(c, want);
                        leaksFixed++;
                    }
                }
            }
        } finally {
            rc.reserved = null;
        }
        if (fix != NO_REPAIR || fixCopiedFlags) {
            img.flushMetadata();
            rc.resetHint();
        }
        long total = (h.size + cs - 1) >>> cb;
        return new Result(corruptions, leaks, checkErrors, corruptionsFixed, leaksFixed,
                (highest + 1) << cb, total, allocated, fragmented, compressed, messages);
    }

    private void corruption(String message) {
        corruptions++;
        messages.add(message);
    }

    /** Counts one reference to every cluster of {@code [offset, offset + bytes)}. */
    private void count(long offset, long bytes) {
        if (bytes <= 0) {
            return;
        }
        long first = offset >>> cb;
        long last = (offset + bytes - 1) >>> cb;
        for (long c = first; c <= last; c++) {
            if (c >= fileClusters || c < 0) {
                corruption("ERROR: cluster " + c + " (offset 0x" + Long.toHexString(c << cb)
                        + ") is beyond the end of the image file");
                return;
            }
            refs[(int) c]++;
            if (c > highest) {
                highest = c;
            }
        }
    }

    private void checkL1(long[] l1, long l1Offset, boolean active) throws IOException {
        long prevHost = -1;
        for (int i = 0; i < l1.length; i++) {
            long e = l1[i];
            long off = e & Qcow2Driver.L1E_OFFSET_MASK;
            if (off == 0) {
                continue;
            }
            if ((e & Qcow2Driver.L1E_RESERVED) != 0 || (off & (cs - 1)) != 0) {
                corruption("ERROR l2_offset=" + Long.toHexString(off)
                        + ": Table is not cluster aligned; L1 entry corrupted");
                continue;
            }
            if (off < cs || off >>> cb >= fileClusters) {
                corruption("ERROR l2_offset=" + Long.toHexString(off) + ": L2 table is outside the image file");
                continue;
            }
            count(off, cs);
            if (active) {
                long rc = storedRefcountOrMinus1(off >>> cb);
                boolean copied = (e & Qcow2Driver.OFLAG_COPIED) != 0;
                if (rc >= 0 && (rc == 1) != copied) {
                    corruption("ERROR OFLAG_COPIED L2 cluster: l1_index=" + i + " l1_entry=" + Long.toHexString(e)
                            + " refcount=" + rc);
                    if (fixFlags) {
                        long fixed = rc == 1 ? e | Qcow2Driver.OFLAG_COPIED : e & ~Qcow2Driver.OFLAG_COPIED;
                        img.l2Cache.flush();
                        img.writeL1Entry(i, fixed);
                        flagsFixed++;
                    }
                }
            }
            ByteBuffer t = ByteBuffer.allocate(cs);
            if (active) {
                t.put(0, img.l2Cache.get(i, off), 0, cs);
            } else {
                img.file.coPreadv(off, t, 0, cs);
            }
            prevHost = checkL2(t, i, off, active, prevHost);
        }
    }

    /**
     * The stored refcount for the copied-flag checks, or -1 if it cannot be read: as in qemu-img
     * the flag is then not judged, and the refcount comparison reports the unreadable refcount.
     */
    private long storedRefcountOrMinus1(long cluster) throws IOException {
        try {
            return img.refcounts.get(cluster);
        } catch (BlockException e) {
            return -1;
        }
    }

    private long checkL2(ByteBuffer t, int l1i, long l2Offset, boolean active, long prevHost) throws IOException {
        int entries = cs / 8;
        for (int j = 0; j < entries; j++) {
            long e = t.getLong(j << 3);
            int type = Qcow2Driver.entryType(e);
            switch (type) {
                case Qcow2Driver.TYPE_COMPRESSED -> {
                    if ((e & Qcow2Driver.OFLAG_COPIED) != 0) {
                        corruption("ERROR: coffset=" + Long.toHexString(img.compressedOffset(e))
                                + ": copied flag must never be set for compressed clusters");
                    }
                    long host = img.compressedOffset(e) & ~511L;
                    count(host, (long) img.compressedSectors(e) * 512);
                    if (active) {
                        allocated++;
                        compressed++;
                    }
                }
                case Qcow2Driver.TYPE_ZERO, Qcow2Driver.TYPE_NORMAL -> {
                    long host = e & Qcow2Driver.L2E_OFFSET_MASK;
                    if (host == 0) {
                        continue;
                    }
                    if ((e & Qcow2Driver.L2E_RESERVED) != 0 || (host & (cs - 1)) != 0) {
                        corruption("ERROR offset=" + Long.toHexString(host)
                                + ": Cluster is not properly aligned; L2 entry corrupted");
                        continue;
                    }
                    count(host, cs);
                    if (active) {
                        allocated++;
                        if (prevHost >= 0 && host != prevHost + cs) {
                            fragmented++;
                        }
                        prevHost = host;
                        long rc = storedRefcountOrMinus1(host >>> cb);
                        boolean copied = (e & Qcow2Driver.OFLAG_COPIED) != 0;
                        if (rc >= 0 && (rc == 1) != copied) {
                            corruption("ERROR OFLAG_COPIED data cluster: l2_entry=" + Long.toHexString(e)
                                    + " refcount=" + rc);
                            if (fixFlags) {
                                long fixed = rc == 1 ? e | Qcow2Driver.OFLAG_COPIED : e & ~Qcow2Driver.OFLAG_COPIED;
                                ByteBuffer live = img.l2Cache.get(l1i, l2Offset);
                                live.putLong(j << 3, fixed);
                                img.l2Cache.markDirty(l1i);
                                flagsFixed++;
                            }
                        }
                    }
                }
                default -> { }
            }
        }
        return prevHost;
    }
}
