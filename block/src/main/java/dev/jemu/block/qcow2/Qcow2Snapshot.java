package dev.jemu.block.qcow2;

import dev.jemu.block.BlockException;
import dev.jemu.block.ImageInfo;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One entry of the internal snapshot table.
 *
 * @param l1Offset offset of the snapshot's L1 table
 * @param l1Size entries of that L1 table
 * @param id the snapshot's id string
 * @param name the snapshot's name
 * @param dateSec creation time, seconds
 * @param dateNsec creation time, nanoseconds
 * @param vmClockNsec guest clock at creation
 * @param vmStateSize size of the saved VM state
 * @param icount instruction count, or -1 when absent
 * @param diskSize the virtual disk size when the snapshot was taken, or -1 when absent
 * @param entryBytes bytes the entry occupies in the table, padding included
 * @param extraBytes bytes of extra data the entry carries
 * @param unknownExtra extra data past the fields this version knows (at most {@link #MAX_EXTRA}
 *                     bytes in all), kept when the table is rewritten
 */
record Qcow2Snapshot(long l1Offset, int l1Size, String id, String name, long dateSec, long dateNsec,
                     long vmClockNsec, long vmStateSize, long icount, long diskSize, int entryBytes,
                     int extraBytes, byte[] unknownExtra) {

    /** Extra data this version writes: large VM state size, disk size, instruction count. */
    static final int KNOWN_EXTRA = 24;

    /** Extra data a version 3 entry must carry: the large VM state size and the disk size. */
    static final int V3_EXTRA = 16;

    /** Largest extra-data area accepted per entry (outside a repair open). */
    static final int MAX_EXTRA = 1024;

    /** The entry as {@code info} and {@code snapshot -l} show it. */
    ImageInfo.SnapshotInfo info() {
        return new ImageInfo.SnapshotInfo(id, name, vmStateSize, dateSec, dateNsec, vmClockNsec, icount);
    }

    /**
     * Parses {@code count} entries from {@code table} (the bytes from the table's offset to at
     * most the end of the file). The table reads as zeros past the end of the file, as in QEMU: a
     * damaged inactive snapshot does not stop the active layer from opening. With {@code repair}
     * (the open of {@code check -r}) an entry with too much extra data is kept, for the check to
     * report.
     */
    static List<Qcow2Snapshot> parseTable(ByteBuffer table, int count, boolean repair)
            throws BlockException {
        List<Qcow2Snapshot> out = new ArrayList<>(count);
        long pos = 0;
        String pre = "Image is corrupt: snapshot table ";
        for (int i = 0; i < count; i++) {
            byte[] head = bytes(table, pos, 40);
            ByteBuffer h = ByteBuffer.wrap(head);
            long l1Offset = h.getLong(0);
            int l1Size = h.getInt(8);
            int idLen = h.getShort(12) & 0xffff;
            int nameLen = h.getShort(14) & 0xffff;
            long dateSec = h.getInt(16) & 0xffffffffL;
            long dateNsec = h.getInt(20) & 0xffffffffL;
            long vmClock = h.getLong(24);
            long vmState = h.getInt(32) & 0xffffffffL;
            int extra = h.getInt(36);
            if (extra < 0 || (extra > MAX_EXTRA && !repair)) {
                throw new BlockException(pre + "entry " + i + " has too much extra data ("
                        + Integer.toUnsignedString(extra) + " bytes)");
            }
            int entryLen = 40 + extra + idLen + nameLen;
            ByteBuffer ex = ByteBuffer.wrap(bytes(table, pos + 40, Math.min(extra, KNOWN_EXTRA)));
            long icount = -1;
            long diskSize = -1;
            if (extra >= 8) {
                vmState = ex.getLong(0);
            }
            if (extra >= 16) {
                diskSize = ex.getLong(8);
            }
            if (extra >= 24) {
                icount = ex.getLong(16);
            }
            byte[] unknown = bytes(table, pos + 40 + KNOWN_EXTRA, Math.max(0, Math.min(extra, MAX_EXTRA) - KNOWN_EXTRA));
            byte[] id = bytes(table, pos + 40 + extra, idLen);
            byte[] name = bytes(table, pos + 40 + extra + idLen, nameLen);
            out.add(new Qcow2Snapshot(l1Offset, l1Size, cString(id), cString(name), dateSec, dateNsec, vmClock,
                    vmState, icount, diskSize, (entryLen + 7) & ~7, extra, unknown));
            pos += (entryLen + 7) & ~7;
        }
        return out;
    }

    /** {@code n} bytes of {@code table} from {@code pos}, zeros past its end. */
    private static byte[] bytes(ByteBuffer table, long pos, int n) {
        byte[] b = new byte[n];
        int avail = (int) Math.max(0, Math.min(n, table.limit() - pos));
        if (avail > 0) {
            table.get((int) pos, b, 0, avail);
        }
        return b;
    }

    /** A string field as QEMU reads it: a C string, ended by its first NUL. */
    private static String cString(byte[] b) {
        int n = 0;
        while (n < b.length && b[n] != 0) {
            n++;
        }
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }

    /**
     * What stops the check from reading the snapshot's L1 table, in qemu-img check's words, or
     * null (a table past the end of the file is read as zeroes and reported by the count). A damaged
     * inactive snapshot does not stop the image from opening, as in QEMU; only what reads its
     * L1 table ({@link Qcow2Check}) looks at this.
     */
    String l1Problem(int clusterSize) {
        String entry = "ERROR snapshot " + id + " (" + name + ") ";
        if ((l1Offset & (clusterSize - 1)) != 0) {
            return entry + "l1_offset=0x" + Long.toHexString(l1Offset)
                    + ": L1 table is not cluster aligned; snapshot table entry corrupted";
        }
        if (l1Size < 0 || (long) l1Size * 8 > Qcow2Header.MAX_L1_BYTES) {
            return entry + "l1_size=0x" + Integer.toHexString(l1Size)
                    + ": L1 table is too large; snapshot table entry corrupted";
        }
        return null;
    }

    /** Bytes of a table holding at most {@code count} entries, for bounding the read. */
    static long maxTableBytes(int count) {
        return (long) count * (40 + MAX_EXTRA + 65535 * 2 + 8);
    }

    /**
     * This entry as the table stores it, padded to 8 bytes: the extra data holds the large VM
     * state size, the disk size ({@code currentSize} if the entry had none) and the instruction
     * count, then the unknown extra data kept from the entry read.
     */
    byte[] toBytes(long currentSize) {
        byte[] idBytes = id.getBytes(StandardCharsets.UTF_8);
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        int extra = KNOWN_EXTRA + unknownExtra.length;
        int len = 40 + extra + idBytes.length + nameBytes.length;
        ByteBuffer b = ByteBuffer.allocate((len + 7) & ~7);
        b.putLong(0, l1Offset).putInt(8, l1Size).putShort(12, (short) idBytes.length)
                .putShort(14, (short) nameBytes.length).putInt(16, (int) dateSec).putInt(20, (int) dateNsec)
                .putLong(24, vmClockNsec).putInt(32, (int) Math.min(vmStateSize, 0xffffffffL)).putInt(36, extra)
                .putLong(40, vmStateSize).putLong(48, diskSize >= 0 ? diskSize : currentSize)
                .putLong(56, icount);
        b.put(40 + KNOWN_EXTRA, unknownExtra);
        b.put(40 + extra, idBytes);
        b.put(40 + extra + idBytes.length, nameBytes);
        return b.array();
    }
}
