package dev.jemu.core.x86;

/** Every EFLAGS bit, by its name in the Intel manual. */
public final class Eflags {
    public static final int CF = 1;
    /** Bit 1 always reads as one. */
    public static final int FIXED1 = 1 << 1;
    public static final int PF = 1 << 2;
    public static final int AF = 1 << 4;
    public static final int ZF = 1 << 6;
    public static final int SF = 1 << 7;
    public static final int TF = 1 << 8;
    public static final int IF = 1 << 9;
    public static final int DF = 1 << 10;
    public static final int OF = 1 << 11;
    public static final int IOPL = 3 << 12;
    public static final int IOPL_SHIFT = 12;
    public static final int NT = 1 << 14;
    public static final int RF = 1 << 16;
    public static final int VM = 1 << 17;
    public static final int AC = 1 << 18;
    public static final int VIF = 1 << 19;
    public static final int VIP = 1 << 20;
    public static final int ID = 1 << 21;

    /** The six arithmetic flags kept lazily. */
    public static final int ARITH = CF | PF | AF | ZF | SF | OF;
    /** Bits software may change at all. */
    public static final int WRITABLE = ARITH | TF | IF | DF | IOPL | NT | RF | VM | AC | VIF | VIP | ID;

    private Eflags() {
    }
}
