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
 * integer indefinite value when out of range. Arithmetic and conversions round as MXCSR.RC says
 * (directed rounding from the round-to-nearest result and the sign of its exact error term), read
 * denormal operands as zeros under DAZ, flush tiny results to zero under FTZ (with UE and PE), and
 * set MXCSR's exception flags (IE, DE, ZE, OE, UE, PE) as the SDM says. An instruction that raises
 * an unmasked exception leaves its destination unchanged and raises #XM, or #UD when
 * CR4.OSXMMEXCPT is clear. Runs on the vCPU's thread.
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

    /** MXCSR exception flags. */
    static final int MX_IE = 0x01;
    static final int MX_DE = 0x02;
    static final int MX_ZE = 0x04;
    static final int MX_OE = 0x08;
    static final int MX_UE = 0x10;
    static final int MX_PE = 0x20;
    /** MXCSR control bits: denormals are zeros, underflow mask, flush to zero. */
    static final int MX_DAZ = 0x40;
    static final int MX_UM = 0x800;
    static final int MX_FTZ = 0x8000;

    /** Below this magnitude an FMA error term could underflow; {@link #UP} scales it away. */
    private static final double TINY = 0x1p-900;
    private static final int UP = 600;

    private SseFloat() {
    }

    static int f32(Cpu c, int a, int b, int kind) {
        a = daz32(c, a);
        b = daz32(c, b);
        float x = Float.intBitsToFloat(a);
        float y = Float.intBitsToFloat(b);
        boolean unary = kind >= SQRT;
        if (kind == MIN || kind == MAX) {
            if (Float.isNaN(x) || Float.isNaN(y)) {
                c.fpu.mxcsr |= MX_IE;
                return b;
            }
            c.fpu.mxcsr |= denormal32(a) || denormal32(b) ? MX_DE : 0;
            if (x == 0 && y == 0) {
                return b;
            }
            return (kind == MIN ? x < y : x > y) ? a : b;
        }
        if (kind == RSQRT || kind == RCP) {
            float r = kind == RSQRT ? (float) (1.0 / Math.sqrt(y)) : 1.0f / y;
            return Float.isNaN(y) ? b | QUIET32 : Float.isNaN(r) ? DEFAULT_NAN32 : Float.floatToRawIntBits(r);
        }
        if ((!unary && snan32(a)) || snan32(b)) {
            c.fpu.mxcsr |= MX_IE;
        }
        if (Float.isNaN(unary ? y : x)) {
            return (unary ? b : a) | QUIET32;
        }
        if (!unary && Float.isNaN(y)) {
            return b | QUIET32;
        }
        double dx = x;
        double dy = y;
        // Single-precision operands give a double result that is exact for MUL and close enough
        // for the others that rounding it to single is the correctly rounded single result.
        double d = switch (kind) {
            case ADD -> dx + dy;
            case MUL -> dx * dy;
            case SUB -> dx - dy;
            case DIV -> dx / dy;
            default -> Math.sqrt(dy);
        };
        int flags = (!unary && denormal32(a)) || denormal32(b) ? MX_DE : 0;
        if (Double.isNaN(d)) {
            c.fpu.mxcsr |= flags | MX_IE;
            return DEFAULT_NAN32;
        }
        if (Double.isInfinite(d)) {
            c.fpu.mxcsr |= flags | (kind == DIV && y == 0 && !Float.isInfinite(x) ? MX_ZE : 0);
            return Float.floatToRawIntBits((float) d);
        }
        float r = (float) d;
        int err = r != d ? (d > r ? 1 : -1) : error64(dx, dy, d, kind);
        return Float.floatToRawIntBits(finish32(c, r, err, flags));
    }

    static long f64(Cpu c, long a, long b, int kind) {
        a = daz64(c, a);
        b = daz64(c, b);
        double x = Double.longBitsToDouble(a);
        double y = Double.longBitsToDouble(b);
        boolean unary = kind >= SQRT;
        if (kind == MIN || kind == MAX) {
            if (Double.isNaN(x) || Double.isNaN(y)) {
                c.fpu.mxcsr |= MX_IE;
                return b;
            }
            c.fpu.mxcsr |= denormal64(a) || denormal64(b) ? MX_DE : 0;
            if (x == 0 && y == 0) {
                return b;
            }
            return (kind == MIN ? x < y : x > y) ? a : b;
        }
        if ((!unary && snan64(a)) || snan64(b)) {
            c.fpu.mxcsr |= MX_IE;
        }
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
        int flags = (!unary && denormal64(a)) || denormal64(b) ? MX_DE : 0;
        if (Double.isNaN(r)) {
            c.fpu.mxcsr |= flags | MX_IE;
            return DEFAULT_NAN64;
        }
        if (Double.isInfinite(x) || Double.isInfinite(y) || (kind == DIV && y == 0)) {
            c.fpu.mxcsr |= flags | (kind == DIV && y == 0 && !Double.isInfinite(x) ? MX_ZE : 0);
            return Double.doubleToRawLongBits(r);
        }
        int err = Double.isInfinite(r) ? (r > 0 ? -1 : 1) : error64(x, y, r, kind);
        return Double.doubleToRawLongBits(finish64(c, r, err, flags));
    }

    /**
     * Completes a single-precision result {@code r} rounded to nearest, where {@code err} is the sign
     * of (exact - r): flushes a tiny result to zero under FTZ, applies MXCSR.RC, and sets PE, OE and
     * UE (an exact tiny result sets UE only when UE is unmasked). Tininess for FTZ is judged on the
     * exact result, for UE on the rounded one.
     */
    private static float finish32(Cpu c, float r, int err, int flags) {
        int m = c.fpu.mxcsr;
        float mag = Math.abs(r);
        boolean tinyExact = mag < Float.MIN_NORMAL || (mag == Float.MIN_NORMAL && err * Math.signum(r) < 0);
        if ((m & MX_FTZ) != 0 && (m & MX_UM) != 0 && (r != 0 || err != 0) && tinyExact) {
            c.fpu.mxcsr = m | flags | MX_UE | MX_PE;
            return Math.copySign(0f, r);
        }
        if (err != 0) {
            r = switch ((m >> 13) & 3) {
                case 1 -> err < 0 ? Math.nextDown(r) : r;
                case 2 -> err > 0 ? Math.nextUp(r) : r;
                case 3 -> (err < 0) != (Float.floatToRawIntBits(r) < 0) ? (r > 0 ? Math.nextDown(r) : Math.nextUp(r)) : r;
                default -> r;
            };
            flags |= MX_PE;
            if (Float.isInfinite(r) || mag == Float.POSITIVE_INFINITY) {
                flags |= MX_OE;
            } else if (Math.abs(r) < Float.MIN_NORMAL) {
                flags |= MX_UE;
            }
        } else if ((m & MX_UM) == 0 && r != 0 && mag < Float.MIN_NORMAL) {
            flags |= MX_UE;
        }
        c.fpu.mxcsr = m | flags;
        return r;
    }

    /** {@link #finish32} for double precision. */
    private static double finish64(Cpu c, double r, int err, int flags) {
        int m = c.fpu.mxcsr;
        double mag = Math.abs(r);
        boolean tinyExact = mag < Double.MIN_NORMAL || (mag == Double.MIN_NORMAL && err * Math.signum(r) < 0);
        if ((m & MX_FTZ) != 0 && (m & MX_UM) != 0 && (r != 0 || err != 0) && tinyExact) {
            c.fpu.mxcsr = m | flags | MX_UE | MX_PE;
            return Math.copySign(0.0, r);
        }
        if (err != 0) {
            r = switch ((m >> 13) & 3) {
                case 1 -> err < 0 ? Math.nextDown(r) : r;
                case 2 -> err > 0 ? Math.nextUp(r) : r;
                case 3 -> (err < 0) != (Double.doubleToRawLongBits(r) < 0) ? (r > 0 ? Math.nextDown(r) : Math.nextUp(r)) : r;
                default -> r;
            };
            flags |= MX_PE;
            if (Double.isInfinite(r) || mag == Double.POSITIVE_INFINITY) {
                flags |= MX_OE;
            } else if (Math.abs(r) < Double.MIN_NORMAL) {
                flags |= MX_UE;
            }
        } else if ((m & MX_UM) == 0 && r != 0 && mag < Double.MIN_NORMAL) {
            flags |= MX_UE;
        }
        c.fpu.mxcsr = m | flags;
        return r;
    }

    /** Under MXCSR.DAZ a denormal single-precision operand reads as a zero of its sign. */
    private static int daz32(Cpu c, int bits) {
        return (c.fpu.mxcsr & MX_DAZ) != 0 && denormal32(bits) ? bits & 0x8000_0000 : bits;
    }

    /** Under MXCSR.DAZ a denormal double-precision operand reads as a zero of its sign. */
    private static long daz64(Cpu c, long bits) {
        return (c.fpu.mxcsr & MX_DAZ) != 0 && denormal64(bits) ? bits & Long.MIN_VALUE : bits;
    }

    /**
     * The sign of (exact - r) for the finite double result {@code r} of {@code x op y} rounded to
     * nearest: -1, 0 (exact) or 1. The error terms are computed with FMA; near the subnormal range
     * the operands are first scaled by powers of two (exactly) so that the error cannot underflow.
     */
    private static int error64(double x, double y, double r, int kind) {
        double e = switch (kind) {
            case ADD -> sumError(x, y);
            case SUB -> sumError(x, -y);
            case MUL -> {
                if (Math.abs(r) >= TINY) {
                    yield Math.fma(x, y, -r);
                }
                if (r == 0) {
                    yield x == 0 || y == 0 ? 0 : Math.signum(x) * Math.signum(y);
                }
                boolean scaleX = Math.getExponent(x) < Math.getExponent(y);
                double xs = scaleX ? Math.scalb(x, UP) : x;
                double ys = scaleX ? y : Math.scalb(y, UP);
                yield Math.fma(xs, ys, -Math.scalb(r, UP));
            }
            case DIV -> {
                if (r == 0) {
                    yield x == 0 ? 0 : Math.signum(x) * Math.signum(y);
                }
                double rem = Math.abs(r) >= TINY ? Math.fma(-r, y, x)
                        : Math.fma(-Math.scalb(r, UP), y, Math.scalb(x, UP));
                yield rem * Math.signum(y);
            }
            default -> Math.abs(y) >= TINY ? Math.fma(-r, r, y)
                    : Math.fma(-Math.scalb(r, UP / 2), Math.scalb(r, UP / 2), Math.scalb(y, UP));
        };
        return e > 0 ? 1 : e < 0 ? -1 : 0;
    }

    /** The rounding error of {@code a + b} in double precision (Knuth's TwoSum). */
    private static double sumError(double a, double b) {
        double s = a + b;
        double bv = s - a;
        return (a - (s - bv)) + (b - bv);
    }

    private static boolean snan32(int bits) {
        return (bits & 0x7F80_0000) == 0x7F80_0000 && (bits & 0x007F_FFFF) != 0 && (bits & QUIET32) == 0;
    }

    private static boolean snan64(long bits) {
        return (bits & 0x7FF0_0000_0000_0000L) == 0x7FF0_0000_0000_0000L && (bits & 0x000F_FFFF_FFFF_FFFFL) != 0
                && (bits & QUIET64) == 0;
    }

    private static boolean denormal32(int bits) {
        return (bits & 0x7F80_0000) == 0 && (bits & 0x007F_FFFF) != 0;
    }

    private static boolean denormal64(long bits) {
        return (bits & 0x7FF0_0000_0000_0000L) == 0 && (bits & 0x000F_FFFF_FFFF_FFFFL) != 0;
    }

    private static long packed32(Cpu c, long a, long b, int kind) {
        long lo = f32(c, (int) a, (int) b, kind) & 0xFFFF_FFFFL;
        long hi = f32(c, (int) (a >>> 32), (int) (b >>> 32), kind) & 0xFFFF_FFFFL;
        return lo | (hi << 32);
    }

    /** Where a guarded instruction writes its result: an XMM, MMX or general register. */
    private static final int TO_XMM = 0;
    private static final int TO_MMX = 1;
    private static final int TO_GPR = 2;
    private static final int FLAGS = 0x3F;

    /**
     * Wraps an instruction that may raise SIMD floating-point exceptions: runs it with MXCSR's flags
     * cleared so that the ones it raises are known, merges the earlier flags back, and when it
     * raised an unmasked one restores its destination register and raises #XM (#UD when
     * CR4.OSXMMEXCPT is clear). The flags it raised stay set.
     */
    private static Exec guarded(int dest, Exec body) {
        return (c, i) -> {
            long[] file = dest == TO_XMM ? c.fpu.xmm : dest == TO_MMX ? c.fpu.st : c.regs;
            int at = dest == TO_GPR ? i.reg : 2 * (dest == TO_MMX ? i.reg & 7 : i.reg);
            long lo = file[at];
            long hi = dest == TO_GPR ? 0 : file[at + 1];
            int sticky = c.fpu.mxcsr & FLAGS;
            c.fpu.mxcsr &= ~FLAGS;
            try {
                body.exec(c, i);
            } catch (CpuFault f) {
                c.fpu.mxcsr |= sticky;
                throw f;
            }
            int m = c.fpu.mxcsr;
            c.fpu.mxcsr = m | sticky;
            if ((m & FLAGS & ~(m >> 7)) != 0) {
                file[at] = lo;
                if (dest != TO_GPR) {
                    file[at + 1] = hi;
                }
                throw (c.cr4 & Cpu.CR4_OSXMMEXCPT) != 0 ? c.fault(Vectors.XM) : c.ud();
            }
        };
    }

    /** Registers ps, pd, ss and sd forms of an arithmetic opcode. */
    private static void arith(int op, int kind, boolean withDouble) {
        Exec ps = guarded(TO_XMM, (c, i) -> {
            SseOps.checkSse(c);
            long[] a = c.fpu.opA;
            long[] b = c.fpu.opB;
            SseOps.loadReg(c, i.reg, 16, a);
            SseOps.loadRm(c, i, 16, true, b);
            SseOps.storeReg(c, i.reg, 16, packed32(c, a[0], b[0], kind), packed32(c, a[1], b[1], kind));
        });
        Exec ss = guarded(TO_XMM, (c, i) -> {
            SseOps.checkSse(c);
            long b = i.isMem ? c.read(i.seg, i.ea, 4) : c.fpu.xmm[2 * i.rm];
            long a = c.fpu.xmm[2 * i.reg];
            c.fpu.xmm[2 * i.reg] = (a & ~0xFFFF_FFFFL) | (f32(c, (int) a, (int) b, kind) & 0xFFFF_FFFFL);
        });
        defPrefixed(0x100 | op, P_NONE, 0, ps, ps);
        defPrefixed(0x100 | op, P_F3, 0, ss, ss);
        if (!withDouble) {
            return;
        }
        Exec pd = guarded(TO_XMM, (c, i) -> {
            SseOps.checkSse(c);
            long[] a = c.fpu.opA;
            long[] b = c.fpu.opB;
            SseOps.loadReg(c, i.reg, 16, a);
            SseOps.loadRm(c, i, 16, true, b);
            SseOps.storeReg(c, i.reg, 16, f64(c, a[0], b[0], kind), f64(c, a[1], b[1], kind));
        });
        Exec sd = guarded(TO_XMM, (c, i) -> {
            SseOps.checkSse(c);
            long b = i.isMem ? c.read(i.seg, i.ea, 8) : c.fpu.xmm[2 * i.rm];
            c.fpu.xmm[2 * i.reg] = f64(c, c.fpu.xmm[2 * i.reg], b, kind);
        });
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

    /** The low 32 bits as a single-precision operand (a zero under DAZ when denormal). */
    private static double single(Cpu c, long bits) {
        return Float.intBitsToFloat(daz32(c, (int) bits));
    }

    /** A double-precision operand (a zero under DAZ when denormal). */
    private static double dbl(Cpu c, long bits) {
        return Double.longBitsToDouble(daz64(c, bits));
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

    /**
     * Converts to a signed integer of {@code bits}; NaN or out of range gives the indefinite value
     * and IE, an inexact conversion PE.
     */
    static long toInt(Cpu c, double v, int bits, boolean truncate) {
        long indefinite = bits == 64 ? Long.MIN_VALUE : 0x8000_0000L;
        if (Double.isNaN(v)) {
            c.fpu.mxcsr |= MX_IE;
            return indefinite;
        }
        double r = round(c, v, truncate);
        boolean inRange = bits == 32 ? r >= -2147483648.0 && r <= 2147483647.0
                : r >= -9.223372036854775808E18 && r < 9.223372036854775808E18;
        if (!inRange) {
            c.fpu.mxcsr |= MX_IE;
            return indefinite;
        }
        if (r != v) {
            c.fpu.mxcsr |= MX_PE;
        }
        return bits == 32 ? (long) r & 0xFFFF_FFFFL : (long) r;
    }

    /** A 32-bit integer as single precision, with PE when it is not exact. */
    private static long intToSingle(Cpu c, int n) {
        float f = n;
        int err = Double.compare(n, f);
        return Float.floatToRawIntBits(finish32(c, f, err, 0)) & 0xFFFF_FFFFL;
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
            long r = compare(single(c, a), single(c, b), (int) i.imm) ? 0xFFFF_FFFFL : 0;
            c.fpu.xmm[2 * i.reg] = (a & ~0xFFFF_FFFFL) | r;
        };
        Exec cmpsd = (c, i) -> {
            SseOps.checkSse(c);
            long b = i.isMem ? c.read(i.seg, i.ea, 8) : c.fpu.xmm[2 * i.rm];
            c.fpu.xmm[2 * i.reg] = compare(dbl(c, c.fpu.xmm[2 * i.reg]), dbl(c, b), (int) i.imm) ? -1L : 0;
        };
        defPrefixed(0x1C2, P_F3, IB, cmpss, cmpss);
        defPrefixed(0x1C2, P_F2, IB, cmpsd, cmpsd);
        for (int op : new int[] {0x2E, 0x2F}) {
            Exec s = (c, i) -> {
                SseOps.checkSse(c);
                long b = i.isMem ? c.read(i.seg, i.ea, 4) : c.fpu.xmm[2 * i.rm];
                setCompareFlags(c, single(c, c.fpu.xmm[2 * i.reg]), single(c, b));
            };
            Exec d = (c, i) -> {
                SseOps.checkSse(c);
                long b = i.isMem ? c.read(i.seg, i.ea, 8) : c.fpu.xmm[2 * i.rm];
                setCompareFlags(c, dbl(c, c.fpu.xmm[2 * i.reg]), dbl(c, b));
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
                    a[k] = compare(dbl(c, a[k]), dbl(c, b[k]), p) ? -1L : 0;
                } else {
                    long lo = compare(single(c, a[k]), single(c, b[k]), p) ? 0xFFFF_FFFFL : 0;
                    long hi = compare(single(c, a[k] >>> 32), single(c, b[k] >>> 32), p) ? 0xFFFF_FFFFL : 0;
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
            Exec fromSingle = guarded(TO_GPR, (c, i) -> {
                SseOps.checkSse(c);
                long b = i.isMem ? c.read(i.seg, i.ea, 4) : c.fpu.xmm[2 * i.rm];
                int bits = i.rexW ? 64 : 32;
                c.setReg(i.reg, bits / 8, toInt(c, single(c, b), bits, truncate));
            });
            Exec fromDouble = guarded(TO_GPR, (c, i) -> {
                SseOps.checkSse(c);
                long b = i.isMem ? c.read(i.seg, i.ea, 8) : c.fpu.xmm[2 * i.rm];
                int bits = i.rexW ? 64 : 32;
                c.setReg(i.reg, bits / 8, toInt(c, dbl(c, b), bits, truncate));
            });
            defPrefixed(0x100 | op, P_F3, 0, fromSingle, fromSingle);
            defPrefixed(0x100 | op, P_F2, 0, fromDouble, fromDouble);
        }
        // CVTPI2PS, CVTPI2PD, CVT(T)PS2PI, CVT(T)PD2PI: conversions with an MMX register.
        Exec pi2ps = guarded(TO_XMM, (c, i) -> {
            SseOps.checkSse(c);
            SseOps.checkMmx(c);
            long b = i.isMem ? c.read(i.seg, i.ea, 8) : c.fpu.st[2 * (i.rm & 7)];
            long lo = intToSingle(c, (int) b);
            long hi = intToSingle(c, (int) (b >>> 32));
            c.fpu.xmm[2 * i.reg] = lo | (hi << 32);
        });
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
            Exec ps2pi = guarded(TO_MMX, (c, i) -> {
                SseOps.checkSse(c);
                SseOps.checkMmx(c);
                long b = i.isMem ? c.read(i.seg, i.ea, 8) : c.fpu.xmm[2 * i.rm];
                long lo = toInt(c, single(c, b), 32, truncate);
                long hi = toInt(c, single(c, b >>> 32), 32, truncate);
                SseOps.storeReg(c, i.reg, 8, lo | (hi << 32), 0);
            });
            Exec pd2pi = guarded(TO_MMX, (c, i) -> {
                SseOps.checkSse(c);
                SseOps.checkMmx(c);
                long[] b = c.fpu.opB;
                SseOps.loadRm(c, i, 16, true, b);
                long lo = toInt(c, dbl(c, b[0]), 32, truncate);
                long hi = toInt(c, dbl(c, b[1]), 32, truncate);
                SseOps.storeReg(c, i.reg, 8, lo | (hi << 32), 0);
            });
            defPrefixed(0x100 | op, P_NONE, 0, ps2pi, ps2pi);
            defPrefixed(0x100 | op, P_66, 0, pd2pi, pd2pi);
        }
        // CVTPS2PD, CVTPD2PS, CVTSS2SD, CVTSD2SS.
        Exec ps2pd = guarded(TO_XMM, (c, i) -> {
            SseOps.checkSse(c);
            long b = i.isMem ? c.read(i.seg, i.ea, 8) : c.fpu.xmm[2 * i.rm];
            SseOps.storeReg(c, i.reg, 16, widen(c, b), widen(c, b >>> 32));
        });
        Exec pd2ps = guarded(TO_XMM, (c, i) -> {
            SseOps.checkSse(c);
            long[] b = c.fpu.opB;
            SseOps.loadRm(c, i, 16, true, b);
            SseOps.storeReg(c, i.reg, 16, narrow(c, b[0]) | (narrow(c, b[1]) << 32), 0);
        });
        Exec ss2sd = guarded(TO_XMM, (c, i) -> {
            SseOps.checkSse(c);
            long b = i.isMem ? c.read(i.seg, i.ea, 4) : c.fpu.xmm[2 * i.rm];
            c.fpu.xmm[2 * i.reg] = widen(c, b);
        });
        Exec sd2ss = guarded(TO_XMM, (c, i) -> {
            SseOps.checkSse(c);
            long b = i.isMem ? c.read(i.seg, i.ea, 8) : c.fpu.xmm[2 * i.rm];
            c.fpu.xmm[2 * i.reg] = (c.fpu.xmm[2 * i.reg] & ~0xFFFF_FFFFL) | narrow(c, b);
        });
        defPrefixed(0x15A, P_NONE, 0, ps2pd, ps2pd);
        defPrefixed(0x15A, P_66, 0, pd2ps, pd2ps);
        defPrefixed(0x15A, P_F3, 0, ss2sd, ss2sd);
        defPrefixed(0x15A, P_F2, 0, sd2ss, sd2ss);
        // CVTDQ2PS, CVTPS2DQ, CVTTPS2DQ.
        Exec dq2ps = guarded(TO_XMM, (c, i) -> {
            SseOps.checkSse(c);
            long[] b = c.fpu.opB;
            SseOps.loadRm(c, i, 16, true, b);
            for (int k = 0; k < 2; k++) {
                long lo = intToSingle(c, (int) b[k]);
                long hi = intToSingle(c, (int) (b[k] >>> 32));
                b[k] = lo | (hi << 32);
            }
            SseOps.storeReg(c, i.reg, 16, b[0], b[1]);
        });
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

    /** Single to double precision: exact; IE for a signalling NaN, DE for a denormal. */
    private static long widen(Cpu c, long singleBits) {
        int bits = daz32(c, (int) singleBits);
        float f = Float.intBitsToFloat(bits);
        if (Float.isNaN(f)) {
            c.fpu.mxcsr |= snan32(bits) ? MX_IE : 0;
            long sign = (singleBits & 0x8000_0000L) << 32;
            long payload = (singleBits & 0x003F_FFFFL) << 29;
            return sign | 0x7FF8_0000_0000_0000L | payload;
        }
        c.fpu.mxcsr |= denormal32(bits) ? MX_DE : 0;
        return Double.doubleToRawLongBits(f);
    }

    /** Double to single precision, with IE, DE, OE, UE and PE as the rounding calls for. */
    private static long narrow(Cpu c, long doubleBits) {
        doubleBits = daz64(c, doubleBits);
        double d = Double.longBitsToDouble(doubleBits);
        if (Double.isNaN(d)) {
            c.fpu.mxcsr |= snan64(doubleBits) ? MX_IE : 0;
            long sign = (doubleBits >>> 32) & 0x8000_0000L;
            long payload = (doubleBits >>> 29) & 0x003F_FFFFL;
            return sign | 0x7FC0_0000L | payload;
        }
        float f = (float) d;
        int flags = denormal64(doubleBits) ? MX_DE : 0;
        if (Double.isInfinite(d)) {
            c.fpu.mxcsr |= flags;
            return Float.floatToRawIntBits(f) & 0xFFFF_FFFFL;
        }
        int err = f != d ? (d > f ? 1 : -1) : 0;
        return Float.floatToRawIntBits(finish32(c, f, err, flags)) & 0xFFFF_FFFFL;
    }

    private static Exec cvtsi2(boolean toDouble) {
        return guarded(TO_XMM, (c, i) -> {
            SseOps.checkSse(c);
            int s = i.rexW ? 8 : 4;
            long v = IntegerOps.rmRead(c, i, s);
            long n = s == 8 ? v : (int) v;
            if (toDouble) {
                double d = n;
                int err = d == 0x1p63 ? -1 : Long.signum(n - (long) d);
                c.fpu.xmm[2 * i.reg] = Double.doubleToRawLongBits(finish64(c, d, err, 0));
            } else {
                float f = n;
                int err = f == 0x1p63f ? -1 : Long.signum(n - (long) f);
                f = finish32(c, f, err, 0);
                c.fpu.xmm[2 * i.reg] = (c.fpu.xmm[2 * i.reg] & ~0xFFFF_FFFFL) | (Float.floatToRawIntBits(f) & 0xFFFF_FFFFL);
            }
        });
    }

    private static Exec ps2dq(boolean truncate) {
        return guarded(TO_XMM, (c, i) -> {
            SseOps.checkSse(c);
            long[] b = c.fpu.opB;
            SseOps.loadRm(c, i, 16, true, b);
            for (int k = 0; k < 2; k++) {
                long lo = toInt(c, single(c, b[k]), 32, truncate);
                long hi = toInt(c, single(c, b[k] >>> 32), 32, truncate);
                b[k] = lo | (hi << 32);
            }
            SseOps.storeReg(c, i.reg, 16, b[0], b[1]);
        });
    }

    private static Exec pd2dq(boolean truncate) {
        return guarded(TO_XMM, (c, i) -> {
            SseOps.checkSse(c);
            long[] b = c.fpu.opB;
            SseOps.loadRm(c, i, 16, true, b);
            long lo = toInt(c, dbl(c, b[0]), 32, truncate);
            long hi = toInt(c, dbl(c, b[1]), 32, truncate);
            SseOps.storeReg(c, i.reg, 16, lo | (hi << 32), 0);
        });
    }

    private static void registerSse3() {
        // ADDSUBPS / ADDSUBPD: subtract in even lanes, add in odd lanes.
        Exec addsubps = sse3((c, a, b, d) -> {
            for (int k = 0; k < 2; k++) {
                long lo = f32(c, (int) a[k], (int) b[k], SUB) & 0xFFFF_FFFFL;
                long hi = f32(c, (int) (a[k] >>> 32), (int) (b[k] >>> 32), ADD) & 0xFFFF_FFFFL;
                d[k] = lo | (hi << 32);
            }
        });
        defPrefixed(0x1D0, P_F2, 0, addsubps, addsubps);
        Exec addsubpd = sse3((c, a, b, d) -> {
            d[0] = f64(c, a[0], b[0], SUB);
            d[1] = f64(c, a[1], b[1], ADD);
        });
        defPrefixed(0x1D0, P_66, 0, addsubpd, addsubpd);
        for (int op : new int[] {0x7C, 0x7D}) {
            int kind = op == 0x7C ? ADD : SUB;
            Exec hps = sse3((c, a, b, d) -> {
                long r0 = f32(c, (int) a[0], (int) (a[0] >>> 32), kind) & 0xFFFF_FFFFL;
                long r1 = f32(c, (int) a[1], (int) (a[1] >>> 32), kind) & 0xFFFF_FFFFL;
                long r2 = f32(c, (int) b[0], (int) (b[0] >>> 32), kind) & 0xFFFF_FFFFL;
                long r3 = f32(c, (int) b[1], (int) (b[1] >>> 32), kind) & 0xFFFF_FFFFL;
                d[0] = r0 | (r1 << 32);
                d[1] = r2 | (r3 << 32);
            });
            Exec hpd = sse3((c, a, b, d) -> {
                long r0 = f64(c, a[0], a[1], kind);
                long r1 = f64(c, b[0], b[1], kind);
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
        void apply(Cpu c, long[] a, long[] b, long[] d);
    }

    private static Exec sse3(Packed f) {
        return guarded(TO_XMM, (c, i) -> {
            SseOps.checkSse(c);
            long[] a = c.fpu.opA;
            long[] b = c.fpu.opB;
            SseOps.loadReg(c, i.reg, 16, a);
            SseOps.loadRm(c, i, 16, true, b);
            f.apply(c, a, b, a);
            SseOps.storeReg(c, i.reg, 16, a[0], a[1]);
        });
    }
}
