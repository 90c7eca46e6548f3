package dev.jemu.devices.pc.boot;

import dev.jemu.core.memory.AddressSpace;
import dev.jemu.core.x86.Cpu;
import dev.jemu.devices.fwcfg.E820Entry;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Loads a multiboot (v1) kernel: finds the header in the first 8 KiB, loads the image
 * either from the header's address fields (the a.out kludge, flag bit 16) or from its ELF
 * program headers (32- or 64-bit ELF, loaded at the physical addresses), writes the boot
 * information (memory sizes, an e820-style memory map, command line, loader name) after the
 * kernel, and starts the CPU in flat 32-bit protected mode with EAX = 0x2BADB002 and EBX
 * pointing at the information, as the Multiboot Specification 0.6.96 requires.
 */
public final class MultibootLoader {
    public static final int HEADER_MAGIC = 0x1BADB002;
    public static final int BOOTLOADER_MAGIC = 0x2BADB002;
    static final int SEARCH_LIMIT = 8192;
    static final int FLAG_AOUT_KLUDGE = 1 << 16;
    static final int FLAG_VIDEO = 1 << 2;
    static final int INFO_MEMORY = 1;
    static final int INFO_CMDLINE = 1 << 2;
    static final int INFO_MODS = 1 << 3;
    static final int INFO_MMAP = 1 << 6;
    static final int INFO_LOADER_NAME = 1 << 9;
    private static final int INFO_SIZE = 128;
    private static final long LOW_MEMORY_END = PcMemoryMap.LOW_MEMORY_END;

    /** Where the kernel went: entry point, the lowest and highest loaded byte addresses, and the boot information. */
    public record Loaded(long entry, long start, long end, long infoAddress) {
    }

    private MultibootLoader() {
    }

    /**
     * Loads {@code image} into {@code mem} (whose RAM is {@code belowFourGiB} bytes from address
     * 0 and {@code aboveFourGiB} bytes from 4 GiB), and prepares {@code cpu} to start it.
     *
     * @param cmdline the command line the kernel sees (QEMU passes the file name, a space and {@code -append})
     */
    public static Loaded load(byte[] image, String cmdline, AddressSpace mem, long belowFourGiB, long aboveFourGiB, Cpu cpu)
            throws BootImageException {
        ByteBuffer buf = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        int header = findHeader(buf);
        int flags = buf.getInt(header + 4);
        if ((flags & 0xFFFC) != 0 && (flags & 0xFFFC) != FLAG_VIDEO) {
            throw new BootImageException(String.format("multiboot header requests unsupported features (flags 0x%x)", flags));
        }
        Loaded where;
        if ((flags & FLAG_AOUT_KLUDGE) == 0 && isElf(buf)) {
            where = loadElf(buf, mem, belowFourGiB);
        } else if ((flags & FLAG_AOUT_KLUDGE) != 0) {
            where = loadKludge(buf, header, mem, belowFourGiB);
        } else {
            throw new BootImageException("multiboot kernel is not ELF and its header has no load addresses (flag 16)");
        }
        long info = (where.end() + 0xFFF) & ~0xFFFL;
        long gdt = writeInfo(mem, info, cmdline, belowFourGiB, aboveFourGiB);
        start(cpu, where.entry(), info, gdt);
        return new Loaded(where.entry(), where.start(), where.end(), info);
    }

    /** Whether {@code image} has a multiboot header (magic and checksum) in its first 8 KiB. */
    public static boolean isMultiboot(byte[] image) {
        return headerOffset(ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN)) >= 0;
    }

    private static int findHeader(ByteBuffer buf) throws BootImageException {
        int at = headerOffset(buf);
        if (at < 0) {
            throw new BootImageException("not a multiboot kernel (no multiboot header in the first 8 KiB)");
        }
        return at;
    }

    /** The offset of the multiboot header, or -1. */
    private static int headerOffset(ByteBuffer buf) {
        int limit = Math.min(buf.capacity(), SEARCH_LIMIT) - 12;
        for (int off = 0; off <= limit; off += 4) {
            if (buf.getInt(off) == HEADER_MAGIC) {
                int flags = buf.getInt(off + 4);
                int checksum = buf.getInt(off + 8);
                if (HEADER_MAGIC + flags + checksum == 0) {
                    return off;
                }
            }
        }
        return -1;
    }

    private static boolean isElf(ByteBuffer buf) {
        return buf.capacity() >= 52 && buf.getInt(0) == 0x464C457F;
    }

    private static Loaded loadKludge(ByteBuffer buf, int header, AddressSpace mem, long ram) throws BootImageException {
        if (buf.capacity() < header + 32) {
            throw new BootImageException("multiboot header is truncated");
        }
        long headerAddr = buf.getInt(header + 12) & 0xFFFF_FFFFL;
        long loadAddr = buf.getInt(header + 16) & 0xFFFF_FFFFL;
        long loadEndAddr = buf.getInt(header + 20) & 0xFFFF_FFFFL;
        long bssEndAddr = buf.getInt(header + 24) & 0xFFFF_FFFFL;
        long entry = buf.getInt(header + 28) & 0xFFFF_FFFFL;
        long fileOffset = header - (headerAddr - loadAddr);
        if (loadAddr > headerAddr || fileOffset < 0) {
            throw new BootImageException("multiboot header: load_addr 0x" + Long.toHexString(loadAddr)
                    + " is above header_addr 0x" + Long.toHexString(headerAddr));
        }
        long length = loadEndAddr == 0 ? buf.capacity() - fileOffset : loadEndAddr - loadAddr;
        if (length < 0 || fileOffset + length > buf.capacity()) {
            throw new BootImageException("multiboot header: load_end_addr 0x" + Long.toHexString(loadEndAddr)
                    + " reaches past the end of the file");
        }
        long end = Math.max(loadAddr + length, bssEndAddr);
        checkFits(loadAddr, end, ram);
        mem.writeBytes(loadAddr, buf.array(), (int) fileOffset, (int) length);
        if (bssEndAddr > loadAddr + length) {
            mem.writeBytes(loadAddr + length, new byte[(int) (bssEndAddr - loadAddr - length)], 0,
                    (int) (bssEndAddr - loadAddr - length));
        }
        return new Loaded(entry, loadAddr, end, 0);
    }

    private static Loaded loadElf(ByteBuffer buf, AddressSpace mem, long ram) throws BootImageException {
        int cls = buf.get(4);
        if (buf.get(5) != 1 || (cls != 1 && cls != 2)) {
            throw new BootImageException("ELF kernel is not little-endian 32- or 64-bit");
        }
        boolean is64 = cls == 2;
        int machine = buf.getShort(18) & 0xFFFF;
        if (machine != 3 && machine != 62) {
            throw new BootImageException("ELF kernel is for machine " + machine + ", not x86");
        }
        long entry = is64 ? buf.getLong(24) : buf.getInt(24) & 0xFFFF_FFFFL;
        long phoff = is64 ? buf.getLong(32) : buf.getInt(28) & 0xFFFF_FFFFL;
        int phentsize = buf.getShort(is64 ? 54 : 42) & 0xFFFF;
        int phnum = buf.getShort(is64 ? 56 : 44) & 0xFFFF;
        long low = Long.MAX_VALUE;
        long high = 0;
        long translatedEntry = -1;
        for (int k = 0; k < phnum; k++) {
            long ph = phoff + (long) k * phentsize;
            if (ph + (is64 ? 56 : 32) > buf.capacity()) {
                throw new BootImageException("ELF program header " + k + " lies past the end of the file");
            }
            int p = (int) ph;
            if (buf.getInt(p) != 1) {
                continue;
            }
            long offset = is64 ? buf.getLong(p + 8) : buf.getInt(p + 4) & 0xFFFF_FFFFL;
            long vaddr = is64 ? buf.getLong(p + 16) : buf.getInt(p + 8) & 0xFFFF_FFFFL;
            long paddr = is64 ? buf.getLong(p + 24) : buf.getInt(p + 12) & 0xFFFF_FFFFL;
            long filesz = is64 ? buf.getLong(p + 32) : buf.getInt(p + 16) & 0xFFFF_FFFFL;
            long memsz = is64 ? buf.getLong(p + 40) : buf.getInt(p + 20) & 0xFFFF_FFFFL;
            if (offset + filesz > buf.capacity() || filesz > memsz) {
                throw new BootImageException("ELF segment " + k + " lies past the end of the file");
            }
            checkFits(paddr, paddr + memsz, ram);
            mem.writeBytes(paddr, buf.array(), (int) offset, (int) filesz);
            if (memsz > filesz) {
                mem.writeBytes(paddr + filesz, new byte[(int) (memsz - filesz)], 0, (int) (memsz - filesz));
            }
            low = Math.min(low, paddr);
            high = Math.max(high, paddr + memsz);
            if (entry >= paddr && entry < paddr + memsz) {
                translatedEntry = entry;
            } else if (translatedEntry < 0 && entry >= vaddr && entry < vaddr + memsz) {
                translatedEntry = entry - vaddr + paddr;
            }
        }
        if (high == 0) {
            throw new BootImageException("ELF kernel has no loadable segment");
        }
        if (translatedEntry < 0) {
            throw new BootImageException("ELF entry point 0x" + Long.toHexString(entry) + " is outside every loaded segment");
        }
        return new Loaded(translatedEntry, low, high, 0);
    }

    private static void checkFits(long start, long end, long ram) throws BootImageException {
        if (end > ram || start < 0 || end < start) {
            throw new BootImageException(String.format("kernel range 0x%x-0x%x does not fit in %d MiB of RAM",
                    start, end, ram >> 20));
        }
    }

    /** Writes the boot information at {@code info}, then a flat GDT; returns the GDT's address. */
    private static long writeInfo(AddressSpace mem, long info, String cmdline, long below, long above) {
        long cmdAddr = info + INFO_SIZE;
        byte[] cmd = (cmdline + "\0").getBytes(StandardCharsets.UTF_8);
        long nameAddr = cmdAddr + cmd.length;
        byte[] name = "jemu\0".getBytes(StandardCharsets.US_ASCII);
        long mmapAddr = (nameAddr + name.length + 7) & ~7L;
        ByteBuffer mmap = ByteBuffer.allocate(24 * 5).order(ByteOrder.LITTLE_ENDIAN);
        for (E820Entry e : PcMemoryMap.entries(below, above)) {
            mmap.putInt(20).putLong(e.address()).putLong(e.length()).putInt(e.type());
        }
        ByteBuffer mbi = ByteBuffer.allocate(INFO_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        mbi.putInt(0, INFO_MEMORY | INFO_CMDLINE | INFO_MODS | INFO_MMAP | INFO_LOADER_NAME);
        mbi.putInt(4, (int) (LOW_MEMORY_END / 1024));
        mbi.putInt(8, (int) ((below - 0x100000) / 1024));
        mbi.putInt(16, (int) cmdAddr);
        mbi.putInt(20, 0);
        mbi.putInt(44, mmap.position());
        mbi.putInt(48, (int) mmapAddr);
        mbi.putInt(64, (int) nameAddr);
        mem.writeBytes(info, mbi.array(), 0, INFO_SIZE);
        mem.writeBytes(cmdAddr, cmd, 0, cmd.length);
        mem.writeBytes(nameAddr, name, 0, name.length);
        mem.writeBytes(mmapAddr, mmap.array(), 0, mmap.position());
        long gdt = (mmapAddr + mmap.position() + 7) & ~7L;
        ByteBuffer g = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        g.putLong(0).putLong(0x00CF9A000000FFFFL).putLong(0x00CF92000000FFFFL);
        mem.writeBytes(gdt, g.array(), 0, 24);
        return gdt;
    }

    private static void start(Cpu cpu, long entry, long info, long gdt) {
        cpu.reset();
        cpu.enterFlatProtectedMode();
        cpu.setGdtr(gdt, 23);
        cpu.setReg(Cpu.RAX, BOOTLOADER_MAGIC & 0xFFFF_FFFFL);
        cpu.setReg(Cpu.RBX, info);
        cpu.setReg(Cpu.RSP, 0x7000);
        cpu.setRip(entry);
        cpu.setRflags(0x2);
    }
}
