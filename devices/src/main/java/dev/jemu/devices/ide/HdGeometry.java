package dev.jemu.devices.ide;

/**
 * A hard disk's physical CHS geometry and the BIOS translation hint, guessed as QEMU guesses
 * them when the user gives none: from the partition table of the disk's first sector if one
 * of its entries gives a plausible geometry, else from the size (16 heads, 63 sectors, the
 * cylinders the size fills, 2 to 16383).
 *
 * <ul>
 *   <li>No usable partition entry: the size's geometry, translated (LBA) only if it has more
 *       than 1024 cylinders.</li>
 *   <li>An entry ending on a head above 15 (the disk was partitioned through a translating
 *       BIOS): the size's geometry, with LARGE translation if cylinders × heads is at most
 *       131072, else LBA.</li>
 *   <li>An entry ending on head 15 or below: that geometry, untranslated.</li>
 * </ul>
 *
 * <p>Threading: immutable.
 *
 * @param cylinders physical cylinders (IDENTIFY words 1 and 54)
 * @param heads physical heads
 * @param sectors physical sectors per track
 * @param translation the hint the board writes to CMOS for int 13h
 */
public record HdGeometry(int cylinders, int heads, int sectors, Translation translation) {

    /** The BIOS's CHS translation for int 13h. */
    public enum Translation {
        /** Logical geometry is the physical one. */
        NONE,
        /** Logical geometry derived from the LBA size. */
        LBA,
        /** Heads multiplied and cylinders divided by a power of two ("large", ECHS). */
        LARGE
    }

    private static final int PARTITION_TABLE = 0x1BE;
    private static final int ENTRY_SIZE = 16;
    private static final int MAX_CYLINDERS = 16383;

    /**
     * The geometry of a disk of {@code totalSectors} whose first sector is {@code sector0}
     * (512 bytes, or null if it could not be read).
     */
    public static HdGeometry guess(long totalSectors, byte[] sector0) {
        int[] lchs = partitionGeometry(totalSectors, sector0);
        if (lchs == null) {
            HdGeometry g = forSize(totalSectors, Translation.NONE);
            return g.cylinders <= 1024 ? g : forSize(totalSectors, Translation.LBA);
        }
        if (lchs[1] > 16) {
            HdGeometry g = forSize(totalSectors, Translation.LBA);
            return g.cylinders * g.heads <= 131072 ? forSize(totalSectors, Translation.LARGE) : g;
        }
        return new HdGeometry(lchs[0], lchs[1], lchs[2], Translation.NONE);
    }

    private static HdGeometry forSize(long totalSectors, Translation translation) {
        long cylinders = Math.max(2, Math.min(MAX_CYLINDERS, totalSectors / (16 * 63)));
        return new HdGeometry((int) cylinders, 16, 63, translation);
    }

    /** {cylinders, heads, sectors} from the first partition entry that gives a plausible geometry, or null. */
    private static int[] partitionGeometry(long totalSectors, byte[] mbr) {
        if (mbr == null || mbr.length < 512 || (mbr[510] & 0xFF) != 0x55 || (mbr[511] & 0xFF) != 0xAA) {
            return null;
        }
        for (int i = 0; i < 4; i++) {
            int e = PARTITION_TABLE + ENTRY_SIZE * i;
            long length = (mbr[e + 12] & 0xFFL) | (mbr[e + 13] & 0xFFL) << 8 | (mbr[e + 14] & 0xFFL) << 16
                    | (mbr[e + 15] & 0xFFL) << 24;
            int endHead = mbr[e + 5] & 0xFF;
            if (length == 0 || endHead == 0) {
                continue;
            }
            int heads = endHead + 1;
            int sectors = mbr[e + 6] & 63;
            if (sectors == 0) {
                continue;
            }
            long cylinders = totalSectors / ((long) heads * sectors);
            if (cylinders < 1 || cylinders > MAX_CYLINDERS) {
                continue;
            }
            return new int[] {(int) cylinders, heads, sectors};
        }
        return null;
    }
}
