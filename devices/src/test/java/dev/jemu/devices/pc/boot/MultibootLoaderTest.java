package dev.jemu.devices.pc.boot;

import dev.jemu.core.memory.AddressSpace;
import dev.jemu.core.memory.ContainerRegion;
import dev.jemu.core.memory.RamRegion;
import dev.jemu.core.x86.Cpu;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MultibootLoaderTest {
    private static final long RAM = 16 << 20;
    private final ContainerRegion root = new ContainerRegion("system", 1L << 32);
    private final AddressSpace mem;
    private final Cpu cpu;

    MultibootLoaderTest() {
        root.addSubregion(0, RamRegion.ram("ram", RAM));
        mem = new AddressSpace("memory", root);
        cpu = new Cpu(mem, AddressSpace.ioPorts());
    }

    /** A flat a.out-kludge kernel: header at file offset 0 loaded at 0x100000, bss to 0x102000. */
    static byte[] kludgeKernel() {
        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        int flags = 1 << 16;
        b.putInt(MultibootLoader.HEADER_MAGIC).putInt(flags).putInt(-(MultibootLoader.HEADER_MAGIC + flags));
        b.putInt(0x100000).putInt(0x100000).putInt(0x100040).putInt(0x102000).putInt(0x100020);
        b.put(32, (byte) 0xF4);
        return b.array();
    }

    @Test
    void loadsKludgeKernelAndStartsItAsTheSpecificationSays() throws Exception {
        mem.write(0x101000, 0x77, 1);
        MultibootLoader.Loaded l = MultibootLoader.load(kludgeKernel(), "/boot/k console=ttyS0", mem, RAM, 0, cpu);
        assertEquals(0x100020, l.entry());
        assertEquals(0xF4, mem.read(0x100020, 1));
        assertEquals(0, mem.read(0x101000, 1), "bss is cleared");
        assertEquals(0x2BADB002L, cpu.reg(Cpu.RAX));
        assertEquals(l.infoAddress(), cpu.reg(Cpu.RBX));
        assertEquals(0x100020, cpu.rip());
        assertEquals(1, cpu.cr(0) & 1, "protected mode");
        assertEquals(0, cpu.rflags() & 0x200, "interrupts disabled");
        long mbi = l.infoAddress();
        assertTrue(mbi >= 0x102000, "boot information after the kernel's bss");
        assertEquals(0x24D, mem.read(mbi, 4), "flags: memory, cmdline, mods, mmap, loader name");
        assertEquals(639, mem.read(mbi + 4, 4));
        assertEquals((RAM - 0x100000) / 1024, mem.read(mbi + 8, 4));
        assertEquals("/boot/k console=ttyS0", cString(mem.read(mbi + 16, 4)));
        assertEquals("jemu", cString(mem.read(mbi + 64, 4)));
        long mmapLen = mem.read(mbi + 44, 4);
        long mmap = mem.read(mbi + 48, 4);
        assertEquals(4 * 24, mmapLen);
        assertEquals(20, mem.read(mmap, 4));
        assertEquals(0x100000, mem.read(mmap + 3 * 24 + 4, 8));
        assertEquals(RAM - 0x100000, mem.read(mmap + 3 * 24 + 12, 8));
        assertEquals(1, mem.read(mmap + 3 * 24 + 20, 4));
    }

    @Test
    void loadsElfSegmentsAtTheirPhysicalAddresses() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(0x1100).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, 0x464C457F).put(4, (byte) 1).put(5, (byte) 1).put(6, (byte) 1);
        b.putShort(16, (short) 2).putShort(18, (short) 3).putInt(20, 1);
        b.putInt(24, 0xC0200010).putInt(28, 52).putShort(42, (short) 32).putShort(44, (short) 1);
        b.putInt(52, 1).putInt(56, 0x1000).putInt(60, 0xC0200000).putInt(64, 0x200000)
                .putInt(68, 0x100).putInt(72, 0x3000);
        int flags = 0;
        b.putInt(0x1000, MultibootLoader.HEADER_MAGIC).putInt(0x1004, flags).putInt(0x1008, -MultibootLoader.HEADER_MAGIC);
        b.put(0x1010, (byte) 0x90);
        MultibootLoader.Loaded l = MultibootLoader.load(b.array(), "k", mem, RAM, 0, cpu);
        assertEquals(0x200010, l.entry(), "virtual entry translated to the physical load address");
        assertEquals(0x90, mem.read(0x200010, 1));
        assertEquals(0x203000, l.end());
    }

    @Test
    void rejectsFileWithoutHeader() {
        BootImageException e = assertThrows(BootImageException.class,
                () -> MultibootLoader.load(new byte[9000], "k", mem, RAM, 0, cpu));
        assertEquals("not a multiboot kernel (no multiboot header in the first 8 KiB)", e.getMessage());
    }

    @Test
    void rejectsKernelLargerThanRam() {
        byte[] k = kludgeKernel();
        ByteBuffer.wrap(k).order(ByteOrder.LITTLE_ENDIAN).putInt(24, 0x2000000);
        BootImageException e = assertThrows(BootImageException.class, () -> MultibootLoader.load(k, "k", mem, RAM, 0, cpu));
        assertTrue(e.getMessage().contains("does not fit in 16 MiB of RAM"), e.getMessage());
    }

    @Test
    void biosIsMappedBelowFourGibibytesAndBelowOneMebibyte() throws Exception {
        byte[] bios = new byte[256 * 1024];
        bios[bios.length - 16] = (byte) 0xEA;
        bios[0] = 0x11;
        Firmware.map(root, bios);
        assertEquals(0xEA, mem.read(0xFFFF_FFF0L, 1), "reset vector");
        assertEquals(0xEA, mem.read(0xFFFF0, 1), "same byte in the ISA BIOS window");
        assertEquals(0x11, mem.read(0xFFFC_0000L, 1));
        assertEquals(bios[bios.length - 0x20000], (byte) mem.read(0xE0000, 1));
        assertThrows(BootImageException.class, () -> Firmware.map(root, new byte[1000]));
    }

    private String cString(long addr) {
        StringBuilder sb = new StringBuilder();
        for (long a = addr; ; a++) {
            int ch = (int) mem.read(a, 1);
            if (ch == 0) {
                return sb.toString();
            }
            sb.append((char) ch);
        }
    }
}
