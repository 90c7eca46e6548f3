package dev.jemu.block.qcow2;

import dev.jemu.block.BlockDriver;
import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockException;
import dev.jemu.block.BlockGraph;
import dev.jemu.block.BlockStatus;
import dev.jemu.block.ImageInfo;
import dev.jemu.block.Preallocation;
import dev.jemu.block.RequestFlags;
import dev.jemu.block.SyncIo;
import dev.jemu.coroutine.CoMutex;
import dev.jemu.coroutine.CoQueue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The qcow2 format driver. Metadata (L1 in memory, L2 tables and refcount blocks in caches) is
 * read and changed under {@link #lock}; guest data is read and written with the lock released.
 *
 * <p>Write ordering, so that a crash never leaves an L2 entry pointing at a cluster whose
 * refcount is not on disk: refcount blocks are written (and the file flushed, unless lazy
 * refcounts are on) before any L2 table is written; new L2 tables and refcount blocks are
 * written before the L1 or refcount-table entry that points to them; refcount decrements of
 * clusters an L2 entry stopped pointing at are held back until that L2 table is on disk.
 * Concurrent allocating writes to the same guest clusters wait for each other on a
 * {@link CoQueue}.
 */
public final class Qcow2Driver implements BlockDriver {
    static final long L1E_OFFSET_MASK = 0x00fffffffffffe00L;
    static final long L2E_OFFSET_MASK = 0x00fffffffffffe00L;
    static final long OFLAG_COPIED = 1L << 63;
    static final long OFLAG_COMPRESSED = 1L << 62;
    static final long OFLAG_ZERO = 1L;
    static final long L1E_RESERVED = 0x7f000000000001ffL;
    static final long L2E_RESERVED = 0x3f000000000001feL;

    static final int TYPE_UNALLOCATED = 0;
    static final int TYPE_ZERO = 1;
    static final int TYPE_NORMAL = 2;
    static final int TYPE_COMPRESSED = 3;

    private static final byte[] ZEROES = new byte[65536];
    private static final int MAX_PENDING_FREES = 4096;

    /** Opens the backing file of an image. */
    @FunctionalInterface
    public interface BackingOpener {
        /** Opens {@code filename} (already resolved) with {@code format} (null: probe). */
        BlockDriverState open(String filename, String format) throws IOException;
    }

    final BlockDriverState file;
    final String name;
    final Qcow2Header header;
    final int clusterBits;
    final int clusterSize;
    final int l2Bits;
    final boolean readOnly;
    /** Opened for {@code check -r}: damage that only the check can repair does not refuse the open. */
    private final boolean forRepair;
    final CoMutex lock = new CoMutex();
    long[] l1;
    Qcow2Cache l2Cache;
    Qcow2Refcounts refcounts;
    List<Qcow2Snapshot> snapshots;
    private BlockDriverState backing;
    private boolean lazyRefcounts;
    private final Qcow2Compression compression = new Qcow2Compression();
    private final CoQueue allocWaiters = new CoQueue();
    private long[] inflightAllocs = new long[16];
    private int inflightCount;
    private long[] pendingFrees = new long[64];
    private int pendingFreeCount;
    private long compressedFreeByte;

    private Qcow2Driver(BlockDriverState file, Qcow2Header header, boolean readOnly, boolean forRepair) {
        this.file = file;
        this.forRepair = forRepair;
        this.name = file.filename();
        this.header = header;
        this.clusterBits = header.clusterBits;
        this.clusterSize = 1 << clusterBits;
        this.l2Bits = clusterBits - 3;
        this.readOnly = readOnly;
    }

    // ================================================================ open

    /**
     * Opens the qcow2 image stored in {@code file}.
     *
     * @param opener opens the backing file, or null to ignore it (backing= given empty)
     * @param lazyOverride the lazy-refcounts= option, or null for the image's setting
     */
    public static Qcow2Driver open(BlockDriverState file, boolean readOnly, BackingOpener opener,
                                   Boolean lazyOverride) throws IOException {
        return open(file, readOnly, opener, lazyOverride, false);
    }

    /**
     * Opens the qcow2 image stored in {@code file}; with {@code forRepair} (qemu-img's check
     * open) a writable open accepts what only {@link #check} can find or repair: the corrupt
     * flag, a dirty image (left to the check), refcount table entries that are unaligned, past
     * the end of the file or overlap other metadata, and snapshot entries with too much extra data. Use such a driver for {@link #check} only.
     */
    public static Qcow2Driver open(BlockDriverState file, boolean readOnly, BackingOpener opener,
                                   Boolean lazyOverride, boolean forRepair) throws IOException {
        String name = file.filename();
        long fileSize = file.length();
        int first = (int) Math.min(fileSize, 512);
        ByteBuffer head = ByteBuffer.allocate(first);
        SyncIo.run(() -> file.coPreadv(0, head, 0, first));
        int cb = first >= 24 ? head.getInt(20) : 0;
        if (first >= Qcow2Header.V2_HEADER_LENGTH && cb >= Qcow2Header.MIN_CLUSTER_BITS
                && cb <= Qcow2Header.MAX_CLUSTER_BITS && (1L << cb) > first && fileSize > first) {
            int n = (int) Math.min(fileSize, 1L << cb);
            ByteBuffer full = ByteBuffer.allocate(n);
            SyncIo.run(() -> file.coPreadv(0, full, 0, n));
            return openWith(file, Qcow2Header.parse(full, fileSize, name), readOnly, opener, lazyOverride,
                    forRepair);
        }
        return openWith(file, Qcow2Header.parse(head, fileSize, name), readOnly, opener, lazyOverride, forRepair);
    }

    private static Qcow2Driver openWith(BlockDriverState file, Qcow2Header h, boolean readOnly,
                                        BackingOpener opener, Boolean lazyOverride, boolean forRepair)
            throws IOException {
        String pre = "Could not open '" + file.filename() + "': ";
        if (!readOnly && !forRepair && (h.incompatible & Qcow2Header.INCOMPAT_CORRUPT) != 0) {
            throw new BlockException(pre + "qcow2: Image is corrupt; cannot be opened read/write");
        }
        Qcow2Driver d = new Qcow2Driver(file, h, readOnly, forRepair);
        try {
            d.load(opener, lazyOverride);
        } catch (IOException | RuntimeException e) {
            if (d.backing != null) {
                d.backing.close();
            }
            throw e;
        }
        return d;
    }

    private void load(BackingOpener opener, Boolean lazyOverride) throws IOException {
        String pre = "Could not open '" + name + "': ";
        long fileSize = file.length();
        l1 = readTable(header.l1TableOffset, header.l1Size);
        int rtEntries = header.refcountTableClusters * (clusterSize / 8);
        long[] rt = readTable(header.refcountTableOffset, rtEntries);
        int l2Slots = (int) Math.max(16, Math.min(Math.max(header.l1Size, 1), (32L << 20) / clusterSize));
        l2Cache = new Qcow2Cache(file, clusterSize, l2Slots, Math.max(header.l1Size, 1));
        int refSlots = (int) Math.max(4, Math.min(rtEntries, (4L << 20) / clusterSize));
        refcounts = new Qcow2Refcounts(this, rt, refSlots);
        l2Cache.setDependency(this::flushRefcountsForOrdering);
        snapshots = List.of();
        if (header.nbSnapshots > 0) {
            long len = Math.min(fileSize - header.snapshotsOffset, Qcow2Snapshot.maxTableBytes(header.nbSnapshots));
            if (len > (64L << 20)) {
                len = 64L << 20;
            }
            ByteBuffer st = ByteBuffer.allocate((int) len);
            long off = header.snapshotsOffset;
            SyncIo.run(() -> file.coPreadv(off, st, 0, st.capacity()));
            snapshots = Qcow2Snapshot.parseTable(st, header.nbSnapshots, name, forRepair);
        }
        lazyRefcounts = lazyOverride != null ? lazyOverride
                : (header.compatible & Qcow2Header.COMPAT_LAZY_REFCOUNTS) != 0;
        if (lazyRefcounts && header.version < 3) {
            throw new BlockException(pre + "Lazy refcounts require a qcow2 image with at least qemu 1.1 compatibility"
                    + " level");
        }
        if (!readOnly && !forRepair) {
            validateRefcountTable(pre, fileSize);
        }
        if (header.backingFile != null && opener != null) {
            String resolved = BlockGraph.resolveBacking(name, header.backingFile);
            backing = opener.open(resolved, header.backingFormat);
        }
        if (!readOnly && !forRepair) {
            SyncIo.run(this::prepareForWriting);
        }
    }

    private void validateRefcountTable(String pre, long fileSize) throws BlockException {
        long[] rt = refcounts.table;
        for (int i = 0; i < rt.length; i++) {
            long off = rt[i] & Qcow2Refcounts.REFT_OFFSET_MASK;
            if (rt[i] == 0) {
                continue;
            }
            if ((rt[i] & 0x1ff) != 0 || (off & (clusterSize - 1)) != 0) {
                throw new BlockException(pre + "Image is corrupt: refcount block offset 0x"
                        + Long.toHexString(rt[i]) + " unaligned (refcount table entry " + i + ")");
            }
            if (off < clusterSize) {
                throw new BlockException(pre + "Image is corrupt: refcount block " + i
                        + " points into the image header");
            }
            if (off >= fileSize) {
                throw new BlockException(pre + "Image is corrupt: refcount block " + i + " at 0x"
                        + Long.toHexString(off) + " is beyond the end of the file");
            }
            long rtStart = header.refcountTableOffset;
            long rtEnd = rtStart + (long) header.refcountTableClusters * clusterSize;
            long l1Start = header.l1TableOffset;
            long l1End = l1Start + Qcow2Header.roundUp((long) header.l1Size * 8, clusterSize);
            if ((off >= rtStart && off < rtEnd) || (header.l1Size > 0 && off >= l1Start && off < l1End)) {
                throw new BlockException(pre + "Image is corrupt: refcount block " + i + " at 0x"
                        + Long.toHexString(off) + " overlaps the " + (off >= rtStart && off < rtEnd
                        ? "refcount table" : "L1 table"));
            }
        }
    }

    /** On a writable open: repairs stale refcounts (dirty bit) and clears unknown autoclear bits. */
    private void prepareForWriting() throws IOException {
        lock.lock();
        try {
            if ((header.incompatible & Qcow2Header.INCOMPAT_DIRTY) != 0) {
                Qcow2Check.Result r = new Qcow2Check(this).run(Qcow2Check.REPAIR_ALL);
                if (r.corruptions() - r.corruptionsFixed() > 0) {
                    throw new BlockException("Could not open '" + name + "': Image is corrupt: could not repair "
                            + "the refcounts of a dirty image");
                }
                setIncompatible(header.incompatible & ~Qcow2Header.INCOMPAT_DIRTY);
            }
            if (header.version >= 3 && header.autoclear != 0) {
                header.autoclear = 0;
                ByteBuffer b = ByteBuffer.allocate(8);
                file.coPwritev(Qcow2Header.OFF_AUTOCLEAR, b, 0, 8, 0);
                file.coFlush();
            }
        } finally {
            lock.unlock();
        }
    }

    private long[] readTable(long offset, int entries) throws IOException {
        long[] t = new long[entries];
        if (entries == 0) {
            return t;
        }
        ByteBuffer b = ByteBuffer.allocate(entries * 8);
        SyncIo.run(() -> file.coPreadv(offset, b, 0, b.capacity()));
        b.asLongBuffer().get(t);
        return t;
    }

    // ================================================================ accessors

    @Override
    public String formatName() {
        return "qcow2";
    }

    @Override
    public long length() {
        return header.size;
    }

    /** The parsed header (read only). */
    public Qcow2Header header() {
        return header;
    }

    @Override
    public BlockDriverState fileChild() {
        return file;
    }

    @Override
    public BlockDriverState backingChild() {
        return backing;
    }

    @Override
    public ImageInfo getInfo() {
        Map<String, Object> data = new LinkedHashMap<>();
        if (header.version >= 3) {
            data.put("compat", "1.1");
            data.put("compression-type", "zlib");
            data.put("lazy-refcounts", (header.compatible & Qcow2Header.COMPAT_LAZY_REFCOUNTS) != 0);
            data.put("refcount-bits", header.refcountBits());
            data.put("corrupt", (header.incompatible & Qcow2Header.INCOMPAT_CORRUPT) != 0);
            data.put("extended-l2", false);
        } else {
            data.put("compat", "0.10");
            data.put("compression-type", "zlib");
            data.put("refcount-bits", header.refcountBits());
        }
        Map<String, Object> specific = new LinkedHashMap<>();
        specific.put("type", "qcow2");
        specific.put("data", data);
        List<ImageInfo.SnapshotInfo> snaps = new ArrayList<>();
        for (Qcow2Snapshot s : snapshots) {
            snaps.add(s.info());
        }
        String full = header.backingFile == null ? null : BlockGraph.resolveBacking(name, header.backingFile);
        return new ImageInfo("qcow2", header.size, clusterSize,
                (header.incompatible & Qcow2Header.INCOMPAT_DIRTY) != 0, header.backingFile, full,
                header.backingFormat, snaps, specific);
    }

    // ================================================================ entry decoding

    static int entryType(long e) {
        if ((e & OFLAG_COMPRESSED) != 0) {
            return TYPE_COMPRESSED;
        }
        if ((e & OFLAG_ZERO) != 0) {
            return TYPE_ZERO;
        }
        return (e & L2E_OFFSET_MASK) != 0 ? TYPE_NORMAL : TYPE_UNALLOCATED;
    }

    /** Bit position of the sector count in a compressed descriptor. */
    int compressedShift() {
        return 62 - (clusterBits - 8);
    }

    long compressedOffset(long e) {
        return e & ((1L << compressedShift()) - 1);
    }

    int compressedSectors(long e) {
        return (int) (((e & ~OFLAG_COPIED & ~OFLAG_COMPRESSED) >>> compressedShift()) + 1);
    }

    /** Checks that a metadata table offset is aligned, outside the header and inside the file. */
    void checkMetadataOffset(String what, long off, long rawEntry) throws BlockException {
        if ((off & (clusterSize - 1)) != 0) {
            throw new BlockException(name + ": Image is corrupt: " + what + " offset 0x"
                    + Long.toHexString(off) + " unaligned");
        }
        if (off < clusterSize) {
            throw new BlockException(name + ": Image is corrupt: " + what + " offset 0x"
                    + Long.toHexString(rawEntry) + " points into the image header");
        }
        if (off >= file.length()) {
            throw new BlockException(name + ": Image is corrupt: " + what + " offset 0x"
                    + Long.toHexString(off) + " is beyond the end of the file");
        }
    }

    private void checkDataEntry(long e, long guestOffset) throws BlockException {
        if ((e & L2E_RESERVED) != 0) {
            throw new BlockException(name + ": Image is corrupt: L2 entry 0x" + Long.toHexString(e)
                    + " for guest offset 0x" + Long.toHexString(guestOffset) + " has reserved bits set");
        }
        long host = e & L2E_OFFSET_MASK;
        if ((host & (clusterSize - 1)) != 0) {
            throw new BlockException(name + ": Image is corrupt: cluster offset 0x" + Long.toHexString(host)
                    + " unaligned (guest offset 0x" + Long.toHexString(guestOffset) + ")");
        }
        if (host != 0 && host < clusterSize) {
            throw new BlockException(name + ": Image is corrupt: data cluster for guest offset 0x"
                    + Long.toHexString(guestOffset) + " points into the image header");
        }
    }

    /** The L2 table of L1 index {@code l1i}, or null if it is not allocated. Under the lock. */
    private ByteBuffer l2Table(int l1i) throws IOException {
        long l1e = l1[l1i];
        long off = l1e & L1E_OFFSET_MASK;
        if (off == 0) {
            return null;
        }
        if ((l1e & L1E_RESERVED) != 0) {
            throw new BlockException(name + ": Image is corrupt: L1 entry " + l1i + " (0x" + Long.toHexString(l1e)
                    + ") has reserved bits set");
        }
        checkMetadataOffset("L2 table", off, l1e);
        return l2Cache.get(l1i, off);
    }

    private long lookupBytes;

    /**
     * The L2 entry for {@code offset} and, in {@link #lookupBytes}, how many bytes from there
     * (at most {@code max}) map the same way: same type and, for data, contiguous host clusters.
     * Under the lock.
     */
    private long lookup(long offset, long max) throws IOException {
        long cluster = offset >>> clusterBits;
        int inCluster = (int) (offset & (clusterSize - 1));
        int l1i = (int) (cluster >>> l2Bits);
        int l2i = (int) (cluster & ((1 << l2Bits) - 1));
        long tableEnd = ((long) (l1i + 1) << (l2Bits + clusterBits)) - offset;
        long avail = Math.min(max, tableEnd);
        ByteBuffer t = l1i < l1.length ? l2Table(l1i) : null;
        if (t == null) {
            lookupBytes = avail;
            return 0;
        }
        long e0 = t.getLong(l2i << 3);
        int type = entryType(e0);
        if (type == TYPE_NORMAL) {
            checkDataEntry(e0, offset);
        } else if (type == TYPE_ZERO && header.version < 3) {
            throw new BlockException(name + ": Image is corrupt: Zero cluster entry found in pre-v3 image (L2 offset: 0x"
                    + Long.toHexString(l1[l1i] & L1E_OFFSET_MASK) + ", L2 index: 0x" + Integer.toHexString(l2i) + ")");
        }
        long n = clusterSize - inCluster;
        long host0 = e0 & L2E_OFFSET_MASK;
        int entries = 1 << l2Bits;
        for (int i = l2i + 1; n < avail && i < entries && type != TYPE_COMPRESSED; i++) {
            long e = t.getLong(i << 3);
            if (entryType(e) != type) {
                break;
            }
            long host = e & L2E_OFFSET_MASK;
            if (host0 == 0 ? host != 0 : host != host0 + ((long) (i - l2i) << clusterBits)) {
                break;
            }
            n += clusterSize;
        }
        lookupBytes = Math.min(n, avail);
        return e0;
    }

    // ================================================================ read

    @Override
    public void coPreadv(long offset, ByteBuffer buf, int bufOffset, int bytes) throws IOException {
        while (bytes > 0) {
            long e;
            int n;
            lock.lock();
            try {
                e = lookup(offset, bytes);
                n = (int) lookupBytes;
            } finally {
                lock.unlock();
            }
            readMapped(e, offset, buf, bufOffset, n);
            offset += n;
            bufOffset += n;
            bytes -= n;
        }
    }

    /** Reads {@code n} bytes at guest {@code offset} that map through entry {@code e}. */
    private void readMapped(long e, long offset, ByteBuffer buf, int bufOffset, int n) throws IOException {
        switch (entryType(e)) {
            case TYPE_UNALLOCATED -> readBacking(offset, buf, bufOffset, n);
            case TYPE_ZERO -> fillZero(buf, bufOffset, n);
            case TYPE_NORMAL -> {
                long host = (e & L2E_OFFSET_MASK) + (offset & (clusterSize - 1));
                long lastCluster = (host + n - 1) & -clusterSize;
                if (lastCluster >= file.length()) {
                    throw new BlockException(name + ": Input/output error: data cluster 0x"
                            + Long.toHexString(lastCluster) + " for guest offset 0x"
                            + Long.toHexString(offset) + " is beyond the end of the file");
                }
                file.coPreadv(host, buf, bufOffset, n);
            }
            default -> {
                byte[] cluster = decompress(e, offset);
                buf.put(bufOffset, cluster, (int) (offset & (clusterSize - 1)), n);
            }
        }
    }

    private void readBacking(long offset, ByteBuffer buf, int bufOffset, int n) throws IOException {
        if (backing == null) {
            fillZero(buf, bufOffset, n);
            return;
        }
        long blen = backing.length();
        int inBacking = (int) Math.max(0, Math.min(n, blen - offset));
        if (inBacking > 0) {
            backing.coPreadv(offset, buf, bufOffset, inBacking);
        }
        if (inBacking < n) {
            fillZero(buf, bufOffset + inBacking, n - inBacking);
        }
    }

    static void fillZero(ByteBuffer buf, int off, int n) {
        for (int done = 0; done < n; done += ZEROES.length) {
            buf.put(off + done, ZEROES, 0, Math.min(ZEROES.length, n - done));
        }
    }

    /** Reads and inflates the compressed cluster of entry {@code e}. Coroutine function. */
    private byte[] decompress(long e, long guestOffset) throws IOException {
        long host = compressedOffset(e);
        int sectors = compressedSectors(e);
        long len = (long) sectors * 512 - (host & 511);
        long fileLen = file.length();
        if (host < clusterSize || host >= fileLen) {
            throw new BlockException(name + ": Input/output error: compressed cluster for guest offset 0x"
                    + Long.toHexString(guestOffset) + " at 0x" + Long.toHexString(host)
                    + (host < clusterSize ? " points into the image header" : " is beyond the end of the file"));
        }
        len = Math.min(len, fileLen - host);
        len = Math.min(len, 2L * clusterSize + 512);
        byte[] in = new byte[(int) len];
        file.coPreadv(host, ByteBuffer.wrap(in), 0, in.length);
        byte[] out = new byte[clusterSize];
        if (!compression.inflate(in, in.length, out)) {
            throw new BlockException(name + ": Input/output error: compressed cluster for guest offset 0x"
                    + Long.toHexString(guestOffset & -clusterSize) + " does not decompress to a full cluster");
        }
        return out;
    }

    // ================================================================ write

    @Override
    public void coPwritev(long offset, ByteBuffer buf, int bufOffset, int bytes, int flags) throws IOException {
        if (offset + bytes > header.size) {
            throw new BlockException(name + ": Input/output error: write at offset " + offset + " of " + bytes
                    + " bytes is past the end of the disk (" + header.size + " bytes)");
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
            coFlush();
        }
    }

    private static boolean inPlace(long e) {
        return (e & (OFLAG_COPIED | OFLAG_COMPRESSED | OFLAG_ZERO)) == OFLAG_COPIED && (e & L2E_OFFSET_MASK) != 0;
    }

    /** Writes a prefix of the request that maps one way; returns its length. */
    private int writeStep(long offset, ByteBuffer buf, int bufOffset, int bytes) throws IOException {
        long cluster = offset >>> clusterBits;
        int inCluster = (int) (offset & (clusterSize - 1));
        int l1i = (int) (cluster >>> l2Bits);
        int l2i = (int) (cluster & ((1 << l2Bits) - 1));
        int entries = 1 << l2Bits;
        long tableEnd = ((long) (l1i + 1) << (l2Bits + clusterBits)) - offset;
        int max = (int) Math.min(bytes, tableEnd);
        lock.lock();
        boolean locked = true;
        boolean registered = false;
        long[] old = null;
        int nClusters = 0;
        try {
            markDirtyForLazyRefcounts();
            while (true) {
                ByteBuffer t = (l1[l1i] & OFLAG_COPIED) != 0 ? l2Table(l1i) : null;
                if (t != null) {
                    long e0 = t.getLong(l2i << 3);
                    if (inPlace(e0)) {
                        checkDataEntry(e0, offset);
                        long host0 = e0 & L2E_OFFSET_MASK;
                        int n = clusterSize - inCluster;
                        for (int i = l2i + 1; n < max && i < entries; i++) {
                            long e = t.getLong(i << 3);
                            if (!inPlace(e) || (e & L2E_OFFSET_MASK) != host0 + ((long) (i - l2i) << clusterBits)) {
                                break;
                            }
                            n += clusterSize;
                        }
                        n = Math.min(n, max);
                        lock.unlock();
                        locked = false;
                        file.coPwritev(host0 + inCluster, buf, bufOffset, n, 0);
                        return n;
                    }
                }
                // Allocation: the clusters up to the first one that could be written in place.
                nClusters = (int) ((inCluster + (long) max + clusterSize - 1) >>> clusterBits);
                if (t != null) {
                    for (int i = 1; i < nClusters; i++) {
                        if (inPlace(t.getLong((l2i + i) << 3))) {
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
            ByteBuffer t = ensureL2(l1i);
            old = new long[nClusters];
            for (int i = 0; i < nClusters; i++) {
                old[i] = t.getLong((l2i + i) << 3);
                if (entryType(old[i]) == TYPE_NORMAL) {
                    checkDataEntry(old[i], (cluster + i) << clusterBits);
                }
            }
            long host = refcounts.alloc(nClusters);
            // Clusters past the end of the file never held data: zero COW areas need no write.
            boolean fresh = host >= file.length();
            lock.unlock();
            locked = false;

            int n = (int) Math.min(max, ((long) nClusters << clusterBits) - inCluster);
            writeWithCow(host, cluster << clusterBits, nClusters, inCluster, n, old, fresh, buf, bufOffset);

            lock.lock();
            locked = true;
            t = l2Table(l1i);
            for (int i = 0; i < nClusters; i++) {
                t.putLong((l2i + i) << 3, (host + ((long) i << clusterBits)) | OFLAG_COPIED);
            }
            l2Cache.markDirty(l1i);
            for (int i = 0; i < nClusters; i++) {
                releaseEntry(old[i]);
            }
            return n;
        } finally {
            if (registered) {
                if (!locked) {
                    lock.lock();
                    locked = true;
                }
                removeInflight(cluster);
                allocWaiters.restartAll();
            }
            if (locked) {
                lock.unlock();
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
        int runBytes = nClusters << clusterBits;
        long lastCluster = runStart + runBytes - clusterSize;
        boolean head = inCluster > 0 && !(fresh && readsAsZero(old[0], runStart));
        boolean tail = tailStart < runBytes && !(fresh && readsAsZero(old[nClusters - 1], lastCluster));
        if (!head && !tail) {
            file.coPwritev(host + inCluster, buf, bufOffset, n, 0);
            return;
        }
        int start = head ? 0 : inCluster;
        int end = tail ? runBytes : tailStart;
        if (end - start <= (4 << 20)) {
            ByteBuffer whole = ByteBuffer.allocate(end - start);
            if (head) {
                readMapped(old[0], runStart, whole, 0, inCluster);
            }
            if (tail) {
                readMapped(old[nClusters - 1], runStart + tailStart, whole, tailStart - start, runBytes - tailStart);
            }
            whole.put(inCluster - start, buf, bufOffset, n);
            file.coPwritev(host + start, whole, 0, end - start, 0);
            return;
        }
        if (head) {
            ByteBuffer headBuf = ByteBuffer.allocate(inCluster);
            readMapped(old[0], runStart, headBuf, 0, inCluster);
            file.coPwritev(host, headBuf, 0, inCluster, 0);
        }
        if (tail) {
            int tailLen = runBytes - tailStart;
            ByteBuffer tailBuf = ByteBuffer.allocate(tailLen);
            readMapped(old[nClusters - 1], runStart + tailStart, tailBuf, 0, tailLen);
            file.coPwritev(host + tailStart, tailBuf, 0, tailLen, 0);
        }
        file.coPwritev(host + inCluster, buf, bufOffset, n, 0);
    }

    /** Whether the guest cluster at {@code clusterStart} mapped by {@code e} reads as zeros without I/O. */
    private boolean readsAsZero(long e, long clusterStart) {
        return switch (entryType(e)) {
            case TYPE_ZERO -> true;
            case TYPE_UNALLOCATED -> backing == null || clusterStart >= backing.length();
            default -> false;
        };
    }

    private boolean waitForInflight(long cluster, int n) {
        for (int i = 0; i < inflightCount; i++) {
            long s = inflightAllocs[2 * i];
            long e = inflightAllocs[2 * i + 1];
            if (s < cluster + n && cluster < e) {
                allocWaiters.await(lock);
                return true;
            }
        }
        return false;
    }

    private void addInflight(long cluster, int n) {
        if (2 * inflightCount + 2 > inflightAllocs.length) {
            inflightAllocs = java.util.Arrays.copyOf(inflightAllocs, inflightAllocs.length * 2);
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

    /**
     * The L2 table of {@code l1i}, allocated (zeroed) or copied (if shared) as needed so that it
     * may be modified. New tables are written, after the refcounts, before the L1 entry. Under the lock.
     */
    ByteBuffer ensureL2(int l1i) throws IOException {
        long l1e = l1[l1i];
        long off = l1e & L1E_OFFSET_MASK;
        if (off != 0 && (l1e & OFLAG_COPIED) != 0) {
            return l2Table(l1i);
        }
        byte[] copy = null;
        if (off != 0) {
            ByteBuffer src = l2Table(l1i);
            copy = new byte[clusterSize];
            src.get(0, copy);
        }
        long newOff = refcounts.alloc(1);
        ByteBuffer t = l2Cache.create(l1i, newOff);
        if (copy != null) {
            t.put(0, copy);
        }
        l2Cache.writeNow(l1i);
        flushFileForOrdering();
        writeL1Entry(l1i, newOff | OFLAG_COPIED);
        if (off != 0) {
            refcounts.free(off, 1);
        }
        return l2Cache.get(l1i, newOff);
    }

    void writeL1Entry(int l1i, long value) throws IOException {
        l1[l1i] = value;
        ByteBuffer b = ByteBuffer.allocate(8).putLong(0, value);
        file.coPwritev(header.l1TableOffset + (long) l1i * 8, b, 0, 8, 0);
    }

    /** Queues the clusters entry {@code e} referenced for a refcount decrement after the next L2 flush. */
    private void releaseEntry(long e) throws IOException {
        switch (entryType(e)) {
            case TYPE_NORMAL, TYPE_ZERO -> {
                long host = e & L2E_OFFSET_MASK;
                if (host != 0) {
                    deferFree(host, 1);
                }
            }
            case TYPE_COMPRESSED -> {
                long host = compressedOffset(e) & ~511L;
                long end = host + (long) compressedSectors(e) * 512;
                long first = host >>> clusterBits;
                long last = (end - 1) >>> clusterBits;
                deferFree(first << clusterBits, (int) (last - first + 1));
            }
            default -> { }
        }
    }

    private void deferFree(long host, int n) throws IOException {
        if (2 * pendingFreeCount + 2 > pendingFrees.length) {
            pendingFrees = java.util.Arrays.copyOf(pendingFrees, pendingFrees.length * 2);
        }
        pendingFrees[2 * pendingFreeCount] = host;
        pendingFrees[2 * pendingFreeCount + 1] = n;
        pendingFreeCount++;
        if (pendingFreeCount >= MAX_PENDING_FREES) {
            flushMetadata();
        }
    }

    private void markDirtyForLazyRefcounts() throws IOException {
        if (lazyRefcounts && (header.incompatible & Qcow2Header.INCOMPAT_DIRTY) == 0) {
            setIncompatible(header.incompatible | Qcow2Header.INCOMPAT_DIRTY);
        }
    }

    private void setIncompatible(long bits) throws IOException {
        if (header.version < 3) {
            return;
        }
        header.incompatible = bits;
        ByteBuffer b = ByteBuffer.allocate(8).putLong(0, bits);
        file.coPwritev(Qcow2Header.OFF_INCOMPAT, b, 0, 8, 0);
        file.coFlush();
    }

    /** Flushes the file so earlier writes are stable before dependent ones (not with lazy refcounts). */
    void flushFileForOrdering() throws IOException {
        if (!lazyRefcounts) {
            file.coFlush();
        }
    }

    private void flushRefcountsForOrdering() throws IOException {
        if (refcounts.blocks.flush()) {
            flushFileForOrdering();
        }
    }

    // ================================================================ compressed write

    private void writeCompressed(long offset, ByteBuffer buf, int bufOffset, int bytes) throws IOException {
        if ((offset & (clusterSize - 1)) != 0 || bytes > clusterSize
                || (bytes < clusterSize && offset + bytes != header.size)) {
            throw new BlockException(name + ": compressed writes must cover one whole cluster");
        }
        ByteBuffer src = buf.slice(bufOffset, bytes);
        if (bytes < clusterSize) {
            ByteBuffer padded = ByteBuffer.allocate(clusterSize);
            padded.put(0, src, 0, bytes);
            src = padded;
        }
        byte[] out = new byte[clusterSize];
        int len = compression.deflate(src.duplicate(), out, clusterSize - 512);
        if (len < 0) {
            writeStep(offset, buf, bufOffset, bytes);
            return;
        }
        long cluster = offset >>> clusterBits;
        int l1i = (int) (cluster >>> l2Bits);
        int l2i = (int) (cluster & ((1 << l2Bits) - 1));
        long start;
        lock.lock();
        try {
            markDirtyForLazyRefcounts();
            ByteBuffer t = ensureL2(l1i);
            long old = t.getLong(l2i << 3);
            if (entryType(old) == TYPE_NORMAL || entryType(old) == TYPE_COMPRESSED) {
                lock.unlock();
                try {
                    writeStep(offset, buf, bufOffset, bytes);
                } finally {
                    lock.lock();
                }
                return;
            }
            long free = compressedFreeByte;
            long room = free == 0 ? 0 : clusterSize - (free & (clusterSize - 1));
            if (free != 0 && (free & (clusterSize - 1)) != 0 && room >= len && refcounts.get(free >>> clusterBits) > 0) {
                start = free;
                refcounts.update(start >>> clusterBits, 1);
            } else {
                int n = (len + clusterSize - 1) >>> clusterBits;
                start = refcounts.alloc(n);
            }
            compressedFreeByte = (start + len + 511) & ~511L;
        } finally {
            lock.unlock();
        }
        file.coPwritev(start, ByteBuffer.wrap(out), 0, len, 0);
        lock.lock();
        try {
            ByteBuffer t = ensureL2(l1i);
            long old = t.getLong(l2i << 3);
            int sectors = (int) (((start + len - 1) >>> 9) - (start >>> 9) + 1);
            long desc = OFLAG_COMPRESSED | ((long) (sectors - 1) << compressedShift()) | start;
            t.putLong(l2i << 3, desc);
            l2Cache.markDirty(l1i);
            releaseEntry(old);
        } finally {
            lock.unlock();
        }
    }

    // ================================================================ zeroes and discard

    @Override
    public void coPwriteZeroes(long offset, long bytes, int flags) throws IOException {
        if (offset + bytes > header.size) {
            throw new BlockException(name + ": Input/output error: zero write at offset " + offset + " of " + bytes
                    + " bytes is past the end of the disk (" + header.size + " bytes)");
        }
        if (header.version < 3 && backing != null) {
            throw new UnsupportedOperationException("qcow2 v2 cannot mark clusters as zero");
        }
        long end = offset + bytes;
        long first = (offset + clusterSize - 1) & -clusterSize;
        long last = end & -clusterSize;
        if (first >= last) {
            writeZeroBuffer(offset, bytes);
            return;
        }
        if (first > offset) {
            writeZeroBuffer(offset, first - offset);
        }
        zeroClusters(first, last, header.version >= 3 ? flags : flags | RequestFlags.MAY_UNMAP, true, false);
        if (last < end) {
            writeZeroBuffer(last, end - last);
        }
        if ((flags & RequestFlags.FUA) != 0) {
            coFlush();
        }
    }

    private void writeZeroBuffer(long offset, long bytes) throws IOException {
        ByteBuffer z = ByteBuffer.wrap(ZEROES);
        while (bytes > 0) {
            int n = (int) Math.min(bytes, ZEROES.length);
            coPwritev(offset, z, 0, n, 0);
            offset += n;
            bytes -= n;
        }
    }

    @Override
    public void coPdiscard(long offset, long bytes) throws IOException {
        long end = Math.min(offset + bytes, header.size);
        long first = (offset + clusterSize - 1) & -clusterSize;
        long last = end == header.size ? (end + clusterSize - 1) & -clusterSize : end & -clusterSize;
        if (first < last) {
            zeroClusters(first, last, RequestFlags.MAY_UNMAP, false, false);
        }
    }

    /**
     * Drops every cluster of the active state so that the whole disk reads from the backing file
     * again (what {@code commit} does to the committed image). Coroutine function.
     */
    public void makeEmpty() throws IOException {
        zeroClusters(0, (header.size + clusterSize - 1) & -clusterSize, RequestFlags.MAY_UNMAP, false, true);
        coFlush();
    }

    /**
     * Makes whole clusters in {@code [start, end)} read as zeros ({@code zero}) or discards them.
     * With MAY_UNMAP their host clusters are released, otherwise an allocated cluster stays
     * allocated with the zero flag. A discard leaves zero-flagged entries over a backing file
     * unless {@code full}, which makes the clusters unallocated (reading the backing file).
     */
    private void zeroClusters(long start, long end, int flags, boolean zero, boolean full) throws IOException {
        boolean unmap = (flags & RequestFlags.MAY_UNMAP) != 0;
        long cluster = start >>> clusterBits;
        long endCluster = end >>> clusterBits;
        List<long[]> punch = new ArrayList<>();
        lock.lock();
        try {
            markDirtyForLazyRefcounts();
            while (cluster < endCluster) {
                int l1i = (int) (cluster >>> l2Bits);
                int l2i = (int) (cluster & ((1 << l2Bits) - 1));
                int n = (int) Math.min(endCluster - cluster, (1 << l2Bits) - l2i);
                if (waitForInflight(cluster, n)) {
                    continue;
                }
                if ((l1[l1i] & L1E_OFFSET_MASK) == 0 && (!zero || backing == null)) {
                    cluster += n;
                    continue;
                }
                ByteBuffer t = ensureL2(l1i);
                for (int i = 0; i < n; i++) {
                    long e = t.getLong((l2i + i) << 3);
                    int type = entryType(e);
                    long replacement;
                    if (!zero) {
                        replacement = !full && backing != null && header.version >= 3 ? OFLAG_ZERO : 0;
                    } else if (header.version < 3) {
                        replacement = 0;
                    } else if (!unmap && inPlace(e)) {
                        replacement = (e & L2E_OFFSET_MASK) | OFLAG_ZERO | OFLAG_COPIED;
                    } else if (backing == null && type == TYPE_UNALLOCATED) {
                        replacement = 0;
                    } else {
                        replacement = OFLAG_ZERO;
                    }
                    if (replacement == e) {
                        continue;
                    }
                    if (type == TYPE_NORMAL) {
                        checkDataEntry(e, (cluster + i) << clusterBits);
                    }
                    t.putLong((l2i + i) << 3, replacement);
                    l2Cache.markDirty(l1i);
                    boolean keeps = (replacement & L2E_OFFSET_MASK) != 0;
                    if (!keeps) {
                        if (!zero && inPlace(e)) {
                            punch.add(new long[] {e & L2E_OFFSET_MASK});
                        }
                        releaseEntry(e);
                    }
                }
                cluster += n;
            }
        } finally {
            lock.unlock();
        }
        for (long[] p : punch) {
            file.coPdiscard(p[0], clusterSize);
        }
    }

    // ================================================================ block status

    @Override
    public void coBlockStatus(long offset, long bytes, BlockStatus out) throws IOException {
        long e;
        long n;
        lock.lock();
        try {
            e = lookup(offset, bytes);
            n = lookupBytes;
        } finally {
            lock.unlock();
        }
        switch (entryType(e)) {
            case TYPE_UNALLOCATED -> out.set(backing == null ? BlockStatus.ZERO : 0, n, 0, null);
            case TYPE_ZERO -> {
                long host = e & L2E_OFFSET_MASK;
                if (host != 0) {
                    out.set(BlockStatus.ZERO | BlockStatus.ALLOCATED | BlockStatus.OFFSET_VALID, n,
                            host + (offset & (clusterSize - 1)), file);
                } else {
                    out.set(BlockStatus.ZERO | BlockStatus.ALLOCATED, n, 0, null);
                }
            }
            case TYPE_NORMAL -> out.set(BlockStatus.DATA | BlockStatus.ALLOCATED | BlockStatus.OFFSET_VALID, n,
                    (e & L2E_OFFSET_MASK) + (offset & (clusterSize - 1)), file);
            default -> out.set(BlockStatus.DATA | BlockStatus.ALLOCATED, n, 0, null);
        }
    }

    // ================================================================ flush, truncate, close

    @Override
    public void coFlush() throws IOException {
        if (readOnly) {
            return;
        }
        lock.lock();
        try {
            flushMetadata();
        } finally {
            lock.unlock();
        }
        file.coFlush();
    }

    /** Writes all cached metadata in dependency order and applies deferred frees. Under the lock. */
    void flushMetadata() throws IOException {
        l2Cache.flush();
        if (pendingFreeCount > 0) {
            file.coFlush();
            int count = pendingFreeCount;
            pendingFreeCount = 0;
            for (int i = 0; i < count; i++) {
                refcounts.free(pendingFrees[2 * i], (int) pendingFrees[2 * i + 1]);
            }
        }
        refcounts.blocks.flush();
    }

    @Override
    public void coTruncate(long newSize, Preallocation prealloc) throws IOException {
        // Internal snapshots keep their own L1 tables (and sizes): as in qemu-img 7.2, only the
        // active layer changes; shared L2 tables and clusters lose one reference each.
        if ((newSize & 511) != 0) {
            throw new BlockException(name + ": The new size must be a multiple of 512");
        }
        if (newSize > Qcow2Header.MAX_VIRTUAL_SIZE) {
            throw new BlockException(name + ": Image size too large");
        }
        long oldSize = header.size;
        lock.lock();
        try {
            markDirtyForLazyRefcounts();
            if (newSize > oldSize) {
                long need = Qcow2Header.l1EntriesFor(newSize, clusterBits);
                if (need > l1.length) {
                    growL1(need);
                }
            } else if (newSize < oldSize) {
                lock.unlock();
                try {
                    zeroClusters((newSize + clusterSize - 1) & -clusterSize,
                            (oldSize + clusterSize - 1) & -clusterSize, RequestFlags.MAY_UNMAP, false, true);
                } finally {
                    lock.lock();
                }
                for (int l1i = (int) Qcow2Header.l1EntriesFor(newSize, clusterBits); l1i < l1.length; l1i++) {
                    long off = l1[l1i] & L1E_OFFSET_MASK;
                    if (off != 0) {
                        l2Cache.flush();
                        writeL1Entry(l1i, 0);
                        l2Cache.discard(l1i);
                        flushFileForOrdering();
                        refcounts.free(off, 1);
                    }
                }
            }
            flushMetadata();
            ByteBuffer b = ByteBuffer.allocate(8).putLong(0, newSize);
            file.coPwritev(Qcow2Header.OFF_SIZE, b, 0, 8, 0);
            file.coFlush();
            header.size = newSize;
        } finally {
            lock.unlock();
        }
        if (newSize > oldSize && prealloc != Preallocation.OFF) {
            preallocate(oldSize, newSize, prealloc);
        }
    }

    /** Replaces the L1 table by one of at least {@code entries} entries. Under the lock. */
    private void growL1(long entries) throws IOException {
        long wanted = Math.max(entries, l1.length + l1.length / 2);
        wanted = Math.min(Math.max(wanted, entries), Qcow2Header.MAX_L1_BYTES / 8);
        if (entries > Qcow2Header.MAX_L1_BYTES / 8) {
            throw new BlockException(name + ": Image size too large: the L1 table would exceed "
                    + (Qcow2Header.MAX_L1_BYTES >> 20) + " MiB");
        }
        int newEntries = (int) wanted;
        int clusters = (int) ((newEntries * 8L + clusterSize - 1) >>> clusterBits);
        long newOffset = refcounts.alloc(clusters);
        ByteBuffer b = ByteBuffer.allocate(clusters << clusterBits);
        for (int i = 0; i < l1.length; i++) {
            b.putLong(i * 8, l1[i]);
        }
        flushRefcountsForOrdering();
        file.coPwritev(newOffset, b, 0, b.capacity(), 0);
        flushFileForOrdering();
        ByteBuffer h = ByteBuffer.allocate(12).putInt(0, newEntries).putLong(4, newOffset);
        file.coPwritev(Qcow2Header.OFF_L1_SIZE, h, 0, 12, 0);
        file.coFlush();
        long oldOffset = header.l1TableOffset;
        int oldClusters = (int) ((l1.length * 8L + clusterSize - 1) >>> clusterBits);
        header.l1TableOffset = newOffset;
        header.l1Size = newEntries;
        l1 = java.util.Arrays.copyOf(l1, newEntries);
        l2Cache.growKeySpace(newEntries);
        if (oldOffset != 0 && oldClusters > 0) {
            refcounts.free(oldOffset, oldClusters);
        }
    }

    /**
     * Allocates L2 tables and data clusters for every guest cluster of {@code [from, to)} that
     * is not allocated; with FULL or FALLOC the data clusters are also written or reserved.
     */
    void preallocate(long from, long to, Preallocation mode) throws IOException {
        long cluster = from >>> clusterBits;
        long endCluster = (to + clusterSize - 1) >>> clusterBits;
        while (cluster < endCluster) {
            int l1i = (int) (cluster >>> l2Bits);
            int l2i = (int) (cluster & ((1 << l2Bits) - 1));
            int n = (int) Math.min(endCluster - cluster, (1 << l2Bits) - l2i);
            long host;
            lock.lock();
            try {
                ByteBuffer t = ensureL2(l1i);
                int free = 0;
                while (free < n && entryType(t.getLong((l2i + free) << 3)) == TYPE_UNALLOCATED) {
                    free++;
                }
                if (free == 0) {
                    cluster++;
                    continue;
                }
                n = free;
                host = refcounts.alloc(n);
                t = l2Table(l1i);
                for (int i = 0; i < n; i++) {
                    t.putLong((l2i + i) << 3, (host + ((long) i << clusterBits)) | OFLAG_COPIED);
                }
                l2Cache.markDirty(l1i);
                flushMetadata();
            } finally {
                lock.unlock();
            }
            long end = host + ((long) n << clusterBits);
            if (mode == Preallocation.FULL) {
                ByteBuffer z = ByteBuffer.wrap(ZEROES);
                for (long p = host; p < end; p += ZEROES.length) {
                    file.coPwritev(p, z, 0, (int) Math.min(ZEROES.length, end - p), 0);
                }
            } else if (end > file.length()) {
                file.coTruncate(end, mode == Preallocation.FALLOC ? Preallocation.FALLOC : Preallocation.OFF);
            }
            cluster += n;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            if (!readOnly) {
                SyncIo.run(() -> {
                    lock.lock();
                    try {
                        flushMetadata();
                        file.coFlush();
                        if ((header.incompatible & Qcow2Header.INCOMPAT_DIRTY) != 0) {
                            setIncompatible(header.incompatible & ~Qcow2Header.INCOMPAT_DIRTY);
                        }
                    } finally {
                        lock.unlock();
                    }
                });
            }
        } finally {
            compression.close();
        }
    }

    // ================================================================ tools

    /** Checks the image's consistency, repairing per {@code fix} (a {@link Qcow2Check} constant). Coroutine function. */
    public Qcow2Check.Result check(int fix) throws IOException {
        lock.lock();
        try {
            Qcow2Check.Result r = new Qcow2Check(this).run(fix);
            long marks = Qcow2Header.INCOMPAT_DIRTY | Qcow2Header.INCOMPAT_CORRUPT;
            if (fix != Qcow2Check.NO_REPAIR && (header.incompatible & marks) != 0 && r.checkErrors() == 0
                    && r.corruptions() == 0) {
                // A repaired image is consistent again, as after qemu-img check -r.
                setIncompatible(header.incompatible & ~marks);
            }
            return r;
        } finally {
            lock.unlock();
        }
    }

    /** Changes the backing file name and format recorded in the header. Coroutine function. */
    public void setBackingFile(String backingFile, String backingFormat) throws IOException {
        lock.lock();
        try {
            header.backingFile = backingFile;
            header.backingFormat = backingFile == null ? null : backingFormat;
            header.backingFileOffset = 0;
            header.backingFileSize = 0;
            byte[] bytes = header.toBytes();
            file.coPwritev(0, ByteBuffer.wrap(bytes), 0, bytes.length, 0);
            file.coFlush();
        } finally {
            lock.unlock();
        }
    }
}
