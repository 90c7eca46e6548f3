package dev.jemu.devices.pc;

import dev.jemu.devices.ide.HdGeometry;
import dev.jemu.devices.ide.IdeDrive;
import dev.jemu.devices.timer.Mc146818Rtc;

/**
 * The CMOS bytes a PC BIOS reads for memory size, hard disks and boot order, laid out as
 * QEMU's pc machine fills them (the IBM AT layout plus the extensions SeaBIOS reads: memory
 * above 16 MiB and above 4 GiB, the CPU count, the boot order and the ATA translation, whose
 * two bits per drive at 0x39 are {@link HdGeometry.Translation}'s ordinal).
 *
 * <p>Threading: while the board is built or reset, under the big emulator lock.
 */
final class PcCmos {
    static final int EQUIPMENT = 0x14;
    static final int BASE_MEMORY = 0x15;
    static final int EXTENDED_MEMORY = 0x17;
    static final int HD_TYPES = 0x12;
    static final int HD0_EXTENDED_TYPE = 0x19;
    static final int HD1_EXTENDED_TYPE = 0x1A;
    static final int HD0_PARAMS = 0x1B;
    static final int HD1_PARAMS = 0x24;
    static final int CHECKSUM = 0x2E;
    static final int EXTENDED_MEMORY_POST = 0x30;
    static final int MEMORY_ABOVE_16M = 0x34;
    static final int BOOT_ORDER_3 = 0x38;
    static final int ATA_TRANSLATION = 0x39;
    static final int BOOT_ORDER_12 = 0x3D;
    static final int MEMORY_ABOVE_4G = 0x5B;
    static final int CPU_COUNT = 0x5F;

    private PcCmos() {
    }

    /**
     * Fills {@code rtc}'s CMOS.
     *
     * @param below4g RAM below 4 GiB in bytes
     * @param above4g RAM above 4 GiB in bytes
     * @param ide the IDE hard disks by position (bus * 2 + unit), null where none
     * @param bootOrder QEMU's {@code -boot order=} letters (a floppy, c disk, d CD-ROM, n network)
     */
    static void fill(Mc146818Rtc rtc, long below4g, long above4g, IdeDrive[] ide, String bootOrder) {
        rtc.setCmos(EQUIPMENT, 0x02 | 0x04);
        word(rtc, BASE_MEMORY, 640);
        long extKb = Math.min((below4g >> 10) - 1024, 0xFFFF);
        word(rtc, EXTENDED_MEMORY, (int) Math.max(extKb, 0));
        word(rtc, EXTENDED_MEMORY_POST, (int) Math.max(extKb, 0));
        long above16m = below4g > (16 << 20) ? Math.min((below4g - (16 << 20)) >> 16, 0xFFFF) : 0;
        word(rtc, MEMORY_ABOVE_16M, (int) above16m);
        long above = above4g >> 16;
        rtc.setCmos(MEMORY_ABOVE_4G, (int) above & 0xFF);
        rtc.setCmos(MEMORY_ABOVE_4G + 1, (int) (above >> 8) & 0xFF);
        rtc.setCmos(MEMORY_ABOVE_4G + 2, (int) (above >> 16) & 0xFF);
        rtc.setCmos(CPU_COUNT, 0);
        int[] boot = new int[3];
        for (int i = 0; i < 3 && i < bootOrder.length(); i++) {
            boot[i] = switch (bootOrder.charAt(i)) {
                case 'a' -> 1;
                case 'c' -> 2;
                case 'd' -> 3;
                case 'n' -> 4;
                default -> 0;
            };
        }
        rtc.setCmos(BOOT_ORDER_12, boot[0] | boot[1] << 4);
        rtc.setCmos(BOOT_ORDER_3, boot[2] << 4 | 0x01);
        int types = 0;
        int translation = 0;
        for (int i = 0; i < 4; i++) {
            IdeDrive d = ide[i];
            if (d == null) {
                continue;
            }
            if (i < 2) {
                types |= i == 0 ? 0xF0 : 0x0F;
                rtc.setCmos(i == 0 ? HD0_EXTENDED_TYPE : HD1_EXTENDED_TYPE, 47);
                hdParams(rtc, i == 0 ? HD0_PARAMS : HD1_PARAMS, d);
            }
            translation |= d.geometry().translation().ordinal() << (2 * i);
        }
        rtc.setCmos(HD_TYPES, types);
        rtc.setCmos(ATA_TRANSLATION, translation);
        int sum = 0;
        for (int i = 0x10; i <= 0x2D; i++) {
            sum += rtc.cmos(i);
        }
        rtc.setCmos(CHECKSUM, sum >> 8 & 0xFF);
        rtc.setCmos(CHECKSUM + 1, sum & 0xFF);
    }

    /** The AT's hard disk parameter block: cylinders, heads, write precompensation, control, landing zone, sectors. */
    private static void hdParams(Mc146818Rtc rtc, int at, IdeDrive d) {
        HdGeometry g = d.geometry();
        word(rtc, at, g.cylinders());
        rtc.setCmos(at + 2, g.heads());
        word(rtc, at + 3, 0xFFFF);
        rtc.setCmos(at + 5, 0xC0 | (g.heads() > 8 ? 0x08 : 0));
        word(rtc, at + 6, g.cylinders());
        rtc.setCmos(at + 8, g.sectors());
    }

    private static void word(Mc146818Rtc rtc, int at, int value) {
        rtc.setCmos(at, value & 0xFF);
        rtc.setCmos(at + 1, value >> 8 & 0xFF);
    }
}
