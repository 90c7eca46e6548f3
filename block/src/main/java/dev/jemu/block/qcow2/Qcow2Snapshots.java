package dev.jemu.block.qcow2;

import dev.jemu.block.BlockException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Creating, applying and deleting internal snapshots, and writing the snapshot table.
 *
 * <p>A snapshot is a copy of the active L1 table. Every L1 table that reaches an L2 table counts
 * one reference to it and one to each cluster its entries map (a shared L2 table is counted once
 * per L1 table), so taking a snapshot adds one to all of those, deleting it takes one away, and
 * applying it adds one for the snapshot's clusters and takes one away for those the active layer
 * dropped. Afterwards the copied flag of the active L1 and L2 entries is set exactly where the
 * refcount is 1, so that writes copy whatever is shared. The new snapshot table is written before
 * the header points at it; the old one is freed after. All under the image's metadata mutex.
 */
final class Qcow2Snapshots {
    private final Qcow2Driver d;

    Qcow2Snapshots(Qcow2Driver d) {
        this.d = d;
    }

    /** Creates a snapshot {@code name} of the active layer, with the next free numeric id. */
    void create(String name, long dateSec, long dateNsec) throws IOException {
        if (d.snapshots.size() >= Qcow2Header.MAX_SNAPSHOTS) {
            throw new BlockException(d.name + ": too many snapshots");
        }
        checkString("name", name);
        d.flushMetadata();
        adjust(d.l1, 1);
        fixCopiedFlags();
        int clusters = clustersFor((long) d.l1.length * 8);
        long l1Offset = clusters == 0 ? 0 : d.refcounts.alloc(clusters);
        if (clusters > 0) {
            ByteBuffer b = ByteBuffer.allocate(clusters * d.clusterSize);
            b.asLongBuffer().put(d.l1);
            d.refcounts.blocks.flush();
            d.flushFileForOrdering();
            d.file.coPwritev(l1Offset, b, 0, b.capacity(), 0);
        }
        long id = 0;
        for (Qcow2Snapshot s : d.snapshots) {
            // An id that is not a number takes no part in the numbering, as in QEMU.
            if (s.id().matches("[0-9]{1,18}")) {
                id = Math.max(id, Long.parseLong(s.id()));
            }
        }
        List<Qcow2Snapshot> table = new ArrayList<>(d.snapshots);
        table.add(new Qcow2Snapshot(l1Offset, d.l1.length, Long.toString(id + 1), name, dateSec, dateNsec, 0, 0,
                0, d.header.size, 0, Qcow2Snapshot.KNOWN_EXTRA, new byte[0]));
        writeTable(table);
    }

    /** Reverts the active layer to snapshot {@code idOrName} (an id first, then a name). */
    void apply(String idOrName) throws IOException {
        Qcow2Snapshot sn = find(idOrName, true);
        if (sn == null) {
            throw new BlockException("Failed to load snapshot: No such file or directory");
        }
        String problem = sn.l1Problem(d.clusterSize);
        if (problem != null) {
            throw new BlockException(d.name + ": Image is corrupt: snapshot '" + sn.name() + "' has an invalid L1 table");
        }
        d.flushMetadata();
        long[] snL1 = readL1(sn.l1Offset(), sn.l1Size());
        if (snL1.length > d.l1.length) {
            d.resize.growL1(snL1.length);
        }
        adjust(snL1, 1);
        long[] old = d.l1.clone();
        long[] now = Arrays.copyOf(snL1, d.l1.length);
        ByteBuffer b = ByteBuffer.allocate(clustersFor((long) now.length * 8) * d.clusterSize);
        b.asLongBuffer().put(now);
        d.refcounts.blocks.flush();
        d.flushFileForOrdering();
        d.file.coPwritev(d.header.l1TableOffset, b, 0, b.capacity(), 0);
        d.flushFileForOrdering();
        d.l1 = now;
        dropL2Cache();
        adjust(old, -1);
        fixCopiedFlags();
        long size = sn.diskSize() >= 0 ? sn.diskSize() : d.header.size;
        if (size != d.header.size) {
            ByteBuffer s = ByteBuffer.allocate(8).putLong(0, size);
            d.file.coPwritev(Qcow2Header.OFF_SIZE, s, 0, 8, 0);
            d.header.size = size;
        }
        d.file.coFlush();
    }

    /** Deletes the first snapshot named {@code name}. */
    void delete(String name) throws IOException {
        Qcow2Snapshot sn = find(name, false);
        if (sn == null) {
            throw new BlockException("snapshot not found");
        }
        d.flushMetadata();
        List<Qcow2Snapshot> table = new ArrayList<>(d.snapshots);
        table.remove(sn);
        writeTable(table);
        if (sn.l1Problem(d.clusterSize) == null) {
            adjust(readL1(sn.l1Offset(), sn.l1Size()), -1);
            int clusters = clustersFor((long) sn.l1Size() * 8);
            if (clusters > 0 && sn.l1Offset() != 0) {
                d.refcounts.free(sn.l1Offset(), clusters);
            }
        }
        fixCopiedFlags();
        d.file.coFlush();
    }

    private Qcow2Snapshot find(String key, boolean idFirst) {
        if (idFirst) {
            for (Qcow2Snapshot s : d.snapshots) {
                if (s.id().equals(key)) {
                    return s;
                }
            }
        }
        for (Qcow2Snapshot s : d.snapshots) {
            if (s.name().equals(key)) {
                return s;
            }
        }
        return null;
    }

    private void checkString(String what, String s) throws BlockException {
        if (s.getBytes(StandardCharsets.UTF_8).length > 0xffff) {
            throw new BlockException(d.name + ": snapshot " + what + " too long (at most 65535 bytes)");
        }
    }

    private int clustersFor(long bytes) {
        return (int) ((bytes + d.clusterSize - 1) >>> d.clusterBits);
    }

    /**
     * Writes {@code table} as the new snapshot table: to new clusters, then the header's count and
     * offset in one write, then the old table's clusters are freed.
     */
    void writeTable(List<Qcow2Snapshot> table) throws IOException {
        List<byte[]> entries = new ArrayList<>(table.size());
        long bytes = 0;
        for (Qcow2Snapshot s : table) {
            byte[] e = s.toBytes(d.header.size);
            entries.add(e);
            bytes += e.length;
        }
        if (bytes > (64L << 20)) {
            throw new BlockException(d.name + ": snapshot table too large");
        }
        long offset = 0;
        List<Qcow2Snapshot> written = new ArrayList<>(table.size());
        if (!table.isEmpty()) {
            int clusters = clustersFor(bytes);
            offset = d.refcounts.alloc(clusters);
            ByteBuffer b = ByteBuffer.allocate(clusters * d.clusterSize);
            for (int i = 0; i < entries.size(); i++) {
                byte[] e = entries.get(i);
                Qcow2Snapshot s = table.get(i);
                written.add(new Qcow2Snapshot(s.l1Offset(), s.l1Size(), s.id(), s.name(), s.dateSec(), s.dateNsec(),
                        s.vmClockNsec(), s.vmStateSize(), s.icount(), s.diskSize() >= 0 ? s.diskSize() : d.header.size,
                        e.length, Qcow2Snapshot.KNOWN_EXTRA + s.unknownExtra().length, s.unknownExtra()));
                b.put(e);
            }
            d.refcounts.blocks.flush();
            d.flushFileForOrdering();
            d.file.coPwritev(offset, b, 0, b.capacity(), 0);
            d.file.coFlush();
        }
        long oldOffset = d.header.snapshotsOffset;
        long oldBytes = 0;
        for (Qcow2Snapshot s : d.snapshots) {
            oldBytes += s.entryBytes();
        }
        ByteBuffer h = ByteBuffer.allocate(12).putInt(0, table.size()).putLong(4, offset);
        d.file.coPwritev(Qcow2Header.OFF_NB_SNAPSHOTS, h, 0, 12, 0);
        d.file.coFlush();
        d.header.nbSnapshots = table.size();
        d.header.snapshotsOffset = offset;
        d.snapshots = List.copyOf(written);
        // A damaged old table that runs past the end of the file's last cluster (it was read as
        // zeros there) is left leaked rather than freed: its clusters past the end were never
        // allocated. (The last entry of a table at the end of the file may lack its padding.)
        if (oldBytes > 0 && oldOffset >= d.clusterSize && (oldOffset & (d.clusterSize - 1)) == 0
                && oldOffset + oldBytes <= Qcow2Header.roundUp(d.file.length(), d.clusterSize)) {
            d.refcounts.free(oldOffset, clustersFor(oldBytes));
        }
    }

    private long[] readL1(long offset, int entries) throws IOException {
        long[] t = new long[entries];
        if (entries > 0) {
            ByteBuffer b = ByteBuffer.allocate(entries * 8);
            d.file.coPreadv(offset, b, 0, b.capacity());
            b.asLongBuffer().get(t);
        }
        return t;
    }

    /** Adds {@code addend} to the refcount of every L2 table {@code l1} reaches and every cluster those map. */
    private void adjust(long[] l1, int addend) throws IOException {
        ByteBuffer l2 = ByteBuffer.allocate(d.clusterSize);
        for (long e : l1) {
            long off = e & Qcow2Driver.L1E_OFFSET_MASK;
            if (off == 0) {
                continue;
            }
            d.checkMetadataOffset("L2 table", off, e);
            d.file.coPreadv(off, l2, 0, d.clusterSize);
            for (int j = 0; j < d.clusterSize / 8; j++) {
                long l2e = l2.getLong(j << 3);
                switch (Qcow2Driver.entryType(l2e)) {
                    case Qcow2Driver.TYPE_NORMAL, Qcow2Driver.TYPE_ZERO -> {
                        long host = l2e & Qcow2Driver.L2E_OFFSET_MASK;
                        if (host != 0) {
                            d.refcounts.update(host >>> d.clusterBits, addend);
                        }
                    }
                    case Qcow2Driver.TYPE_COMPRESSED -> {
                        long host = d.compressedOffset(l2e) & ~511L;
                        long end = host + (long) d.compressedSectors(l2e) * 512;
                        for (long c = host >>> d.clusterBits; c <= (end - 1) >>> d.clusterBits; c++) {
                            d.refcounts.update(c, addend);
                        }
                    }
                    default -> { }
                }
            }
            d.refcounts.update(off >>> d.clusterBits, addend);
        }
        d.refcounts.blocks.flush();
        d.flushFileForOrdering();
    }

    /** Sets the copied flag of the active L1 and L2 entries exactly where the refcount is 1. */
    private void fixCopiedFlags() throws IOException {
        d.l2Cache.flush();
        dropL2Cache();
        ByteBuffer l2 = ByteBuffer.allocate(d.clusterSize);
        boolean l1Changed = false;
        for (int i = 0; i < d.l1.length; i++) {
            long e = d.l1[i];
            long off = e & Qcow2Driver.L1E_OFFSET_MASK;
            if (off == 0) {
                continue;
            }
            boolean own = d.refcounts.get(off >>> d.clusterBits) == 1;
            long fixed = own ? e | Qcow2Driver.OFLAG_COPIED : e & ~Qcow2Driver.OFLAG_COPIED;
            if (fixed != e) {
                d.l1[i] = fixed;
                l1Changed = true;
            }
            // A shared L2 table is fixed in place too: the flags mean something only to the active layer.
            d.file.coPreadv(off, l2, 0, d.clusterSize);
            boolean l2Changed = false;
            for (int j = 0; j < d.clusterSize / 8; j++) {
                long l2e = l2.getLong(j << 3);
                int type = Qcow2Driver.entryType(l2e);
                long host = l2e & Qcow2Driver.L2E_OFFSET_MASK;
                if (host == 0 || (type != Qcow2Driver.TYPE_NORMAL && type != Qcow2Driver.TYPE_ZERO)) {
                    continue;
                }
                long want = d.refcounts.get(host >>> d.clusterBits) == 1 ? l2e | Qcow2Driver.OFLAG_COPIED
                        : l2e & ~Qcow2Driver.OFLAG_COPIED;
                if (want != l2e) {
                    l2.putLong(j << 3, want);
                    l2Changed = true;
                }
            }
            if (l2Changed) {
                d.file.coPwritev(off, l2, 0, d.clusterSize, 0);
            }
        }
        if (l1Changed) {
            d.flushFileForOrdering();
            ByteBuffer b = ByteBuffer.allocate(d.l1.length * 8);
            b.asLongBuffer().put(d.l1);
            d.file.coPwritev(d.header.l1TableOffset, b, 0, b.capacity(), 0);
        }
        d.file.coFlush();
    }

    private void dropL2Cache() {
        for (int i = 0; i < d.l1.length; i++) {
            d.l2Cache.discard(i);
        }
    }
}
