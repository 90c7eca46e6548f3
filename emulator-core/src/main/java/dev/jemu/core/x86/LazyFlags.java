package dev.jemu.core.x86;

/**
 * The arithmetic flags kept lazily in two words, after the fashion of Bochs: the last
 * result, sign-extended to 64 bits, and an auxiliary word holding the carry-out vector's
 * bits that matter. Any flag is then a couple of shifts, with no switch on the operation.
 *
 * <p>Auxiliary word layout: bit 63 = CF; bit 62 = CF xor OF (the carry into the top bit);
 * bit 4 = AF (carry out of bit 3); bits 8-15 = parity delta (xored into the result's low
 * byte before counting); bit 16 = sign delta. Writers that set flags directly
 * ({@link #load}) choose a result and deltas that reproduce the wanted ZF, SF and PF.
 */
final class LazyFlags {
    private static final int AUX_AF = 1 << 4;
    private static final int PDB_SHIFT = 8;
    private static final long AUX_SD = 1L << 16;

    long result;
    long aux;

    static long signExtend(long v, int size) {
        return switch (size) {
            case 1 -> (byte) v;
            case 2 -> (short) v;
            case 4 -> (int) v;
            default -> v;
        };
    }

    /** Flags of {@code r = a + b (+ carry)} at {@code size} bytes. */
    void add(long a, long b, long r, int size) {
        result = signExtend(r, size);
        aux = addAux(a, b, r, size);
    }

    /** The auxiliary word of {@code r = a + b (+ carry)} at {@code size} bytes (translated code keeps it in a local). */
    static long addAux(long a, long b, long r, int size) {
        long cout = (a & b) | ((a | b) & ~r);
        return ((cout >>> (size * 8 - 2)) << 62) | ((cout & 8) << 1);
    }

    /** Flags of {@code r = a - b (- borrow)} at {@code size} bytes. */
    void sub(long a, long b, long r, int size) {
        result = signExtend(r, size);
        aux = subAux(a, b, r, size);
    }

    /** The auxiliary word of {@code r = a - b (- borrow)} at {@code size} bytes. */
    static long subAux(long a, long b, long r, int size) {
        long bout = (~a & b) | (~(a ^ b) & r);
        return ((bout >>> (size * 8 - 2)) << 62) | ((bout & 8) << 1);
    }

    /** Flags of a logical operation: CF = OF = AF = 0. */
    void logic(long r, int size) {
        result = signExtend(r, size);
        aux = 0;
    }

    /** SF, ZF and PF from {@code r}; CF and OF as given; AF cleared. */
    void resultCfOf(long r, int size, boolean cf, boolean of) {
        result = signExtend(r, size);
        aux = cfOfBits(cf, of);
    }

    /** SF, ZF and PF from {@code r}; CF, OF and AF as the auxiliary word {@code aux} of a static rule below has them. */
    void resultAux(long r, int size, long aux) {
        result = signExtend(r, size);
        this.aux = aux;
    }

    /** Replaces CF and OF, keeping the rest. */
    void setCfOf(boolean cf, boolean of) {
        aux = (aux & ~(3L << 62)) | cfOfBits(cf, of);
    }

    /** Replaces CF, keeping OF and the rest (INC, DEC). */
    void keepCarry(boolean cf) {
        boolean of = of();
        setCfOf(cf, of);
    }

    /** {@code aux} with CF replaced by the CF of {@code carryFrom}, OF kept (INC, DEC in translated code). */
    static long keepCarryAux(long aux, long carryFrom) {
        return (aux & ~(3L << 62)) | cfOfBits(carryFrom < 0, of(aux));
    }

    /**
     * The auxiliary word after SHL of {@code a} by {@code count} (1 to 63) at {@code bits}
     * bits, giving {@code r} (masked): CF the last bit shifted out (none past the width), OF =
     * CF xor the result's top bit (so bit 62, CF xor OF, is that top bit), AF clear, as
     * {@link ShiftBitOps#shift} sets them.
     */
    static long shlAux(long a, long r, int count, int bits) {
        long cf = count <= bits ? (a >>> (bits - count)) & 1 : 0;
        return cf << 63 | (r >>> (bits - 1)) << 62;
    }

    /** As {@link #shlAux} for SHR of {@code a} (masked): CF bit {@code count - 1}, OF the operand's top bit at a count of 1, else 0. */
    static long shrAux(long a, int count, int bits) {
        long cf = (a >>> (count - 1)) & 1;
        long of = count == 1 ? a >>> (bits - 1) : 0;
        return cf << 63 | (cf ^ of) << 62;
    }

    /** As {@link #shlAux} for SAR of {@code sa} (sign-extended): CF bit {@code count - 1}, OF 0. */
    static long sarAux(long sa, int count) {
        long cf = (sa >> (count - 1)) & 1;
        return cf << 63 | cf << 62;
    }

    /** The auxiliary word after MUL or IMUL: CF = OF = {@code excess} is not zero, AF clear. */
    static long mulAux(long excess) {
        return (excess | -excess) & Long.MIN_VALUE;
    }

    private static long cfOfBits(boolean cf, boolean of) {
        long c = cf ? 1 : 0;
        long o = of ? 1 : 0;
        return (c << 63) | ((c ^ o) << 62);
    }

    boolean cf() {
        return aux < 0;
    }

    boolean of() {
        return of(aux);
    }

    boolean af() {
        return (aux & AUX_AF) != 0;
    }

    boolean zf() {
        return result == 0;
    }

    boolean sf() {
        return sf(result, aux);
    }

    boolean pf() {
        return pf(result, aux);
    }

    static boolean of(long aux) {
        return ((aux ^ (aux << 1)) & (1L << 63)) != 0;
    }

    static boolean sf(long result, long aux) {
        return (result < 0) ^ ((aux & AUX_SD) != 0);
    }

    static boolean pf(long result, long aux) {
        int low = (int) (result ^ (aux >>> PDB_SHIFT)) & 0xFF;
        return (Integer.bitCount(low) & 1) == 0;
    }

    /** The six arithmetic flags as EFLAGS bits. */
    int get() {
        int f = 0;
        if (cf()) {
            f |= Eflags.CF;
        }
        if (pf()) {
            f |= Eflags.PF;
        }
        if (af()) {
            f |= Eflags.AF;
        }
        if (zf()) {
            f |= Eflags.ZF;
        }
        if (sf()) {
            f |= Eflags.SF;
        }
        if (of()) {
            f |= Eflags.OF;
        }
        return f;
    }

    /** Sets the six arithmetic flags from EFLAGS bits. */
    void load(int flags) {
        result = (flags & Eflags.ZF) != 0 ? 0 : 1;
        long pdb = ((flags & Eflags.PF) != 0) == (result == 0) ? 0 : 1;
        aux = (pdb << PDB_SHIFT)
                | ((flags & Eflags.SF) != 0 ? AUX_SD : 0)
                | ((flags & Eflags.AF) != 0 ? AUX_AF : 0)
                | cfOfBits((flags & Eflags.CF) != 0, (flags & Eflags.OF) != 0);
    }

    /** Evaluates condition code {@code cc} (0 = O ... 15 = G, as in Jcc). */
    boolean condition(int cc) {
        return condition(cc, result, aux);
    }

    /** Condition code {@code cc} of the flags {@code result} and {@code aux} (translated code keeps them in locals). */
    static boolean condition(int cc, long result, long aux) {
        boolean cf = aux < 0;
        boolean zf = result == 0;
        boolean r = switch (cc >> 1) {
            case 0 -> of(aux);
            case 1 -> cf;
            case 2 -> zf;
            case 3 -> cf || zf;
            case 4 -> sf(result, aux);
            case 5 -> pf(result, aux);
            case 6 -> sf(result, aux) != of(aux);
            default -> zf || (sf(result, aux) != of(aux));
        };
        return r ^ ((cc & 1) != 0);
    }
}
