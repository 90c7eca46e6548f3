package dev.jemu.core.x86;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * F2XM1, FYL2X, FYL2XP1 and FPATAN of finite nonzero operands computed to about 200 bits and
 * then rounded once to the precision and rounding control, so that the result is the
 * correctly rounded one (QEMU 7.2's soft-float gives exactly that on every vector of
 * {@code X87TranscendentalVectorsTest}). Values are {@link BigDecimal}s rounded to
 * {@link #MC}; the exact cases (2^x - 1 of x = ±1, log2 of a power of two) are exact.
 *
 * <p>Threading: stateless; the caller's {@link X87Float} belongs to its vCPU thread.
 */
final class X87Precise {
    /** 66 significant digits: about 219 bits, far beyond the 128 the result is cut to. */
    private static final MathContext MC = new MathContext(66, RoundingMode.HALF_EVEN);
    private static final BigDecimal TWO = BigDecimal.valueOf(2);
    private static final BigDecimal LN2 = atanhSeries(BigDecimal.ONE.divide(BigDecimal.valueOf(3), MC)).multiply(TWO, MC);
    private static final BigDecimal PI = atanSeries(BigDecimal.ONE.divide(BigDecimal.valueOf(5), MC)).multiply(BigDecimal.valueOf(16), MC)
            .subtract(atanSeries(BigDecimal.ONE.divide(BigDecimal.valueOf(239), MC)).multiply(BigDecimal.valueOf(4), MC), MC);
    /** log2(10), to estimate a binary exponent from a decimal one. */
    private static final double LOG2_10 = 3.321928094887362;

    private X87Precise() {
    }

    /** The value of an x87 register (finite, nonzero): significand times a power of two. */
    static BigDecimal value(long man, int se) {
        int e = Math.max(X87Float.exp(se), 1) - X87Float.BIAS - 63;
        BigDecimal v = scaleByPowerOfTwo(new BigDecimal(new BigInteger(Long.toUnsignedString(man))), e);
        return X87Float.sign(se) ? v.negate() : v;
    }

    /** 2^x - 1 for 0 < |x| <= 1. */
    static BigDecimal exp2m1(BigDecimal x) {
        if (x.abs().compareTo(BigDecimal.ONE) == 0) {
            return x.signum() > 0 ? BigDecimal.ONE : BigDecimal.valueOf(-0.5);
        }
        BigDecimal t = x.multiply(LN2, MC);
        BigDecimal term = t;
        BigDecimal sum = t;
        for (int k = 2; term.signum() != 0 && term.abs().compareTo(sum.abs().movePointLeft(MC.getPrecision() + 2)) > 0; k++) {
            term = term.multiply(t, MC).divide(BigDecimal.valueOf(k), MC);
            sum = sum.add(term, MC);
        }
        return sum;
    }

    /** log2 of the register value {@code man, se} (positive, finite, nonzero). */
    static BigDecimal log2(long man, int se) {
        int lz = Long.numberOfLeadingZeros(man);
        long normal = man << lz;
        int e = Math.max(X87Float.exp(se), 1) - X87Float.BIAS - lz;
        BigDecimal whole = BigDecimal.valueOf(e);
        if (normal == X87Float.INT_BIT) {
            return whole;
        }
        BigDecimal f = value(normal, X87Float.BIAS);
        return whole.add(ln(f).divide(LN2, MC), MC);
    }

    /** log2(1 + x) for |x| < 1, x nonzero; exact where 1 + x is a power of two. */
    static BigDecimal log2p1(BigDecimal x) {
        BigDecimal t = BigDecimal.ONE.add(x);
        if (x.signum() < 0) {
            int n = (int) Math.round(-Math.log(t.doubleValue()) / Math.log(2));
            if (n > 0 && n < 1100 && scaleByPowerOfTwo(t, n).compareTo(BigDecimal.ONE) == 0) {
                return BigDecimal.valueOf(-n);
            }
        }
        return ln1p(x).divide(LN2, MC);
    }

    /** ln(f) for f in [1, 2): 2 atanh((f - 1) / (f + 1)). */
    private static BigDecimal ln(BigDecimal f) {
        return ln1p(f.subtract(BigDecimal.ONE));
    }

    /** ln(1 + x) = 2 atanh(x / (2 + x)), for x > -1. */
    private static BigDecimal ln1p(BigDecimal x) {
        return atanhSeries(x.divide(TWO.add(x), MC)).multiply(TWO, MC);
    }

    /** atanh(z) = z + z^3/3 + z^5/5 + ..., for |z| well below 1. */
    private static BigDecimal atanhSeries(BigDecimal z) {
        return oddSeries(z, false);
    }

    /** atan(z) = z - z^3/3 + z^5/5 - ..., for |z| well below 1. */
    private static BigDecimal atanSeries(BigDecimal z) {
        return oddSeries(z, true);
    }

    private static BigDecimal oddSeries(BigDecimal z, boolean alternate) {
        BigDecimal z2 = z.multiply(z, MC);
        BigDecimal power = z;
        BigDecimal sum = z;
        BigDecimal floor = z.abs().movePointLeft(MC.getPrecision() + 2);
        for (int k = 3; ; k += 2) {
            power = power.multiply(z2, MC);
            BigDecimal term = power.divide(BigDecimal.valueOf(k), MC);
            if (term.signum() == 0 || term.abs().compareTo(floor) < 0) {
                return sum;
            }
            sum = alternate && (k & 2) != 0 ? sum.subtract(term, MC) : sum.add(term, MC);
        }
    }

    /** atan2(y, x) for finite nonzero y and x: the angle of (x, y) in (-pi, pi]. */
    static BigDecimal atan2(BigDecimal y, BigDecimal x) {
        BigDecimal ay = y.abs();
        BigDecimal ax = x.abs();
        boolean swap = ay.compareTo(ax) > 0;
        BigDecimal a = swap ? ax.divide(ay, MC) : ay.divide(ax, MC);
        // atan(a) = 2 atan(a / (1 + sqrt(1 + a^2))), twice: the argument falls below 0.2
        int halvings = 0;
        for (; halvings < 2; halvings++) {
            a = a.divide(BigDecimal.ONE.add(BigDecimal.ONE.add(a.multiply(a, MC), MC).sqrt(MC), MC), MC);
        }
        BigDecimal r = atanSeries(a).multiply(BigDecimal.valueOf(1L << halvings), MC);
        if (swap) {
            r = PI.divide(TWO, MC).subtract(r, MC);
        }
        if (x.signum() < 0) {
            r = PI.subtract(r, MC);
        }
        return y.signum() < 0 ? r.negate() : r;
    }

    /**
     * Rounds {@code r} (nonzero) into {@code fl.rMan}/{@code fl.rSe} under the precision and
     * rounding control, raising PE, UE and OE as an arithmetic result does.
     */
    static void round(X87Float fl, BigDecimal r) {
        boolean sign = r.signum() < 0;
        BigDecimal a = r.abs();
        long e = (long) Math.floor(a.unscaledValue().bitLength() - 1 - a.scale() * LOG2_10);
        BigInteger top;
        BigDecimal scaled;
        for (;;) {
            scaled = scaleByPowerOfTwo(a, (int) (127 - e));
            top = scaled.toBigInteger();
            int bits = top.bitLength();
            if (bits == 128) {
                break;
            }
            e += bits - 128;
        }
        boolean sticky = scaled.compareTo(new BigDecimal(top)) != 0;
        long man = top.shiftRight(64).longValue();
        long extra = top.longValue() | (sticky ? 1 : 0);
        fl.roundPack(sign, (int) (e + X87Float.BIAS), man, extra, fl.prec, X87Float.BIAS, X87Float.EXP_MAX);
    }

    /** {@code v} times 2^n, exactly. */
    private static BigDecimal scaleByPowerOfTwo(BigDecimal v, int n) {
        return n >= 0 ? v.multiply(new BigDecimal(BigInteger.ONE.shiftLeft(n)))
                : v.multiply(new BigDecimal(BigInteger.valueOf(5).pow(-n))).movePointLeft(-n);
    }
}
