package dev.jemu.block.tools;

import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockException;
import dev.jemu.block.BlockOptions;
import dev.jemu.block.BlockStatus;
import dev.jemu.block.Preallocation;
import dev.jemu.block.SyncIo;

import java.io.IOException;

/**
 * {@code measure}: the file size a new raw or qcow2 image needs, from the qcow2 layout of the
 * specification (a header cluster; L2 tables of cluster_size / 8 entries for every cluster of
 * the virtual disk; an L1 table with one entry per L2 table; refcount blocks of
 * cluster_size * 8 / refcount_bits entries covering every cluster, the refcount structures
 * included, and a refcount table pointing at them), as qemu-img prints it: "fully allocated"
 * with every data cluster, "required" with only the clusters the source has data in.
 * Stateless; called from a thread that is not in a coroutine.
 */
public final class ImageMeasure {
    private ImageMeasure() {
    }

    /**
     * The sizes qemu-img measure prints.
     *
     * @param bitmaps the new image can hold persistent bitmaps (qcow2 version 3)
     */
    public record Result(long required, long fullyAllocated, boolean bitmaps) {
    }

    /** The bytes of a disk's clusters of a given size that hold data; see {@link #dataBytes}. */
    @FunctionalInterface
    public interface DataCounter {
        /** Counts the data of the source in clusters of {@code clusterSize} bytes. */
        long count(int clusterSize) throws IOException;
    }

    /**
     * Measures an image of {@code format} ("raw" or "qcow2") with {@code -o} {@code options}
     * (or null) for a disk of {@code virtualSize} bytes whose data {@code data} counts.
     */
    public static Result measure(String format, String options, long virtualSize, DataCounter data)
            throws IOException {
        BlockOptions o = options == null || options.isEmpty() ? BlockOptions.empty() : BlockOptions.parse(options, null);
        long size = align(virtualSize, 512);
        switch (format) {
            case "raw" -> {
                Preallocation.parse(o.get("preallocation", "off"));
                o.checkAllUsed("raw");
                return new Result(size, size, false);
            }
            case "qcow2" -> {
                Qcow2Params q = Qcow2Params.parse(o);
                o.checkAllUsed("qcow2");
                int cs = q.clusterSize();
                if (cs < 512 || cs > (2 << 20) || Integer.bitCount(cs) != 1) {
                    throw new BlockException("Cluster size must be a power of two between 512 and 2048k");
                }
                int bits = q.refcountBits();
                if (bits < 1 || bits > 64 || Integer.bitCount(bits) != 1) {
                    throw new BlockException("Refcount width must be a power of two and may not exceed 64 bits");
                }
                long disk = align(size, cs);
                long full = qcow2Metadata(disk, cs, bits) + disk;
                boolean allocated = q.preallocation() == Preallocation.FULL || q.preallocation() == Preallocation.FALLOC;
                return new Result(allocated ? full : full - disk + data.count(cs), full, q.version() == 3);
            }
            default -> throw new BlockException("Block driver '" + format + "' does not support size measurement");
        }
    }

    /** The metadata of a qcow2 image whose every one of {@code dataBytes / cs} clusters is allocated. */
    static long qcow2Metadata(long dataBytes, int cs, int refcountBits) {
        long entriesPerCluster = cs / 8;
        long l2Entries = align(dataBytes / cs, entriesPerCluster);
        long l1Entries = align(l2Entries / entriesPerCluster, entriesPerCluster);
        long meta = cs + l2Entries * 8 + l1Entries * 8;
        long clusters = (dataBytes + meta) / cs;
        long perBlock = (long) cs * 8 / refcountBits;
        long blocks = 0;
        long table = 0;
        while (true) {
            long b = ceilDiv(clusters + table + blocks, perBlock);
            long t = ceilDiv(b, entriesPerCluster);
            if (b == blocks && t == table) {
                return meta + (table + blocks) * cs;
            }
            blocks = b;
            table = t;
        }
    }

    /**
     * The bytes of the clusters (of {@code clusterSize}) of {@code top}'s disk that hold data
     * somewhere in its backing chain: what a conversion would allocate.
     */
    public static long dataBytes(BlockDriverState top, int clusterSize) throws IOException {
        return SyncIo.call(() -> {
            BlockStatus st = new BlockStatus();
            long end = top.length();
            long total = 0;
            long counted = 0;
            long pos = 0;
            while (pos < end) {
                ChainStatus.query(top, pos, end - pos, st);
                long next = pos + st.pnum;
                if (!st.has(BlockStatus.ZERO) && st.has(BlockStatus.DATA) && st.has(BlockStatus.ALLOCATED)) {
                    long from = Math.max(counted, pos / clusterSize * clusterSize);
                    long to = Math.min(align(next, clusterSize), align(end, clusterSize));
                    total += Math.max(0, to - from);
                    counted = Math.max(counted, to);
                }
                pos = next;
            }
            return total;
        });
    }

    private static long align(long v, long unit) {
        return (v + unit - 1) / unit * unit;
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
