package dev.jemu.devices.pc.boot;

import dev.jemu.devices.fwcfg.FwCfg;

import java.nio.charset.StandardCharsets;

/**
 * jemu's Linux boot option ROM: the program SeaBIOS runs as a boot entry to start a kernel
 * that {@code -kernel} put in fw_cfg ({@link LinuxLoader}), written for jemu from the Linux
 * x86 boot protocol (Documentation/arch/x86/boot.rst) and the option ROM conventions of the
 * BIOS Boot Specification 1.01. The bytes are emitted here, at run time, by
 * {@link RealModeAssembler}: the ROM needs no assembler on the host and is the same for the
 * launcher and for a program that embeds jemu.
 *
 * <p><b>Layout.</b> Offset 0: 0x55 0xAA, the size in 512-byte blocks, and at 3 the
 * initialisation entry (it returns at once); 0x1A: the offset of the PnP expansion header at
 * 0x20 ("$PnP", revision 1, 32 bytes, its own checksum, the product name, the bootstrap entry
 * vector). SeaBIOS, finding the ROM as a {@code genroms/} file, runs the init entry and adds
 * the BEV as a boot entry; the whole ROM sums to 0 modulo 256.
 *
 * <p><b>What the BEV does</b> (in real mode, fw_cfg's DMA interface only, with a 16-byte
 * {@code FWCfgDmaAccess} and its scratch words at physical {@link #SCRATCH}): reads the setup,
 * kernel, command line and initrd addresses and sizes, copies the setup code, the
 * protected-mode kernel and the command line to their addresses; with an initrd, walks the
 * BIOS's int 15h E820 map for the end of the highest RAM range below 4 GiB, places the initrd
 * page-aligned at the top of RAM and under the header's {@code initrd_addr_max}, above the
 * kernel, copies it there and writes {@code ramdisk_image}/{@code ramdisk_size}; then fills
 * {@code type_of_loader} (0xFF, undefined), {@code loadflags} CAN_USE_HEAP,
 * {@code heap_end_ptr} (0xDE00) and {@code cmd_line_ptr}, and enters the real-mode kernel as
 * the protocol's example does: interrupts off, DS = ES = FS = GS = SS = the setup segment,
 * SP = 0xE000, a far jump to segment + 0x20, offset 0. If a DMA fails or the initrd does not
 * fit it returns to the BIOS, which tries its next boot entry.
 *
 * <p>Immutable; any thread.
 */
public final class LinuxBootRom {
    /** Physical address of the DMA descriptor and scratch words (free conventional memory below the setup code). */
    static final int SCRATCH = 0xF000;
    static final int PNP_OFFSET = 0x20;
    static final int PNP_LENGTH = 32;
    static final String PRODUCT_NAME = "jemu Linux boot";
    /** Where the real-mode code's heap ends and its stack starts, as offsets in its segment (boot.rst's example). */
    static final int HEAP_END_PTR = 0xDE00;
    static final int STACK_TOP = 0xE000;
    static final int TYPE_OF_LOADER_UNDEFINED = 0xFF;
    static final int CAN_USE_HEAP = 0x80;
    // setup header offsets (boot.rst)
    static final int OFF_TYPE_OF_LOADER = 0x210;
    static final int OFF_LOADFLAGS = 0x211;
    static final int OFF_RAMDISK_IMAGE = 0x218;
    static final int OFF_RAMDISK_SIZE = 0x21C;
    static final int OFF_HEAP_END_PTR = 0x224;
    static final int OFF_CMD_LINE_PTR = 0x228;
    static final int OFF_INITRD_ADDR_MAX = 0x22C;
    // scratch layout (offsets from SCRATCH): the DMA descriptor, the values read, one E820 entry
    private static final int S_SETUP_ADDR = 0x10;
    private static final int S_SETUP_SIZE = 0x14;
    private static final int S_KERNEL_ADDR = 0x18;
    private static final int S_KERNEL_SIZE = 0x1C;
    private static final int S_CMDLINE_ADDR = 0x20;
    private static final int S_CMDLINE_SIZE = 0x24;
    private static final int S_INITRD_SIZE = 0x28;
    private static final int S_E820 = 0x40;
    private static final int E820_ENTRY = 20;
    private static final long SMAP = 0x534D4150L;
    private static final int E820_RAM = 1;

    private static final byte[] IMAGE = build();

    private LinuxBootRom() {
    }

    /** The ROM image (a copy). */
    public static byte[] image() {
        return IMAGE.clone();
    }

    private static byte[] build() {
        RealModeAssembler a = new RealModeAssembler();
        a.db(0x55, 0xAA, 0);                               // signature; size patched below
        a.db(0x31, 0xC0, 0xCB);                            // init entry: xor ax, ax; retf
        while (a.here() < 0x1A) {
            a.db(0);
        }
        a.dw(PNP_OFFSET);
        while (a.here() < PNP_OFFSET) {
            a.db(0);
        }
        int pnp = a.here();
        a.db('$', 'P', 'n', 'P', 1, PNP_LENGTH / 16).dw(0).db(0, 0);     // ..., next header, reserved, checksum
        a.dd(0).dw(0);                                     // device id, manufacturer string
        int productField = a.here();
        a.dw(0);                                           // product name string, patched below
        a.db(0, 0, 0, 0).dw(0).dw(0);                      // device type, indicators, BCV, DV
        int bevField = a.here();
        a.dw(0).dw(0).dw(0);                               // BEV (patched below), reserved, static resources
        int product = a.here();
        for (byte b : PRODUCT_NAME.getBytes(StandardCharsets.US_ASCII)) {
            a.db(b);
        }
        a.db(0);
        int bev = a.here();
        bev(a);
        dmaRead(a);

        byte[] code = a.bytes();
        int size = (code.length + 1 + 511) / 512 * 512;      // room for the checksum byte at the end
        byte[] rom = new byte[size];
        System.arraycopy(code, 0, rom, 0, code.length);
        rom[2] = (byte) (size / 512);
        putWord(rom, productField, product);
        putWord(rom, bevField, bev);
        rom[pnp + 9] = (byte) -sum(rom, pnp, PNP_LENGTH);
        rom[size - 1] = (byte) -sum(rom, 0, size);
        return rom;
    }

    /** The bootstrap entry vector. */
    private static void bev(RealModeAssembler a) {
        a.db(0x66, 0x60, 0x06, 0x0F, 0xA0);                // pushad; push es; push fs
        a.movImm16(RealModeAssembler.AX, SCRATCH >>> 4).movToSegment(RealModeAssembler.ES, RealModeAssembler.AX);
        readWord(a, FwCfg.KEY_SETUP_ADDR, S_SETUP_ADDR);
        readWord(a, FwCfg.KEY_SETUP_SIZE, S_SETUP_SIZE);
        readWord(a, FwCfg.KEY_KERNEL_ADDR, S_KERNEL_ADDR);
        readWord(a, FwCfg.KEY_KERNEL_SIZE, S_KERNEL_SIZE);
        readWord(a, FwCfg.KEY_CMDLINE_ADDR, S_CMDLINE_ADDR);
        readWord(a, FwCfg.KEY_CMDLINE_SIZE, S_CMDLINE_SIZE);
        readWord(a, FwCfg.KEY_INITRD_SIZE, S_INITRD_SIZE);
        readData(a, FwCfg.KEY_SETUP_DATA, S_SETUP_ADDR, S_SETUP_SIZE);
        readData(a, FwCfg.KEY_KERNEL_DATA, S_KERNEL_ADDR, S_KERNEL_SIZE);
        readData(a, FwCfg.KEY_CMDLINE_DATA, S_CMDLINE_ADDR, S_CMDLINE_SIZE);
        // FS = the setup segment
        a.load32(RealModeAssembler.AX, RealModeAssembler.ES, S_SETUP_ADDR).shr32(RealModeAssembler.AX, 4)
                .movToSegment(RealModeAssembler.FS, RealModeAssembler.AX);
        initrd(a);
        a.storeImm8(RealModeAssembler.FS, OFF_TYPE_OF_LOADER, TYPE_OF_LOADER_UNDEFINED);
        a.orImm8(RealModeAssembler.FS, OFF_LOADFLAGS, CAN_USE_HEAP);
        a.storeImm16(RealModeAssembler.FS, OFF_HEAP_END_PTR, HEAP_END_PTR);
        a.load32(RealModeAssembler.AX, RealModeAssembler.ES, S_CMDLINE_ADDR)
                .store32(RealModeAssembler.FS, OFF_CMD_LINE_PTR, RealModeAssembler.AX);
        // enter the real-mode kernel
        a.movFromSegment(RealModeAssembler.AX, RealModeAssembler.FS);
        a.db(0xFA);                                        // cli
        a.movToSegment(RealModeAssembler.DS, RealModeAssembler.AX).movToSegment(RealModeAssembler.ES, RealModeAssembler.AX)
                .movToSegment(RealModeAssembler.GS, RealModeAssembler.AX).movToSegment(RealModeAssembler.SS, RealModeAssembler.AX)
                .movImm16(RealModeAssembler.SP, STACK_TOP);
        a.addAxImm16(0x20).db(0x50, 0x6A, 0x00, 0xCB);     // push ax; push 0; retf
        a.label("fail");
        a.db(0x0F, 0xA1, 0x07, 0x66, 0x61, 0xCB);          // pop fs; pop es; popad; retf: back to the BIOS
    }

    /** Places and loads the initrd when its size is not 0; FS is the setup segment. */
    private static void initrd(RealModeAssembler a) {
        int eax = RealModeAssembler.AX;
        int ebx = RealModeAssembler.BX;
        int ecx = RealModeAssembler.CX;
        int edx = RealModeAssembler.DX;
        int ebp = RealModeAssembler.BP;
        int edi = RealModeAssembler.DI;
        int es = RealModeAssembler.ES;
        a.load32(eax, es, S_INITRD_SIZE).test32(eax).jcc(RealModeAssembler.CC_E, "noinitrd");
        // EBP = the end of the highest RAM range below 4 GiB in the E820 map
        a.zero32(ebp).zero32(ebx);
        a.label("e820");
        a.movImm32(eax, 0xE820).movImm32(edx, SMAP).movImm32(ecx, E820_ENTRY).movImm16(edi, S_E820).intN(0x15);
        a.jcc(RealModeAssembler.CC_B, "e820done");
        a.cmpEaxImm32(SMAP).jcc(RealModeAssembler.CC_NE, "e820done");
        a.cmpMemImm8(es, S_E820 + 16, E820_RAM).jcc(RealModeAssembler.CC_NE, "e820next");
        a.cmpMemImm8(es, S_E820 + 4, 0).jcc(RealModeAssembler.CC_NE, "e820next");
        a.cmpMemImm8(es, S_E820 + 12, 0).jcc(RealModeAssembler.CC_NE, "e820next");
        a.load32(eax, es, S_E820).addMem32(eax, es, S_E820 + 8).jcc(RealModeAssembler.CC_B, "e820next");
        a.cmp32(eax, ebp).jcc(RealModeAssembler.CC_BE, "e820next");
        a.mov32(ebp, eax);
        a.label("e820next");
        a.test32(ebx).jcc(RealModeAssembler.CC_NE, "e820");
        a.label("e820done");
        // EBP = min(RAM end - 1, initrd_addr_max) + 1 - size, page-aligned, and above the kernel
        a.test32(ebp).jcc(RealModeAssembler.CC_E, "fail");
        a.dec32(ebp).load32(eax, RealModeAssembler.FS, OFF_INITRD_ADDR_MAX);
        a.cmp32(ebp, eax).jcc(RealModeAssembler.CC_BE, "belowmax");
        a.mov32(ebp, eax);
        a.label("belowmax");
        a.inc32(ebp).subMem32(ebp, es, S_INITRD_SIZE).jcc(RealModeAssembler.CC_B, "fail");
        a.andImm32(ebp, 0xFFFF_F000L);
        a.load32(eax, es, S_KERNEL_ADDR).addMem32(eax, es, S_KERNEL_SIZE);
        a.cmp32(ebp, eax).jcc(RealModeAssembler.CC_B, "fail");
        a.movImm16(RealModeAssembler.BX, FwCfg.KEY_INITRD_DATA).mov32(edi, ebp).load32(ecx, es, S_INITRD_SIZE);
        a.call("dma").jcc(RealModeAssembler.CC_B, "fail");
        a.store32(RealModeAssembler.FS, OFF_RAMDISK_IMAGE, ebp);
        a.load32(eax, es, S_INITRD_SIZE).store32(RealModeAssembler.FS, OFF_RAMDISK_SIZE, eax);
        a.label("noinitrd");
    }

    /** Reads the 4-byte item {@code key} into scratch offset {@code to}. */
    private static void readWord(RealModeAssembler a, int key, int to) {
        a.movImm16(RealModeAssembler.BX, key).movImm32(RealModeAssembler.DI, SCRATCH + to)
                .movImm32(RealModeAssembler.CX, 4).call("dma").jcc(RealModeAssembler.CC_B, "fail");
    }

    /** Reads item {@code key} to the address in scratch offset {@code addr}, as many bytes as scratch offset {@code size} says. */
    private static void readData(RealModeAssembler a, int key, int addr, int size) {
        a.movImm16(RealModeAssembler.BX, key).load32(RealModeAssembler.DI, RealModeAssembler.ES, addr)
                .load32(RealModeAssembler.CX, RealModeAssembler.ES, size).call("dma").jcc(RealModeAssembler.CC_B, "fail");
    }

    /**
     * The subroutine {@code dma}: selects item BX and reads ECX bytes of it to physical address
     * EDI through the descriptor at ES:0 (= {@link #SCRATCH}); CF set if the device reports an
     * error. Clobbers EAX and EDX.
     */
    private static void dmaRead(RealModeAssembler a) {
        int eax = RealModeAssembler.AX;
        int es = RealModeAssembler.ES;
        a.label("dma");
        a.movzx32(eax, RealModeAssembler.BX).shl32(eax, 16).orEaxImm32(FwCfg.DMA_SELECT | FwCfg.DMA_READ)
                .bswap32(eax).store32(es, 0, eax);
        a.mov32(eax, RealModeAssembler.CX).bswap32(eax).store32(es, 4, eax);
        a.zero32(eax).store32(es, 8, eax);
        a.mov32(eax, RealModeAssembler.DI).bswap32(eax).store32(es, 12, eax);
        a.movImm16(RealModeAssembler.DX, FwCfg.DMA_PORT).zero32(eax).outDxEax();
        a.movImm16(RealModeAssembler.DX, FwCfg.DMA_PORT + 4).movImm32(eax, Integer.reverseBytes(SCRATCH) & 0xFFFF_FFFFL)
                .outDxEax();
        a.label("dmapoll");
        a.load32(eax, es, 0).bswap32(eax).testEaxImm32(~FwCfg.DMA_ERROR & 0xFFFF_FFFFL)
                .jcc(RealModeAssembler.CC_NE, "dmapoll");
        a.shr32(eax, 1).db(0xC3);                          // CF = the error bit; ret
    }

    private static void putWord(byte[] b, int at, int value) {
        b[at] = (byte) value;
        b[at + 1] = (byte) (value >>> 8);
    }

    /** The byte sum of {@code b[from, from + length)}. */
    static int sum(byte[] b, int from, int length) {
        int s = 0;
        for (int i = from; i < from + length; i++) {
            s += b[i];
        }
        return s & 0xFF;
    }
}
