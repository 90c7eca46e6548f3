package dev.jemu.core.x86;

/**
 * The x87 environment and state images: FLDENV, FNSTENV, FRSTOR and FNSAVE in their 14-byte
 * (16-bit operand size) and 28-byte (32/64-bit) protected-mode layouts, with the full tag word
 * computed from the register contents. The real-mode layouts, which split the instruction and
 * operand pointers differently, are not distinguished: real-mode code gets the protected-mode
 * layout.
 */
final class X87Env {
    private static final int TAG_VALID = 0;
    private static final int TAG_ZERO = 1;
    private static final int TAG_SPECIAL = 2;
    private static final int TAG_EMPTY = 3;

    private X87Env() {
    }

    /** The full tag word: two bits per physical register. */
    static int fullTag(X87Control f) {
        int tw = 0;
        for (int p = 0; p < 8; p++) {
            int t;
            if ((f.ftwAbridged & (1 << p)) == 0) {
                t = TAG_EMPTY;
            } else {
                long m = f.st[2 * p];
                int se = (int) f.st[2 * p + 1] & 0xFFFF;
                int e = X87Float.exp(se);
                if (e == 0) {
                    t = m == 0 ? TAG_ZERO : TAG_SPECIAL;
                } else if (e == X87Float.EXP_MAX || m >= 0) {
                    t = TAG_SPECIAL;
                } else {
                    t = TAG_VALID;
                }
            }
            tw |= t << (2 * p);
        }
        return tw;
    }

    private static int envSize(Insn i) {
        return i.opSize == 2 ? 14 : 28;
    }

    private static void storeEnv(Cpu c, Insn i) {
        X87Control f = c.fpu;
        c.linear(i.seg, i.ea, envSize(i));
        int w = i.opSize == 2 ? 2 : 4;
        long a = i.ea;
        c.write(i.seg, a, f.fcw, w);
        c.write(i.seg, a + w, f.fsw, w);
        c.write(i.seg, a + 2L * w, fullTag(f), w);
        c.write(i.seg, a + 3L * w, f.fip, w);
        c.write(i.seg, a + 4L * w, (long) f.fop << 16 | f.fcs, w);
        c.write(i.seg, a + 5L * w, f.fdp, w);
        c.write(i.seg, a + 6L * w, f.fds, w);
    }

    private static void loadEnv(Cpu c, Insn i) {
        X87Control f = c.fpu;
        c.linear(i.seg, i.ea, envSize(i));
        int w = i.opSize == 2 ? 2 : 4;
        long a = i.ea;
        f.fcw = (int) c.read(i.seg, a, 2);
        f.fsw = (int) c.read(i.seg, a + w, 2);
        int tw = (int) c.read(i.seg, a + 2L * w, 2);
        int abridged = 0;
        for (int p = 0; p < 8; p++) {
            if (((tw >> (2 * p)) & 3) != TAG_EMPTY) {
                abridged |= 1 << p;
            }
        }
        f.ftwAbridged = abridged;
        f.fip = c.read(i.seg, a + 3L * w, w);
        long csOp = c.read(i.seg, a + 4L * w, w);
        f.fcs = (int) csOp & 0xFFFF;
        f.fop = (int) (csOp >>> 16) & 0x7FF;
        f.fdp = c.read(i.seg, a + 5L * w, w);
        f.fds = (int) c.read(i.seg, a + 6L * w, 2);
        f.updateErrorSummary();
    }

    static void fnstenv(Cpu c, Insn i) {
        X87Control.checkDevice(c);
        storeEnv(c, i);
        c.fpu.fcw |= 0x3F;
    }

    static void fldenv(Cpu c, Insn i) {
        X87Control.checkDevice(c);
        loadEnv(c, i);
    }

    static void fnsave(Cpu c, Insn i) {
        X87Control.checkDevice(c);
        X87Control f = c.fpu;
        int env = envSize(i);
        c.linear(i.seg, i.ea, env + 80);
        storeEnv(c, i);
        for (int r = 0; r < 8; r++) {
            int p = X87Ops.phys(f, r);
            long a = i.ea + env + 10L * r;
            c.write(i.seg, a, f.st[2 * p], 8);
            c.write(i.seg, a + 8, f.st[2 * p + 1], 2);
        }
        f.init();
    }

    static void frstor(Cpu c, Insn i) {
        X87Control.checkDevice(c);
        X87Control f = c.fpu;
        int env = envSize(i);
        c.linear(i.seg, i.ea, env + 80);
        loadEnv(c, i);
        for (int r = 0; r < 8; r++) {
            int p = X87Ops.phys(f, r);
            long a = i.ea + env + 10L * r;
            f.st[2 * p] = c.read(i.seg, a, 8);
            f.st[2 * p + 1] = c.read(i.seg, a + 8, 2);
        }
    }
}
