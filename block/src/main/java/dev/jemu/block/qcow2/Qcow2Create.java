package dev.jemu.block.qcow2;

import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockException;
import dev.jemu.block.Preallocation;
import dev.jemu.block.SyncIo;
import dev.jemu.block.file.FileDriver;
import dev.jemu.block.file.ImageLock;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Creates qcow2 images with the layout {@code qemu-img create} uses: header in cluster 0, then
 * the refcount table, the refcount blocks covering the metadata, and the L1 table (its last
 * cluster written only as far as the table goes). Preallocation runs through the driver.
 */
public final class Qcow2Create {

    /**
     * What to create.
     *
     * @param size virtual size in bytes (rounded up to 512)
     * @param clusterSize cluster size, a power of two from 512 to 2 MiB
     * @param version 2 (compat=0.10) or 3 (compat=1.1)
     * @param refcountBits refcount width, a power of two up to 64 (16 for version 2)
     * @param lazyRefcounts set the lazy-refcounts compatible bit (version 3 only)
     * @param prealloc preallocation mode
     * @param backingFile backing file name to record, or null
     * @param backingFormat backing format to record, or null
     */
    public record Options(long size, int clusterSize, int version, int refcountBits, boolean lazyRefcounts,
                          Preallocation prealloc, String backingFile, String backingFormat) {
    }

    private Qcow2Create() {
    }

    /** Creates (or truncates and overwrites) {@code path}. */
    public static void create(String path, Options o) throws IOException {
        int cs = o.clusterSize();
        if (cs < 512 || cs > (2 << 20) || Integer.bitCount(cs) != 1) {
            throw new BlockException("Cluster size must be a power of two between 512 and 2048k");
        }
        if (o.version() != 2 && o.version() != 3) {
            throw new BlockException("Invalid compatibility level: qcow2 version " + o.version());
        }
        int rb = o.refcountBits();
        if (rb < 1 || rb > 64 || Integer.bitCount(rb) != 1) {
            throw new BlockException("Refcount width must be a power of two and may not exceed 64 bits");
        }
        if (o.version() == 2 && rb != 16) {
            throw new BlockException("Different refcount widths than 16 bits require compatibility level 1.1 or above"
                    + " (use compat=1.1 or greater)");
        }
        if (o.version() == 2 && o.lazyRefcounts()) {
            throw new BlockException("Lazy refcounts only supported with compatibility level 1.1 and above (use"
                    + " compat=1.1 or greater)");
        }
        if (o.backingFile() != null && o.prealloc() != Preallocation.OFF) {
            throw new BlockException("Backing file and preallocation can only be used at the same time if"
                    + " extended_l2 is on");
        }
        long size = (o.size() + 511) & ~511L;
        if (o.size() < 0 || size > Qcow2Header.MAX_VIRTUAL_SIZE) {
            throw new BlockException("Image size too large; the maximum is " + Qcow2Header.MAX_VIRTUAL_SIZE
                    + " bytes");
        }
        int cb = Integer.numberOfTrailingZeros(cs);
        long l1Entries = Qcow2Header.l1EntriesFor(size, cb);
        if (l1Entries * 8 > Qcow2Header.MAX_L1_BYTES) {
            throw new BlockException("Image size too large for cluster size " + cs
                    + ": the L1 table would exceed 32 MiB");
        }
        long l1Clusters = Math.max(1, (l1Entries * 8 + cs - 1) / cs);
        int order = Integer.numberOfTrailingZeros(rb);
        long perBlock = (long) cs * 8 / rb;
        long rtClusters = 1;
        long blocks = 1;
        while (true) {
            long total = 1 + rtClusters + blocks + l1Clusters;
            long needBlocks = (total + perBlock - 1) / perBlock;
            long needRt = Math.max(1, (needBlocks * 8 + cs - 1) / cs);
            if (needBlocks == blocks && needRt == rtClusters) {
                break;
            }
            blocks = needBlocks;
            rtClusters = needRt;
        }
        long rtOffset = (long) cs;
        long blocksOffset = rtOffset + rtClusters * cs;
        long l1Offset = blocksOffset + blocks * cs;
        long used = 1 + rtClusters + blocks + l1Clusters;

        Qcow2Header h = new Qcow2Header();
        h.version = o.version();
        h.clusterBits = cb;
        h.size = size;
        h.l1Size = (int) l1Entries;
        h.l1TableOffset = l1Offset;
        h.refcountTableOffset = rtOffset;
        h.refcountTableClusters = (int) rtClusters;
        h.refcountOrder = order;
        if (o.version() == 3) {
            h.headerLength = Qcow2Header.V3_HEADER_LENGTH;
            h.extraHeader = new byte[Qcow2Header.V3_HEADER_LENGTH - 105];
            h.compatible = o.lazyRefcounts() ? Qcow2Header.COMPAT_LAZY_REFCOUNTS : 0;
            h.extensions.add(Qcow2Header.featureNameTable());
        }
        h.backingFile = o.backingFile();
        h.backingFormat = o.backingFile() != null ? o.backingFormat() : null;
        byte[] headerBytes = h.toBytes();

        ByteBuffer image = ByteBuffer.allocate((int) ((used - 1) * cs + l1Entries * 8));
        image.put(0, headerBytes);
        for (long b = 0; b < blocks; b++) {
            image.putLong((int) (rtOffset + b * 8), blocksOffset + b * cs);
        }
        for (long c = 0; c < used; c++) {
            int blockIndex = (int) (c / perBlock);
            int entry = (int) (c % perBlock);
            int base = (int) (blocksOffset + (long) blockIndex * cs);
            putRefcount(image, base, entry, order, 1);
        }
        // As QEMU does, the file is locked before it is truncated: an image in use stays intact.
        try (FileChannel ch = FileChannel.open(Path.of(path), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             ImageLock lock = FileDriver.lockForCreation(path)) {
            ch.truncate(0);
            image.clear();
            long pos = 0;
            while (image.hasRemaining()) {
                pos += ch.write(image, pos);
            }
        } catch (BlockException e) {
            throw e;
        } catch (IOException e) {
            throw new BlockException("Could not create '" + path + "': " + reason(e));
        }
        if (o.prealloc() != Preallocation.OFF) {
            preallocate(path, size, o.prealloc());
        }
    }

    private static void preallocate(String path, long size, Preallocation mode) throws IOException {
        BlockDriverState fileNode = new BlockDriverState(FileDriver.open(path, false, false, false), path, false);
        Qcow2Driver d = Qcow2Driver.open(fileNode, false, null, null);
        BlockDriverState node = new BlockDriverState(d, path, false);
        try {
            SyncIo.run(() -> {
                d.preallocate(0, size, mode);
                node.coFlush();
            });
        } finally {
            node.close();
        }
    }

    private static void putRefcount(ByteBuffer b, int base, int index, int order, long value) {
        switch (order) {
            case 6 -> b.putLong(base + index * 8, value);
            case 5 -> b.putInt(base + index * 4, (int) value);
            case 4 -> b.putShort(base + index * 2, (short) value);
            case 3 -> b.put(base + index, (byte) value);
            default -> {
                int bit = index << order;
                int pos = base + (bit >>> 3);
                b.put(pos, (byte) (b.get(pos) | (value << (bit & 7))));
            }
        }
    }

    static String reason(IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "No such file or directory";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "Permission denied";
        }
        return e.getMessage();
    }
}
