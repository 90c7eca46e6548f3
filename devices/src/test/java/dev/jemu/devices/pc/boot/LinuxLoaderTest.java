package dev.jemu.devices.pc.boot;

import dev.jemu.core.memory.AddressSpace;
import dev.jemu.core.memory.ContainerRegion;
import dev.jemu.core.memory.RamRegion;
import dev.jemu.core.x86.Cpu;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The 32-bit boot protocol as Documentation/arch/x86/boot.rst (and zero-page.rst) describe it,
 * with a synthetic bzImage: the setup header at 0x1F1, the protected-mode part after
 * {@code (setup_sects + 1) * 512} bytes.
 */
class LinuxLoaderTest {
    private static final long RAM = 64 << 20;
    private static final int SETUP_SECTS = 4;
    private final ContainerRegion root = new ContainerRegion("system", 1L << 32);
    private final AddressSpace mem;
    private final Cpu cpu;

    LinuxLoaderTest() {
        root.addSubregion(0, RamRegion.ram("ram", RAM));
        mem = new AddressSpace("memory", root);
        cpu = new Cpu(mem, AddressSpace.ioPorts());
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
        b.putInt(0x230, 0x200000);
        b.putInt(0x238, 255);
        b.putInt(0x260, 0x40000);
        b.put((SETUP_SECTS + 1) * 512, payload);
        return b.array();
    }

    private static byte[] filled(int length, int seed) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (i * 7 + seed);
        }
        return b;
    }

    private byte[] read(long addr, int length) {
        byte[] b = new byte[length];
        mem.readBytes(addr, b, 0, length);
        return b;
    }

    @Test
    void recognisesTheHdrSSignature() {
        assertTrue(LinuxLoader.isLinux(bzImage(0x020F, new byte[16])));
        assertFalse(LinuxLoader.isLinux(MultibootLoaderTest.kludgeKernel()));
        assertFalse(LinuxLoader.isLinux(new byte[0x100]));
    }

    @Test
    void loadsTheKernelAndStartsItAtThe32BitEntryAsTheProtocolSays() throws Exception {
        byte[] payload = filled(0x3000, 1);
        byte[] initrd = filled(0x1234, 9);
        LinuxLoader.Loaded l = LinuxLoader.load(bzImage(0x020F, payload), initrd, "console=ttyS0 acpi=off", mem,
                AddressSpace.ioPorts(), RAM, 0, cpu);
        assertArrayEquals(payload, read(0x100000, payload.length), "protected-mode kernel at code32_start");

        long zp = l.zeroPage();
        assertEquals(zp, cpu.reg(Cpu.RSI) & 0xFFFF_FFFFL, "%esi holds the base of boot_params");
        assertEquals(0x53726448, mem.read(zp + 0x202, 4), "setup header copied into boot_params");
        assertEquals(0x020F, mem.read(zp + 0x206, 2));
        assertEquals(0xFF, mem.read(zp + 0x210, 1), "type_of_loader: undefined boot loader");
        assertEquals(0x100000, mem.read(zp + 0x214, 4), "code32_start");
        long cmdline = mem.read(zp + 0x228, 4);
        assertEquals("console=ttyS0 acpi=off\0", new String(read(cmdline, 23), java.nio.charset.StandardCharsets.US_ASCII));

        long image = mem.read(zp + 0x218, 4);
        assertEquals(initrd.length, mem.read(zp + 0x21C, 4), "ramdisk_size");
        assertEquals(0, image & 0xFFF, "initrd page-aligned");
        assertTrue(image + initrd.length <= RAM && image + initrd.length > RAM - 0x1000, "initrd as high as possible");
        assertTrue(image >= 0x100000 + 0x40000, "initrd above the kernel's init_size");
        assertArrayEquals(initrd, read(image, initrd.length));

        assertEquals(4, mem.read(zp + 0x1E8, 1), "e820_entries");
        long e = zp + 0x2D0 + 3 * 20;
        assertEquals(0x100000, mem.read(e, 8));
        assertEquals(RAM - 0x100000, mem.read(e + 8, 8));
        assertEquals(1, mem.read(e + 16, 4), "E820_TYPE_RAM");
        assertEquals(0x9FC00, mem.read(zp + 0x2D0 + 8, 8), "conventional memory ends at the EBDA");

        assertEquals(0x100000, cpu.rip());
        assertEquals(1, cpu.cr(0) & 1, "protected mode");
        assertEquals(0, cpu.cr(0) & 0x8000_0000L, "paging off");
        assertEquals(0, cpu.rflags() & 0x200, "interrupts disabled");
        assertEquals(0x10, cpu.segment(Cpu.CS).selector(), "__BOOT_CS");
        assertEquals(0x18, cpu.segment(Cpu.DS).selector(), "__BOOT_DS");
        assertEquals(0x18, cpu.segment(Cpu.SS).selector());
        assertEquals(0xFFFF_FFFFL, cpu.segment(Cpu.CS).limit());
        assertEquals(0, cpu.reg(Cpu.RBP) | cpu.reg(Cpu.RDI) | cpu.reg(Cpu.RBX), "%ebp, %edi and %ebx zero");
        assertEquals(0x00CF9A000000FFFFL, mem.read(LinuxLoader.GDT + 0x10, 8), "4 GiB flat execute/read at 0x10");
        assertEquals(0x00CF92000000FFFFL, mem.read(LinuxLoader.GDT + 0x18, 8), "4 GiB flat read/write at 0x18");
    }

    @Test
    void withoutInitrdTheRamdiskFieldsStayZero() throws Exception {
        LinuxLoader.Loaded l = LinuxLoader.load(bzImage(0x020F, new byte[0x200]), null, "", mem, AddressSpace.ioPorts(),
                RAM, 0, cpu);
        assertEquals(0, mem.read(l.zeroPage() + 0x218, 4));
        assertEquals(0, mem.read(l.zeroPage() + 0x21C, 4));
    }

    @Test
    void badImagesAreRefusedWithTheReason() {
        AddressSpace io = AddressSpace.ioPorts();
        assertEquals("Linux boot protocol 2.05 is too old (the 32-bit entry needs 2.06)",
                assertThrows(BootImageException.class,
                        () -> LinuxLoader.load(bzImage(0x0205, new byte[16]), null, "", mem, io, RAM, 0, cpu)).getMessage());
        char[] longLine = new char[256];
        Arrays.fill(longLine, 'x');
        assertEquals("kernel command line is 256 bytes; the kernel takes at most 255",
                assertThrows(BootImageException.class, () -> LinuxLoader.load(bzImage(0x020F, new byte[16]), null,
                        new String(longLine), mem, io, RAM, 0, cpu)).getMessage());
        assertEquals("initrd of 67108864 bytes does not fit between the kernel (ends at 0x140000) and 0x4000000",
                assertThrows(BootImageException.class, () -> LinuxLoader.load(bzImage(0x020F, new byte[16]),
                        new byte[(int) RAM], "", mem, io, RAM, 0, cpu)).getMessage());
        assertEquals("not a Linux bzImage (no \"HdrS\" boot protocol header)",
                assertThrows(BootImageException.class, () -> LinuxLoader.load(new byte[0x400], null, "", mem, io,
                        RAM, 0, cpu)).getMessage());
    }
}
