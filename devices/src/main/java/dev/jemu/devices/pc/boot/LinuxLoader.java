package dev.jemu.devices.pc.boot;

import dev.jemu.devices.fwcfg.FwCfg;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * {@code -kernel bzImage -initrd FILE -append ...} as QEMU does it: the kernel goes into
 * fw_cfg and SeaBIOS starts it. A bzImage (Linux x86 boot protocol 2.06 or later,
 * Documentation/arch/x86/boot.rst) is split into its real-mode setup code
 * ({@code (setup_sects + 1) * 512} bytes) and its protected-mode part, and
 * {@link Kernel#install} adds QEMU's kernel items with QEMU's selectors (fw_cfg.h):
 * <ul>
 *   <li>0x16/0x17/0x18 setup address (0x10000), size and data: the file's setup code as it
 *       is (jemu's ROM fills the loader's header fields; QEMU fills them here);</li>
 *   <li>0x07/0x08/0x11 kernel address (1 MiB), size and data;</li>
 *   <li>0x13/0x14/0x15 command line address (0x20000), size (with its NUL) and data;</li>
 *   <li>0x0A/0x0B/0x12 initrd address, size and data (with {@code -initrd}): the address is
 *       the one QEMU chooses, page-aligned below {@code min(initrd_addr_max, RAM below 4 GiB
 *       - 0x28000)}; jemu's ROM does not read it, it places the initrd from the BIOS's E820
 *       map;</li>
 *   <li>the file {@link #ROM_FILE}: {@link LinuxBootRom}, which SeaBIOS runs as the first
 *       boot entry when the {@code bootorder} file names {@link #BOOT_PATH}.</li>
 * </ul>
 * SeaBIOS initialises the chipset, assigns PCI BARs and installs the ACPI tables first, as on
 * QEMU; a reset boots the kernel again through the BIOS.
 *
 * <p>Called while the machine is built, on the thread that builds it.
 */
public final class LinuxLoader {
    /** The fw_cfg file of jemu's Linux boot ROM. */
    public static final String ROM_FILE = "genroms/jemu-linuxboot.bin";
    /** The boot-order entry that makes SeaBIOS boot that ROM first (QEMU's form for a ROM with boot index 0). */
    public static final String BOOT_PATH = "/rom@" + ROM_FILE;
    /** "HdrS" at offset 0x202. */
    static final int HEADER_MAGIC = 0x53726448;
    static final int MIN_VERSION = 0x0206;
    /** Below this QEMU refuses an initrd; jemu names QEMU's reason then. */
    static final int INITRD_VERSION = 0x0200;
    static final int LOADED_HIGH = 0x01;
    static final int SETUP_ADDR = 0x10000;
    static final int CMDLINE_ADDR = 0x20000;
    static final int KERNEL_ADDR = 0x100000;
    /** The most real-mode code the protocol allows, so that it ends below the ROM's heap and stack. */
    static final int MAX_SETUP_SIZE = 0x8000;
    /** What QEMU 7.2's pc machine keeps free at the top of RAM below 4 GiB for the BIOS's ACPI tables. */
    static final long QEMU_ACPI_DATA_SIZE = 0x28000;
    /**
     * Room left for what SeaBIOS takes from the top of RAM below 4 GiB for its tables and marks
     * reserved in its E820 map, which the ROM places the initrd below: 256 KiB, more than it
     * takes (16 KiB on jemu, 140 KiB on QEMU 7.2, both with 256 MiB, from the kernel's E820
     * lines), so that an initrd this check lets through fits where the ROM puts it.
     */
    static final long BIOS_HIGH_ZONE = 0x40000;
    static final int PAGE = 4096;
    // setup header offsets (boot.rst, "The real-mode kernel header")
    static final int OFF_SETUP_SECTS = 0x1F1;
    static final int OFF_HEADER = 0x202;
    static final int OFF_VERSION = 0x206;
    static final int OFF_LOADFLAGS = 0x211;
    static final int OFF_INITRD_ADDR_MAX = 0x22C;
    static final int OFF_CMDLINE_SIZE = 0x238;
    static final int OFF_INIT_SIZE = 0x260;

    private LinuxLoader() {
    }

    /** Whether {@code image} carries the boot protocol's "HdrS" signature (a bzImage). */
    public static boolean isLinux(byte[] image) {
        return image.length >= OFF_HEADER + 4
                && ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN).getInt(OFF_HEADER) == HEADER_MAGIC;
    }

    /**
     * Splits a bzImage; {@code withInitrd} says whether an initrd goes with it.
     *
     * @throws BootImageException for an image jemu cannot boot (the message names the reason)
     */
    public static Kernel parse(byte[] image, boolean withInitrd) throws BootImageException {
        if (!isLinux(image)) {
            throw new BootImageException("not a Linux bzImage (no \"HdrS\" boot protocol header)");
        }
        ByteBuffer hdr = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        int version = hdr.getShort(OFF_VERSION) & 0xFFFF;
        if (withInitrd && version < INITRD_VERSION) {
            throw new BootImageException("linux kernel too old to load a ram disk");
        }
        if (version < MIN_VERSION) {
            throw new BootImageException(String.format("linux kernel too old: boot protocol %d.%02d, jemu needs 2.06 or later",
                    version >> 8, version & 0xFF));
        }
        if ((hdr.get(OFF_LOADFLAGS) & LOADED_HIGH) == 0) {
            throw new BootImageException("zImage kernels (not loaded high) are not supported");
        }
        int setupSects = hdr.get(OFF_SETUP_SECTS) & 0xFF;
        int setupSize = ((setupSects == 0 ? 4 : setupSects) + 1) * 512;
        if (setupSize > MAX_SETUP_SIZE) {
            throw new BootImageException("invalid kernel header");
        }
        if (setupSize >= image.length) {
            throw new BootImageException("Linux kernel is truncated: setup_sects " + setupSects
                    + " reaches past the end of the file");
        }
        return new Kernel(Arrays.copyOf(image, setupSize), Arrays.copyOfRange(image, setupSize, image.length),
                hdr.getInt(OFF_INITRD_ADDR_MAX) & 0xFFFF_FFFFL, hdr.getInt(OFF_INIT_SIZE) & 0xFFFF_FFFFL,
                hdr.getInt(OFF_CMDLINE_SIZE) & 0xFFFF_FFFFL);
    }

    /**
     * A bzImage split as the boot protocol says.
     *
     * @param setup the real-mode code with the setup header
     * @param protectedMode the protected-mode kernel, loaded at 1 MiB
     * @param initrdAddrMax the header's {@code initrd_addr_max}
     * @param initSize the header's {@code init_size}: the memory the kernel needs from 1 MiB
     * @param cmdlineMax the header's {@code cmdline_size}
     */
    public record Kernel(byte[] setup, byte[] protectedMode, long initrdAddrMax, long initSize, long cmdlineMax) {
        /** The end of the memory the kernel needs from 1 MiB to decompress and run. */
        long end() {
            return KERNEL_ADDR + Math.max(protectedMode.length, initSize);
        }

        /** Refuses a command line longer than the header's {@code cmdline_size}. */
        public void checkCommandLine(String cmdline) throws BootImageException {
            int length = cmdline.getBytes(StandardCharsets.UTF_8).length;
            if (length > cmdlineMax) {
                throw new BootImageException("kernel command line is " + length + " bytes; the kernel takes at most "
                        + cmdlineMax);
            }
        }

        /**
         * Adds the kernel items, the command line (the {@code -append} text), the initrd (may
         * be null) and the ROM to {@code fwCfg}, for a machine with {@code belowFourGiB} bytes
         * of RAM below 4 GiB.
         *
         * @throws BootImageException for a command line longer than the kernel takes or an
         *     initrd that does not fit (QEMU's message)
         */
        public void install(FwCfg fwCfg, String cmdline, byte[] initrd, long belowFourGiB) throws BootImageException {
            checkCommandLine(cmdline);
            byte[] cmd = cmdline.getBytes(StandardCharsets.UTF_8);
            long initrdAddr = initrd == null ? 0 : placeInitrd(initrd.length, belowFourGiB);
            fwCfg.addItem(FwCfg.KEY_SETUP_ADDR, FwCfg.le(SETUP_ADDR, 4));
            fwCfg.addItem(FwCfg.KEY_SETUP_SIZE, FwCfg.le(setup.length, 4));
            fwCfg.addItem(FwCfg.KEY_SETUP_DATA, setup);
            fwCfg.addItem(FwCfg.KEY_KERNEL_ADDR, FwCfg.le(KERNEL_ADDR, 4));
            fwCfg.addItem(FwCfg.KEY_KERNEL_SIZE, FwCfg.le(protectedMode.length, 4));
            fwCfg.addItem(FwCfg.KEY_KERNEL_DATA, protectedMode);
            fwCfg.addItem(FwCfg.KEY_CMDLINE_ADDR, FwCfg.le(CMDLINE_ADDR, 4));
            fwCfg.addItem(FwCfg.KEY_CMDLINE_SIZE, FwCfg.le(cmd.length + 1, 4));
            fwCfg.addItem(FwCfg.KEY_CMDLINE_DATA, Arrays.copyOf(cmd, cmd.length + 1));
            if (initrd != null) {
                fwCfg.addItem(FwCfg.KEY_INITRD_ADDR, FwCfg.le(initrdAddr, 4));
                fwCfg.addItem(FwCfg.KEY_INITRD_SIZE, FwCfg.le(initrd.length, 4));
                fwCfg.addItem(FwCfg.KEY_INITRD_DATA, initrd);
            }
            fwCfg.addFile(ROM_FILE, LinuxBootRom.image());
        }

        /**
         * QEMU's initrd address for {@code size} bytes; refuses, as QEMU does, an initrd of at
         * least QEMU's limit, and one that would not fit between the kernel and the RAM the
         * BIOS leaves, where the ROM puts it.
         */
        long placeInitrd(long size, long belowFourGiB) throws BootImageException {
            long qemuMax = Math.min(initrdAddrMax, belowFourGiB - QEMU_ACPI_DATA_SIZE - 1);
            if (size >= qemuMax) {
                throw new BootImageException(String.format("initrd is too large, cannot support.(max: %d, need %d)",
                        qemuMax, size));
            }
            long top = Math.min(initrdAddrMax + 1, belowFourGiB - BIOS_HIGH_ZONE);
            long room = top - ((end() + PAGE - 1) & -PAGE);
            if (size > room) {
                throw new BootImageException(String.format(
                        "initrd is too large, cannot support.(max: %d, need %d): the kernel needs RAM up to 0x%x",
                        Math.max(0, room), size, end()));
            }
            return (qemuMax - size) & -PAGE;
        }
    }
}
