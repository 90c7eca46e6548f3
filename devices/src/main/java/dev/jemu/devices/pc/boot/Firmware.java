package dev.jemu.devices.pc.boot;

import dev.jemu.core.memory.AliasRegion;
import dev.jemu.core.memory.ContainerRegion;
import dev.jemu.core.memory.RamRegion;

/**
 * Maps a BIOS image the way the PC does: the whole ROM just below 4 GiB (so the reset vector
 * at 0xFFFFFFF0 is its last 16 bytes) and its last 128 KiB (or all of it if smaller) again
 * just below 1 MiB.
 */
public final class Firmware {
    /** Size of the legacy BIOS window below 1 MiB. */
    public static final int ISA_BIOS_MAX = 128 * 1024;
    private static final int ROM_PRIORITY = 1;

    private Firmware() {
    }

    /** Maps {@code image} into {@code system} (the physical memory root). */
    public static RamRegion map(ContainerRegion system, byte[] image) throws BootImageException {
        if (image.length == 0 || image.length % 65536 != 0) {
            throw new BootImageException("BIOS image size " + image.length + " is not a non-zero multiple of 64 KiB");
        }
        if (image.length > 16 << 20) {
            throw new BootImageException("BIOS image of " + image.length + " bytes is larger than 16 MiB");
        }
        RamRegion rom = RamRegion.rom("pc.bios", image);
        system.addSubregion(0x1_0000_0000L - image.length, rom, ROM_PRIORITY);
        int isaSize = Math.min(image.length, ISA_BIOS_MAX);
        system.addSubregion(0x10_0000 - isaSize,
                new AliasRegion("isa-bios", rom, image.length - isaSize, isaSize), ROM_PRIORITY);
        return rom;
    }
}
