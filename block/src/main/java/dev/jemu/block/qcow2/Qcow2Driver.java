package dev.jemu.block.qcow2;

import dev.jemu.block.BlockDriver;
import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockException;
import dev.jemu.block.BlockGraph;
import dev.jemu.block.BlockStatus;
import dev.jemu.block.ImageInfo;
import dev.jemu.block.Preallocation;
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
 *
 * <p>This class holds the state, the read path, block status, flush and close; the rest is in
 * one file per concept: {@link Qcow2Open} (loading and validating the metadata),
 * {@link Qcow2ClusterMap} (L1/L2 lookups and L2 allocation), {@link Qcow2Write} (allocating and
 * compressed writes), {@link Qcow2Zeroes} (zero writes and discard), {@link Qcow2Resize}
 * (resize and preallocation).
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

    static final byte[] ZEROES = new byte[65536];

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
    final boolean forRepair;
    final CoMutex lock = new CoMutex();
    long[] l1;
    Qcow2Cache l2Cache;
    Qcow2Refcounts refcounts;
    List<Qcow2Snapshot> snapshots;
    BlockDriverState backing;
    boolean lazyRefcounts;
    final Qcow2Compression compression = new Qcow2Compression();
    final Qcow2ClusterMap map = new Qcow2ClusterMap(this);
    final Qcow2Write writer = new Qcow2Write(this);
    final Qcow2Zeroes zeroes = new Qcow2Zeroes(this);
    final Qcow2Resize resize = new Qcow2Resize(this);
    private final Qcow2Snapshots snapshotOps = new Qcow2Snapshots(this);
    private final Qcow2Amend amend = new Qcow2Amend(this);

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
     * open: read-only for {@code check}, writable for {@code check -r}) the open accepts what
     * only {@link #check} can find or repair, as qemu-img check does: L1, refcount and snapshot
     * tables past the end of the file (read as zeros), a refcount table of no clusters, a
     * snapshot table over the header, and, writable, the corrupt flag, a dirty image (left to
     * the check), refcount table entries that are unaligned, past the end of the file or overlap
     * other metadata, and snapshot entries with too much extra data. Use such a driver for
     * {@link #check} only.
     */
    public static Qcow2Driver open(BlockDriverState file, boolean readOnly, BackingOpener opener,
                                   Boolean lazyOverride, boolean forRepair) throws IOException {
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
            return openWith(file, Qcow2Header.parse(full, fileSize, forRepair, readOnly), readOnly, opener, lazyOverride,
                    forRepair);
        }
        return openWith(file, Qcow2Header.parse(head, fileSize, forRepair, readOnly), readOnly, opener, lazyOverride, forRepair);
    }

    private static Qcow2Driver openWith(BlockDriverState file, Qcow2Header h, boolean readOnly,
                                        BackingOpener opener, Boolean lazyOverride, boolean forRepair)
            throws IOException {
        if (!readOnly && !forRepair && (h.incompatible & Qcow2Header.INCOMPAT_CORRUPT) != 0) {
            throw new BlockException("qcow2: Image is corrupt; cannot be opened read/write");
        }
        Qcow2Driver d = new Qcow2Driver(file, h, readOnly, forRepair);
        try {
            Qcow2Open.load(d, opener, lazyOverride);
        } catch (IOException | RuntimeException e) {
            if (d.backing != null) {
                d.backing.close();
            }
            throw e;
        }
        return d;
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

    // ================================================================ read

    @Override
    public void coPreadv(long offset, ByteBuffer buf, int bufOffset, int bytes) throws IOException {
        while (bytes > 0) {
            long e;
            int n;
            lock.lock();
            try {
                e = map.lookup(offset, bytes);
                n = (int) map.lookupBytes;
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
    void readMapped(long e, long offset, ByteBuffer buf, int bufOffset, int n) throws IOException {
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

    // ================================================================ write, zeroes, discard

    @Override
    public void coPwritev(long offset, ByteBuffer buf, int bufOffset, int bytes, int flags) throws IOException {
        writer.write(offset, buf, bufOffset, bytes, flags);
    }

    @Override
    public void coPwriteZeroes(long offset, long bytes, int flags) throws IOException {
        zeroes.writeZeroes(offset, bytes, flags);
    }

    @Override
    public void coPdiscard(long offset, long bytes) throws IOException {
        zeroes.discard(offset, bytes);
    }

    /**
     * Drops every cluster of the active state so that the whole disk reads from the backing file
     * again (what {@code commit} does to the committed image). Coroutine function.
     */
    public void makeEmpty() throws IOException {
        zeroes.makeEmpty();
    }

    void markDirtyForLazyRefcounts() throws IOException {
        if (lazyRefcounts && (header.incompatible & Qcow2Header.INCOMPAT_DIRTY) == 0) {
            setIncompatible(header.incompatible | Qcow2Header.INCOMPAT_DIRTY);
        }
    }

    void setIncompatible(long bits) throws IOException {
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

    void flushRefcountsForOrdering() throws IOException {
        if (refcounts.blocks.flush()) {
            flushFileForOrdering();
        }
    }

    // ================================================================ block status

    @Override
    public void coBlockStatus(long offset, long bytes, BlockStatus out) throws IOException {
        long e;
        long n;
        lock.lock();
        try {
            e = map.lookup(offset, bytes);
            n = map.lookupBytes;
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
        map.applyPendingFrees();
        refcounts.blocks.flush();
    }

    @Override
    public void coTruncate(long newSize, Preallocation prealloc) throws IOException {
        resize.truncate(newSize, prealloc);
    }

    /**
     * Allocates L2 tables and data clusters for every guest cluster of {@code [from, to)} that
     * is not allocated; with FULL or FALLOC the data clusters are also written or reserved.
     */
    void preallocate(long from, long to, Preallocation mode) throws IOException {
        resize.preallocate(from, to, mode);
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

    /**
     * Creates internal snapshot {@code name} of the active layer, dated {@code dateSec} and
     * {@code dateNsec}, with the next numeric id. Coroutine function.
     */
    public void snapshotCreate(String name, long dateSec, long dateNsec) throws IOException {
        metadataOperation(() -> snapshotOps.create(name, dateSec, dateNsec));
    }

    /** Reverts the active layer to the snapshot with id or else name {@code idOrName}. Coroutine function. */
    public void snapshotApply(String idOrName) throws IOException {
        metadataOperation(() -> snapshotOps.apply(idOrName));
    }

    /** Deletes the first snapshot named {@code name}. Coroutine function. */
    public void snapshotDelete(String name) throws IOException {
        metadataOperation(() -> snapshotOps.delete(name));
    }

    /**
     * Changes the compatibility level to {@code version} (2: qemu 0.10, 3: qemu 1.1), as
     * {@code amend -o compat=} does. Coroutine function.
     */
    public void amendVersion(int version) throws IOException {
        metadataOperation(() -> amend.setVersion(version));
    }

    /** Turns lazy refcounts on or off (version 3), as {@code amend -o lazy_refcounts=} does. Coroutine function. */
    public void amendLazyRefcounts(boolean on) throws IOException {
        metadataOperation(() -> amend.setLazyRefcounts(on));
    }

    /**
     * Changes the refcount width to {@code bits} (a power of two up to 64; version 3), as
     * {@code amend -o refcount_bits=} does: the refcount structure is rebuilt at the new width.
     * Coroutine function.
     */
    public void amendRefcountBits(int bits) throws IOException {
        metadataOperation(() -> {
            if (bits != header.refcountBits()) {
                new Qcow2Check(this).changeRefcountOrder(Integer.numberOfTrailingZeros(bits));
            }
        });
    }

    /** A metadata operation run under the lock. */
    @FunctionalInterface
    private interface MetadataOp {
        void run() throws IOException;
    }

    private void metadataOperation(MetadataOp op) throws IOException {
        if (readOnly) {
            throw new BlockException(name + ": the image is read-only");
        }
        lock.lock();
        try {
            op.run();
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