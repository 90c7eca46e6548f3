package dev.jemu.block.qcow2;

import dev.jemu.block.BlockException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Set;

/**
 * {@code amend} of an open image: the compatibility level (version 2 or 3) and lazy refcounts.
 * Going to version 2 needs 16-bit refcounts; zero clusters, which version 2 cannot express, are
 * first turned into clusters of zeros (or unallocated ones where nothing lies beneath), in the
 * active layer and in every snapshot. The header is then rewritten as a whole cluster. All under
 * the image's metadata mutex.
 */
final class Qcow2Amend {
    /** Header length qemu-img gives a version 3 image: with the compression type and padding. */
    private static final int V3_HEADER_LENGTH = 112;

    private final Qcow2Driver d;

    Qcow2Amend(Qcow2Driver d) {
        this.d = d;
    }

    /** Changes the version to {@code version} (2 or 3). */
    void setVersion(int version) throws IOException {
        Qcow2Header h = d.header;
        if (version == h.version) {
            return;
        }
        d.flushMetadata();
        if (version == 3) {
            h.version = 3;
            h.headerLength = V3_HEADER_LENGTH;
            h.compressionType = 0;
            h.extraHeader = new byte[V3_HEADER_LENGTH - 105];
            h.incompatible = 0;
            h.compatible = 0;
            h.autoclear = 0;
            if (h.extensions.stream().noneMatch(e -> e.type() == Qcow2Header.EXT_FEATURE_TABLE)) {
                h.extensions.add(Qcow2Header.featureNameTable());
            }
        } else {
            if (h.refcountOrder != 4) {
                throw new BlockException("compat=0.10 requires refcount_bits=16");
            }
            expandZeroClusters();
            h.version = 2;
            h.headerLength = Qcow2Header.V2_HEADER_LENGTH;
            h.incompatible = 0;
            h.compatible = 0;
            h.autoclear = 0;
            h.extensions.removeIf(e -> e.type() == Qcow2Header.EXT_FEATURE_TABLE);
            d.lazyRefcounts = false;
        }
        writeHeader();
    }

    /** Turns lazy refcounts on or off (version 3 only; the caller checks). */
    void setLazyRefcounts(boolean on) throws IOException {
        Qcow2Header h = d.header;
        d.flushMetadata();
        d.file.coFlush();
        h.compatible = on ? h.compatible | Qcow2Header.COMPAT_LAZY_REFCOUNTS
                : h.compatible & ~Qcow2Header.COMPAT_LAZY_REFCOUNTS;
        if (!on) {
            h.incompatible &= ~Qcow2Header.INCOMPAT_DIRTY;
        }
        d.lazyRefcounts = on;
        writeHeader();
    }

    private void writeHeader() throws IOException {
        byte[] bytes = d.header.toBytes();
        ByteBuffer b = ByteBuffer.allocate(d.clusterSize);
        b.put(0, bytes);
        d.file.coPwritev(0, b, 0, d.clusterSize, 0);
        d.file.coFlush();
    }

    /**
     * Rewrites every zero-flagged L2 entry reachable from the active L1 table or a snapshot's:
     * a preallocated one keeps its cluster, now filled with zeros; one without a cluster becomes
     * unallocated when the image has no backing file, else gets a new cluster of zeros, counted
     * once for each L1 table that reaches its L2 table.
     */
    private void expandZeroClusters() throws IOException {
        Set<Long> visited = new HashSet<>();
        expandIn(d.l1, visited);
        for (Qcow2Snapshot s : d.snapshots) {
            if (s.l1Problem(d.clusterSize) != null) {
                throw new BlockException(d.name + ": Image is corrupt: snapshot '" + s.name()
                        + "' has an invalid L1 table");
            }
            long[] l1 = new long[s.l1Size()];
            if (l1.length > 0) {
                ByteBuffer b = ByteBuffer.allocate(l1.length * 8);
                d.file.coPreadv(s.l1Offset(), b, 0, b.capacity());
                b.asLongBuffer().get(l1);
            }
            expandIn(l1, visited);
        }
        d.refcounts.blocks.flush();
        d.file.coFlush();
        for (int i = 0; i < d.l1.length; i++) {
            d.l2Cache.discard(i);
        }
    }

    private void expandIn(long[] l1, Set<Long> visited) throws IOException {
        ByteBuffer zeros = ByteBuffer.allocate(d.clusterSize);
        ByteBuffer l2 = ByteBuffer.allocate(d.clusterSize);
        for (long l1e : l1) {
            long off = l1e & Qcow2Driver.L1E_OFFSET_MASK;
            if (off == 0 || !visited.add(off)) {
                continue;
            }
            d.checkMetadataOffset("L2 table", off, l1e);
            d.file.coPreadv(off, l2, 0, d.clusterSize);
            long l2Refs = d.refcounts.get(off >>> d.clusterBits);
            boolean changed = false;
            for (int j = 0; j < d.clusterSize / 8; j++) {
                long e = l2.getLong(j << 3);
                if (Qcow2Driver.entryType(e) != Qcow2Driver.TYPE_ZERO) {
                    continue;
                }
                long host = e & Qcow2Driver.L2E_OFFSET_MASK;
                long replacement;
                if (host != 0) {
                    replacement = host | (e & Qcow2Driver.OFLAG_COPIED);
                } else if (d.header.backingFile == null) {
                    replacement = 0;
                } else {
                    host = d.refcounts.alloc(1);
                    if (l2Refs > 1) {
                        d.refcounts.update(host >>> d.clusterBits, l2Refs - 1);
                    }
                    replacement = host | (l2Refs == 1 ? Qcow2Driver.OFLAG_COPIED : 0);
                }
                if (host != 0) {
                    d.file.coPwritev(host, zeros, 0, d.clusterSize, 0);
                }
                l2.putLong(j << 3, replacement);
                changed = true;
            }
            if (changed) {
                d.refcounts.blocks.flush();
                d.file.coFlush();
                d.file.coPwritev(off, l2, 0, d.clusterSize, 0);
            }
        }
    }
}
