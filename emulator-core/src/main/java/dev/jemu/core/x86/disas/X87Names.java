package dev.jemu.core.x86.disas;

/**
 * The x87 escape opcodes D8..DF (Intel SDM volume 2, table) with the AT&T
 * mnemonics QEMU's {@code -d in_asm} prints: the memory forms carry the operand's size as a
 * suffix ({@code flds}, {@code fildll}, {@code fstpt}); register forms name {@code %st(i)}.
 *
 * <p>Threading: immutable; any thread.
 */
final class X87Names {
    private static final String[][] MEM = {
        {"fadds", "fmuls", "fcoms", "fcomps", "fsubs", "fsubrs", "fdivs", "fdivrs"},
        {"flds", null, "fsts", "fstps", "fldenv", "fldcw", "fnstenv", "fnstcw"},
        {"fiaddl", "fimull", "ficoml", "ficompl", "fisubl", "fisubrl", "fidivl", "fidivrl"},
        {"fildl", "fisttpl", "fistl", "fistpl", null, "fldt", null, "fstpt"},
        {"faddl", "fmull", "fcoml", "fcompl", "fsubl", "fsubrl", "fdivl", "fdivrl"},
        {"fldl", "fisttpll", "fstl", "fstpl", "frstor", null, "fnsave", "fnstsw"},
        {"fiadds", "fimuls", "ficoms", "ficomps", "fisubs", "fisubrs", "fidivs", "fidivrs"},
        {"filds", "fisttps", "fists", "fistps", "fbld", "fildll", "fbstp", "fistpll"},
    };
    /** D9 E0..FF: the operand-less forms. */
    private static final String[] D9_E0 = {"fchs", "fabs", null, null, "ftst", "fxam", null, null,
        "fld1", "fldl2t", "fldl2e", "fldpi", "fldlg2", "fldln2", "fldz", null,
        "f2xm1", "fyl2x", "fptan", "fpatan", "fxtract", "fprem1", "fdecstp", "fincstp",
        "fprem", "fyl2xp1", "fsqrt", "fsincos", "frndint", "fscale", "fsin", "fcos"};
    /** Register forms taking {@code %st(i)} alone, by escape (0..7) and ModRM.reg. */
    private static final String[][] ST_I = {
        {"fadd", "fmul", "fcom", "fcomp", "fsub", "fsubr", "fdiv", "fdivr"},
        {"fld", "fxch", null, null, null, null, null, null},
        {null, null, null, null, null, null, null, null},
        {null, null, null, null, null, "fucomi", "fcomi", null},
        {null, null, null, null, null, null, null, null},
        {"ffree", null, "fst", "fstp", "fucom", "fucomp", null, null},
        {"faddp", "fmulp", null, null, "fsubp", "fsubrp", "fdivp", "fdivrp"},
        {null, null, null, null, null, "fucomip", "fcomip", null},
    };
    /** Register forms written {@code %st(0), %st(i)} (DC) and {@code %st(i), %st(0)} (FCMOVcc). */
    private static final String[] DC = {"fadd", "fmul", null, null, "fsub", "fsubr", "fdiv", "fdivr"};
    private static final String[] DA = {"fcmovb", "fcmove", "fcmovbe", "fcmovu"};
    private static final String[] DB = {"fcmovnb", "fcmovne", "fcmovnbe", "fcmovnu"};

    private X87Names() {
    }

    /** The mnemonic of escape {@code esc} (0 = D8) with a memory operand, or null. */
    static String memory(int esc, int reg) {
        return MEM[esc][reg];
    }

    /**
     * The text (mnemonic, a space, operands) of escape {@code esc} with register form
     * {@code modrm} (mod = 3), or null if the encoding is undefined.
     */
    static String register(int esc, int modrm) {
        int reg = (modrm >> 3) & 7;
        int i = modrm & 7;
        String st = "%st(" + i + ")";
        if (esc == 1 && modrm >= 0xE0) {
            return D9_E0[modrm - 0xE0];
        }
        if (esc == 1 && modrm == 0xD0) {
            return "fnop";
        }
        if (esc == 2 && reg < 4) {
            return DA[reg] + " " + st + ", %st(0)";
        }
        if (esc == 3 && reg < 4) {
            return DB[reg] + " " + st + ", %st(0)";
        }
        if (esc == 2 && modrm == 0xE9) {
            return "fucompp";
        }
        if (esc == 3 && modrm == 0xE2) {
            return "fnclex";
        }
        if (esc == 3 && modrm == 0xE3) {
            return "fninit";
        }
        if (esc == 3 && modrm == 0xE0) {
            return "feni8087_nop";
        }
        if (esc == 3 && modrm == 0xE1) {
            return "fdisi8087_nop";
        }
        if (esc == 3 && modrm == 0xE4) {
            return "fsetpm";
        }
        if (esc == 4 && DC[reg] != null) {
            return DC[reg] + " %st(0), " + st;
        }
        if (esc == 6 && modrm == 0xD9) {
            return "fcompp";
        }
        String alias = alias(esc, reg, st);
        if (alias != null) {
            return alias;
        }
        if (esc == 7 && modrm == 0xE0) {
            return "fnstsw %ax";
        }
        String n = ST_I[esc][reg];
        return n == null ? null : n + " " + st;
    }

    /**
     * The undocumented aliases the processor executes (FCOM and FCOMP in DC, FXCH in DD and
     * DF, FSTP in D9 and DF, FFREEP), with QEMU's text; null for any other encoding.
     */
    private static String alias(int esc, int reg, String st) {
        return switch (esc << 3 | reg) {
            case 1 << 3 | 3 -> "fstpnce %st(0), " + st;
            case 4 << 3 | 2 -> "fcom " + st + ", %st(0)";
            case 4 << 3 | 3 -> "fcomp " + st + ", %st(0)";
            case 5 << 3 | 1, 7 << 3 | 1 -> "fxch " + st + ", %st(0)";
            case 7 << 3 | 0 -> "ffreep " + st;
            case 7 << 3 | 2, 7 << 3 | 3 -> "fstp %st(0), " + st;
            default -> null;
        };
    }
}
