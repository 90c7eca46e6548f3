package dev.jemu.devices.fwcfg;

import dev.jemu.core.memory.AddressSpace;
import dev.jemu.core.memory.ContainerRegion;
import dev.jemu.core.memory.RamRegion;
import org.junit.jupiter.api.Test;

import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The pc items compared byte for byte with what a guest read from QEMU 7.2
 * ({@code -machine pc -m 64M -kernel} a multiboot kernel, one CPU): its e820 map (the
 * reserved 12 GiB at 0xFD00000000 first, then RAM), boot order and boot-fail-wait.
 */
class PcFirmwareConfigTest {
    private final AddressSpace io = AddressSpace.ioPorts();
    private final FwCfg fw = new FwCfg(new AddressSpace("memory", new ContainerRegion("system", 1L << 32)));

    private String read(int key, int n) {
        io.write(FwCfg.SELECTOR_PORT, key, 2);
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) io.read(FwCfg.DATA_PORT, 1);
        }
        return HexFormat.of().formatHex(b);
    }

    @Test
    void itemsMatchQemu72() {
        io.root().addSubregion(FwCfg.SELECTOR_PORT, fw.ioRegion());
        new PcFirmwareConfig(64 << 20,
                List.of(new E820Entry(0xFD_0000_0000L, 0x3_0000_0000L, E820Entry.RESERVED), new E820Entry(0, 64 << 20, E820Entry.RAM)),
                1, 1, false, false, List.of("/rom@genroms/multiboot_dma.bin"), -1).install(fw);
        assertEquals("0000000400000000", read(FwCfg.KEY_RAM_SIZE, 8));
        assertEquals("0000", read(FwCfg.KEY_NOGRAPHIC, 2));
        assertEquals("0100", read(FwCfg.KEY_NB_CPUS, 2));
        assertEquals("0000", read(FwCfg.KEY_BOOT_MENU, 2));
        assertEquals("0100", read(FwCfg.KEY_MAX_CPUS, 2));
        assertEquals("0".repeat(64), read(FwCfg.KEY_NUMA, 32));
        assertEquals("01000000", read(FwCfg.KEY_IRQ0_OVERRIDE, 4));
        String dir = read(FwCfg.KEY_FILE_DIR, 4 + 3 * 64);
        assertEquals("00000003", dir.substring(0, 8));
        assertEquals("0000001f00200000", dir.substring(8, 24), "bootorder, 31 bytes");
        assertEquals("0000000400210000", dir.substring(8 + 128, 24 + 128), "etc/boot-fail-wait");
        assertEquals("0000002800220000", dir.substring(8 + 256, 24 + 256), "etc/e820, two entries");
        assertEquals("2f726f6d4067656e726f6d732f6d756c7469626f6f745f646d612e62696e00", read(0x20, 31));
        assertEquals("ffffffff", read(0x21, 4));
        assertEquals("00000000fd0000000000000003000000020000000000000000000000000000040000000001000000", read(0x22, 40));
    }

    @Test
    void emptyBootOrderIsAnEmptyFile() {
        io.root().addSubregion(FwCfg.SELECTOR_PORT, fw.ioRegion());
        new PcFirmwareConfig(64 << 20, List.of(), 1, 2, true, true, List.of(), 5000).install(fw);
        assertEquals("00000000" + "0020", read(FwCfg.KEY_FILE_DIR, 4 + 64).substring(8, 20));
        assertEquals("88130000", read(0x21, 4), "reboot after 5 s");
        assertEquals("0100", read(FwCfg.KEY_NOGRAPHIC, 2));
        assertEquals("0100", read(FwCfg.KEY_BOOT_MENU, 2));
        assertEquals("0200", read(FwCfg.KEY_MAX_CPUS, 2));
    }

    @Test
    void refusesMoreBootCpusThanPossible() {
        assertThrows(IllegalArgumentException.class,
                () -> new PcFirmwareConfig(1 << 20, List.of(), 2, 1, false, false, List.of(), -1));
    }
}
