package dev.jemu.core.x86;

/** MUL, IMUL and DIV/IDIV on the implicit accumulator pair, at every operand size. */
final class MulDiv {
    private MulDiv() {
    }

    /** MUL: rDX:rAX = rAX * src (AX = AL * src for bytes); CF = OF = high half non-zero. */
    static void mul(Cpu c, long src, int s) {
        long a = c.getReg(Cpu.RAX, s);
        long lo;
        long hi;
        if (s == 8) {
            lo = a * src;
            hi = Math.unsignedMultiplyHigh(a, src);
        } else {
            long p = a * src;
            lo = p & IntegerOps.mask(s);
            hi = p >>> (8 * s);
        }
        storePair(c, s, lo, hi);
        c.flags.resultCfOf(lo, s, hi != 0, hi != 0);
    }

    /** One-operand IMUL: rDX:rAX = rAX * src, signed; CF = OF = the high half is not just sign. */
    static void imul1(Cpu c, long src, int s) {
        long a = LazyFlags.signExtend(c.getReg(Cpu.RAX, s), s);
        long b = LazyFlags.signExtend(src, s);
        long lo;
        long hi;
        boolean overflow;
        if (s == 8) {
            lo = a * b;
            hi = Math.multiplyHigh(a, b);
            overflow = hi != (lo >> 63);
        } else {
            long p = a * b;
            lo = p & IntegerOps.mask(s);
            hi = (p >> (8 * s)) & IntegerOps.mask(s);
            overflow = p != LazyFlags.signExtend(p, s);
        }
        storePair(c, s, lo, hi);
        c.flags.resultCfOf(lo, s, overflow, overflow);
    }

    /** Two- and three-operand IMUL: the truncated product; CF = OF = it was truncated. */
    static long imul(Cpu c, long x, long y, int s) {
        long a = LazyFlags.signExtend(x, s);
        long b = LazyFlags.signExtend(y, s);
        long p = a * b;
        boolean overflow = s == 8 ? Math.multiplyHigh(a, b) != (p >> 63) : p != LazyFlags.signExtend(p, s);
        long r = p & IntegerOps.mask(s);
        c.flags.resultCfOf(r, s, overflow, overflow);
        return r;
    }

    private static void storePair(Cpu c, int s, long lo, long hi) {
        if (s == 1) {
            c.setReg(Cpu.RAX, 2, (hi << 8) | lo);
        } else {
            c.setReg(Cpu.RAX, s, lo);
            c.setReg(Cpu.RDX, s, hi);
        }
    }

    /** DIV: unsigned rDX:rAX / src; #DE on zero divisor or a quotient that does not fit. */
    static void div(Cpu c, long src, int s) {
        if (src == 0) {
            throw c.fault(Vectors.DE);
        }
        if (s == 8) {
            long hi = c.regs[Cpu.RDX];
            long lo = c.regs[Cpu.RAX];
            if (Long.compareUnsigned(hi, src) >= 0) {
                throw c.fault(Vectors.DE);
            }
            long q = 0;
            long r = hi;
            for (int bit = 63; bit >= 0; bit--) {
                boolean carry = r < 0;
                r = (r << 1) | ((lo >>> bit) & 1);
                if (carry || Long.compareUnsigned(r, src) >= 0) {
                    r -= src;
                    q |= 1L << bit;
                }
            }
            c.regs[Cpu.RAX] = q;
            c.regs[Cpu.RDX] = r;
            return;
        }
        long dividend = s == 1 ? c.getReg(Cpu.RAX, 2) : (c.getReg(Cpu.RDX, s) << (8 * s)) | c.getReg(Cpu.RAX, s);
        long q = Long.divideUnsigned(dividend, src);
        long r = Long.remainderUnsigned(dividend, src);
        if (Long.compareUnsigned(q, IntegerOps.mask(s)) > 0) {
            throw c.fault(Vectors.DE);
        }
        storeQuotient(c, s, q, r);
    }

    /** IDIV: signed rDX:rAX / src, quotient truncated toward zero. */
    static void idiv(Cpu c, long src, int s) {
        long d = LazyFlags.signExtend(src, s);
        if (d == 0) {
            throw c.fault(Vectors.DE);
        }
        if (s == 8) {
            long hi = c.regs[Cpu.RDX];
            long lo = c.regs[Cpu.RAX];
            boolean negative = hi < 0;
            if (negative) {
                lo = -lo;
                hi = ~hi + (lo == 0 ? 1 : 0);
            }
            boolean negDivisor = d < 0;
            long ud = negDivisor ? -d : d;
            if (Long.compareUnsigned(hi, ud) >= 0) {
                throw c.fault(Vectors.DE);
            }
            long q = 0;
            long r = hi;
            for (int bit = 63; bit >= 0; bit--) {
                boolean carry = r < 0;
                r = (r << 1) | ((lo >>> bit) & 1);
                if (carry || Long.compareUnsigned(r, ud) >= 0) {
                    r -= ud;
                    q |= 1L << bit;
                }
            }
            boolean negQ = negative != negDivisor;
            if (negQ ? Long.compareUnsigned(q, 1L << 63) > 0 : q < 0) {
                throw c.fault(Vectors.DE);
            }
            c.regs[Cpu.RAX] = negQ ? -q : q;
            c.regs[Cpu.RDX] = negative ? -r : r;
            return;
        }
        long dividend = s == 1 ? (short) c.getReg(Cpu.RAX, 2)
                : LazyFlags.signExtend((c.getReg(Cpu.RDX, s) << (8 * s)) | c.getReg(Cpu.RAX, s), 2 * s);
        long q = dividend / d;
        long r = dividend % d;
        if (q != LazyFlags.signExtend(q, s)) {
            throw c.fault(Vectors.DE);
        }
        storeQuotient(c, s, q & IntegerOps.mask(s), r & IntegerOps.mask(s));
    }

    private static void storeQuotient(Cpu c, int s, long q, long r) {
        if (s == 1) {
            c.setReg(Cpu.RAX, 2, (r << 8) | q);
        } else {
            c.setReg(Cpu.RAX, s, q);
            c.setReg(Cpu.RDX, s, r);
        }
    }
}
