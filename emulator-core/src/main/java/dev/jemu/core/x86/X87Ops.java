package dev.jemu.core.x86;

import static dev.jemu.core.x86.OpTable.group;

/**
 * The x87 computing instructions (escape opcodes D8-DF): loads and stores in every format,
 * arithmetic, compares, constants, stack management and FCMOVcc, on the register stack held
 * by {@link X87Control} and computed by {@link X87Float}. Masked exceptions get the x87's
 * default responses (QNaN indefinite, integer indefinite, infinity); an unmasked invalid,
 * denormal or divide-by-zero leaves the destination unchanged and sets ES, and the next
 * waiting x87 instruction then raises #MF if CR0.NE is set (without NE it stays pending).
 * Unmasked overflow or underflow deliver a register result with its exponent wrapped by
 * 0x6000 and suppress a store to memory; an unmasked precision exception stores the result.
 * The transcendental instructions are in {@link X87Transcendental}.
 */
final class X87Ops {
    static final int C0 = 1 << 8;
    static final int C1 = 1 << 9;
    static final int C2 = 1 << 10;
    static final int C3 = 1 << 14;
    static final int SF = 0x40;
    static final int ES_B = 0x8080;
    private static final int TOP_SHIFT = 11;

    private static final int ADD = 0;
    private static final int MUL = 1;
    private static final int COM = 2;
    private static final int COMP = 3;
    private static final int SUB = 4;
    private static final int SUBR = 5;
    private static final int DIV = 6;
    private static final int DIVR = 7;

    /** FLD1, FLDL2T, FLDL2E, FLDPI, FLDLG2, FLDLN2 (significand, exponent) rounded to nearest. */
    private static final long[] CONST_MAN = {
        0x8000_0000_0000_0000L, 0xD49A_784B_CD1B_8AFEL, 0xB8AA_3B29_5C17_F0BCL,
        0xC90F_DAA2_2168_C235L, 0x9A20_9A84_FBCF_F799L, 0xB172_17F7_D1CF_79ACL};
    private static final int[] CONST_EXP = {0x3FFF, 0x4000, 0x3FFF, 0x4000, 0x3FFD, 0x3FFE};
    /** Whether the exact constant lies above the nearest-rounded significand (round up) or below (round down/zero). */
    private static final boolean[] CONST_ROUNDED_UP = {false, false, true, true, true, true};

    private X87Ops() {
    }

    // ------------------------------------------------------------------ register stack

    static int top(X87Control f) {
        return (f.fsw >> TOP_SHIFT) & 7;
    }

    static int phys(X87Control f, int i) {
        return (top(f) + i) & 7;
    }

    static boolean empty(X87Control f, int i) {
        return (f.ftwAbridged & (1 << phys(f, i))) == 0;
    }

    static long man(X87Control f, int i) {
        return f.st[2 * phys(f, i)];
    }

    static int se(X87Control f, int i) {
        return (int) f.st[2 * phys(f, i) + 1] & 0xFFFF;
    }

    static void set(X87Control f, int i, long man, int se) {
        int p = phys(f, i);
        f.st[2 * p] = man;
        f.st[2 * p + 1] = se & 0xFFFF;
        f.ftwAbridged |= 1 << p;
    }

    private static void setTop(X87Control f, int t) {
        f.fsw = (f.fsw & ~(7 << TOP_SHIFT)) | ((t & 7) << TOP_SHIFT);
    }

    static void pop(X87Control f) {
        f.ftwAbridged &= ~(1 << phys(f, 0));
        setTop(f, top(f) + 1);
    }

    /** Pushes a value, or on stack overflow the indefinite (masked) or nothing (unmasked). */
    static void push(X87Control f, long man, int se) {
        int p = (top(f) - 1) & 7;
        if ((f.ftwAbridged & (1 << p)) != 0) {
            f.fsw |= X87Float.IE | SF | C1;
            if ((f.fcw & X87Float.IE) == 0) {
                f.fsw |= ES_B;
                return;
            }
            man = X87Float.INDEF_MAN;
            se = X87Float.INDEF_SE;
        }
        setTop(f, p);
        set(f, 0, man, se);
    }

    // ------------------------------------------------------------------ prologue and epilogue

    /**
     * Device checks, pending #MF, the last-instruction pointers (FOP from the opcode's low three
     * bits and the ModRM byte, FIP and FCS, and FDP and FDS for a memory operand); returns the
     * soft-float unit ready for use.
     */
    static X87Float begin(Cpu c, Insn i) {
        X87Control.checkDevice(c);
        X87Control f = c.fpu;
        if ((f.fsw & ES_B) != 0 && (c.cr0 & Cpu.CR0_NE) != 0) {
            throw c.fault(Vectors.MF);
        }
        f.fop = (i.op & 7) << 8 | i.mod << 6 | (i.reg & 7) << 3 | (i.rm & 7);
        f.fip = i.startRip;
        f.fcs = c.segs[Cpu.CS].selector;
        if (i.isMem) {
            f.fdp = i.ea;
            f.fds = c.segs[i.seg].selector;
        }
        X87Float fl = f.fl;
        fl.exc = 0;
        fl.roundedUp = false;
        fl.setControl(f.fcw);
        return fl;
    }

    /**
     * Merges the exceptions of the operation into FSW and sets C1 from the rounding; returns
     * whether the result may be stored (no unmasked IE, DE or ZE).
     */
    static boolean finish(X87Control f, X87Float fl) {
        int e = fl.exc;
        int unmasked = e & ~f.fcw & 0x3F;
        f.fsw = (f.fsw & ~C1) | e;
        if ((e & X87Float.PE) != 0 && fl.roundedUp) {
            f.fsw |= C1;
        }
        if (unmasked != 0) {
            f.fsw |= ES_B;
        }
        return (unmasked & (X87Float.IE | X87Float.DE | X87Float.ZE)) == 0;
    }

    /** Stack underflow: IE and SF with C1 clear; returns whether the masked response applies. */
    static boolean underflow(X87Control f) {
        f.fsw = (f.fsw & ~C1) | X87Float.IE | SF;
        if ((f.fcw & X87Float.IE) == 0) {
            f.fsw |= ES_B;
            return false;
        }
        return true;
    }

    // ------------------------------------------------------------------ registration

    /**
     * Registers the computing x87 instructions. D9 /5, D9 /7 and DF /4 share their group slot
     * with X87Control's FLDCW, FNSTCW and FNSTSW AX and are registered there.
     */
    static void register() {
        for (int n = 0; n < 8; n++) {
            int kind = n;
            group(0xD8, 0, n, (c, i) -> arithReg(c, i, kind, false, false), (c, i) -> arithMem(c, i, kind, 0));
            Exec daReg = n < 4 ? (c, i) -> fcmov(c, i, kind, false) : n == 5 ? X87Ops::fucompp : null;
            group(0xDA, 0, n, daReg, (c, i) -> arithMem(c, i, kind, 1));
            group(0xDC, 0, n, (c, i) -> arithReg(c, i, reversed(kind), true, false), (c, i) -> arithMem(c, i, kind, 2));
            group(0xDE, 0, n, kind == COMP ? X87Ops::fcompp : kind == COM ? null
                    : (c, i) -> arithReg(c, i, reversed(kind), true, true), (c, i) -> arithMem(c, i, kind, 3));
        }

        group(0xD9, 0, 0, X87Ops::fldReg, (c, i) -> fldMem(c, i, 4));
        group(0xD9, 0, 1, X87Ops::fxch, null);
        group(0xD9, 0, 2, X87Ops::fnop, (c, i) -> fstMem(c, i, 4, false));
        group(0xD9, 0, 3, null, (c, i) -> fstMem(c, i, 4, true));
        group(0xD9, 0, 4, X87Ops::signOps, X87Env::fldenv);
        group(0xD9, 0, 6, X87Ops::groupD9F0, X87Env::fnstenv);

        group(0xDB, 0, 0, (c, i) -> fcmov(c, i, 0, true), (c, i) -> fildMem(c, i, 4));
        group(0xDB, 0, 1, (c, i) -> fcmov(c, i, 1, true), (c, i) -> fistMem(c, i, 4, true, true));
        group(0xDB, 0, 2, (c, i) -> fcmov(c, i, 2, true), (c, i) -> fistMem(c, i, 4, false, false));
        group(0xDB, 0, 3, (c, i) -> fcmov(c, i, 3, true), (c, i) -> fistMem(c, i, 4, true, false));
        group(0xDB, 0, 5, (c, i) -> fcomi(c, i, true, false), (c, i) -> fldMem(c, i, 10));
        group(0xDB, 0, 6, (c, i) -> fcomi(c, i, false, false), null);
        group(0xDB, 0, 7, null, (c, i) -> fstMem(c, i, 10, true));

        group(0xDD, 0, 0, X87Ops::ffree, (c, i) -> fldMem(c, i, 8));
        group(0xDD, 0, 1, null, (c, i) -> fistMem(c, i, 8, true, true));
        group(0xDD, 0, 2, (c, i) -> fstReg(c, i, false), (c, i) -> fstMem(c, i, 8, false));
        group(0xDD, 0, 3, (c, i) -> fstReg(c, i, true), (c, i) -> fstMem(c, i, 8, true));
        group(0xDD, 0, 4, (c, i) -> fucom(c, i, 0), X87Env::frstor);
        group(0xDD, 0, 5, (c, i) -> fucom(c, i, 1), null);
        group(0xDD, 0, 6, null, X87Env::fnsave);

        group(0xDF, 0, 0, null, (c, i) -> fildMem(c, i, 2));
        group(0xDF, 0, 1, null, (c, i) -> fistMem(c, i, 2, true, true));
        group(0xDF, 0, 2, null, (c, i) -> fistMem(c, i, 2, false, false));
        group(0xDF, 0, 3, null, (c, i) -> fistMem(c, i, 2, true, false));
        group(0xDF, 0, 5, (c, i) -> fcomi(c, i, true, true), (c, i) -> fildMem(c, i, 8));
        group(0xDF, 0, 6, (c, i) -> fcomi(c, i, false, true), X87Ops::fbstp);
        group(0xDF, 0, 7, null, (c, i) -> fistMem(c, i, 8, true, false));
    }

    /** DC and DE register forms name the reverse operation for the same ModRM.reg. */
    private static int reversed(int kind) {
        return kind >= SUB ? kind ^ 1 : kind;
    }

    // ------------------------------------------------------------------ arithmetic

    private static void compute(X87Float fl, int kind, long xm, int xs, long ym, int ys) {
        switch (kind) {
            case ADD -> fl.add(xm, xs, ym, ys, false);
            case MUL -> fl.mul(xm, xs, ym, ys);
            case SUB -> fl.add(xm, xs, ym, ys, true);
            case SUBR -> fl.add(ym, ys, xm, xs, true);
            case DIV -> fl.div(xm, xs, ym, ys);
            default -> fl.div(ym, ys, xm, xs);
        }
    }

    /** D8 (ST0 = ST0 op ST(i)), DC and DE (ST(i) = ST(i) op ST0, DE then pops). */
    private static void arithReg(Cpu c, Insn i, int kind, boolean toSti, boolean pop) {
        X87Float fl = begin(c, i);
        X87Control f = c.fpu;
        int r = i.rm & 7;
        if (kind == COM || kind == COMP) {
            fcom(c, r, false, kind == COMP ? 1 : 0);
            return;
        }
        int dest = toSti ? r : 0;
        int src = toSti ? 0 : r;
        if (empty(f, 0) || empty(f, r)) {
            if (underflow(f)) {
                set(f, dest, X87Float.INDEF_MAN, X87Float.INDEF_SE);
            } else {
                return;
            }
        } else {
            compute(fl, kind, man(f, dest), se(f, dest), man(f, src), se(f, src));
            if (!finish(f, fl)) {
                return;
            }
            set(f, dest, fl.rMan, fl.rSe);
        }
        if (pop) {
            pop(f);
        }
    }

    /** Loads a memory operand into fl.rMan/rSe: {@code form} 0 = m32 real, 1 = m32 int, 2 = m64 real, 3 = m16 int. */
    private static void loadOperand(Cpu c, Insn i, X87Float fl, int form) {
        switch (form) {
            case 0 -> fl.fromIeee(c.read(i.seg, i.ea, 4), 23, 8);
            case 1 -> fl.fromLong((int) c.read(i.seg, i.ea, 4));
            case 2 -> fl.fromIeee(c.read(i.seg, i.ea, 8), 52, 11);
            default -> fl.fromLong((short) c.read(i.seg, i.ea, 2));
        }
    }

    private static void arithMem(Cpu c, Insn i, int kind, int form) {
        X87Float fl = begin(c, i);
        X87Control f = c.fpu;
        loadOperand(c, i, fl, form);
        long ym = fl.rMan;
        int ys = fl.rSe;
        boolean compare = kind == COM || kind == COMP;
        if (empty(f, 0)) {
            if (underflow(f)) {
                if (!compare) {
                    set(f, 0, X87Float.INDEF_MAN, X87Float.INDEF_SE);
                } else {
                    setConditionFromCompare(f, 2);
                    if (kind == COMP) {
                        pop(f);
                    }
                }
            }
            return;
        }
        if (compare) {
            int r = fl.compare(man(f, 0), se(f, 0), ym, ys, false);
            if (finish(f, fl)) {
                setConditionFromCompare(f, r);
                if (kind == COMP) {
                    pop(f);
                }
            }
            return;
        }
        compute(fl, kind, man(f, 0), se(f, 0), ym, ys);
        if (finish(f, fl)) {
            set(f, 0, fl.rMan, fl.rSe);
        }
    }

    // ------------------------------------------------------------------ compares

    private static void setConditionFromCompare(X87Control f, int r) {
        int cc = switch (r) {
            case -1 -> C0;
            case 0 -> C3;
            case 1 -> 0;
            default -> C0 | C2 | C3;
        };
        f.fsw = (f.fsw & ~(C0 | C2 | C3)) | cc;
    }

    /** FCOM/FUCOM ST(r) with {@code pops} pops after a successful compare. */
    private static void fcom(Cpu c, int r, boolean unordered, int pops) {
        X87Control f = c.fpu;
        X87Float fl = f.fl;
        if (empty(f, 0) || empty(f, r)) {
            if (underflow(f)) {
                f.fsw |= C0 | C2 | C3;
                for (int k = 0; k < pops; k++) {
                    pop(f);
                }
            }
            return;
        }
        int res = fl.compare(man(f, 0), se(f, 0), man(f, r), se(f, r), unordered);
        if (!finish(f, fl)) {
            return;
        }
        setConditionFromCompare(f, res);
        for (int k = 0; k < pops; k++) {
            pop(f);
        }
    }

    private static void fcompp(Cpu c, Insn i) {
        if ((i.rm & 7) != 1) {
            throw c.ud();
        }
        begin(c, i);
        fcom(c, 1, false, 2);
    }

    private static void fucompp(Cpu c, Insn i) {
        if ((i.rm & 7) != 1) {
            throw c.ud();
        }
        begin(c, i);
        fcom(c, 1, true, 2);
    }

    private static void fucom(Cpu c, Insn i, int pops) {
        begin(c, i);
        fcom(c, i.rm & 7, true, pops);
    }

    private static void fcomi(Cpu c, Insn i, boolean unordered, boolean pop) {
        X87Float fl = begin(c, i);
        X87Control f = c.fpu;
        int r = i.rm & 7;
        int mask = Eflags.ZF | Eflags.PF | Eflags.CF | Eflags.OF | Eflags.SF | Eflags.AF;
        if (empty(f, 0) || empty(f, r)) {
            if (underflow(f)) {
                c.setEflags(Eflags.ZF | Eflags.PF | Eflags.CF, mask);
                if (pop) {
                    pop(f);
                }
            }
            return;
        }
        int res = fl.compare(man(f, 0), se(f, 0), man(f, r), se(f, r), unordered);
        if (!finish(f, fl)) {
            return;
        }
        int v = switch (res) {
            case -1 -> Eflags.CF;
            case 0 -> Eflags.ZF;
            case 1 -> 0;
            default -> Eflags.ZF | Eflags.PF | Eflags.CF;
        };
        c.setEflags(v, mask);
        if (pop) {
            pop(f);
        }
    }

    private static void fcmov(Cpu c, Insn i, int cond, boolean negate) {
        begin(c, i);
        X87Control f = c.fpu;
        int fl = c.eflags();
        boolean t = switch (cond) {
            case 0 -> (fl & Eflags.CF) != 0;
            case 1 -> (fl & Eflags.ZF) != 0;
            case 2 -> (fl & (Eflags.CF | Eflags.ZF)) != 0;
            default -> (fl & Eflags.PF) != 0;
        };
        int r = i.rm & 7;
        if (empty(f, 0) || empty(f, r)) {
            if (underflow(f)) {
                set(f, 0, X87Float.INDEF_MAN, X87Float.INDEF_SE);
            }
            return;
        }
        f.fsw &= ~C1;
        if (t != negate) {
            set(f, 0, man(f, r), se(f, r));
        }
    }

    // ------------------------------------------------------------------ loads and stores

    private static void fldReg(Cpu c, Insn i) {
        begin(c, i);
        X87Control f = c.fpu;
        int r = i.rm & 7;
        if (empty(f, r)) {
            if (underflow(f)) {
                push(f, X87Float.INDEF_MAN, X87Float.INDEF_SE);
            }
            return;
        }
        f.fsw &= ~C1;
        push(f, man(f, r), se(f, r));
    }

    private static void fldMem(Cpu c, Insn i, int size) {
        X87Float fl = begin(c, i);
        X87Control f = c.fpu;
        if (size == 10) {
            fl.rMan = c.read(i.seg, i.ea, 8);
            fl.rSe = (int) c.read(i.seg, i.ea + 8, 2);
        } else {
            loadOperand(c, i, fl, size == 4 ? 0 : 2);
        }
        if (finish(f, fl)) {
            push(f, fl.rMan, fl.rSe);
        }
    }

    private static void fildMem(Cpu c, Insn i, int size) {
        X87Float fl = begin(c, i);
        X87Control f = c.fpu;
        long v = c.read(i.seg, i.ea, size);
        fl.fromLong(size == 2 ? (short) v : size == 4 ? (int) v : v);
        f.fsw &= ~C1;
        push(f, fl.rMan, fl.rSe);
    }

    private static void fstReg(Cpu c, Insn i, boolean pop) {
        begin(c, i);
        X87Control f = c.fpu;
        int r = i.rm & 7;
        if (empty(f, 0)) {
            if (!underflow(f)) {
                return;
            }
            set(f, r, X87Float.INDEF_MAN, X87Float.INDEF_SE);
        } else {
            f.fsw &= ~C1;
            set(f, r, man(f, 0), se(f, 0));
        }
        if (pop) {
            pop(f);
        }
    }

    private static void fstMem(Cpu c, Insn i, int size, boolean pop) {
        X87Float fl = begin(c, i);
        X87Control f = c.fpu;
        long m = X87Float.INDEF_MAN;
        int s = X87Float.INDEF_SE;
        if (empty(f, 0)) {
            if (!underflow(f)) {
                return;
            }
        } else {
            m = man(f, 0);
            s = se(f, 0);
        }
        if (size == 10) {
            c.linear(i.seg, i.ea, 10);
            c.write(i.seg, i.ea, m, 8);
            c.write(i.seg, i.ea + 8, s, 2);
            if (!empty(f, 0)) {
                f.fsw &= ~C1;
            }
        } else {
            long bits = size == 4 ? fl.toIeee(m, s, 23, 8) : fl.toIeee(m, s, 52, 11);
            if (!empty(f, 0) && (!finish(f, fl) || (fl.exc & ~f.fcw & (X87Float.OE | X87Float.UE)) != 0)) {
                return;
            }
            c.write(i.seg, i.ea, bits, size);
        }
        if (pop) {
            pop(f);
        }
    }

    private static void fistMem(Cpu c, Insn i, int size, boolean pop, boolean truncate) {
        X87Float fl = begin(c, i);
        X87Control f = c.fpu;
        long v;
        if (empty(f, 0)) {
            if (!underflow(f)) {
                return;
            }
            v = Long.MIN_VALUE >> (64 - 8 * size);
        } else {
            v = fl.toInt(man(f, 0), se(f, 0), 8 * size, truncate ? X87Float.RC_ZERO : fl.rc);
            if (!finish(f, fl)) {
                return;
            }
        }
        c.write(i.seg, i.ea, v, size);
        if (pop) {
            pop(f);
        }
    }

    // ------------------------------------------------------------------ register-only groups

    private static void fnop(Cpu c, Insn i) {
        if ((i.rm & 7) != 0) {
            throw c.ud();
        }
        begin(c, i);
    }

    private static void fxch(Cpu c, Insn i) {
        begin(c, i);
        X87Control f = c.fpu;
        int r = i.rm & 7;
        if (empty(f, 0) || empty(f, r)) {
            if (!underflow(f)) {
                return;
            }
            if (empty(f, 0)) {
                set(f, 0, X87Float.INDEF_MAN, X87Float.INDEF_SE);
            }
            if (empty(f, r)) {
                set(f, r, X87Float.INDEF_MAN, X87Float.INDEF_SE);
            }
        } else {
            f.fsw &= ~C1;
        }
        long m = man(f, 0);
        int s = se(f, 0);
        set(f, 0, man(f, r), se(f, r));
        set(f, r, m, s);
    }

    private static void ffree(Cpu c, Insn i) {
        begin(c, i);
        X87Control f = c.fpu;
        f.ftwAbridged &= ~(1 << phys(f, i.rm & 7));
    }

    /** D9 E0-E7: FCHS, FABS, FTST, FXAM. */
    private static void signOps(Cpu c, Insn i) {
        X87Float fl = begin(c, i);
        X87Control f = c.fpu;
        int op = i.rm & 7;
        if (op == 5) {
            fxam(f);
            return;
        }
        if (op != 0 && op != 1 && op != 4) {
            throw c.ud();
        }
        if (empty(f, 0)) {
            if (underflow(f)) {
                if (op == 4) {
                    f.fsw |= C0 | C2 | C3;
                } else {
                    set(f, 0, X87Float.INDEF_MAN, X87Float.INDEF_SE);
                }
            }
            return;
        }
        if (op == 4) {
            int res = fl.compare(man(f, 0), se(f, 0), 0, 0, false);
            if (finish(f, fl)) {
                setConditionFromCompare(f, res);
            }
            return;
        }
        f.fsw &= ~C1;
        int s = se(f, 0);
        set(f, 0, man(f, 0), op == 0 ? s ^ 0x8000 : s & 0x7FFF);
    }

    private static void fxam(X87Control f) {
        int s = se(f, 0);
        long m = man(f, 0);
        int cc;
        if (empty(f, 0)) {
            cc = C3 | C0;
        } else if (X87Float.isUnsupported(m, s)) {
            cc = 0;
        } else if (X87Float.isNan(m, s)) {
            cc = C0;
        } else if (X87Float.isInf(m, s)) {
            cc = C2 | C0;
        } else if (X87Float.isZero(m, s)) {
            cc = C3;
        } else if (X87Float.isDenormal(m, s)) {
            cc = C3 | C2;
        } else {
            cc = C2;
        }
        if (X87Float.sign(s)) {
            cc |= C1;
        }
        f.fsw = (f.fsw & ~(C0 | C1 | C2 | C3)) | cc;
    }

    /** D9 E8-EE: FLD1, FLDL2T, FLDL2E, FLDPI, FLDLG2, FLDLN2, FLDZ. */
    static void constants(Cpu c, Insn i) {
        X87Float fl = begin(c, i);
        X87Control f = c.fpu;
        int k = i.rm & 7;
        if (k == 7) {
            throw c.ud();
        }
        f.fsw &= ~C1;
        if (k == 6) {
            push(f, 0, 0);
            return;
        }
        long m = CONST_MAN[k];
        boolean up = CONST_ROUNDED_UP[k];
        if (fl.rc == X87Float.RC_DOWN || fl.rc == X87Float.RC_ZERO) {
            m -= up ? 1 : 0;
        } else if (fl.rc == X87Float.RC_UP && !up && k != 0) {
            m += 1;
        }
        push(f, m, CONST_EXP[k]);
    }

    /** D9 F0-F7: F2XM1, FYL2X, FPTAN, FPATAN, FXTRACT, FPREM1, FDECSTP, FINCSTP. */
    private static void groupD9F0(Cpu c, Insn i) {
        X87Float fl = begin(c, i);
        X87Control f = c.fpu;
        switch (i.rm & 7) {
            case 0 -> X87Transcendental.f2xm1(f, fl);
            case 1 -> X87Transcendental.fyl2x(f, fl);
            case 2 -> X87Transcendental.fptan(f, fl);
            case 3 -> X87Transcendental.fpatan(f, fl);
            case 4 -> fxtract(f, fl);
            case 5 -> fprem(f, fl, true);
            case 6 -> {
                f.fsw &= ~C1;
                setTop(f, top(f) - 1);
            }
            default -> {
                f.fsw &= ~C1;
                setTop(f, top(f) + 1);
            }
        }
    }

    /** D9 F8-FF: FPREM, FYL2XP1, FSQRT, FSINCOS, FRNDINT, FSCALE, FSIN, FCOS. */
    static void groupD9F8(Cpu c, Insn i) {
        X87Float fl = begin(c, i);
        X87Control f = c.fpu;
        switch (i.rm & 7) {
            case 0 -> fprem(f, fl, false);
            case 1 -> X87Transcendental.fyl2xp1(f, fl);
            case 3 -> X87Transcendental.fsincos(f, fl);
            case 6 -> X87Transcendental.fsin(f, fl);
            case 7 -> X87Transcendental.fcos(f, fl);
            case 2, 4 -> {
                if (empty(f, 0)) {
                    if (underflow(f)) {
                        set(f, 0, X87Float.INDEF_MAN, X87Float.INDEF_SE);
                    }
                    return;
                }
                if ((i.rm & 7) == 2) {
                    fl.sqrt(man(f, 0), se(f, 0));
                    if (X87Float.sign(se(f, 0))) {
                        // C0, C2 and C3 are undefined after FSQRT; QEMU sets C2 alone for negative operands.
                        f.fsw = (f.fsw & ~(C0 | C3)) | C2;
                    }
                } else {
                    fl.roundInt(man(f, 0), se(f, 0));
                }
                if (finish(f, fl)) {
                    set(f, 0, fl.rMan, fl.rSe);
                }
            }
            default -> fscale(f, fl);
        }
    }

    private static void fprem(X87Control f, X87Float fl, boolean nearest) {
        if (empty(f, 0) || empty(f, 1)) {
            if (underflow(f)) {
                set(f, 0, X87Float.INDEF_MAN, X87Float.INDEF_SE);
            }
            return;
        }
        fl.remainder(man(f, 0), se(f, 0), man(f, 1), se(f, 1), nearest);
        if (!finish(f, fl)) {
            return;
        }
        set(f, 0, fl.rMan, fl.rSe);
        int q = fl.quotient;
        int cc = fl.partial ? C2 : ((q & 4) != 0 ? C0 : 0) | ((q & 2) != 0 ? C3 : 0) | ((q & 1) != 0 ? C1 : 0);
        f.fsw = (f.fsw & ~(C0 | C1 | C2 | C3)) | cc;
    }

    private static void fscale(X87Control f, X87Float fl) {
        if (empty(f, 0) || empty(f, 1)) {
            if (underflow(f)) {
                set(f, 0, X87Float.INDEF_MAN, X87Float.INDEF_SE);
            }
            return;
        }
        long am = man(f, 0);
        int as = se(f, 0);
        long bm = man(f, 1);
        int bs = se(f, 1);
        if (X87Float.isUnsupported(am, as) || X87Float.isUnsupported(bm, bs)
                || X87Float.isNan(am, as) || X87Float.isNan(bm, bs)) {
            fl.add(am, as, bm, bs, false);
        } else if (X87Float.isInf(bm, bs)) {
            boolean aZero = X87Float.isZero(am, as);
            boolean aInf = X87Float.isInf(am, as);
            if (X87Float.sign(bs) ? aInf : aZero) {
                fl.invalid();
            } else if (X87Float.sign(bs)) {
                fl.rMan = 0;
                fl.rSe = as & 0x8000;
            } else {
                fl.rMan = aZero ? 0 : X87Float.INT_BIT;
                fl.rSe = aZero ? as : (as & 0x8000) | X87Float.EXP_MAX;
            }
        } else {
            if (X87Float.isDenormal(am, as) || X87Float.isDenormal(bm, bs)) {
                fl.exc |= X87Float.DE;
            }
            int e = X87Float.exp(bs) - X87Float.BIAS;
            long n;
            if (X87Float.isZero(bm, bs) || e < 0) {
                n = 0;
            } else if (e > 30) {
                n = 1 << 17;
            } else {
                n = bm >>> (63 - e);
            }
            int scale = (int) (X87Float.sign(bs) ? -n : n);
            fl.scale(am, as, scale);
        }
        if (finish(f, fl)) {
            set(f, 0, fl.rMan, fl.rSe);
        }
    }

    private static void fxtract(X87Control f, X87Float fl) {
        if (empty(f, 0)) {
            if (underflow(f)) {
                set(f, 0, X87Float.INDEF_MAN, X87Float.INDEF_SE);
                push(f, X87Float.INDEF_MAN, X87Float.INDEF_SE);
            }
            return;
        }
        long m = man(f, 0);
        int s = se(f, 0);
        long expMan;
        int expSe;
        long sigMan = m;
        int sigSe = s;
        if (X87Float.isUnsupported(m, s) || X87Float.isNan(m, s)) {
            fl.add(m, s, m, s, false);
            expMan = fl.rMan;
            expSe = fl.rSe;
            sigMan = fl.rMan;
            sigSe = fl.rSe;
        } else if (X87Float.isZero(m, s)) {
            fl.exc |= X87Float.ZE;
            expMan = X87Float.INT_BIT;
            expSe = 0x8000 | X87Float.EXP_MAX;
        } else if (X87Float.isInf(m, s)) {
            expMan = X87Float.INT_BIT;
            expSe = X87Float.EXP_MAX;
        } else {
            int e = X87Float.exp(s);
            if (e == 0) {
                fl.exc |= X87Float.DE;
                int lz = Long.numberOfLeadingZeros(m);
                sigMan = m << lz;
                e = 1 - lz;
            }
            fl.fromLong(e - X87Float.BIAS);
            expMan = fl.rMan;
            expSe = fl.rSe;
            sigSe = (s & 0x8000) | X87Float.BIAS;
        }
        if (!finish(f, fl)) {
            return;
        }
        set(f, 0, expMan, expSe);
        push(f, sigMan, sigSe);
    }

    // ------------------------------------------------------------------ packed BCD

    private static final long BCD_MAX = 999_999_999_999_999_999L;

    /** FBLD: 18 packed BCD digits and a sign byte, converted exactly (a nibble above 9 counts as its value). */
    static void fbld(Cpu c, Insn i) {
        X87Float fl = begin(c, i);
        X87Control f = c.fpu;
        long lo = c.read(i.seg, i.ea, 8);
        int hi = (int) c.read(i.seg, i.ea + 8, 2);
        long v = 0;
        for (int k = 8; k >= 0; k--) {
            int b = k == 8 ? hi & 0xFF : (int) (lo >>> (8 * k)) & 0xFF;
            v = v * 100 + (b >> 4) * 10 + (b & 15);
        }
        fl.fromLong(v);
        int s = fl.rSe | ((hi & 0x8000) != 0 ? 0x8000 : 0);
        f.fsw &= ~C1;
        push(f, fl.rMan, s);
    }

    /** FBSTP: rounds under the rounding control and stores 18 packed BCD digits, or the BCD indefinite. */
    private static void fbstp(Cpu c, Insn i) {
        X87Float fl = begin(c, i);
        X87Control f = c.fpu;
        c.linear(i.seg, i.ea, 10);
        long lo;
        int hi;
        boolean indefinite;
        long v = 0;
        if (empty(f, 0)) {
            if (!underflow(f)) {
                return;
            }
            indefinite = true;
        } else {
            v = fl.toInt(man(f, 0), se(f, 0), 64, fl.rc);
            indefinite = (fl.exc & X87Float.IE) != 0;
            if (!indefinite && (v > BCD_MAX || v < -BCD_MAX)) {
                fl.exc = (fl.exc & ~X87Float.PE) | X87Float.IE;
                indefinite = true;
            }
            if (!finish(f, fl)) {
                return;
            }
        }
        if (indefinite) {
            lo = 0xC000_0000_0000_0000L;
            hi = 0xFFFF;
        } else {
            hi = X87Float.sign(se(f, 0)) ? 0x8000 : 0;
            long m = Math.abs(v);
            lo = 0;
            for (int k = 0; k < 8; k++) {
                lo |= ((m % 10) | ((m / 10 % 10) << 4)) << (8 * k);
                m /= 100;
            }
            hi |= (int) ((m % 10) | ((m / 10 % 10) << 4));
        }
        c.write(i.seg, i.ea, lo, 8);
        c.write(i.seg, i.ea + 8, hi, 2);
        pop(f);
    }
}
