package dev.jemu.block.qcow2;

import dev.jemu.block.BlockException;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The qcow2 header (versions 2 and 3), its extensions and the backing file name, parsed from
 * cluster 0 and validated so that every later table access stays inside sane bounds. Every
 * problem is reported as a {@link BlockException} naming the image and the field.
 */
public final class Qcow2Header {
    /** "QFI\xfb". */
    public static final int MAGIC = 0x514649fb;
    /** Length of a version 2 header. */
    public static final int V2_HEADER_LENGTH = 72;
    /** Length of the version 3 header jemu writes (with the compression type byte, padded). */
    public static final int V3_HEADER_LENGTH = 112;
    /** Smallest and largest supported cluster_bits. */
    public static final int MIN_CLUSTER_BITS = 9;
    /** Largest supported cluster_bits (2 MiB clusters). */
    public static final int MAX_CLUSTER_BITS = 21;
    /** Largest L1 table QEMU accepts, in bytes. */
    public static final long MAX_L1_BYTES = 32L << 20;
    /** Largest refcount table QEMU accepts, in bytes. */
    public static final long MAX_REFTABLE_BYTES = 8L << 20;
    /** Largest virtual size: 2^63 - 512, rounded to sectors. */
    public static final long MAX_VIRTUAL_SIZE = Long.MAX_VALUE & ~511L;
    /** Largest backing file name length. */
    public static final int MAX_BACKING_NAME = 1023;
    /** Largest number of internal snapshots. */
    public static final int MAX_SNAPSHOTS = 65536;

    /** Header extension: backing file format name. */
    public static final int EXT_BACKING_FORMAT = 0xe2792aca;
    /** Header extension: feature name table. */
    public static final int EXT_FEATURE_TABLE = 0x6803f857;
    /** Header extension: bitmaps. */
    public static final int EXT_BITMAPS = 0x23852875;
    /** Header extension: full disk encryption header pointer. */
    public static final int EXT_CRYPTO = 0x0537be77;
    /** Header extension: external data file name. */
    public static final int EXT_DATA_FILE = 0x44415441;

    /** Incompatible bit 0: refcounts may be stale. */
    public static final long INCOMPAT_DIRTY = 1;
    /** Incompatible bit 1: metadata known to be corrupt. */
    public static final long INCOMPAT_CORRUPT = 1 << 1;
    /** Incompatible bit 2: external data file. */
    public static final long INCOMPAT_DATA_FILE = 1 << 2;
    /** Incompatible bit 3: compression type field is non-zero. */
    public static final long INCOMPAT_COMPRESSION = 1 << 3;
    /** Incompatible bit 4: extended L2 entries. */
    public static final long INCOMPAT_EXTL2 = 1 << 4;
    /** Compatible bit 0: lazy refcounts. */
    public static final long COMPAT_LAZY_REFCOUNTS = 1;
    /** Autoclear bit 0: bitmaps extension consistent. */
    public static final long AUTOCLEAR_BITMAPS = 1;
    /** Autoclear feature: the external data file is a valid raw image by itself. */
    public static final long AUTOCLEAR_DATA_FILE_RAW = 1 << 1;
    /** Length of the bitmaps header extension. */
    private static final int BITMAPS_EXT_LENGTH = 24;

    static final int OFF_BACKING_OFFSET = 8;
    static final int OFF_BACKING_SIZE = 16;
    static final int OFF_SIZE = 24;
    static final int OFF_L1_SIZE = 36;
    static final int OFF_L1_OFFSET = 40;
    static final int OFF_REFTABLE_OFFSET = 48;
    static final int OFF_REFTABLE_CLUSTERS = 56;
    static final int OFF_NB_SNAPSHOTS = 60;
    static final int OFF_INCOMPAT = 72;
    static final int OFF_AUTOCLEAR = 88;

    /** A header extension kept as raw bytes. */
    public record Extension(int type, byte[] data) {
    }

    int version;
    long backingFileOffset;
    int backingFileSize;
    int clusterBits;
    long size;
    int cryptMethod;
    int l1Size;
    long l1TableOffset;
    long refcountTableOffset;
    int refcountTableClusters;
    int nbSnapshots;
    long snapshotsOffset;
    long incompatible;
    long compatible;
    long autoclear;
    int refcountOrder = 4;
    int headerLength = V2_HEADER_LENGTH;
    int compressionType;
    /** Bytes of the header between the known fields and header_length, preserved on rewrite. */
    byte[] extraHeader = new byte[0];
    String backingFile;
    String backingFormat;
    /** Extensions other than the backing format, in file order. */
    final List<Extension> extensions = new ArrayList<>();

    /** Cluster size in bytes. */
    public int clusterSize() {
        return 1 << clusterBits;
    }

    /** Refcount width in bits. */
    public int refcountBits() {
        return 1 << refcountOrder;
    }

    /** Qcow2 version, 2 or 3. */
    public int version() {
        return version;
    }

    /** Virtual size in bytes. */
    public long size() {
        return size;
    }

    /** Backing file name as stored, or null. */
    public String backingFile() {
        return backingFile;
    }

    /** Backing format as stored in the extension, or null. */
    public String backingFormat() {
        return backingFormat;
    }

    /** Incompatible feature bits. */
    public long incompatibleFeatures() {
        return incompatible;
    }

    /** Compatible feature bits. */
    public long compatibleFeatures() {
        return compatible;
    }

    /** Entries an L1 table needs for {@code size} bytes with {@code clusterBits}. */
    static long l1EntriesFor(long size, int clusterBits) {
        int shift = clusterBits + clusterBits - 3;
        return (size + (1L << shift) - 1) >>> shift;
    }

    /**
     * Parses and validates cluster 0.
     *
     * @param buf the first bytes of the file (up to one cluster; fewer if the file is shorter)
     * @param fileSize the file's length
     * @param forCheck the open of {@code check}: as in qemu-img check, L1 and refcount tables that
     *                 lie past the end of the file (they read as zeros), a refcount table of no
     *                 clusters or at offset 0 and a snapshot table over the header are left for the
     *                 check to report
     * @param readOnly a read-only open: as in QEMU, tables past the end of the file (read as
     *                 zeros), over the header or overlapping each other do not stop the open
     */
    static Qcow2Header parse(ByteBuffer buf, long fileSize, boolean forCheck, boolean readOnly)
            throws BlockException {
        if (buf.limit() < V2_HEADER_LENGTH) {
            throw new BlockException("qcow2 header too short");
        }
        if (buf.getInt(0) != MAGIC) {
            throw new BlockException("Image is not in qcow2 format");
        }
        Qcow2Header h = new Qcow2Header();
        h.version = buf.getInt(4);
        if (h.version != 2 && h.version != 3) {
            throw new BlockException("Unsupported qcow2 version " + Integer.toUnsignedString(h.version));
        }
        h.backingFileOffset = buf.getLong(8);
        h.backingFileSize = buf.getInt(16);
        h.clusterBits = buf.getInt(20);
        if (h.clusterBits < MIN_CLUSTER_BITS || h.clusterBits > MAX_CLUSTER_BITS) {
            throw new BlockException("Unsupported cluster size: 2^" + Integer.toUnsignedString(h.clusterBits));
        }
        int cs = 1 << h.clusterBits;
        h.size = buf.getLong(24);
        h.cryptMethod = buf.getInt(32);
        h.l1Size = buf.getInt(36);
        h.l1TableOffset = buf.getLong(40);
        h.refcountTableOffset = buf.getLong(48);
        h.refcountTableClusters = buf.getInt(56);
        h.nbSnapshots = buf.getInt(60);
        h.snapshotsOffset = buf.getLong(64);
        if (h.version == 3) {
            if (buf.limit() < 104) {
                throw new BlockException("qcow2 header too short");
            }
            h.incompatible = buf.getLong(72);
            h.compatible = buf.getLong(80);
            h.autoclear = buf.getLong(88);
            h.refcountOrder = buf.getInt(96);
            h.headerLength = buf.getInt(100);
            if (Integer.compareUnsigned(h.headerLength, 104) < 0) {
                throw new BlockException("qcow2 header too short");
            }
            if (Integer.compareUnsigned(h.headerLength, cs) > 0) {
                throw new BlockException("qcow2 header exceeds cluster size");
            }
            if (h.headerLength > buf.limit()) {
                throw new BlockException("Image is truncated: header length " + h.headerLength
                        + " exceeds the file");
            }
            if (h.headerLength > 104) {
                h.compressionType = buf.get(104) & 0xff;
                h.extraHeader = new byte[h.headerLength - 105];
                buf.get(105, h.extraHeader);
            }
        }
        if (h.refcountOrder < 0 || h.refcountOrder > 6) {
            throw new BlockException("Reference count entry width too large; may not exceed 64 bits");
        }
        long unknownIncompat = h.incompatible & ~(INCOMPAT_DIRTY | INCOMPAT_CORRUPT | INCOMPAT_DATA_FILE
                | INCOMPAT_COMPRESSION | INCOMPAT_EXTL2);
        if (unknownIncompat != 0) {
            throw new BlockException("Unsupported qcow2 feature(s): Unknown incompatible feature: "
                    + Long.toHexString(unknownIncompat));
        }
        if ((h.incompatible & INCOMPAT_DATA_FILE) != 0) {
            throw new BlockException("Unsupported qcow2 feature(s): external data file");
        }
        if ((h.incompatible & INCOMPAT_EXTL2) != 0) {
            throw new BlockException("Unsupported qcow2 feature(s): extended L2 entries");
        }
        if (h.compressionType == 0 && (h.incompatible & INCOMPAT_COMPRESSION) != 0) {
            throw new BlockException("qcow2: Compression type incompatible feature bit must not be set");
        }
        if (h.compressionType == 1) {
            throw new BlockException("Unsupported qcow2 feature(s): zstd compression");
        }
        if (h.compressionType != 0) {
            throw new BlockException("qcow2: unknown compression type: " + h.compressionType);
        }
        if ((h.autoclear & AUTOCLEAR_DATA_FILE_RAW) != 0) {
            throw new BlockException("data-file-raw requires a data file");
        }
        if (h.cryptMethod != 0) {
            throw new BlockException("Unsupported encryption method " + Integer.toUnsignedString(h.cryptMethod));
        }
        if (h.size < 0 || h.size > MAX_VIRTUAL_SIZE || l1EntriesFor(h.size, h.clusterBits) > Integer.MAX_VALUE) {
            throw new BlockException("Image is too big");
        }
        // QEMU counts the disk in 512-byte sectors: a size between two multiples rounds down.
        h.size &= ~511L;
        if (h.l1Size < 0 || (long) h.l1Size * 8 > MAX_L1_BYTES) {
            throw new BlockException("Active L1 table too large");
        }
        if (l1EntriesFor(h.size, h.clusterBits) > h.l1Size) {
            throw new BlockException("L1 table is too small");
        }
        // Where tables lie is checked strictly only for a writable open: jemu has no run-time
        // guard against allocating over misplaced metadata, so it refuses to write such an image.
        // Read-only, as in QEMU, tables past the end of the file read as zeros and overlaps only
        // make reads fail.
        boolean placementChecked = !forCheck && !readOnly;
        long limit = placementChecked ? fileSize : Long.MAX_VALUE;
        checkTable("Active L1 table", "L1 table", h.l1TableOffset, (long) h.l1Size * 8, cs, limit,
                h.l1Size > 0, !placementChecked);
        if (h.refcountTableClusters == 0 && !forCheck) {
            throw new BlockException("Image does not contain a reference count table");
        }
        if (Integer.compareUnsigned(h.refcountTableClusters, (int) (MAX_REFTABLE_BYTES / cs)) > 0) {
            throw new BlockException("Reference count table too large");
        }
        if (h.refcountTableOffset == 0 && placementChecked) {
            throw new BlockException("Image is corrupt: refcount table offset is 0");
        }
        checkTable("Reference count table", "refcount table", h.refcountTableOffset,
                (long) h.refcountTableClusters * cs, cs, limit, true, !placementChecked);
        if (Integer.compareUnsigned(h.nbSnapshots, MAX_SNAPSHOTS) > 0) {
            throw new BlockException("Snapshot table too large");
        }
        // The snapshot table belongs to inactive snapshots: as in QEMU, it reads as zeros past the
        // end of the file rather than stopping the active layer from opening, and qemu-img refuses
        // an unaligned table offset even when the table is empty.
        checkTable("Snapshot table", "snapshot table", h.snapshotsOffset, 1, cs, Long.MAX_VALUE, true,
                !placementChecked || h.nbSnapshots == 0);
        if (placementChecked) {
            overlapCheck(h, cs);
        }
        h.parseExtensions(buf, cs);
        if (h.backingFileOffset != 0) {
            if (Integer.compareUnsigned(h.backingFileSize, MAX_BACKING_NAME) > 0) {
                throw new BlockException("Backing file name too long");
            }
            if (h.backingFileOffset < 0 || h.backingFileOffset + h.backingFileSize > cs
                    || h.backingFileOffset + h.backingFileSize > buf.limit()) {
                throw new BlockException("Backing file name too long");
            }
            byte[] nameBytes = new byte[h.backingFileSize];
            buf.get((int) h.backingFileOffset, nameBytes);
            int length = 0;
            while (length < nameBytes.length && nameBytes[length] != 0) {
                length++;
            }
            // As in QEMU, the name is a C string: a NUL ends it.
            h.backingFile = new String(nameBytes, 0, length, StandardCharsets.UTF_8);
            if (h.backingFile.isEmpty()) {
                h.backingFile = null;
            }
        }
        return h;
    }

    /**
     * Checks where a table lies. An unaligned offset is QEMU's "{@code qemuName} offset invalid";
     * a table over the header or past {@code fileSize} is jemu's own refusal, naming {@code what}.
     */
    private static void checkTable(String qemuName, String what, long offset, long bytes, int cs,
                                   long fileSize, boolean present, boolean headerAllowed) throws BlockException {
        if (!present) {
            return;
        }
        if ((offset & (cs - 1)) != 0) {
            throw new BlockException(qemuName + " offset invalid");
        }
        if (offset == 0 && !headerAllowed) {
            throw new BlockException("Image is corrupt: " + what + " overlaps the image header");
        }
        if (offset < 0 || offset > Long.MAX_VALUE - bytes || offset + bytes > fileSize) {
            throw new BlockException("Image is corrupt: " + what + " at 0x" + Long.toHexString(offset)
                    + " (" + bytes + " bytes) extends beyond the end of the file (" + fileSize + " bytes)");
        }
    }

    private static void overlapCheck(Qcow2Header h, int cs) throws BlockException {
        long l1End = h.l1TableOffset + roundUp((long) h.l1Size * 8, cs);
        long rtEnd = h.refcountTableOffset + (long) h.refcountTableClusters * cs;
        if (h.l1Size > 0 && h.l1TableOffset < rtEnd && h.refcountTableOffset < l1End) {
            throw new BlockException("Image is corrupt: L1 table at 0x" + Long.toHexString(h.l1TableOffset)
                    + " overlaps the refcount table at 0x" + Long.toHexString(h.refcountTableOffset));
        }
    }

    static long roundUp(long v, long align) {
        return (v + align - 1) & -align;
    }

    private void parseExtensions(ByteBuffer buf, int cs) throws BlockException {
        int pos = version == 2 ? V2_HEADER_LENGTH : headerLength;
        int end = Math.min(buf.limit(), cs);
        if (backingFileOffset > 0 && backingFileOffset < end) {
            end = (int) backingFileOffset;
        }
        while (true) {
            if (pos + 8 > end) {
                if (version == 2 && backingFileOffset > 0 && pos >= backingFileOffset) {
                    return;
                }
                if (pos >= end && version == 2) {
                    return;
                }
                throw new BlockException("Invalid header extension area at 0x" + Integer.toHexString(pos)
                        + ": no end marker inside the first cluster");
            }
            int type = buf.getInt(pos);
            long length = Integer.toUnsignedLong(buf.getInt(pos + 4));
            if (type == 0) {
                return;
            }
            if (pos + 8 + length > end) {
                throw new BlockException("Header extension too large");
            }
            if (type == EXT_BITMAPS && length != BITMAPS_EXT_LENGTH) {
                throw new BlockException("bitmaps_ext: Invalid extension length");
            }
            byte[] data = new byte[(int) length];
            buf.get(pos + 8, data);
            if (type == EXT_BACKING_FORMAT) {
                backingFormat = new String(data, StandardCharsets.UTF_8);
            } else if (type == EXT_CRYPTO) {
                throw new BlockException("Unsupported qcow2 feature(s): full disk encryption header");
            } else {
                extensions.add(new Extension(type, data));
            }
            pos += 8 + (int) roundUp(length, 8);
        }
    }

    /**
     * Serialises the whole header, extensions and backing name into one cluster-0 image (as
     * written by create and when the backing file changes).
     */
    byte[] toBytes() throws BlockException {
        int cs = clusterSize();
        ByteBuffer b = ByteBuffer.allocate(cs);
        int hlen = version == 2 ? V2_HEADER_LENGTH : headerLength;
        b.putInt(0, MAGIC).putInt(4, version).putInt(20, clusterBits).putLong(24, size).putInt(32, cryptMethod)
                .putInt(36, l1Size).putLong(40, l1TableOffset).putLong(48, refcountTableOffset)
                .putInt(56, refcountTableClusters).putInt(60, nbSnapshots).putLong(64, snapshotsOffset);
        if (version == 3) {
            b.putLong(72, incompatible).putLong(80, compatible).putLong(88, autoclear).putInt(96, refcountOrder)
                    .putInt(100, headerLength);
            if (headerLength > 104) {
                b.put(104, (byte) compressionType);
                b.put(105, extraHeader, 0, Math.min(extraHeader.length, headerLength - 105));
            }
        }
        int pos = hlen;
        List<Extension> all = new ArrayList<>();
        if (backingFormat != null && backingFile != null) {
            all.add(new Extension(EXT_BACKING_FORMAT, backingFormat.getBytes(StandardCharsets.UTF_8)));
        }
        all.addAll(extensions);
        for (Extension e : all) {
            int need = 8 + (int) roundUp(e.data().length, 8);
            if (pos + need + 8 > cs) {
                throw new BlockException("Header extensions do not fit in one cluster");
            }
            b.putInt(pos, e.type()).putInt(pos + 4, e.data().length).put(pos + 8, e.data());
            pos += need;
        }
        if (version == 3 || !all.isEmpty()) {
            b.putInt(pos, 0).putInt(pos + 4, 0);
            pos += 8;
        }
        if (backingFile != null) {
            byte[] name = backingFile.getBytes(StandardCharsets.UTF_8);
            if (name.length > MAX_BACKING_NAME || pos + name.length > cs) {
                throw new BlockException("Backing file name too long: " + name.length + " bytes");
            }
            b.putLong(OFF_BACKING_OFFSET, pos).putInt(OFF_BACKING_SIZE, name.length).put(pos, name);
            pos += name.length;
        }
        byte[] out = new byte[pos];
        b.get(0, out);
        return out;
    }

    /** The feature-name table extension as qemu-img writes it. */
    static Extension featureNameTable() {
        String[][] rows = {
            {"0", "0", "dirty bit"}, {"0", "1", "corrupt bit"}, {"0", "2", "external data file"},
            {"0", "3", "compression type"}, {"0", "4", "extended L2 entries"}, {"1", "0", "lazy refcounts"},
            {"2", "0", "bitmaps"}, {"2", "1", "raw external data"},
        };
        ByteBuffer b = ByteBuffer.allocate(48 * rows.length);
        for (int i = 0; i < rows.length; i++) {
            b.put(i * 48, (byte) Integer.parseInt(rows[i][0]));
            b.put(i * 48 + 1, (byte) Integer.parseInt(rows[i][1]));
            byte[] n = rows[i][2].getBytes(StandardCharsets.US_ASCII);
            b.put(i * 48 + 2, n);
        }
        return new Extension(EXT_FEATURE_TABLE, b.array());
    }
}
