package dev.jemu.core.x86;

import static dev.jemu.core.x86.OpTable.IB;
import static dev.jemu.core.x86.OpTable.P_66;
import static dev.jemu.core.x86.OpTable.defPrefixed;
import static dev.jemu.core.x86.Ssse3Ops.get;
import static dev.jemu.core.x86.Ssse3Ops.put;

/**
 * SSE4.1 (66 0F 38 10-41 and 66 0F 3A 08-42), as the Intel SDM vol. 2 defines it: the
 * variable and immediate blends, PTEST, the sign and zero extensions PMOVSX and PMOVZX,
 * PMULDQ, PMULLD, PCMPEQQ, PACKUSDW, the signed and unsigned minimums and maximums,
 * PHMINPOSUW, MOVNTDQA, ROUNDPS/PD/SS/SD, DPPS/DPPD, INSERTPS, EXTRACTPS, the PINSR and
 * PEXTR byte, word, dword and qword forms, and MPSADBW. Floating point goes through
 * {@link SseFloat} (so MXCSR's flags are set as for the SSE arithmetic). A model without
 * SSE4.1 ({@code qemu64}) raises #UD for all of them. Touched only by the vCPU thread that
 * owns the {@link Cpu}.
 */
final class Sse41Ops {
    private static final int QUIET32 = 0x0040_0000;
    private static final long QUIET64 = 0x0008_0000_0000_0000L;

    private Sse41Ops() {
    }

    /** Computes the result {@code r} (cleared) from destination {@code a} and source {@code b}. */
    @FunctionalInterface
    interface Body {
        void apply(Cpu c, Insn i, long[] a, long[] b, long[] r);
    }

    /** A two-operand lane function (operands zero-extended). */
    @FunctionalInterface
    private interface Pair {
        long apply(long x, long y);
    }

    static void register() {
        blendVariable(0x210, 8);
        blendVariable(0x214, 32);
        blendVariable(0x215, 64);
        op(0x217, 16, Sse41Ops::ptest);
        for (int k = 0; k < 6; k++) {
            int from = new int[] {8, 8, 8, 16, 16, 32}[k];
            int to = new int[] {16, 32, 64, 32, 64, 64}[k];
            int bytes = 16 * from / to;
            op(0x220 + k, bytes, (c, i, a, b, r) -> extend(b, r, from, to, true));
            op(0x230 + k, bytes, (c, i, a, b, r) -> extend(b, r, from, to, false));
        }
        lanes(0x228, 64, (x, y) -> SseOps.sx(x, 32) * SseOps.sx(y, 32));
        lanes(0x229, 64, (x, y) -> x == y ? -1 : 0);
        defPrefixed(0x22A, P_66, 0, null, (c, i) -> {
            check(c);
            long[] b = c.fpu.opB;
            SseOps.loadRm(c, i, 16, true, b);
            SseOps.storeReg(c, i.reg, 16, b[0], b[1]);
        });
        op(0x22B, 16, (c, i, a, b, r) -> {
            for (int k = 0; k < 4; k++) {
                put(r, k, 16, SseOps.saturateUnsigned(SseOps.sx(get(a, k, 32), 32), 16));
                put(r, k + 4, 16, SseOps.saturateUnsigned(SseOps.sx(get(b, k, 32), 32), 16));
            }
        });
        lanes(0x238, 8, (x, y) -> Math.min(SseOps.sx(x, 8), SseOps.sx(y, 8)));
        lanes(0x239, 32, (x, y) -> Math.min(SseOps.sx(x, 32), SseOps.sx(y, 32)));
        lanes(0x23A, 16, Math::min);
        lanes(0x23B, 32, Math::min);
        lanes(0x23C, 8, (x, y) -> Math.max(SseOps.sx(x, 8), SseOps.sx(y, 8)));
        lanes(0x23D, 32, (x, y) -> Math.max(SseOps.sx(x, 32), SseOps.sx(y, 32)));
        lanes(0x23E, 16, Math::max);
        lanes(0x23F, 32, Math::max);
        lanes(0x240, 32, (x, y) -> x * y);
        op(0x241, 16, Sse41Ops::phminposuw);
        registerImmediate();
        registerFloat();
    }

    /** #UD unless the model has SSE4 (the {@code max} model). */
    static void checkModel(Cpu c) {
        if (!c.model.extended) {
            throw c.ud();
        }
    }

    /** {@link #checkModel}, then the SSE state checks. */
    static void check(Cpu c) {
        checkModel(c);
        SseOps.checkSse(c);
    }

    /**
     * Defines 66-prefixed {@code opcode} as {@code body} on the destination XMM register and a
     * source of {@code bytes} bytes: an XMM register, or memory (16 = an aligned m128).
     */
    static void op(int opcode, int bytes, Body body) {
        Exec e = (c, i) -> {
            check(c);
            long[] a = c.fpu.opA;
            long[] b = c.fpu.opB;
            long[] r = c.fpu.opC;
            SseOps.loadReg(c, i.reg, 16, a);
            if (i.isMem && bytes < 16) {
                b[0] = c.read(i.seg, i.ea, bytes);
                b[1] = 0;
            } else {
                SseOps.loadRm(c, i, 16, true, b);
            }
            r[0] = 0;
            r[1] = 0;
            body.apply(c, i, a, b, r);
            SseOps.storeReg(c, i.reg, 16, r[0], r[1]);
        };
        defPrefixed(opcode, P_66, opcode >= 0x300 ? IB : 0, e, e);
    }

    private static void lanes(int opcode, int bits, Pair f) {
        op(opcode, 16, (c, i, a, b, r) -> {
            for (int k = 0; k < 128 / bits; k++) {
                put(r, k, bits, f.apply(get(a, k, bits), get(b, k, bits)));
            }
        });
    }

    /** Takes element {@code k} of the source where {@code select} has bit {@code k} set, else the destination's. */
    private static void blend(long[] a, long[] b, long[] r, int bits, int select) {
        for (int k = 0; k < 128 / bits; k++) {
            put(r, k, bits, get(((select >>> k) & 1) != 0 ? b : a, k, bits));
        }
    }

    /** PBLENDVB, BLENDVPS, BLENDVPD: the top bit of each element of XMM0 selects. */
    private static void blendVariable(int opcode, int bits) {
        op(opcode, 16, (c, i, a, b, r) -> {
            long[] xmm = c.fpu.xmm;
            int select = 0;
            for (int k = 0; k < 128 / bits; k++) {
                int top = (k + 1) * bits - 1;
                select |= (int) ((xmm[top >> 6] >>> (top & 63)) & 1) << k;
            }
            blend(a, b, r, bits, select);
        });
    }

    private static void ptest(Cpu c, Insn i, long[] a, long[] b, long[] r) {
        int f = ((a[0] & b[0]) | (a[1] & b[1])) == 0 ? Eflags.ZF : 0;
        f |= ((~a[0] & b[0]) | (~a[1] & b[1])) == 0 ? Eflags.CF : 0;
        c.setEflags(f, Eflags.ARITH);
        r[0] = a[0];
        r[1] = a[1];
    }

    private static void extend(long[] b, long[] r, int from, int to, boolean signed) {
        for (int k = 0; k < 128 / to; k++) {
            long v = get(b, k, from);
            put(r, k, to, signed ? SseOps.sx(v, from) : v);
        }
    }

    private static void phminposuw(Cpu c, Insn i, long[] a, long[] b, long[] r) {
        int index = 0;
        long min = get(b, 0, 16);
        for (int k = 1; k < 8; k++) {
            long v = get(b, k, 16);
            if (v < min) {
                min = v;
                index = k;
            }
        }
        r[0] = min | ((long) index << 16);
    }

    private static void registerImmediate() {
        op(0x30C, 16, (c, i, a, b, r) -> blend(a, b, r, 32, (int) i.imm));
        op(0x30D, 16, (c, i, a, b, r) -> blend(a, b, r, 64, (int) i.imm));
        op(0x30E, 16, (c, i, a, b, r) -> blend(a, b, r, 16, (int) i.imm));
        extract(0x314, 1, 15);
        extract(0x315, 2, 7);
        extract(0x316, 4, 3);
        extract(0x317, 4, 3);
        insert(0x320, 1, 15);
        insert(0x322, 4, 3);
        op(0x321, 4, (c, i, a, b, r) -> {
            int imm = (int) i.imm;
            long v = i.isMem ? b[0] : get(b, (imm >> 6) & 3, 32);
            for (int k = 0; k < 4; k++) {
                long x = k == ((imm >> 4) & 3) ? v : get(a, k, 32);
                put(r, k, 32, ((imm >> k) & 1) != 0 ? 0 : x);
            }
        });
        op(0x342, 16, (c, i, a, b, r) -> {
            int imm = (int) i.imm;
            int aOff = 4 * ((imm >> 2) & 1);
            int bOff = 4 * (imm & 3);
            for (int k = 0; k < 8; k++) {
                long sum = 0;
                for (int j = 0; j < 4; j++) {
                    sum += Math.abs(get(a, aOff + k + j, 8) - get(b, bOff + j, 8));
                }
                put(r, k, 16, sum);
            }
        });
    }

    /**
     * PEXTRB, PEXTRW (0F 3A 15), PEXTRD/PEXTRQ and EXTRACTPS: element {@code imm & mask} of
     * {@code bytes} bytes (8 with REX.W for PEXTRQ) to memory, or zero-extended to a general register.
     */
    private static void extract(int opcode, int bytes, int mask) {
        Exec e = (c, i) -> {
            check(c);
            long[] b = c.fpu.opB;
            SseOps.loadReg(c, i.reg, 16, b);
            int size = opcode == 0x316 && i.rexW ? 8 : bytes;
            long v = get(b, (int) i.imm & (size == 8 ? 1 : mask), size * 8);
            if (i.isMem) {
                c.write(i.seg, i.ea, v, size);
            } else {
                c.setReg(i.rm, size == 8 ? 8 : 4, v);
            }
        };
        defPrefixed(opcode, P_66, IB, e, e);
    }

    /** PINSRB and PINSRD/PINSRQ: a general register's low bytes or memory into element {@code imm & mask}. */
    private static void insert(int opcode, int bytes, int mask) {
        Exec e = (c, i) -> {
            check(c);
            long[] a = c.fpu.opA;
            SseOps.loadReg(c, i.reg, 16, a);
            int size = opcode == 0x322 && i.rexW ? 8 : bytes;
            long v = i.isMem ? c.read(i.seg, i.ea, size) : c.getReg(i.rm, size == 8 ? 8 : 4);
            int bits = size * 8;
            int k = (int) i.imm & (size == 8 ? 1 : mask);
            int per = 64 / bits;
            int shift = (k % per) * bits;
            a[k / per] = (a[k / per] & ~(SseOps.laneMask(bits) << shift)) | ((v & SseOps.laneMask(bits)) << shift);
            SseOps.storeReg(c, i.reg, 16, a[0], a[1]);
        };
        defPrefixed(opcode, P_66, IB, e, e);
    }

    private static void registerFloat() {
        op(0x308, 16, (c, i, a, b, r) -> {
            for (int k = 0; k < 4; k++) {
                put(r, k, 32, round32(c, (int) get(b, k, 32), (int) i.imm) & 0xFFFF_FFFFL);
            }
        });
        op(0x309, 16, (c, i, a, b, r) -> {
            r[0] = round64(c, b[0], (int) i.imm);
            r[1] = round64(c, b[1], (int) i.imm);
        });
        op(0x30A, 4, (c, i, a, b, r) -> {
            r[0] = (a[0] & ~0xFFFF_FFFFL) | (round32(c, (int) b[0], (int) i.imm) & 0xFFFF_FFFFL);
            r[1] = a[1];
        });
        op(0x30B, 8, (c, i, a, b, r) -> {
            r[0] = round64(c, b[0], (int) i.imm);
            r[1] = a[1];
        });
        op(0x340, 16, Sse41Ops::dpps);
        op(0x341, 16, Sse41Ops::dppd);
    }

    /** The rounding control of ROUND*: imm8 bits 1:0, or MXCSR.RC when imm8 bit 2 is set. */
    private static double roundTo(Cpu c, double v, int imm) {
        int rc = (imm & 4) != 0 ? (c.fpu.mxcsr >> 13) & 3 : imm & 3;
        return switch (rc) {
            case 0 -> Math.rint(v);
            case 1 -> Math.floor(v);
            case 2 -> Math.ceil(v);
            default -> v < 0 ? Math.ceil(v) : Math.floor(v);
        };
    }

    /**
     * ROUNDPS/ROUNDSS on one single: a signalling NaN is quieted with IE, a quiet NaN kept; an
     * inexact result sets PE unless imm8 bit 3 suppresses it.
     */
    private static int round32(Cpu c, int bits, int imm) {
        float x = Float.intBitsToFloat(bits);
        if (Float.isNaN(x)) {
            if ((bits & QUIET32) == 0) {
                c.fpu.mxcsr |= SseFloat.MX_IE;
            }
            return bits | QUIET32;
        }
        double r = roundTo(c, x, imm);
        if (r != x && (imm & 8) == 0) {
            c.fpu.mxcsr |= SseFloat.MX_PE;
        }
        return Float.floatToRawIntBits((float) r);
    }

    /** {@link #round32} for a double. */
    private static long round64(Cpu c, long bits, int imm) {
        double x = Double.longBitsToDouble(bits);
        if (Double.isNaN(x)) {
            if ((bits & QUIET64) == 0) {
                c.fpu.mxcsr |= SseFloat.MX_IE;
            }
            return bits | QUIET64;
        }
        double r = roundTo(c, x, imm);
        if (r != x && (imm & 8) == 0) {
            c.fpu.mxcsr |= SseFloat.MX_PE;
        }
        return Double.doubleToRawLongBits(r);
    }

    /**
     * DPPS: the products of the elements selected by imm8 bits 7:4 (+0.0 for the others) summed
     * as (p0 + p1) + (p2 + p3), each step rounded; the sum goes to the elements imm8 bits 3:0
     * select, +0.0 to the rest.
     */
    private static void dpps(Cpu c, Insn i, long[] a, long[] b, long[] r) {
        int imm = (int) i.imm;
        int low = SseFloat.f32(c, product(c, a, b, imm, 0), product(c, a, b, imm, 1), SseFloat.ADD);
        int high = SseFloat.f32(c, product(c, a, b, imm, 2), product(c, a, b, imm, 3), SseFloat.ADD);
        long sum = SseFloat.f32(c, low, high, SseFloat.ADD) & 0xFFFF_FFFFL;
        for (int k = 0; k < 4; k++) {
            put(r, k, 32, ((imm >> k) & 1) != 0 ? sum : 0);
        }
    }

    /** Product {@code k} of DPPS: the elements' product if imm8 bit 4 + k selects it, else +0.0. */
    private static int product(Cpu c, long[] a, long[] b, int imm, int k) {
        return ((imm >> (4 + k)) & 1) != 0 ? SseFloat.f32(c, (int) get(a, k, 32), (int) get(b, k, 32), SseFloat.MUL) : 0;
    }

    /** DPPD: {@link #dpps} on two doubles, imm8 bits 5:4 selecting the products and 1:0 the results. */
    private static void dppd(Cpu c, Insn i, long[] a, long[] b, long[] r) {
        int imm = (int) i.imm;
        long p0 = (imm & 0x10) != 0 ? SseFloat.f64(c, a[0], b[0], SseFloat.MUL) : 0;
        long p1 = (imm & 0x20) != 0 ? SseFloat.f64(c, a[1], b[1], SseFloat.MUL) : 0;
        long sum = SseFloat.f64(c, p0, p1, SseFloat.ADD);
        r[0] = (imm & 1) != 0 ? sum : 0;
        r[1] = (imm & 2) != 0 ? sum : 0;
    }
}
