package dev.jemu.core.x86;

import java.util.Arrays;

import static dev.jemu.core.x86.OpTable.def;
import static dev.jemu.core.x86.OpTable.group;

/**
 * The x87, MMX and SSE register state (x87 control words and registers, whose mantissas are
 * the MMX registers, XMM registers and MXCSR), the x87 instructions that manage it without
 * computing (FNINIT, FNCLEX, FNSTSW, FNSTCW, FLDCW, FWAIT) and FXSAVE/FXRSTOR. The
 * computing x87 instructions are in {@link X87Ops}, registered from here.
 */
final class X87Control {
    private static final int FXSAVE_AREA = 512;
    /** The MXCSR bits that may be set (DAZ included), as FXSAVE reports them. */
    static final int MXCSR_MASK = 0xFFFF;
    static final long XCR0_X87 = 1;
    static final long XCR0_SSE = 2;
    /** The components jemu's XSAVE supports. */
    static final long XCR0_SUPPORTED = XCR0_X87 | XCR0_SSE;
    /** The XSAVE area of the supported components: the legacy region and the header. */
    static final int XSAVE_AREA = 576;
    private static final int XSAVE_HEADER = 512;

    int fcw;
    int fsw;
    /** Abridged tag word as FXSAVE stores it: one bit per physical register, 1 = not empty. */
    int ftwAbridged;
    /** The last non-control instruction: its opcode (11 bits), address, code segment selector. */
    int fop;
    long fip;
    int fcs;
    /** That instruction's memory operand, if it had one: offset and segment selector. */
    long fdp;
    int fds;
    int mxcsr;
    /** XCR0: the state components XSAVE and XRSTOR manage (bit 0 x87, always set; bit 1 SSE). */
    long xcr0 = XCR0_X87;
    /**
     * Physical registers R0-R7 as 80-bit images, two longs each: the significand, then sign
     * and exponent. ST(i) is R((TOP + i) & 7); MMX register n is R(n).
     */
    final long[] st = new long[16];
    /** XMM0-XMM15, two longs each (low, high). */
    final long[] xmm = new long[32];
    /** Scratch operands of SSE and MMX instructions, so that they allocate nothing. */
    final long[] opA = new long[2];
    final long[] opB = new long[2];
    final long[] opC = new long[2];
    /** The soft-float unit of the x87 instructions. */
    final X87Float fl = new X87Float();

    /** FNINIT: the x87 control state's initial values (the registers keep their contents). */
    void init() {
        fcw = 0x37F;
        fsw = 0;
        ftwAbridged = 0;
        fop = 0;
        fip = 0;
        fdp = 0;
        fcs = 0;
        fds = 0;
    }

    /** Power-on state: FNINIT's but FCW 0x0040 (SDM vol. 3A 9.1.2), MXCSR 0x1F80, XCR0 x87 only, registers cleared. */
    void reset() {
        init();
        fcw = 0x40;
        mxcsr = 0x1F80;
        xcr0 = XCR0_X87;
        Arrays.fill(st, 0);
        Arrays.fill(xmm, 0);
    }

    /** Sets or clears ES and B: whether an exception flagged in FSW is unmasked in FCW. */
    void updateErrorSummary() {
        if ((fsw & ~fcw & 0x3F) != 0) {
            fsw |= X87Ops.ES_B;
        } else {
            fsw &= ~X87Ops.ES_B;
        }
    }

    static void checkDevice(Cpu c) {
        if ((c.cr0 & (Cpu.CR0_EM | Cpu.CR0_TS)) != 0) {
            throw c.fault(Vectors.NM);
        }
    }

    static void register() {
        def(0x9B, 0, (c, i) -> {
            if ((c.cr0 & (Cpu.CR0_MP | Cpu.CR0_TS)) == (Cpu.CR0_MP | Cpu.CR0_TS)) {
                throw c.fault(Vectors.NM);
            }
            if ((c.fpu.fsw & X87Ops.ES_B) != 0 && (c.cr0 & Cpu.CR0_NE) != 0) {
                throw c.fault(Vectors.MF);
            }
        });
        X87Ops.register();
        group(0xD9, 0, 5, X87Ops::constants, (c, i) -> {
            checkDevice(c);
            X87Control f = c.fpu;
            f.fcw = (int) c.read(i.seg, i.ea, 2);
            f.updateErrorSummary();
        });
        group(0xD9, 0, 7, X87Ops::groupD9F8, (c, i) -> {
            checkDevice(c);
            c.write(i.seg, i.ea, c.fpu.fcw, 2);
        });
        group(0xDB, 0, 4, (c, i) -> {
            checkDevice(c);
            switch (i.rm & 7) {
                case 2 -> c.fpu.fsw &= 0x7F00;
                case 3 -> c.fpu.init();
                default -> throw c.ud();
            }
        }, null);
        group(0xDD, 0, 7, null, (c, i) -> {
            checkDevice(c);
            c.write(i.seg, i.ea, c.fpu.fsw, 2);
        });
        group(0xDF, 0, 4, (c, i) -> {
            checkDevice(c);
            if ((i.rm & 7) != 0) {
                throw c.ud();
            }
            c.setReg(Cpu.RAX, 2, c.fpu.fsw);
        }, X87Ops::fbld);
        group(0x1AE, 0, 0, SystemOps.fsGsBase(0), X87Control::fxsave);
        group(0x1AE, 0, 1, SystemOps.fsGsBase(1), X87Control::fxrstor);
    }

    private static int xmmCount(Cpu c) {
        return c.code64 ? 16 : 8;
    }

    private static void fxsave(Cpu c, Insn i) {
        checkDevice(c);
        if ((i.ea & 15) != 0) {
            throw c.gp(0);
        }
        c.linear(i.seg, i.ea, FXSAVE_AREA);
        saveX87(c, i.seg, i.ea, i.rexW);
        saveMxcsr(c, i.seg, i.ea);
        if ((c.cr4 & Cpu.CR4_OSFXSR) != 0) {
            saveXmm(c, i.seg, i.ea);
        }
    }

    private static void fxrstor(Cpu c, Insn i) {
        checkDevice(c);
        if ((i.ea & 15) != 0) {
            throw c.gp(0);
        }
        c.linear(i.seg, i.ea, FXSAVE_AREA);
        int mxcsr = readMxcsr(c, i.seg, i.ea);
        loadX87(c, i.seg, i.ea, i.rexW);
        c.fpu.mxcsr = mxcsr;
        if ((c.cr4 & Cpu.CR4_OSFXSR) != 0) {
            loadXmm(c, i.seg, i.ea);
        }
    }

    /**
     * The x87 part of the legacy region: control, status, abridged tag, FOP, FIP, FDP and ST0-ST7;
     * the 64-bit format ({@code wide}, REX.W) holds 64-bit FIP and FDP, the 32-bit format 32-bit
     * offsets each followed by its selector (FCS, FDS).
     */
    private static void saveX87(Cpu c, int seg, long a, boolean wide) {
        X87Control f = c.fpu;
        c.write(seg, a, f.fcw, 2);
        c.write(seg, a + 2, f.fsw, 2);
        c.write(seg, a + 4, f.ftwAbridged, 1);
        c.write(seg, a + 5, 0, 1);
        c.write(seg, a + 6, f.fop, 2);
        c.write(seg, a + 8, wide ? f.fip : (f.fip & 0xFFFF_FFFFL) | (long) f.fcs << 32, 8);
        c.write(seg, a + 16, wide ? f.fdp : (f.fdp & 0xFFFF_FFFFL) | (long) f.fds << 32, 8);
        for (int r = 0; r < 8; r++) {
            int p = X87Ops.phys(f, r);
            c.write(seg, a + 32 + 16L * r, f.st[2 * p], 8);
            c.write(seg, a + 40 + 16L * r, f.st[2 * p + 1] & 0xFFFF, 8);
        }
    }

    private static void loadX87(Cpu c, int seg, long a, boolean wide) {
        X87Control f = c.fpu;
        f.fcw = (int) c.read(seg, a, 2);
        f.fsw = (int) c.read(seg, a + 2, 2);
        f.ftwAbridged = (int) c.read(seg, a + 4, 1);
        f.fop = (int) c.read(seg, a + 6, 2) & 0x7FF;
        long ip = c.read(seg, a + 8, 8);
        long dp = c.read(seg, a + 16, 8);
        f.fip = wide ? ip : ip & 0xFFFF_FFFFL;
        f.fdp = wide ? dp : dp & 0xFFFF_FFFFL;
        f.fcs = wide ? 0 : (int) (ip >>> 32) & 0xFFFF;
        f.fds = wide ? 0 : (int) (dp >>> 32) & 0xFFFF;
        for (int r = 0; r < 8; r++) {
            int p = X87Ops.phys(f, r);
            f.st[2 * p] = c.read(seg, a + 32 + 16L * r, 8);
            f.st[2 * p + 1] = c.read(seg, a + 40 + 16L * r, 2);
        }
    }

    private static void saveMxcsr(Cpu c, int seg, long a) {
        c.write(seg, a + 24, c.fpu.mxcsr, 4);
        c.write(seg, a + 28, MXCSR_MASK, 4);
    }

    /** MXCSR from the legacy region; #GP(0) if it sets a reserved bit. */
    private static int readMxcsr(Cpu c, int seg, long a) {
        int mxcsr = (int) c.read(seg, a + 24, 4);
        if ((mxcsr & ~MXCSR_MASK) != 0) {
            throw c.gp(0);
        }
        return mxcsr;
    }

    private static void saveXmm(Cpu c, int seg, long a) {
        X87Control f = c.fpu;
        for (int r = 0; r < xmmCount(c); r++) {
            c.write(seg, a + 160 + 16L * r, f.xmm[2 * r], 8);
            c.write(seg, a + 168 + 16L * r, f.xmm[2 * r + 1], 8);
        }
    }

    private static void loadXmm(Cpu c, int seg, long a) {
        X87Control f = c.fpu;
        for (int r = 0; r < xmmCount(c); r++) {
            f.xmm[2 * r] = c.read(seg, a + 160 + 16L * r, 8);
            f.xmm[2 * r + 1] = c.read(seg, a + 168 + 16L * r, 8);
        }
    }

    /** #UD unless the model has XSAVE and CR4.OSXSAVE is set; #NM while CR0.TS is set. */
    static void checkXsave(Cpu c) {
        if (!c.model.extended || (c.cr4 & Cpu.CR4_OSXSAVE) == 0) {
            throw c.ud();
        }
        if ((c.cr0 & Cpu.CR0_TS) != 0) {
            throw c.fault(Vectors.NM);
        }
    }

    /** The requested-feature bitmap: EDX:EAX masked by XCR0. */
    private static long rfbm(Cpu c) {
        return ((c.regs[Cpu.RDX] << 32) | (c.regs[Cpu.RAX] & 0xFFFF_FFFFL)) & c.fpu.xcr0;
    }

    /**
     * XSAVE (0F AE /4, standard form): the components in RFBM to a 64-byte aligned area; MXCSR
     * with the SSE component; XSTATE_BV gains RFBM's bits (x87 and SSE state always count as
     * in use, as on QEMU).
     */
    static void xsave(Cpu c, Insn i) {
        checkXsave(c);
        if ((c.linear(i.seg, i.ea, XSAVE_AREA) & 63) != 0) {
            throw c.gp(0);
        }
        long rfbm = rfbm(c);
        long a = i.ea;
        if ((rfbm & XCR0_X87) != 0) {
            saveX87(c, i.seg, a, i.rexW);
        }
        if ((rfbm & XCR0_SSE) != 0) {
            saveMxcsr(c, i.seg, a);
            saveXmm(c, i.seg, a);
        }
        long bv = c.read(i.seg, a + XSAVE_HEADER, 8);
        c.write(i.seg, a + XSAVE_HEADER, bv | rfbm, 8);
    }

    /**
     * XRSTOR (0F AE /5, standard form): #GP(0) for a misaligned area, XSTATE_BV bits outside
     * XCR0, or a nonzero XCOMP_BV or first reserved header word; then each component in RFBM
     * is loaded if its XSTATE_BV bit is set and put in its initial state if not; MXCSR is
     * loaded with the SSE component.
     */
    static void xrstor(Cpu c, Insn i) {
        checkXsave(c);
        if ((c.linear(i.seg, i.ea, XSAVE_AREA) & 63) != 0) {
            throw c.gp(0);
        }
        long a = i.ea;
        long rfbm = rfbm(c);
        long bv = c.read(i.seg, a + XSAVE_HEADER, 8);
        if ((bv & ~c.fpu.xcr0) != 0 || c.read(i.seg, a + XSAVE_HEADER + 8, 8) != 0
                || c.read(i.seg, a + XSAVE_HEADER + 16, 8) != 0) {
            throw c.gp(0);
        }
        int mxcsr = (rfbm & XCR0_SSE) != 0 ? readMxcsr(c, i.seg, a) : c.fpu.mxcsr;
        X87Control f = c.fpu;
        if ((rfbm & XCR0_X87) != 0) {
            if ((bv & XCR0_X87) != 0) {
                loadX87(c, i.seg, a, i.rexW);
            } else {
                f.init();
                Arrays.fill(f.st, 0);
            }
        }
        if ((rfbm & XCR0_SSE) != 0) {
            f.mxcsr = mxcsr;
            if ((bv & XCR0_SSE) != 0) {
                loadXmm(c, i.seg, a);
            } else {
                Arrays.fill(f.xmm, 0, 2 * xmmCount(c), 0);
            }
        }
    }
}
