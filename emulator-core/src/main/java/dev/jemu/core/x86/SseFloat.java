package dev.jemu.core.x86;

import static dev.jemu.core.x86.OpTable.IB;
import static dev.jemu.core.x86.OpTable.P_66;
import static dev.jemu.core.x86.OpTable.P_F2;
import static dev.jemu.core.x86.OpTable.P_F3;
import static dev.jemu.core.x86.OpTable.P_NONE;
import static dev.jemu.core.x86.OpTable.defPrefixed;

/**
 * SSE, SSE2 and SSE3 floating point: packed and scalar single and double precision
 * arithmetic, MIN/MAX, SQRT, reciprocal estimates, CMPcc, (U)COMIS, conversions, and the
 * horizontal and alternating SSE3 operations. NaNs follow the x86 rules (a NaN operand is
 * returned quieted, the destination's first; an invalid operation gives the negative
 * default NaN); conversions to integers honour MXCSR's rounding control and give the
 * integer indefinite value when out of range. Arithmetic rounds to nearest whatever MXCSR
 * says, and MXCSR's exception flags are not updated.
 */
final class SseFloat {
    static final int ADD = 0;
    static final int MUL = 1;
    static final int SUB = 2;
    static final int MIN = 3;
    static final int DIV = 4;
    static final int MAX = 5;
    static final int SQRT = 6;
    static final int RSQRT = 7;
    static final int RCP = 8;
    private static final int DEFAULT_NAN32 = 0xFFC0_0000;
    private static final long DEFAULT_NAN64 = 0xFFF8_0000_0000_0000L;
    private static final int QUIET32 = 0x0040_0000;
    private static final long QUIET64 = 0x0008_0000_0000_0000L;

    private SseFloat() {
    }

    static int f32(int a, int b, int kind) {
        float x = Float.intBitsToFloat(a);
        float y = Float.intBitsToFloat(b);
        if (kind == MIN || kind == MAX) {
            if (Float.isNaN(x) || Float.isNaN(y) || (x == 0 && y == 0)) {
                return b;
            }
            return (kind == MIN ? x < y : x > y) ? a : b;
        }
        boolean unary = kind >= SQRT;
        if (Float.isNaN(unary ? y : x)) {
            return (unary ? b : a) | QUIET32;
        }
        if (!unary && Float.isNaN(y)) {
            return b | QUIET32;
        }
        float r = switch (kind) {
            case ADD -> x + y;
            case MUL -> x * y;
            case SUB -> x - y;
            case DIV -> x / y;
            case SQRT -> (float) Math.sqrt(y);
            case RSQRT -> (float) (1.0 / Math.sqrt(y));
            default -> 1.0f / y;
        };
        return Float.isNaN(r) ? DEFAULT_NAN32 : Float.floatToRawIntBits(r);
    }

    static long f64(long a, long b, int kind) {
        double x = Double.longBitsToDouble(a);
        double y = Double.longBitsToDouble(b);
        if (kind == MIN || kind == MAX) {
            if (Double.isNaN(x) || Double.isNaN(y) || (x == 0 && y == 0)) {
                return b;
            }
            return (kind == MIN ? x < y : x > y) ? a : b;
        }
        boolean unary = kind >= SQRT;
        if (Double.isNaN(unary ? y : x)) {
            return (unary ? b : a) | QUIET64;
        }
        if (!unary && Double.isNaN(y)) {
            return b | QUIET64;
        }
        double r = switch (kind) {
            case ADD -> x + y;
            case MUL -> x * y;
            case SUB -> x - y;
            case DIV -> x / y;
            default -> Math.sqrt(y);
        };
        return Double.isNaN(r) ? DEFAULT_NAN64 : Double.doubleToRawLongBits(r);
    }

    private static long packed32(long a, long b, int kind) {
        long lo = f32((int) a, (int) b, kind) & 0xFFFF_FFFFL;
        long hi = f32((int) (a >>> 32), (int) (b >>> 32), kind) & 0xFFFF_FFFFL;
        return lo | (hi << 32);
    }

    /** Registers ps, pd, ss and sd forms of an arithmetic opcode. */
    private static void arith(int op, int kind, boolean withDouble) {
        Exec ps = (c, i) -> {
            SseOps.checkSse(c);
            long[] a = c.fpu.opA;
            long[] b = c.fpu.opB;
            SseOps.loadReg(c, i.reg, 16, a);
            SseOps.loadRm(c, i, 16, true, b);
            SseOps.storeReg(c, i.reg, 16, packed32(a[0], b[0], kind), packed32(a[1], b[1], kind));
        };
        Exec ss = (c, i) -> {
            SseOps.checkSse(c);
            long b = i.isMem ? c.read(i.seg, i.ea, 4) : c.fpu.xmm[2 * i.rm];
            long a = c.fpu.xmm[2 * i.reg];
            c.fpu.xmm[2 * i.reg] = (a & ~0xFFFF_FFFFL) | (f32((int) a, (int) b, kind) & 0xFFFF_FFFFL);
        };
        defPrefixed(0x100 | op, P_NONE, 0, ps, ps);
        defPrefixed(0x100 | op, P_F3, 0, ss, ss);
        if (!withDouble) {
            return;
        }
        Exec pd = (c, i) -> {
            SseOps.checkSse(c);
            long[] a = c.fpu.opA;
            long[] b = c.fpu.opB;
            SseOps.loadReg(c, i.reg, 16, a);
            SseOps.loadRm(c, i, 16, true, b);
            SseOps.storeReg(c, i.reg, 16, f64(a[0], b[0], kind), f64(a[1], b[1], kind));
        };
        Exec sd = (c, i) -> {
            SseOps.checkSse(c);
            long b = i.isMem ? c.read(i.seg, i.ea, 8) : c.fpu.xmm[2 * i.rm];
            c.fpu.xmm[2 * i.reg] = f64(c.fpu.xmm[2 * i.reg], b, kind);
        };
        defPrefixed(0x100 | op, P_66, 0, pd, pd);
        defPrefixed(0x100 | op, P_F2, 0, sd, sd);
    }

    static boolean compare(double x, double y, int predicate) {
        boolean unordered = Double.isNaN(x) || Double.isNaN(y);
        return switch (predicate & 7) {
            case 0 -> !unordered && x == y;
            case 1 -> !unordered && x < y;
            case 2 -> !unordered && x <= y;
            case 3 -> unordered;
            case 4 -> unordered || x != y;
            case 5 -> unordered || !(x < y);
            case 6 -> unordered || !(x <= y);
            default -> !unordered;
        };
    }

    private static double single(long bits) {
        return Float.intBitsToFloat((int) bits);
    }

    private static double dbl(long bits) {
        return Double.longBitsToDouble(bits);
    }

    /** Rounds {@code v} to an integer as MXCSR.RC says (or toward zero for the T forms). */
    static double round(Cpu c, double v, boolean truncate) {
        int rc = truncate ? 3 : (c.fpu.mxcsr >> 13) & 3;
        return switch (rc) {
            case 0 -> Math.rint(v);
            case 1 -> Math.floor(v);
            case 2 -> Math.ceil(v);
            default -> v < 0 ? Math.ceil(v) : Math.floor(v);
        };
    }

    /** Converts to a signed integer of {@code bits}; NaN or out of range gives the indefinite value. */
    static long toInt(Cpu c, double v, int bits, boolean truncate) {
        long indefinite = bits == 64 ? Long.MIN_VALUE : 0x8000_0000L;
        if (Double.isNaN(v)) {
            return indefinite;
        }
        double r = round(c, v, truncate);
        if (bits == 32) {
            return r >= -2147483648.0 && r <= 2147483647.0 ? (long) r & 0xFFFF_FFFFL : indefinite;
        }
        return r >= -9.223372036854775808E18 && r < 9.223372036854775808E18 ? (long) r : indefinite;
    }

    static void register() {
        arith(0x58, ADD, true);
        arith(0x59, MUL, true);
        arith(0x5C, SUB, true);
        arith(0x5D, MIN, true);
        arith(0x5E, DIV, true);
        arith(0x5F, MAX, true);
        arith(0x51, SQRT, true);
        arith(0x52, RSQRT, false);
        arith(0x53, RCP, false);
        registerCompares();
        registerConversions();
        registerSse3();
    }

    private static void registerCompares() {
        defPrefixed(0x1C2, P_NONE, IB, cmpPacked(false), cmpPacked(false));
        defPrefixed(0x1C2, P_66, IB, cmpPacked(true), cmpPacked(true));
        Exec cmpss = (c, i) -> {
            SseOps.checkSse(c);
            long b = i.isMem ? c.read(i.seg, i.ea, 4) : c.fpu.xmm[2 * i.rm];
            long a = c.fpu.xmm[2 * i.reg];
            long r = compare(single(a), single(b), (int) i.imm) ? 0xFFFF_FFFFL : 0;
            c.fpu.xmm[2 * i.reg] = (a & ~0xFFFF_FFFFL) | r;
        };
        Exec cmpsd = (c, i) -> {
            SseOps.checkSse(c);
            long b = i.isMem ? c.read(i.seg, i.ea, 8) : c.fpu.xmm[2 * i.rm];
            c.fpu.xmm[2 * i.reg] = compare(dbl(c.fpu.xmm[2 * i.reg]), dbl(b), (int) i.imm) ? -1L : 0;
        };
        defPrefixed(0x1C2, P_F3, IB, cmpss, cmpss);
        defPrefixed(0x1C2, P_F2, IB, cmpsd, cmpsd);
        for (int op : new int[] {0x2E, 0x2F}) {
            Exec s = (c, i) -> {
                SseOps.checkSse(c);
                long b = i.isMem ? c.read(i.seg, i.ea, 4) : c.fpu.xmm[2 * i.rm];
                setCompareFlags(c, single(c.fpu.xmm[2 * i.reg]), single(b));
            };
            Exec d = (c, i) -> {
                SseOps.checkSse(c);
                long b = i.isMem ? c.read(i.seg, i.ea, 8) : c.fpu.xmm[2 * i.rm];
                setCompareFlags(c, dbl(c.fpu.xmm[2 * i.reg]), dbl(b));
            };
            defPrefixed(0x100 | op, P_NONE, 0, s, s);
            defPrefixed(0x100 | op, P_66, 0, d, d);
        }
    }

    private static Exec cmpPacked(boolean dbl) {
        return (c, i) -> {
            SseOps.checkSse(c);
            long[] a = c.fpu.opA;
            long[] b = c.fpu.opB;
            SseOps.loadReg(c, i.reg, 16, a);
            SseOps.loadRm(c, i, 16, true, b);
            int p = (int) i.imm;
            for (int k = 0; k < 2; k++) {
                if (dbl) {
                    a[k] = compare(dbl(a[k]), dbl(b[k]), p) ? -1L : 0;
                } else {
                    long lo = compare(single(a[k]), single(b[k]), p) ? 0xFFFF_FFFFL : 0;
                    long hi = compare(single(a[k] >>> 32), single(b[k] >>> 32), p) ? 0xFFFF_FFFFL : 0;
                    a[k] = lo | (hi << 32);
                }
            }
            SseOps.storeReg(c, i.reg, 16, a[0], a[1]);
        };
    }

    private static void setCompareFlags(Cpu c, double x, double y) {
        int f;
        if (Double.isNaN(x) || Double.isNaN(y)) {
            f = Eflags.ZF | Eflags.PF | Eflags.CF;
        } else if (x < y) {
            f = Eflags.CF;
        } else if (x > y) {
            f = 0;
        } else {
            f = Eflags.ZF;
        }
        c.setEflags(f, Eflags.ARITH);
    }

    private static void registerConversions() {
        // CVTSI2SS / CVTSI2SD from a 32- or 64-bit integer.
        defPrefixed(0x12A, P_F3, 0, cvtsi2(false), cvtsi2(false));
        defPrefixed(0x12A, P_F2, 0, cvtsi2(true), cvtsi2(true));
        for (int op : new int[] {0x2C, 0x2D}) {
            boolean truncate = op == 0x2C;
            Exec fromSingle = (c, i) -> {
                SseOps.checkSse(c);
                long b = i.isMem ? c.read(i.seg, i.ea, 4) : c.fpu.xmm[2 * i.rm];
                int bits = i.rexW ? 64 : 32;
                c.setReg(i.reg, bits / 8, toInt(c, single(b), bits, truncate));
            };
            Exec fromDouble = (c, i) -> {
                SseOps.checkSse(c);
                long b = i.isMem ? c.read(i.seg, i.ea, 8) : c.fpu.xmm[2 * i.rm];
                int bits = i.rexW ? 64 : 32;
                c.setReg(i.reg, bits / 8, toInt(c, dbl(b), bits, truncate));
            };
            defPrefixed(0x100 | op, P_F3, 0, fromSingle, fromSingle);
            defPrefixed(0x100 | op, P_F2, 0, fromDouble, fromDouble);
        }
        // CVTPI2PS, CVTPI2PD, CVT(T)PS2PI, CVT(T)PD2PI: conversions with an MMX register.
        Exec pi2ps = (c, i) -> {
            SseOps.checkSse(c);
            SseOps.checkMmx(c);
            long b = i.isMem ? c.read(i.seg, i.ea, 8) : c.fpu.st[2 * (i.rm & 7)];
            long lo = Float.floatToRawIntBits((float) (int) b) & 0xFFFF_FFFFL;
            long hi = Float.floatToRawIntBits((float) (int) (b >>> 32)) & 0xFFFF_FFFFL;
            c.fpu.xmm[2 * i.reg] = lo | (hi << 32);
        };
        Exec pi2pd = (c, i) -> {
            SseOps.checkSse(c);
            SseOps.checkMmx(c);
            long b = i.isMem ? c.read(i.seg, i.ea, 8) : c.fpu.st[2 * (i.rm & 7)];
            SseOps.storeReg(c, i.reg, 16, Double.doubleToRawLongBits((int) b), Double.doubleToRawLongBits((int) (b >>> 32)));
        };
        defPrefixed(0x12A, P_NONE, 0, pi2ps, pi2ps);
        defPrefixed(0x12A, P_66, 0, pi2pd, pi2pd);
        for (int op : new int[] {0x2C, 0x2D}) {
            boolean truncate = op == 0x2C;
            Exec ps2pi = (c, i) -> {
                SseOps.checkSse(c);
                SseOps.checkMmx(c);
                long b = i.isMem ? c.read(i.seg, i.ea, 8) : c.fpu.xmm[2 * i.rm];
                long lo = toInt(c, single(b), 32, truncate);
                long hi = toInt(c, single(b >>> 32), 32, truncate);
                SseOps.storeReg(c, i.reg, 8, lo | (hi << 32), 0);
            };
            Exec pd2pi = (c, i) -> {
                SseOps.checkSse(c);
                SseOps.checkMmx(c);
                long[] b = c.fpu.opB;
                SseOps.loadRm(c, i, 16, true, b);
                long lo = toInt(c, dbl(b[0]), 32, truncate);
                long hi = toInt(c, dbl(b[1]), 32, truncate);
                SseOps.storeReg(c, i.reg, 8, lo | (hi << 32), 0);
            };
            defPrefixed(0x100 | op, P_NONE, 0, ps2pi, ps2pi);
            defPrefixed(0x100 | op, P_66, 0, pd2pi, pd2pi);
        }
        // CVTPS2PD, CVTPD2PS, CVTSS2SD, CVTSD2SS.
        Exec ps2pd = (c, i) -> {
            SseOps.checkSse(c);
            long b = i.isMem ? c.read(i.seg, i.ea, 8) : c.fpu.xmm[2 * i.rm];
            SseOps.storeReg(c, i.reg, 16, widen(b), widen(b >>> 32));
        };
        Exec pd2ps = (c, i) -> {
            SseOps.checkSse(c);
            long[] b = c.fpu.opB;
            SseOps.loadRm(c, i, 16, true, b);
            SseOps.storeReg(c, i.reg, 16, narrow(b[0]) | (narrow(b[1]) << 32), 0);
        };
        Exec ss2sd = (c, i) -> {
            SseOps.checkSse(c);
            long b = i.isMem ? c.read(i.seg, i.ea, 4) : c.fpu.xmm[2 * i.rm];
            c.fpu.xmm[2 * i.reg] = widen(b);
        };
        Exec sd2ss = (c, i) -> {
            SseOps.checkSse(c);
            long b = i.isMem ? c.read(i.seg, i.ea, 8) : c.fpu.xmm[2 * i.rm];
            c.fpu.xmm[2 * i.reg] = (c.fpu.xmm[2 * i.reg] & ~0xFFFF_FFFFL) | narrow(b);
        };
        defPrefixed(0x15A, P_NONE, 0, ps2pd, ps2pd);
        defPrefixed(0x15A, P_66, 0, pd2ps, pd2ps);
        defPrefixed(0x15A, P_F3, 0, ss2sd, ss2sd);
        defPrefixed(0x15A, P_F2, 0, sd2ss, sd2ss);
        // CVTDQ2PS, CVTPS2DQ, CVTTPS2DQ.
        Exec dq2ps = (c, i) -> {
            SseOps.checkSse(c);
            long[] b = c.fpu.opB;
            SseOps.loadRm(c, i, 16, true, b);
            for (int k = 0; k < 2; k++) {
                long lo = Float.floatToRawIntBits((float) (int) b[k]) & 0xFFFF_FFFFL;
                long hi = Float.floatToRawIntBits((float) (int) (b[k] >>> 32)) & 0xFFFF_FFFFL;
                b[k] = lo | (hi << 32);
            }
            SseOps.storeReg(c, i.reg, 16, b[0], b[1]);
        };
        defPrefixed(0x15B, P_NONE, 0, dq2ps, dq2ps);
        defPrefixed(0x15B, P_66, 0, ps2dq(false), ps2dq(false));
        defPrefixed(0x15B, P_F3, 0, ps2dq(true), ps2dq(true));
        // CVTDQ2PD, CVTPD2DQ, CVTTPD2DQ.
        Exec dq2pd = (c, i) -> {
            SseOps.checkSse(c);
            long b = i.isMem ? c.read(i.seg, i.ea, 8) : c.fpu.xmm[2 * i.rm];
            SseOps.storeReg(c, i.reg, 16, Double.doubleToRawLongBits((int) b), Double.doubleToRawLongBits((int) (b >>> 32)));
        };
        defPrefixed(0x1E6, P_F3, 0, dq2pd, dq2pd);
        defPrefixed(0x1E6, P_F2, 0, pd2dq(false), pd2dq(false));
        defPrefixed(0x1E6, P_66, 0, pd2dq(true), pd2dq(true));
    }

    private static long widen(long singleBits) {
        float f = Float.intBitsToFloat((int) singleBits);
        if (Float.isNaN(f)) {
            long sign = (singleBits & 0x8000_0000L) << 32;
            long payload = (singleBits & 0x003F_FFFFL) << 29;
            return sign | 0x7FF8_0000_0000_0000L | payload;
        }
        return Double.doubleToRawLongBits(f);
    }

    private static long narrow(long doubleBits) {
        double d = Double.longBitsToDouble(doubleBits);
        if (Double.isNaN(d)) {
            long sign = (doubleBits >>> 32) & 0x8000_0000L;
            long payload = (doubleBits >>> 29) & 0x003F_FFFFL;
            return sign | 0x7FC0_0000L | payload;
        }
        return Float.floatToRawIntBits((float) d) & 0xFFFF_FFFFL;
    }

    private static Exec cvtsi2(boolean toDouble) {
        return (c, i) -> {
            SseOps.checkSse(c);
            int s = i.rexW ? 8 : 4;
            long v = IntegerOps.rmRead(c, i, s);
            long n = s == 8 ? v : (int) v;
            if (toDouble) {
                c.fpu.xmm[2 * i.reg] = Double.doubleToRawLongBits((double) n);
            } else {
                c.fpu.xmm[2 * i.reg] = (c.fpu.xmm[2 * i.reg] & ~0xFFFF_FFFFL) | (Float.floatToRawIntBits((float) n) & 0xFFFF_FFFFL);
            }
        };
    }

    private static Exec ps2dq(boolean truncate) {
        return (c, i) -> {
            SseOps.checkSse(c);
            long[] b = c.fpu.opB;
            SseOps.loadRm(c, i, 16, true, b);
            for (int k = 0; k < 2; k++) {
                long lo = toInt(c, single(b[k]), 32, truncate);
                long hi = toInt(c, single(b[k] >>> 32), 32, truncate);
                b[k] = lo | (hi << 32);
            }
            SseOps.storeReg(c, i.reg, 16, b[0], b[1]);
        };
    }

    private static Exec pd2dq(boolean truncate) {
        return (c, i) -> {
            SseOps.checkSse(c);
            long[] b = c.fpu.opB;
            SseOps.loadRm(c, i, 16, true, b);
            long lo = toInt(c, dbl(b[0]), 32, truncate);
            long hi = toInt(c, dbl(b[1]), 32, truncate);
            SseOps.storeReg(c, i.reg, 16, lo | (hi << 32), 0);
        };
    }

    private static void registerSse3() {
        // ADDSUBPS / ADDSUBPD: subtract in even lanes, add in odd lanes.
        Exec addsubps = sse3((a, b, d) -> {
            for (int k = 0; k < 2; k++) {
                long lo = f32((int) a[k], (int) b[k], SUB) & 0xFFFF_FFFFL;
                long hi = f32((int) (a[k] >>> 32), (int) (b[k] >>> 32), ADD) & 0xFFFF_FFFFL;
                d[k] = lo | (hi << 32);
            }
        });
        defPrefixed(0x1D0, P_F2, 0, addsubps, addsubps);
        Exec addsubpd = sse3((a, b, d) -> {
            d[0] = f64(a[0], b[0], SUB);
            d[1] = f64(a[1], b[1], ADD);
        });
        defPrefixed(0x1D0, P_66, 0, addsubpd, addsubpd);
        for (int op : new int[] {0x7C, 0x7D}) {
            int kind = op == 0x7C ? ADD : SUB;
            Exec hps = sse3((a, b, d) -> {
                long r0 = f32((int) a[0], (int) (a[0] >>> 32), kind) & 0xFFFF_FFFFL;
                long r1 = f32((int) a[1], (int) (a[1] >>> 32), kind) & 0xFFFF_FFFFL;
                long r2 = f32((int) b[0], (int) (b[0] >>> 32), kind) & 0xFFFF_FFFFL;
                long r3 = f32((int) b[1], (int) (b[1] >>> 32), kind) & 0xFFFF_FFFFL;
                d[0] = r0 | (r1 << 32);
                d[1] = r2 | (r3 << 32);
            });
            Exec hpd = sse3((a, b, d) -> {
                long r0 = f64(a[0], a[1], kind);
                long r1 = f64(b[0], b[1], kind);
                d[0] = r0;
                d[1] = r1;
            });
            defPrefixed(0x100 | op, P_F2, 0, hps, hps);
            defPrefixed(0x100 | op, P_66, 0, hpd, hpd);
        }
    }

    /** A packed SSE3 operation from destination {@code a} and source {@code b} into {@code d}. */
    @FunctionalInterface
    private interface Packed {
        void apply(long[] a, long[] b, long[] d);
    }

    private static Exec sse3(Packed f) {
        return (c, i) -> {
            SseOps.checkSse(c);
            long[] a = c.fpu.opA;
            long[] b = c.fpu.opB;
            SseOps.loadReg(c, i.reg, 16, a);
            SseOps.loadRm(c, i, 16, true, b);
            f.apply(a, b, a);
            SseOps.storeReg(c, i.reg, 16, a[0], a[1]);
        };
    }
}
