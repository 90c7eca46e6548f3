package dev.jemu.core.x86;

/**
 * Software 80-bit extended-precision arithmetic as the x87 computes it: a sign, a 15-bit
 * exponent (bias 16383) and a 64-bit significand with an explicit integer bit. Every
 * operation is exact before a single rounding that honours the precision control (24, 53 or
 * 64 significand bits, full exponent range) and the rounding control, and records the IEEE
 * exceptions it raised in {@link #exc} and whether it rounded up (C1) in {@link #roundedUp}.
 *
 * <p>Operands are passed as (significand, sign-and-exponent) pairs; the result is left in
 * {@link #rMan} and {@link #rSe}. One instance per CPU; nothing is allocated.
 */
final class X87Float {
    static final int IE = 0x01;
    static final int DE = 0x02;
    static final int ZE = 0x04;
    static final int OE = 0x08;
    static final int UE = 0x10;
    static final int PE = 0x20;

    static final int BIAS = 16383;
    static final int EXP_MAX = 0x7FFF;
    static final long INT_BIT = 1L << 63;
    /** The QNaN indefinite: negative, all-ones exponent, significand C000...0. */
    static final long INDEF_MAN = 0xC000_0000_0000_0000L;
    static final int INDEF_SE = 0xFFFF;

    static final int RC_NEAREST = 0;
    static final int RC_DOWN = 1;
    static final int RC_UP = 2;
    static final int RC_ZERO = 3;

    /** Rounding control (RC_*) and significand precision in bits (24, 53 or 64). */
    int rc;
    int prec = 64;
    /**
     * Whether overflow and underflow are unmasked: then a register result is delivered with
     * its exponent wrapped by {@link #WRAP} (down on overflow, up on underflow) instead of
     * the masked response, as the x87 does for its exception handler.
     */
    boolean overflowTraps;
    boolean underflowTraps;
    static final int WRAP = 0x6000;
    /** Exception bits (IE ... PE) raised since last cleared. */
    int exc;
    boolean roundedUp;
    long rMan;
    int rSe;
    /** Biased exponent of the last {@link #roundPack} result in the target format. */
    private int rExp;

    /** Low three bits of the last remainder's quotient, and whether it was partial. */
    int quotient;
    boolean partial;

    /** Unpacked operands of the operation in progress. */
    private long aMan;
    private int aExp;
    private long bMan;
    private int bExp;

    void setControl(int fcw) {
        overflowTraps = (fcw & OE) == 0;
        underflowTraps = (fcw & UE) == 0;
        rc = (fcw >> 10) & 3;
        int pc = (fcw >> 8) & 3;
        prec = pc == 0 ? 24 : pc == 2 ? 53 : 64;
    }

    // ------------------------------------------------------------------ classification

    static int exp(int se) {
        return se & EXP_MAX;
    }

    static boolean sign(int se) {
        return (se & 0x8000) != 0;
    }

    static boolean isNan(long man, int se) {
        return exp(se) == EXP_MAX && (man << 1) != 0;
    }

    static boolean isSignaling(long man, int se) {
        return isNan(man, se) && (man & (1L << 62)) == 0;
    }

    static boolean isInf(long man, int se) {
        return exp(se) == EXP_MAX && man == INT_BIT;
    }

    static boolean isZero(long man, int se) {
        return exp(se) == 0 && man == 0;
    }

    /** Unnormals, pseudo-NaNs and pseudo-infinities: encodings the 387 and later reject. */
    static boolean isUnsupported(long man, int se) {
        return exp(se) != 0 && man >= 0;
    }

    static boolean isDenormal(long man, int se) {
        return exp(se) == 0 && man != 0;
    }

    // ------------------------------------------------------------------ results

    private void result(long man, int se) {
        rMan = man;
        rSe = se;
    }

    void invalid() {
        exc |= IE;
        result(INDEF_MAN, INDEF_SE);
    }

    /** NaN propagation: the quieted NaN operand, or of two the larger significand (a QNaN beats an SNaN). */
    private void propagateNan(long am, int ase, long bm, int bse) {
        boolean aNan = isNan(am, ase);
        boolean bNan = isNan(bm, bse);
        if (isSignaling(am, ase) || isSignaling(bm, bse)) {
            exc |= IE;
        }
        if (aNan && bNan) {
            boolean aQuiet = (am & (1L << 62)) != 0;
            boolean bQuiet = (bm & (1L << 62)) != 0;
            boolean pickA;
            if (aQuiet != bQuiet) {
                pickA = aQuiet;
            } else {
                int cmp = Long.compareUnsigned(am << 1, bm << 1);
                pickA = cmp > 0 || (cmp == 0 && !sign(ase));
            }
            result((pickA ? am : bm) | (1L << 62), pickA ? ase : bse);
        } else if (aNan) {
            result(am | (1L << 62), ase);
        } else {
            result(bm | (1L << 62), bse);
        }
    }

    /** Checks for NaN and unsupported operands; returns true if the result is already set. */
    private boolean specialOperands(long am, int ase, long bm, int bse) {
        if (isUnsupported(am, ase) || isUnsupported(bm, bse)) {
            invalid();
            return true;
        }
        if (isNan(am, ase) || isNan(bm, bse)) {
            propagateNan(am, ase, bm, bse);
            return true;
        }
        if (isDenormal(am, ase) || isDenormal(bm, bse)) {
            exc |= DE;
        }
        return false;
    }

    /** Unpacks a finite nonzero value into aMan/aExp, normalising denormals (exponent may go below 1). */
    private void unpackA(long man, int se) {
        int e = exp(se);
        if (e == 0) {
            e = 1;
        }
        int lz = Long.numberOfLeadingZeros(man);
        aMan = man << lz;
        aExp = e - lz;
    }

    private void unpackB(long man, int se) {
        int e = exp(se);
        if (e == 0) {
            e = 1;
        }
        int lz = Long.numberOfLeadingZeros(man);
        bMan = man << lz;
        bExp = e - lz;
    }

    // ------------------------------------------------------------------ rounding

    /**
     * Rounds the exact value (-1)^sign * (man:extra / 2^127) * 2^(exp - 16383), man normalised
     * (bit 63 set) and extra the bits below it, to {@code precBits} significand bits in a format
     * with the given bias and all-ones exponent {@code expMax}. Leaves the target's biased
     * exponent in {@code rExp}, the significand (aligned at bit 63, integer bit clear for
     * denormals) in {@code rMan}, and raises OE, UE and PE; unmasked overflow and underflow
     * of 80-bit results wrap the exponent instead of the masked response.
     */
    void roundPack(boolean sign, int exp, long man, long extra, int precBits, int bias, int expMax) {
        roundedUp = false;
        int e = exp - BIAS + bias;
        boolean wrap = bias == BIAS;
        boolean underflowWraps = wrap && underflowTraps;
        boolean tiny = e <= 0;
        if (tiny && !underflowWraps) {
            int shift = 1 - e;
            if (shift >= 128) {
                extra = (man | extra) != 0 ? 1 : 0;
                man = 0;
            } else if (shift >= 64) {
                long sticky = extra != 0 || (shift > 64 && (man << (128 - shift)) != 0) ? 1 : 0;
                extra = (shift == 64 ? man : man >>> (shift - 64)) | sticky;
                man = 0;
            } else {
                long sticky = (extra << (64 - shift)) != 0 ? 1 : 0;
                extra = (extra >>> shift) | (man << (64 - shift)) | sticky;
                man >>>= shift;
            }
            e = 0;
        }
        int drop = 64 - precBits;
        boolean lsb;
        boolean inexact;
        boolean aboveHalf;
        boolean half;
        if (drop == 0) {
            inexact = extra != 0;
            half = extra == INT_BIT;
            aboveHalf = Long.compareUnsigned(extra, INT_BIT) > 0;
            lsb = (man & 1) != 0;
        } else {
            long lowMask = (1L << drop) - 1;
            long rb = man & lowMask;
            long halfBit = 1L << (drop - 1);
            inexact = rb != 0 || extra != 0;
            half = rb == halfBit && extra == 0;
            aboveHalf = rb > halfBit || (rb == halfBit && extra != 0);
            lsb = (man & (1L << drop)) != 0;
            man &= ~lowMask;
        }
        boolean inc = switch (rc) {
            case RC_NEAREST -> aboveHalf || (half && lsb);
            case RC_DOWN -> sign && inexact;
            case RC_UP -> !sign && inexact;
            default -> false;
        };
        if (inc) {
            long old = man;
            man += 1L << drop;
            roundedUp = true;
            if (Long.compareUnsigned(man, old) < 0) {
                man = INT_BIT;
                e++;
            } else if (e == 0 && man < 0) {
                e = 1;
            }
        }
        if (tiny && (inexact || underflowWraps)) {
            exc |= UE;
        }
        if (inexact) {
            exc |= PE;
        }
        if (man == 0) {
            e = 0;
        }
        if (tiny && underflowWraps) {
            e += WRAP;
        } else if (e >= expMax && wrap && overflowTraps) {
            exc |= OE;
            e -= WRAP;
        } else if (e >= expMax) {
            exc |= OE | PE;
            boolean toInf = rc == RC_NEAREST || (rc == RC_UP && !sign) || (rc == RC_DOWN && sign);
            if (toInf) {
                e = expMax;
                man = INT_BIT;
                roundedUp = true;
            } else {
                e = expMax - 1;
                man = -1L << drop;
                roundedUp = false;
            }
        }
        rExp = e;
        rMan = man;
        rSe = (sign ? 0x8000 : 0) | (e & EXP_MAX);
    }

    private void round80(boolean sign, int exp, long man, long extra) {
        roundPack(sign, exp, man, extra, prec, BIAS, EXP_MAX);
    }

    // ------------------------------------------------------------------ arithmetic

    void add(long am, int ase, long bm, int bse, boolean negateB) {
        if (specialOperands(am, ase, bm, bse)) {
            return;
        }
        if (negateB) {
            bse ^= 0x8000;
        }
        boolean as = sign(ase);
        boolean bs = sign(bse);
        if (isInf(am, ase) || isInf(bm, bse)) {
            if (isInf(am, ase) && isInf(bm, bse) && as != bs) {
                invalid();
            } else {
                result(INT_BIT, isInf(am, ase) ? ase : bse);
            }
            return;
        }
        boolean az = isZero(am, ase);
        boolean bz = isZero(bm, bse);
        if (az && bz) {
            result(0, as == bs ? ase : rc == RC_DOWN ? 0x8000 : 0);
            return;
        }
        if (bz) {
            unpackA(am, ase);
            round80(as, aExp, aMan, 0);
            return;
        }
        if (az) {
            unpackA(bm, bse);
            round80(bs, aExp, aMan, 0);
            return;
        }
        unpackA(am, ase);
        unpackB(bm, bse);
        boolean aBigger = aExp > bExp || (aExp == bExp && Long.compareUnsigned(aMan, bMan) >= 0);
        long hiM = aBigger ? aMan : bMan;
        int hiE = aBigger ? aExp : bExp;
        boolean hiS = aBigger ? as : bs;
        long loM = aBigger ? bMan : aMan;
        int d = hiE - (aBigger ? bExp : aExp);
        long loX;
        if (d == 0) {
            loX = 0;
        } else if (d < 64) {
            loX = loM << (64 - d);
            loM >>>= d;
        } else if (d < 128) {
            long sticky = d > 64 && (loM << (128 - d)) != 0 ? 1 : 0;
            loX = (d == 64 ? loM : loM >>> (d - 64)) | sticky;
            loM = 0;
        } else {
            loX = 1;
            loM = 0;
        }
        if (as == bs) {
            long m = hiM + loM;
            long x = loX;
            if (Long.compareUnsigned(m, hiM) < 0) {
                x = (x >>> 1) | (m << 63) | (x & 1);
                m = (m >>> 1) | INT_BIT;
                hiE++;
            }
            round80(hiS, hiE, m, x);
        } else {
            long x = -loX;
            long m = hiM - loM - (loX != 0 ? 1 : 0);
            if (m == 0 && x == 0) {
                result(0, rc == RC_DOWN ? 0x8000 : 0);
                return;
            }
            int lz = m != 0 ? Long.numberOfLeadingZeros(m) : 64 + Long.numberOfLeadingZeros(x);
            if (lz >= 64) {
                m = x << (lz - 64);
                x = 0;
            } else if (lz > 0) {
                m = (m << lz) | (x >>> (64 - lz));
                x <<= lz;
            }
            round80(hiS, hiE - lz, m, x);
        }
    }

    void mul(long am, int ase, long bm, int bse) {
        if (specialOperands(am, ase, bm, bse)) {
            return;
        }
        int s = (ase ^ bse) & 0x8000;
        boolean aInf = isInf(am, ase);
        boolean bInf = isInf(bm, bse);
        boolean aZero = isZero(am, ase);
        boolean bZero = isZero(bm, bse);
        if (aInf || bInf) {
            if (aZero || bZero) {
                invalid();
            } else {
                result(INT_BIT, s | EXP_MAX);
            }
            return;
        }
        if (aZero || bZero) {
            result(0, s);
            return;
        }
        unpackA(am, ase);
        unpackB(bm, bse);
        long hi = Math.unsignedMultiplyHigh(aMan, bMan);
        long lo = aMan * bMan;
        int e = aExp + bExp - BIAS;
        if (hi < 0) {
            e++;
        } else {
            hi = (hi << 1) | (lo >>> 63);
            lo <<= 1;
        }
        round80(s != 0, e, hi, lo);
    }

    void div(long am, int ase, long bm, int bse) {
        if (specialOperands(am, ase, bm, bse)) {
            return;
        }
        int s = (ase ^ bse) & 0x8000;
        boolean aInf = isInf(am, ase);
        boolean bInf = isInf(bm, bse);
        boolean aZero = isZero(am, ase);
        boolean bZero = isZero(bm, bse);
        if (aInf) {
            if (bInf) {
                invalid();
            } else {
                result(INT_BIT, s | EXP_MAX);
            }
            return;
        }
        if (bInf) {
            result(0, s);
            return;
        }
        if (bZero) {
            if (aZero) {
                invalid();
            } else {
                exc |= ZE;
                result(INT_BIT, s | EXP_MAX);
            }
            return;
        }
        if (aZero) {
            result(0, s);
            return;
        }
        unpackA(am, ase);
        unpackB(bm, bse);
        int e = aExp - bExp + BIAS;
        long r = aMan;
        boolean carry = false;
        if (Long.compareUnsigned(aMan, bMan) < 0) {
            e--;
            carry = r < 0;
            r <<= 1;
        }
        long q = 0;
        for (int k = 0; k < 64; k++) {
            q <<= 1;
            if (carry || Long.compareUnsigned(r, bMan) >= 0) {
                r -= bMan;
                q |= 1;
            }
            carry = r < 0;
            r <<= 1;
        }
        long extra = 0;
        if (carry || Long.compareUnsigned(r, bMan) >= 0) {
            r -= bMan;
            extra = INT_BIT;
        }
        if (r != 0) {
            extra |= 1;
        }
        round80(s != 0, e, q, extra);
    }

    void sqrt(long am, int ase) {
        if (isUnsupported(am, ase)) {
            invalid();
            return;
        }
        if (isNan(am, ase)) {
            propagateNan(am, ase, am, ase);
            return;
        }
        if (isZero(am, ase)) {
            result(0, ase);
            return;
        }
        if (sign(ase)) {
            invalid();
            return;
        }
        if (isInf(am, ase)) {
            result(am, ase);
            return;
        }
        if (isDenormal(am, ase)) {
            exc |= DE;
        }
        unpackA(am, ase);
        int unbiased = aExp - BIAS;
        boolean odd = (unbiased & 1) != 0;
        int e = Math.floorDiv(unbiased, 2) + BIAS;
        // X = man * 2^63 (even exponent) or man * 2^64 (odd); the root of X is the significand.
        long xHi = odd ? aMan : aMan >>> 1;
        long xLo = odd ? 0 : aMan << 63;
        long root = 0;
        long remHi = 0;
        long remLo = 0;
        for (int k = 63; k >= 0; k--) {
            long two = k >= 32 ? (xHi >>> (2 * (k - 32))) & 3 : (xLo >>> (2 * k)) & 3;
            remHi = (remHi << 2) | (remLo >>> 62);
            remLo = (remLo << 2) | two;
            long trialHi = root >>> 62;
            long trialLo = (root << 2) | 1;
            boolean ge = remHi != trialHi
                    ? Long.compareUnsigned(remHi, trialHi) > 0
                    : Long.compareUnsigned(remLo, trialLo) >= 0;
            root <<= 1;
            if (ge) {
                long borrow = Long.compareUnsigned(remLo, trialLo) < 0 ? 1 : 0;
                remLo -= trialLo;
                remHi = remHi - trialHi - borrow;
                root |= 1;
            }
        }
        long extra = 0;
        if (remHi != 0 || Long.compareUnsigned(remLo, root) > 0) {
            extra = INT_BIT;
        }
        if (remHi != 0 || remLo != 0) {
            extra |= 1;
        }
        round80(false, e, root, extra);
    }

    /**
     * FSCALE's core: {@code a * 2^n} (n already truncated and clamped), rounded to 64 bits
     * whatever the precision control, which does not apply to FSCALE.
     */
    void scale(long am, int ase, int n) {
        if (isZero(am, ase) || isInf(am, ase)) {
            result(am, ase);
            return;
        }
        unpackA(am, ase);
        roundPack(sign(ase), aExp + n, aMan, 0, 64, BIAS, EXP_MAX);
    }

    /**
     * Compares two values: -1 less, 0 equal, 1 greater, 2 unordered. A signalling NaN or an
     * unsupported encoding raises IE; with {@code quietNanOk} false any NaN does.
     */
    int compare(long am, int ase, long bm, int bse, boolean quietNanOk) {
        if (isUnsupported(am, ase) || isUnsupported(bm, bse)) {
            exc |= IE;
            return 2;
        }
        if (isNan(am, ase) || isNan(bm, bse)) {
            if (!quietNanOk || isSignaling(am, ase) || isSignaling(bm, bse)) {
                exc |= IE;
            }
            return 2;
        }
        if (isDenormal(am, ase) || isDenormal(bm, bse)) {
            exc |= DE;
        }
        boolean az = isZero(am, ase);
        boolean bz = isZero(bm, bse);
        if (az && bz) {
            return 0;
        }
        boolean as = sign(ase);
        boolean bs = sign(bse);
        if (as != bs) {
            return as ? -1 : 1;
        }
        int mag;
        if (az || bz) {
            mag = az ? -1 : 1;
        } else {
            unpackA(am, ase);
            unpackB(bm, bse);
            mag = aExp != bExp ? Integer.compare(aExp, bExp) : Long.compareUnsigned(aMan, bMan);
        }
        return as ? -mag : mag;
    }

    // ------------------------------------------------------------------ integers

    /** Converts a signed integer exactly. */
    void fromLong(long v) {
        if (v == 0) {
            result(0, 0);
            return;
        }
        int s = v < 0 ? 0x8000 : 0;
        long m = v < 0 ? -v : v;
        int lz = Long.numberOfLeadingZeros(m);
        result(m << lz, s | (BIAS + 63 - lz));
    }

    /**
     * Rounds a finite value to an integer under {@code mode}, leaving its magnitude (which may
     * need all 64 bits) in rMan; returns false if the magnitude does not fit in 64 bits.
     */
    private boolean roundToIntMagnitude(long am, int ase, int mode) {
        roundedUp = false;
        if (isZero(am, ase)) {
            rMan = 0;
            return true;
        }
        unpackA(am, ase);
        int unbiased = aExp - BIAS;
        if (unbiased > 63) {
            return false;
        }
        if (unbiased == 63) {
            rMan = aMan;
            return true;
        }
        long intPart;
        long frac;
        if (unbiased < 0) {
            intPart = 0;
            frac = unbiased == -1 ? aMan : (aMan >>> Math.min(63, -1 - unbiased)) | 1;
        } else {
            intPart = aMan >>> (63 - unbiased);
            frac = aMan << (unbiased + 1);
        }
        boolean sign = sign(ase);
        boolean inc = switch (mode) {
            case RC_NEAREST -> Long.compareUnsigned(frac, INT_BIT) > 0 || (frac == INT_BIT && (intPart & 1) != 0);
            case RC_DOWN -> sign && frac != 0;
            case RC_UP -> !sign && frac != 0;
            default -> false;
        };
        if (frac != 0) {
            exc |= PE;
        }
        if (inc) {
            intPart++;
            roundedUp = true;
        }
        rMan = intPart;
        return true;
    }

    /** FRNDINT: rounds to an integral value under the rounding control. */
    void roundInt(long am, int ase) {
        if (isUnsupported(am, ase)) {
            invalid();
            return;
        }
        if (isNan(am, ase)) {
            propagateNan(am, ase, am, ase);
            return;
        }
        if (isInf(am, ase) || exp(ase) >= BIAS + 63) {
            result(am, ase);
            return;
        }
        if (isDenormal(am, ase)) {
            exc |= DE;
        }
        roundToIntMagnitude(am, ase, rc);
        long m = rMan;
        if (m == 0) {
            result(0, ase & 0x8000);
            return;
        }
        int lz = Long.numberOfLeadingZeros(m);
        result(m << lz, (ase & 0x8000) | (BIAS + 63 - lz));
    }

    /**
     * Converts to a signed integer of {@code bits} bits (returned in the low bits), rounding
     * under {@code mode}; on NaN or overflow raises IE and returns the integer indefinite (the
     * most negative value).
     */
    long toInt(long am, int ase, int bits, int mode) {
        long indefinite = 1L << (bits - 1);
        if (isUnsupported(am, ase) || exp(ase) == EXP_MAX) {
            exc |= IE;
            return indefinite;
        }
        if (isDenormal(am, ase)) {
            exc |= DE;
        }
        int savedExc = exc;
        if (!roundToIntMagnitude(am, ase, mode)) {
            exc |= IE;
            return indefinite;
        }
        long m = rMan;
        long limit = 1L << (bits - 1);
        boolean neg = sign(ase);
        boolean fits = neg ? Long.compareUnsigned(m, limit) <= 0 : Long.compareUnsigned(m, limit) < 0;
        if (bits == 64) {
            fits = neg ? Long.compareUnsigned(m, INT_BIT) <= 0 : m >= 0;
        }
        if (!fits) {
            exc = savedExc | IE;
            roundedUp = false;
            return indefinite;
        }
        long v = neg ? -m : m;
        return bits == 64 ? v : v & ((1L << bits) - 1);
    }

    // ------------------------------------------------------------------ memory formats

    /** Loads an IEEE single or double ({@code fracBits} 23 or 52) exactly; an SNaN raises IE and is quieted. */
    void fromIeee(long bits, int fracBits, int expBits) {
        int bias = (1 << (expBits - 1)) - 1;
        int expAll = (1 << expBits) - 1;
        int s = (int) (bits >>> (fracBits + expBits)) & 1;
        int e = (int) (bits >>> fracBits) & expAll;
        long frac = bits & ((1L << fracBits) - 1);
        int sb = s << 15;
        if (e == expAll) {
            long m = INT_BIT | (frac << (63 - fracBits));
            if (frac != 0 && (m & (1L << 62)) == 0) {
                exc |= IE;
                m |= 1L << 62;
            }
            result(m, sb | EXP_MAX);
        } else if (e == 0) {
            if (frac == 0) {
                result(0, sb);
            } else {
                exc |= DE;
                int lz = Long.numberOfLeadingZeros(frac);
                result(frac << lz, sb | (BIAS - bias + 1 - (lz - (63 - fracBits))));
            }
        } else {
            result(INT_BIT | (frac << (63 - fracBits)), sb | (e - bias + BIAS));
        }
    }

    /** Rounds to an IEEE single or double under the rounding control and returns its bits. */
    long toIeee(long am, int ase, int fracBits, int expBits) {
        int bias = (1 << (expBits - 1)) - 1;
        int expAll = (1 << expBits) - 1;
        long signBit = sign(ase) ? 1L << (fracBits + expBits) : 0;
        long fracMask = (1L << fracBits) - 1;
        roundedUp = false;
        if (isUnsupported(am, ase)) {
            exc |= IE;
            return signBit | ((long) expAll << fracBits) | (1L << (fracBits - 1)) | (1L << (fracBits + expBits));
        }
        if (isNan(am, ase)) {
            if (isSignaling(am, ase)) {
                exc |= IE;
            }
            long frac = ((am | (1L << 62)) >>> (63 - fracBits)) & fracMask;
            return signBit | ((long) expAll << fracBits) | frac;
        }
        if (isInf(am, ase)) {
            return signBit | ((long) expAll << fracBits);
        }
        if (isZero(am, ase)) {
            return signBit;
        }
        if (isDenormal(am, ase)) {
            exc |= DE;
        }
        unpackA(am, ase);
        roundPack(sign(ase), aExp, aMan, 0, fracBits + 1, bias, expAll);
        return signBit | ((long) rExp << fracBits) | ((rMan >>> (63 - fracBits)) & fracMask);
    }

    /** Rounds an 80-bit value to the precision control (arithmetic results on load from a register do not round). */
    void round(long am, int ase) {
        if (isZero(am, ase) || exp(ase) == EXP_MAX || isUnsupported(am, ase)) {
            result(am, ase);
            return;
        }
        unpackA(am, ase);
        round80(sign(ase), aExp, aMan, 0);
    }

    /**
     * FPREM ({@code nearest} false, truncating quotient) and FPREM1 (nearest): the remainder of
     * a / b in rSe/rMan, the low three quotient bits in {@link #quotient} and whether only a
     * partial remainder was computed (exponent difference of 64 or more) in {@link #partial};
     * a partial step reduces the exponent by 32 + difference % 32, as QEMU does (the SDM
     * allows any amount from 32 to 63).
     */
    void remainder(long am, int ase, long bm, int bse, boolean nearest) {
        quotient = 0;
        partial = false;
        if (specialOperands(am, ase, bm, bse)) {
            return;
        }
        if (isInf(am, ase) || isZero(bm, bse)) {
            invalid();
            return;
        }
        if (isZero(am, ase) || isInf(bm, bse)) {
            result(am, ase);
            return;
        }
        unpackA(am, ase);
        unpackB(bm, bse);
        int savedPrec = prec;
        prec = 64;
        int d = aExp - bExp;
        boolean sign = sign(ase);
        if (d < 0) {
            if (nearest && d == -1 && Long.compareUnsigned(aMan, bMan) > 0) {
                add(am, ase, bm, (bse & EXP_MAX) | (ase & 0x8000), true);
                quotient = 1;
            } else {
                round80(sign, aExp, aMan, 0);
            }
            prec = savedPrec;
            return;
        }
        int steps = d;
        if (d >= 64) {
            partial = true;
            steps = 32 + d % 32;
        }
        long r = aMan;
        long q = 0;
        if (Long.compareUnsigned(r, bMan) >= 0) {
            r -= bMan;
            q = 1;
        }
        for (int k = 0; k < steps; k++) {
            boolean carry = r < 0;
            r <<= 1;
            q <<= 1;
            if (carry || Long.compareUnsigned(r, bMan) >= 0) {
                r -= bMan;
                q |= 1;
            }
        }
        int base = aExp - steps;
        if (nearest && !partial) {
            int cmp = r < 0 ? 1 : Long.compareUnsigned(r << 1, bMan);
            if (cmp > 0 || (cmp == 0 && (q & 1) != 0)) {
                r = bMan - r;
                sign = !sign;
                q++;
            }
        }
        quotient = (int) q & 7;
        if (r == 0) {
            result(0, ase & 0x8000);
        } else {
            int lz = Long.numberOfLeadingZeros(r);
            round80(sign, base - lz, r << lz, 0);
        }
        prec = savedPrec;
    }
}
