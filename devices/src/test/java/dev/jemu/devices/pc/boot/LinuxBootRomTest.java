package dev.jemu.devices.pc.boot;

import dev.jemu.core.memory.AddressSpace;
import dev.jemu.core.memory.ContainerRegion;
import dev.jemu.core.memory.RamRegion;
import dev.jemu.core.x86.Cpu;

import dev.jemu.devices.fwcfg.FwCfg;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * jemu's Linux boot ROM: its header as the BIOS Boot Specification 1.01 lays out an option
 * ROM with a PnP expansion header (0x55AA, size in 512-byte blocks, init entry at 3, PnP
 * header offset at 0x1A; "$PnP", revision 1, length in 16-byte units, checksum, product name
 * at 0x10, BEV at 0x1A; the ROM and the PnP header each summing to 0), and its bootstrap
 * entry run on jemu's CPU as SeaBIOS calls it (a far call in real mode), with fw_cfg holding
 * a synthetic bzImage and an int 15h E820 handler standing in for the BIOS: the result is
 * checked against the boot protocol (Documentation/arch/x86/boot.rst: the loader's header
 * fields, the initrd page-aligned at the top of RAM and under {@code initrd_addr_max}, entry
 * at the setup segment + 0x20 with SS:SP = setup segment:heap end + 0x200, interrupts off).
 */
class LinuxBootRomTest {
    private static final long RAM = 64 << 20;
    private static final int ROM_BASE = 0xC8000;
    private static final int DRIVER = 0x500;
    private static final int INT15 = 0x600;
    private static final int E820_TABLE = 0x700;
    private static final int SETUP = 0x10000;

    private final ContainerRegion root = new ContainerRegion("system", 1L << 32);
    private final AddressSpace mem = new AddressSpace("memory", root);
    private final AddressSpace io = AddressSpace.ioPorts();
    private final FwCfg fw = new FwCfg(mem);
    private final Cpu cpu;

    LinuxBootRomTest() {
        root.addSubregion(0, RamRegion.ram("ram", RAM));
        root.addSubregion(0xFFFF_0000L, RamRegion.ram("reset", 0x10000));
        io.root().addSubregion(FwCfg.SELECTOR_PORT, fw.ioRegion());
        io.root().addSubregion(FwCfg.DMA_PORT, fw.dmaRegion());
        cpu = new Cpu(mem, io);
    }

    private static int word(byte[] b, int at) {
        return (b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8;
    }

    @Test
    void headerIsAnOptionRomWithAPnpBootEntry() {
        byte[] rom = LinuxBootRom.image();
        assertEquals(0x55, rom[0] & 0xFF);
        assertEquals(0xAA, rom[1] & 0xFF);
        assertEquals(rom.length, (rom[2] & 0xFF) * 512, "size in 512-byte blocks");
        assertEquals(0, LinuxBootRom.sum(rom, 0, rom.length), "the ROM sums to 0");
        assertEquals(0xCB, rom[5] & 0xFF, "the init entry at 3 returns far (xor ax, ax; retf)");
        int pnp = word(rom, 0x1A);
        assertEquals("$PnP", new String(rom, pnp, 4, StandardCharsets.US_ASCII));
        assertEquals(1, rom[pnp + 4], "structure revision");
        assertEquals(2, rom[pnp + 5], "length in 16-byte units");
        assertEquals(0, word(rom, pnp + 6), "no next header");
        assertEquals(0, LinuxBootRom.sum(rom, pnp, 32), "the PnP header sums to 0");
        int name = word(rom, pnp + 0x10);
        assertEquals("jemu Linux boot\0", new String(rom, name, 16, StandardCharsets.US_ASCII));
        assertEquals(0, word(rom, pnp + 0x16), "no BCV: a boot entry, not a disk");
        int bev = word(rom, pnp + 0x1A);
        assertTrue(bev > pnp + 32 && bev < rom.length, "BEV inside the ROM, after the header: " + bev);
    }

    /** The 20-byte E820 entries the stand-in int 15h returns, in order. */
    private void e820(long[][] entries) {
        ByteBuffer t = ByteBuffer.allocate(20 * entries.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long[] e : entries) {
            t.putLong(e[0]).putLong(e[1]).putInt((int) e[2]);
        }
        mem.writeBytes(E820_TABLE, t.array(), 0, t.capacity());
        int count = entries.length;
        RealModeAssembler a = new RealModeAssembler();
        a.cmpEaxImm32(0xE820).jcc(RealModeAssembler.CC_NE, "unsupported");
        a.db(0x1E, 0x57, 0x56, 0x0E, 0x1F);                  // push ds; push di; push si; push cs; pop ds
        a.db(0x6B, 0xF3, 20).db(0x81, 0xC6).dw(E820_TABLE);  // imul si, bx, 20; add si, table
        a.db(0xFC).movImm16(RealModeAssembler.CX, 20).db(0xF3, 0xA4); // cld; mov cx, 20; rep movsb
        a.db(0x5E, 0x5F, 0x1F, 0x43, 0x83, 0xFB, count);     // pop si; pop di; pop ds; inc bx; cmp bx, count
        a.jcc(RealModeAssembler.CC_NE, "more").db(0x31, 0xDB); // xor bx, bx: the last entry
        a.label("more");
        a.movImm32(RealModeAssembler.CX, 20).movImm32(RealModeAssembler.AX, 0x534D4150L).db(0xF8, 0xCA, 2, 0); // clc; retf 2
        a.label("unsupported");
        a.db(0xF9, 0xCA, 2, 0);                              // stc; retf 2
        byte[] handler = a.bytes();
        mem.writeBytes(INT15, handler, 0, handler.length);
        mem.write(0x15 * 4, INT15, 2);
        mem.write(0x15 * 4 + 2, 0, 2);
    }

    /** Copies the ROM to 0xC8000 and runs its BEV from a far call at 0x500 (followed by hlt) until the CPU halts. */
    private void bootRom() {
        byte[] rom = LinuxBootRom.image();
        mem.writeBytes(ROM_BASE, rom, 0, rom.length);
        int bev = word(rom, word(rom, 0x1A) + 0x1A);
        byte[] driver = {0x31, (byte) 0xC0, (byte) 0x8E, (byte) 0xD0, (byte) 0xBC, 0x00, 0x70, // xor ax,ax; mov ss,ax; mov sp,0x7000
            (byte) 0x9A, (byte) bev, (byte) (bev >>> 8), 0x00, (byte) (ROM_BASE >>> 12),     // call far C800:bev
            (byte) 0xF4};                                                                    // hlt
        mem.writeBytes(DRIVER, driver, 0, driver.length);
        byte[] reset = {(byte) 0xEA, (byte) DRIVER, (byte) (DRIVER >>> 8), 0, 0};          // jmp far 0000:0500
        mem.writeBytes(0xFFFF_FFF0L, reset, 0, reset.length);
        cpu.reset();
        assertEquals(Cpu.StopReason.HALTED, cpu.run(10_000_000));
    }

    private byte[] read(long addr, int length) {
        byte[] b = new byte[length];
        mem.readBytes(addr, b, 0, length);
        return b;
    }

    /** A bzImage whose real-mode entry (setup + 0x200) halts. */
    private static byte[] haltingKernel(byte[] payload, long initrdAddrMax) {
        byte[] image = LinuxLoaderTest.bzImage(0x020F, payload);
        image[0x200] = (byte) 0xF4;
        ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN).putInt(0x22C, (int) initrdAddrMax);
        return image;
    }

    private static final long RAM_TOP = RAM - 0x4000;
    private static final long[][] MAP = {
        {0, 0x9FC00, 1}, {0x9FC00, 0x400, 2}, {0xF0000, 0x10000, 2}, {0x100000, RAM_TOP - 0x100000, 1}, {RAM_TOP, 0x4000, 2},
    };

    @Test
    void bootEntryLoadsTheKernelFillsTheHeaderAndEntersTheSetupCode() throws Exception {
        byte[] payload = LinuxLoaderTest.filled(0x3000, 1);
        byte[] image = haltingKernel(payload, 0x7FFF_FFFFL);
        byte[] initrd = LinuxLoaderTest.filled(0x1234, 9);
        LinuxLoader.parse(image, true).install(fw, "console=ttyS0", initrd, RAM);
        e820(MAP);
        bootRom();

        assertEquals(SETUP >>> 4, cpu.segment(Cpu.CS).selector() - 0x20, "entered at the setup segment + 0x20");
        assertEquals(1, cpu.rip(), "offset 0, past the hlt");
        for (int s : new int[] {Cpu.DS, Cpu.ES, Cpu.FS, Cpu.GS, Cpu.SS}) {
            assertEquals(SETUP >>> 4, cpu.segment(s).selector(), "segment register " + s);
        }
        assertEquals(0xE000, cpu.reg(Cpu.RSP) & 0xFFFF, "SP at the heap end + 0x200");
        assertEquals(0, cpu.rflags() & 0x200, "interrupts off");

        int setupSize = 5 * 512;
        byte[] setup = read(SETUP, setupSize);
        ByteBuffer h = ByteBuffer.wrap(setup).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0xFF, h.get(0x210) & 0xFF, "type_of_loader: undefined");
        assertEquals(0x81, h.get(0x211) & 0xFF, "loadflags: LOADED_HIGH kept, CAN_USE_HEAP set");
        assertEquals(0xDE00, h.getShort(0x224) & 0xFFFF, "heap_end_ptr");
        assertEquals(0x20000, h.getInt(0x228), "cmd_line_ptr");
        long ramdisk = h.getInt(0x218) & 0xFFFF_FFFFL;
        assertEquals((RAM_TOP - initrd.length) & ~0xFFFL, ramdisk, "ramdisk_image: page-aligned at the top of E820 RAM");
        assertEquals(initrd.length, h.getInt(0x21C), "ramdisk_size");
        assertArrayEquals(initrd, read(ramdisk, initrd.length));
        byte[] untouched = image.clone();
        System.arraycopy(setup, 0x210, untouched, 0x210, 2);
        System.arraycopy(setup, 0x218, untouched, 0x218, 8);
        System.arraycopy(setup, 0x224, untouched, 0x224, 8);
        assertArrayEquals(Arrays.copyOf(untouched, setupSize), setup, "the rest of the setup code as in the file");
        assertArrayEquals(payload, read(0x100000, payload.length), "the protected-mode kernel at 1 MiB");
        assertEquals("console=ttyS0\0", new String(read(0x20000, 14), StandardCharsets.US_ASCII));
    }

    @Test
    void theInitrdStaysUnderInitrdAddrMax() throws Exception {
        byte[] initrd = LinuxLoaderTest.filled(0x5000, 3);
        LinuxLoader.parse(haltingKernel(new byte[0x1000], 0x2FF_FFFFL), true).install(fw, "", initrd, RAM);
        e820(MAP);
        bootRom();
        assertEquals((0x300_0000L - initrd.length) & ~0xFFFL, mem.read(SETUP + 0x218, 4), "below 48 MiB");
        assertArrayEquals(initrd, read(mem.read(SETUP + 0x218, 4), initrd.length));
    }

    @Test
    void withoutAnInitrdTheRamdiskFieldsStayZero() throws Exception {
        LinuxLoader.parse(haltingKernel(new byte[0x1000], 0x7FFF_FFFFL), false).install(fw, "quiet", null, RAM);
        e820(MAP);
        bootRom();
        assertEquals(0x1020, cpu.segment(Cpu.CS).selector());
        assertEquals(0, mem.read(SETUP + 0x218, 8));
        assertEquals(0x20000, mem.read(SETUP + 0x228, 4));
    }

    @Test
    void anInitrdThatDoesNotFitAboveTheKernelReturnsToTheBios() throws Exception {
        byte[] initrd = new byte[0x180000];
        LinuxLoader.parse(haltingKernel(new byte[0x1000], 0x7FFF_FFFFL), true).install(fw, "", initrd, RAM);
        e820(new long[][] {{0, 0x9FC00, 1}, {0x100000, 0x100000, 1}});
        bootRom();
        assertNotEquals(0x1020, cpu.segment(Cpu.CS).selector());
        assertEquals(DRIVER + 13, cpu.rip(), "halted after the far call: the BEV returned");
        assertEquals(0x7000, cpu.reg(Cpu.RSP) & 0xFFFF, "with the stack as it was");
        assertEquals(0, mem.read(SETUP + 0x218, 8), "no ramdisk fields");
    }
}
