package dev.jemu.devices.pc.boot;

import dev.jemu.core.memory.AddressSpace;
import dev.jemu.core.memory.ContainerRegion;
import dev.jemu.core.memory.RamRegion;
import dev.jemu.devices.fwcfg.FwCfg;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A bzImage's fw_cfg items, read back through the fw_cfg ports as firmware reads them. The
 * selectors are QEMU's ({@code include/uapi/linux/qemu_fw_cfg.h} in Linux); the layout of a
 * bzImage is the boot protocol's (Documentation/arch/x86/boot.rst: setup code of
 * {@code (setup_sects + 1) * 512} bytes, then the protected-mode kernel); the initrd limit is
 * QEMU 7.2's, as {@code qemu-system-x86_64 -m 256M} and {@code -m 16M} report it for a
 * too-large initrd ("max: 268271615" and "max: 16613375": RAM - 0x28000 - 1).
 */
class LinuxLoaderTest {
    private static final int SETUP_SECTS = 4;
    private static final long MIB = 1 << 20;
    private final AddressSpace io = AddressSpace.ioPorts();
    private final FwCfg fw;

    LinuxLoaderTest() {
        ContainerRegion root = new ContainerRegion("system", 1L << 32);
        root.addSubregion(0, RamRegion.ram("ram", MIB));
        fw = new FwCfg(new AddressSpace("memory", root));
        io.root().addSubregion(FwCfg.SELECTOR_PORT, fw.ioRegion());
    }

    /** A bzImage of protocol {@code version} whose protected-mode part is {@code payload}. */
    static byte[] bzImage(int version, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate((SETUP_SECTS + 1) * 512 + payload.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0x1F1, (byte) SETUP_SECTS);
        b.putShort(0x1FE, (short) 0xAA55);
        b.put(0x200, (byte) 0xEB).put(0x201, (byte) 0x66);
        b.putInt(0x202, 0x53726448).putShort(0x206, (short) version);
        b.put(0x211, (byte) 0x01);
        b.putInt(0x214, 0x100000);
        b.putInt(0x22C, 0x7FFF_FFFF);
        b.putInt(0x238, 255);
        b.putInt(0x260, 0x40000);
        b.put((SETUP_SECTS + 1) * 512, payload);
        return b.array();
    }

    static byte[] filled(int length, int seed) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (i * 7 + seed);
        }
        return b;
    }

    private byte[] item(int key, int length) {
        io.write(FwCfg.SELECTOR_PORT, key, 2);
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) io.read(FwCfg.DATA_PORT, 1);
        }
        return b;
    }

    private long word(int key) {
        return ByteBuffer.wrap(item(key, 4)).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xFFFF_FFFFL;
    }

    @Test
    void recognisesTheHdrSSignature() {
        assertTrue(LinuxLoader.isLinux(bzImage(0x020F, new byte[16])));
        assertFalse(LinuxLoader.isLinux(MultibootLoaderTest.kludgeKernel()));
        assertFalse(LinuxLoader.isLinux(new byte[0x100]));
    }

    @Test
    void setupKernelCommandLineAndInitrdAreQemusItems() throws Exception {
        byte[] payload = filled(0x3000, 1);
        byte[] image = bzImage(0x020F, payload);
        byte[] initrd = filled(0x1234, 9);
        LinuxLoader.parse(image, true).install(fw, "console=ttyS0 acpi=off", initrd, 256 * MIB);
        int setupSize = (SETUP_SECTS + 1) * 512;
        assertEquals(0x10000, word(0x16), "FW_CFG_SETUP_ADDR");
        assertEquals(setupSize, word(0x17), "FW_CFG_SETUP_SIZE");
        assertArrayEquals(Arrays.copyOf(image, setupSize), item(0x18, setupSize), "FW_CFG_SETUP_DATA: the file's setup code");
        assertEquals(0x100000, word(0x07), "FW_CFG_KERNEL_ADDR");
        assertEquals(payload.length, word(0x08), "FW_CFG_KERNEL_SIZE");
        assertArrayEquals(payload, item(0x11, payload.length), "FW_CFG_KERNEL_DATA");
        assertEquals(0x20000, word(0x13), "FW_CFG_CMDLINE_ADDR");
        assertEquals(23, word(0x14), "FW_CFG_CMDLINE_SIZE counts the NUL");
        assertEquals("console=ttyS0 acpi=off\0", new String(item(0x15, 23), StandardCharsets.US_ASCII), "FW_CFG_CMDLINE_DATA");
        assertEquals((268271615L - initrd.length) & ~0xFFFL, word(0x0A), "FW_CFG_INITRD_ADDR: QEMU's, below its limit");
        assertEquals(initrd.length, word(0x0B), "FW_CFG_INITRD_SIZE");
        assertArrayEquals(initrd, item(0x12, initrd.length), "FW_CFG_INITRD_DATA");
    }

    @Test
    void theBootRomIsAGenromsFile() throws Exception {
        LinuxLoader.parse(bzImage(0x020F, new byte[0x200]), false).install(fw, "", null, 64 * MIB);
        ByteBuffer dir = ByteBuffer.wrap(item(FwCfg.KEY_FILE_DIR, 4 + FwCfg.FILE_ENTRY_SIZE));
        assertEquals(1, dir.getInt(0));
        byte[] name = Arrays.copyOfRange(dir.array(), 12, 12 + LinuxLoader.ROM_FILE.length() + 1);
        assertEquals("genroms/jemu-linuxboot.bin\0", new String(name, StandardCharsets.US_ASCII));
        byte[] rom = LinuxBootRom.image();
        assertEquals(rom.length, dir.getInt(4));
        assertArrayEquals(rom, item(dir.getShort(8), rom.length));
        assertEquals(0, word(0x0B), "no FW_CFG_INITRD_SIZE without an initrd");
        assertEquals(1, word(0x14), "an empty command line is its NUL");
        assertEquals("/rom@genroms/jemu-linuxboot.bin", LinuxLoader.BOOT_PATH);
    }

    private static String refusal(byte[] image, boolean withInitrd) {
        return assertThrows(BootImageException.class, () -> LinuxLoader.parse(image, withInitrd)).getMessage();
    }

    @Test
    void imagesJemuCannotBootAreRefusedWithTheReason() {
        assertEquals("not a Linux bzImage (no \"HdrS\" boot protocol header)", refusal(new byte[0x400], false));
        assertEquals("linux kernel too old to load a ram disk", refusal(bzImage(0x01FF, new byte[16]), true),
                "QEMU's words for an initrd with a protocol before 2.00");
        assertEquals("linux kernel too old: boot protocol 2.05, jemu needs 2.06 or later",
                refusal(bzImage(0x0205, new byte[16]), true));
        byte[] zImage = bzImage(0x020F, new byte[16]);
        zImage[0x211] = 0;
        assertEquals("zImage kernels (not loaded high) are not supported", refusal(zImage, false));
        byte[] bigSetup = bzImage(0x020F, new byte[0x9000]);
        bigSetup[0x1F1] = 64;
        assertEquals("invalid kernel header", refusal(bigSetup, false), "setup code past 32 KiB");
        byte[] truncated = Arrays.copyOf(bzImage(0x020F, new byte[16]), (SETUP_SECTS + 1) * 512);
        assertEquals("Linux kernel is truncated: setup_sects 4 reaches past the end of the file", refusal(truncated, false));
    }

    @Test
    void aCommandLineLongerThanCmdlineSizeIsRefused() throws Exception {
        LinuxLoader.Kernel k = LinuxLoader.parse(bzImage(0x020F, new byte[16]), false);
        char[] line = new char[256];
        Arrays.fill(line, 'x');
        assertEquals("kernel command line is 256 bytes; the kernel takes at most 255",
                assertThrows(BootImageException.class, () -> k.checkCommandLine(new String(line))).getMessage());
        k.checkCommandLine(new String(line, 0, 255));
    }

    @Test
    void anInitrdTooLargeForTheRamIsRefusedAsQemuDoes() throws Exception {
        LinuxLoader.Kernel k = LinuxLoader.parse(bzImage(0x020F, new byte[16]), true);
        assertEquals("initrd is too large, cannot support.(max: 16613375, need 16613375)",
                assertThrows(BootImageException.class, () -> k.placeInitrd(16613375, 16 * MIB)).getMessage());
        // below QEMU's limit, but into the BIOS's top 256 KiB or the kernel's init_size (1 MiB + 0x40000)
        assertEquals("initrd is too large, cannot support.(max: 15204352, need 16613374): the kernel needs RAM up to 0x140000",
                assertThrows(BootImageException.class, () -> k.placeInitrd(16613374, 16 * MIB)).getMessage());
        assertEquals((16613375 - 15204352) & ~0xFFF, k.placeInitrd(15204352, 16 * MIB),
                "the largest initrd that fits between 0x140000 and 16 MiB - 256 KiB; its address is QEMU's");
    }
}
