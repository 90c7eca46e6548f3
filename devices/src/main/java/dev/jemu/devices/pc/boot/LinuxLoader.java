package dev.jemu.devices.pc.boot;

import dev.jemu.core.memory.AddressSpace;
import dev.jemu.core.x86.Cpu;
import dev.jemu.devices.acpi.BiosLinker;
import dev.jemu.devices.acpi.PcAcpiTables;
import dev.jemu.devices.fwcfg.E820Entry;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Loads a Linux bzImage by the x86 boot protocol (Documentation/arch/x86/boot.rst, setup
 * header version 2.06 or later) and starts it at its 32-bit entry: the protected-mode part
 * of the image at {@code code32_start} (1 MiB), a zero page ({@code boot_params}) holding the
 * setup header, the e820 memory map, the command line pointer and the initrd (placed at the
 * top of low RAM under {@code initrd_addr_max}), a flat GDT with the boot code segment at
 * 0x10 and data at 0x18, and the CPU in 32-bit protected mode with ESI pointing at the zero
 * page. The BIOS does not run, so the loader first leaves the chipset as firmware would
 * ({@link PciFirmwareSetup}).
 *
 * <p>Called by the launcher at start-up and after every reset, on the thread that owns the
 * machine (the big lock held or the machine not yet running).
 */
public final class LinuxLoader {
    /** "HdrS" at offset 0x202. */
    static final int HEADER_MAGIC = 0x53726448;
    static final int MIN_VERSION = 0x0206;
    static final int TYPE_OF_LOADER_UNDEFINED = 0xFF;
    static final int LOADED_HIGH = 0x01;
    static final long ZERO_PAGE = 0x10000;
    static final long CMDLINE = 0x20000;
    static final long GDT = 0x1000;
    static final long KERNEL_BASE = 0x100000;
    static final int SETUP_HEADER = 0x1F1;
    // Offsets in the setup header and boot_params (boot.rst, "The real-mode kernel header"
    // and zero-page.rst).
    static final int OFF_SETUP_SECTS = 0x1F1;
    static final int OFF_HEADER = 0x202;
    static final int OFF_VERSION = 0x206;
    static final int OFF_TYPE_OF_LOADER = 0x210;
    static final int OFF_LOADFLAGS = 0x211;
    static final int OFF_CODE32_START = 0x214;
    static final int OFF_RAMDISK_IMAGE = 0x218;
    static final int OFF_RAMDISK_SIZE = 0x21C;
    static final int OFF_CMD_LINE_PTR = 0x228;
    static final int OFF_INITRD_ADDR_MAX = 0x22C;
    static final int OFF_CMDLINE_SIZE = 0x238;
    static final int OFF_INIT_SIZE = 0x260;
    static final int OFF_E820_ENTRIES = 0x1E8;
    static final int OFF_E820_TABLE = 0x2D0;
    static final int E820_MAX = 128;
    static final int PAGE = 4096;
    static final int OFF_ACPI_RSDP_ADDR = 0x070;
    static final int RSDP_ADDR_VERSION = 0x020E;
    /** Bytes at the top of low RAM set aside for the ACPI tables. */
    static final long ACPI_AREA = 0x10000;

    /** Where the pieces went. */
    public record Loaded(long kernelEnd, long initrdAddress, long initrdSize, long zeroPage) {
    }

    private LinuxLoader() {
    }

    /** Whether {@code image} carries the boot protocol's "HdrS" signature (a bzImage). */
    public static boolean isLinux(byte[] image) {
        return image.length >= OFF_HEADER + 4
                && ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN).getInt(OFF_HEADER) == HEADER_MAGIC;
    }

    /**
     * Loads {@code image} (and {@code initrd}, may be null) into {@code mem}, whose RAM is
     * {@code belowFourGiB} bytes from 0 and {@code aboveFourGiB} from 4 GiB, programs the
     * chipset through {@code io}, and prepares {@code cpu} to enter the kernel.
     */
    public static Loaded load(byte[] image, byte[] initrd, String cmdline, AddressSpace mem, AddressSpace io,
            long belowFourGiB, long aboveFourGiB, Cpu cpu) throws BootImageException {
        return load(image, initrd, cmdline, mem, io, belowFourGiB, aboveFourGiB, cpu, null);
    }

    /**
     * As {@link #load(byte[], byte[], String, AddressSpace, AddressSpace, long, long, Cpu)},
     * and, when {@code acpi} is not null, runs its linker/loader script as the BIOS would:
     * the tables go to the top {@link #ACPI_AREA} bytes of low RAM (an e820 ACPI range), and
     * boot_params' {@code acpi_rsdp_addr} (protocol 2.14) points the kernel at the RSDP.
     */
    public static Loaded load(byte[] image, byte[] initrd, String cmdline, AddressSpace mem, AddressSpace io,
            long belowFourGiB, long aboveFourGiB, Cpu cpu, BiosLinker acpi) throws BootImageException {
        if (!isLinux(image)) {
            throw new BootImageException("not a Linux bzImage (no \"HdrS\" boot protocol header)");
        }
        ByteBuffer hdr = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        int version = hdr.getShort(OFF_VERSION) & 0xFFFF;
        if (version < MIN_VERSION) {
            throw new BootImageException(String.format(
                    "Linux boot protocol %d.%02d is too old (the 32-bit entry needs 2.06)", version >> 8, version & 0xFF));
        }
        if ((hdr.get(OFF_LOADFLAGS) & LOADED_HIGH) == 0) {
            throw new BootImageException("zImage kernels (not loaded high) are not supported");
        }
        int setupSects = hdr.get(OFF_SETUP_SECTS) & 0xFF;
        int kernelOffset = ((setupSects == 0 ? 4 : setupSects) + 1) * 512;
        if (kernelOffset >= image.length) {
            throw new BootImageException("Linux kernel is truncated: setup_sects " + setupSects
                    + " reaches past the end of the file");
        }
        int kernelSize = image.length - kernelOffset;
        long initSize = hdr.getInt(OFF_INIT_SIZE) & 0xFFFF_FFFFL;
        long kernelEnd = KERNEL_BASE + Math.max(kernelSize, initSize);
        long acpiBytes = acpi == null ? 0 : ACPI_AREA;
        long usableLow = belowFourGiB - acpiBytes;
        if (kernelEnd > usableLow) {
            throw new BootImageException(String.format("kernel needs 0x%x bytes from 1 MiB but RAM ends at 0x%x",
                    kernelEnd - KERNEL_BASE, belowFourGiB));
        }

        byte[] zero = new byte[PAGE];
        int headerEnd = 0x202 + (image[0x201] & 0xFF);
        System.arraycopy(image, SETUP_HEADER, zero, SETUP_HEADER, Math.min(headerEnd, PAGE) - SETUP_HEADER);
        ByteBuffer zp = ByteBuffer.wrap(zero).order(ByteOrder.LITTLE_ENDIAN);
        zp.put(OFF_TYPE_OF_LOADER, (byte) TYPE_OF_LOADER_UNDEFINED);
        zp.putInt(OFF_CODE32_START, (int) KERNEL_BASE);

        long cmdlineMax = hdr.getInt(OFF_CMDLINE_SIZE) & 0xFFFF_FFFFL;
        byte[] cmd = cmdline.getBytes(StandardCharsets.UTF_8);
        if (cmd.length > cmdlineMax) {
            throw new BootImageException("kernel command line is " + cmd.length + " bytes; the kernel takes at most "
                    + cmdlineMax);
        }
        zp.putInt(OFF_CMD_LINE_PTR, (int) CMDLINE);

        long initrdAddr = 0;
        if (initrd != null) {
            long max = Math.min(hdr.getInt(OFF_INITRD_ADDR_MAX) & 0xFFFF_FFFFL, usableLow - 1);
            initrdAddr = (max + 1 - initrd.length) & ~(long) (PAGE - 1);
            if (initrdAddr < kernelEnd) {
                throw new BootImageException(String.format(
                        "initrd of %d bytes does not fit between the kernel (ends at 0x%x) and 0x%x",
                        initrd.length, kernelEnd, max + 1));
            }
            zp.putInt(OFF_RAMDISK_IMAGE, (int) initrdAddr);
            zp.putInt(OFF_RAMDISK_SIZE, initrd.length);
        }

        if (acpi != null) {
            if (version < RSDP_ADDR_VERSION) {
                throw new BootImageException(String.format(
                        "Linux boot protocol %d.%02d has no acpi_rsdp_addr (2.14); boot it with acpi=off through the BIOS",
                        version >> 8, version & 0xFF));
            }
            long[] next = {usableLow};
            Map<String, Long> where = BiosLinker.execute(acpi.script(), acpi.files(), (zone, size, align) -> {
                long a = (next[0] + align - 1) & -(long) align;
                next[0] = a + size;
                if (next[0] > belowFourGiB) {
                    throw new IllegalArgumentException("ACPI tables exceed the " + ACPI_AREA + " bytes set aside");
                }
                return a;
            }, (address, data) -> mem.writeBytes(address, data, 0, data.length));
            zp.putLong(OFF_ACPI_RSDP_ADDR, where.get(PcAcpiTables.RSDP_FILE));
        }

        List<E820Entry> map = PcMemoryMap.entries(belowFourGiB, aboveFourGiB, acpiBytes);
        zp.put(OFF_E820_ENTRIES, (byte) map.size());
        int at = OFF_E820_TABLE;
        for (E820Entry e : map) {
            zp.putLong(at, e.address()).putLong(at + 8, e.length()).putInt(at + 16, e.type());
            at += 20;
        }

        PciFirmwareSetup.apply(io);
        mem.writeBytes(KERNEL_BASE, image, kernelOffset, kernelSize);
        if (initrd != null) {
            mem.writeBytes(initrdAddr, initrd, 0, initrd.length);
        }
        mem.writeBytes(ZERO_PAGE, zero, 0, zero.length);
        byte[] cmdz = new byte[cmd.length + 1];
        System.arraycopy(cmd, 0, cmdz, 0, cmd.length);
        mem.writeBytes(CMDLINE, cmdz, 0, cmdz.length);
        ByteBuffer g = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
        g.putLong(0).putLong(0).putLong(0x00CF9A000000FFFFL).putLong(0x00CF92000000FFFFL);
        mem.writeBytes(GDT, g.array(), 0, 32);

        cpu.reset();
        cpu.enterFlatProtectedMode(0x10, 0x18);
        cpu.setGdtr(GDT, 31);
        cpu.setReg(Cpu.RSI, ZERO_PAGE);
        cpu.setRip(KERNEL_BASE);
        cpu.setRflags(0x2);
        return new Loaded(kernelEnd, initrdAddr, initrd == null ? 0 : initrd.length, ZERO_PAGE);
    }
}
