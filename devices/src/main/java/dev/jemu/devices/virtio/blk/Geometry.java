package dev.jemu.devices.virtio.blk;

/**
 * The disk geometry QEMU reports for a disk without {@code cyls=}/{@code heads=}/{@code secs=}:
 * from the ending head and sector of the first usable MBR partition when it implies at most 16
 * heads, else 16 heads and 63 sectors with cylinders from the size (2 to 16383).
 *
 * <p>Stateless.
 */
final class Geometry {
    private static final int PARTITION_TABLE = 0x1BE;
    private static final int ENTRY_SIZE = 16;
    private static final int MAX_CYLINDERS = 16383;

    private Geometry() {
    }

    /** {cylinders, heads, sectors} for a disk of {@code sectors} whose first sector is {@code mbr}. */
    static int[] guess(byte[] mbr, long sectors) {
        int[] lchs = fromPartitions(mbr, sectors);
        if (lchs != null && lchs[1] <= 16) {
            return lchs;
        }
        long cylinders = Math.min(Math.max(sectors / (16 * 63), 2), MAX_CYLINDERS);
        return new int[] {(int) cylinders, 16, 63};
    }

    private static int[] fromPartitions(byte[] mbr, long sectors) {
        if ((mbr[510] & 0xFF) != 0x55 || (mbr[511] & 0xFF) != 0xAA) {
            return null;
        }
        for (int i = 0; i < 4; i++) {
            int e = PARTITION_TABLE + i * ENTRY_SIZE;
            long count = (mbr[e + 12] & 0xFFL) | (mbr[e + 13] & 0xFFL) << 8 | (mbr[e + 14] & 0xFFL) << 16
                    | (mbr[e + 15] & 0xFFL) << 24;
            int endHead = mbr[e + 5] & 0xFF;
            if (count == 0 || endHead == 0) {
                continue;
            }
            int heads = endHead + 1;
            int secs = mbr[e + 6] & 63;
            if (secs == 0) {
                continue;
            }
            long cylinders = sectors / ((long) heads * secs);
            if (cylinders < 1 || cylinders > MAX_CYLINDERS) {
                continue;
            }
            return new int[] {(int) cylinders, heads, secs};
        }
        return null;
    }
}
