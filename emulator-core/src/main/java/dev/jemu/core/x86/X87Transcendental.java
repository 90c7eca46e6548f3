package dev.jemu.core.x86;

import java.math.BigDecimal;

/**
 * The x87 transcendental instructions: FSIN, FCOS, FSINCOS, FPTAN, FPATAN, F2XM1, FYL2X and
 * FYL2XP1. The trigonometric ones compute in double precision exactly as QEMU 7.2 does
 * (operand rounded to double under the rounding control, {@link StrictMath}, result widened
 * without rounding and without raising PE), so they match QEMU wherever its host libm and
 * StrictMath agree. F2XM1 (|x| <= 1), FYL2X (x > 0), FYL2XP1 (|x| < 1) and FPATAN of finite
 * nonzero operands are correctly rounded to the precision and rounding control
 * ({@link X87Precise}), as QEMU's soft-float gives them; outside those domains they round
 * their operands to double and use StrictMath. Special operands (NaN, unsupported
 * encodings, infinities, zeros, angles of 2^63 or more with C2) follow the x87 rules exactly.
 */
final class X87Transcendental {
    private static final int SIN = 0;
    private static final int COS = 1;
    private static final int TAN = 2;
    private static final int SINCOS = 3;
    private static final int EXP2M1 = 4;
    private static final double LN2 = StrictMath.log(2.0);
    /** Angles of 2^63 or more are out of range: C2 is set and ST0 left alone. */
    private static final int ANGLE_EXP_LIMIT = X87Float.BIAS + 63;

    private X87Transcendental() {
    }

    static void fsin(X87Control f, X87Float fl) {
        unary(f, fl, SIN);
    }

    static void fcos(X87Control f, X87Float fl) {
        unary(f, fl, COS);
    }

    static void fptan(X87Control f, X87Float fl) {
        unary(f, fl, TAN);
    }

    static void fsincos(X87Control f, X87Float fl) {
        unary(f, fl, SINCOS);
    }

    static void f2xm1(X87Control f, X87Float fl) {
        unary(f, fl, EXP2M1);
    }

    private static double toDouble(X87Float fl, long m, int se, boolean nearest) {
        int savedRc = fl.rc;
        int savedExc = fl.exc;
        if (nearest) {
            fl.rc = X87Float.RC_NEAREST;
        }
        long bits = fl.toIeee(m, se, 52, 11);
        fl.rc = savedRc;
        fl.exc = savedExc;
        return Double.longBitsToDouble(bits);
    }

    /**
     * Widens a double result into fl.rMan/rSe (NaN means invalid); unless {@code exact}, rounds
     * it to the precision control and raises PE.
     */
    private static void fromDouble(X87Float fl, double d, boolean exact) {
        if (Double.isNaN(d)) {
            fl.invalid();
            return;
        }
        int savedExc = fl.exc;
        fl.fromIeee(Double.doubleToRawLongBits(d), 52, 11);
        fl.exc = savedExc;
        if (!exact && d != 0 && !Double.isInfinite(d)) {
            fl.round(fl.rMan, fl.rSe);
            fl.exc |= X87Float.PE;
        }
    }

    /** NaN and unsupported operands: sets the propagated result and returns true. */
    private static boolean nanOperand(X87Float fl, long am, int as, long bm, int bs) {
        if (X87Float.isUnsupported(am, as) || X87Float.isUnsupported(bm, bs)
                || X87Float.isNan(am, as) || X87Float.isNan(bm, bs)) {
            fl.add(am, as, bm, bs, false);
            return true;
        }
        if (X87Float.isDenormal(am, as) || X87Float.isDenormal(bm, bs)) {
            fl.exc |= X87Float.DE;
        }
        return false;
    }

    private static void unary(X87Control f, X87Float fl, int fn) {
        boolean pushes = fn == TAN || fn == SINCOS;
        if (X87Ops.empty(f, 0)) {
            if (X87Ops.underflow(f)) {
                X87Ops.set(f, 0, X87Float.INDEF_MAN, X87Float.INDEF_SE);
                if (pushes) {
                    X87Ops.push(f, X87Float.INDEF_MAN, X87Float.INDEF_SE);
                }
            }
            return;
        }
        long m = X87Ops.man(f, 0);
        int s = X87Ops.se(f, 0);
        f.fsw &= ~X87Ops.C2;
        long rm;
        int rs;
        long pm = X87Float.INT_BIT;
        int ps = X87Float.BIAS;
        if (nanOperand(fl, m, s, m, s)) {
            rm = fl.rMan;
            rs = fl.rSe;
            pm = rm;
            ps = rs;
        } else {
            if (fn != EXP2M1 && X87Float.exp(s) >= ANGLE_EXP_LIMIT && !X87Float.isInf(m, s)) {
                f.fsw |= X87Ops.C2;
                return;
            }
            boolean zero = X87Float.isZero(m, s);
            boolean precise = fn == EXP2M1 && !zero && !X87Float.isInf(m, s)
                    && X87Precise.value(m, s).abs().compareTo(BigDecimal.ONE) <= 0;
            double x = toDouble(fl, m, s, fn == EXP2M1);
            double r = switch (fn) {
                case SIN, SINCOS -> StrictMath.sin(x);
                case COS -> StrictMath.cos(x);
                case TAN -> StrictMath.tan(x);
                default -> Double.isInfinite(x) ? (x > 0 ? x : -1.0) : StrictMath.expm1(x * LN2);
            };
            if (zero && fn != COS) {
                rm = m;
                rs = s;
            } else if (precise) {
                X87Precise.round(fl, X87Precise.exp2m1(X87Precise.value(m, s)));
                rm = fl.rMan;
                rs = fl.rSe;
            } else {
                fromDouble(fl, r, zero || fn != EXP2M1);
                rm = fl.rMan;
                rs = fl.rSe;
            }
            if (fn == SINCOS) {
                fromDouble(fl, StrictMath.cos(x), true);
                pm = fl.rMan;
                ps = fl.rSe;
            }
        }
        if (!X87Ops.finish(f, fl)) {
            return;
        }
        X87Ops.set(f, 0, rm, rs);
        if (pushes) {
            X87Ops.push(f, pm, ps);
        }
    }

    /** FPATAN: ST1 = arctan(ST1 / ST0) with the quadrant of (ST0, ST1), then pop. */
    static void fpatan(X87Control f, X87Float fl) {
        binary(f, fl, 0);
    }

    /** FYL2X: ST1 = ST1 * log2(ST0), then pop. */
    static void fyl2x(X87Control f, X87Float fl) {
        binary(f, fl, 1);
    }

    /** FYL2XP1: ST1 = ST1 * log2(ST0 + 1), then pop. */
    static void fyl2xp1(X87Control f, X87Float fl) {
        binary(f, fl, 2);
    }

    private static void binary(X87Control f, X87Float fl, int fn) {
        if (X87Ops.empty(f, 0) || X87Ops.empty(f, 1)) {
            if (X87Ops.underflow(f)) {
                X87Ops.set(f, 1, X87Float.INDEF_MAN, X87Float.INDEF_SE);
                X87Ops.pop(f);
            }
            return;
        }
        long xm = X87Ops.man(f, 0);
        int xs = X87Ops.se(f, 0);
        long ym = X87Ops.man(f, 1);
        int ys = X87Ops.se(f, 1);
        if (!nanOperand(fl, xm, xs, ym, ys) && !precise(fl, fn, xm, xs, ym, ys)) {
            double x = toDouble(fl, xm, xs, true);
            double y = toDouble(fl, ym, ys, true);
            double r;
            if (fn == 0) {
                r = StrictMath.atan2(y, x);
            } else if (fn == 1) {
                r = y * (StrictMath.log(x) / LN2);
                if (x == 0 && y != 0 && !Double.isInfinite(y)) {
                    fl.exc |= X87Float.ZE;
                }
            } else {
                r = y * (StrictMath.log1p(x) / LN2);
            }
            if (r == 0 && !Double.isNaN(r)) {
                boolean negative = fn == 0 ? X87Float.sign(ys) : (Double.doubleToRawLongBits(r) < 0);
                fl.rMan = 0;
                fl.rSe = negative ? 0x8000 : 0;
            } else {
                fromDouble(fl, r, false);
            }
        }
        if (X87Ops.finish(f, fl)) {
            X87Ops.set(f, 1, fl.rMan, fl.rSe);
            X87Ops.pop(f);
        }
    }

    /**
     * FPATAN, FYL2X and FYL2XP1 correctly rounded where both operands are finite and nonzero
     * and x is in the domain ({@code fn} 1: x > 0 and not 1; 2: |x| < 1); returns false to
     * leave the other cases to the double-precision path.
     */
    private static boolean precise(X87Float fl, int fn, long xm, int xs, long ym, int ys) {
        if (X87Float.isZero(xm, xs) || X87Float.isZero(ym, ys) || X87Float.isInf(xm, xs) || X87Float.isInf(ym, ys)) {
            return false;
        }
        BigDecimal x = X87Precise.value(xm, xs);
        BigDecimal y = X87Precise.value(ym, ys);
        BigDecimal r;
        if (fn == 0) {
            r = X87Precise.atan2(y, x);
        } else if (fn == 1) {
            if (x.signum() < 0 || x.compareTo(BigDecimal.ONE) == 0) {
                return false;
            }
            r = y.multiply(X87Precise.log2(xm, xs));
        } else {
            if (x.abs().compareTo(BigDecimal.ONE) >= 0) {
                return false;
            }
            r = y.multiply(X87Precise.log2p1(x));
        }
        X87Precise.round(fl, r);
        return true;
    }
}
