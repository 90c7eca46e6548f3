package dev.jemu.core.x86.disas;

/**
 * The opcode maps as text, written from the Intel SDM's opcode tables (volume 2, appendix A)
 * with the AT&T mnemonics QEMU's {@code -d in_asm} prints. An entry is
 * {@code "mnemonic op,op,op"} with operands in Intel order (destination first; the printer
 * reverses them); a trailing {@code ;flags} may hold {@code i64} (invalid in 64-bit mode),
 * {@code d64} (operand size 64 by default in 64-bit mode), {@code f64} (always 64 there),
 * {@code nr} (operands printed in Intel order, as for ENTER), {@code lq} (suffix {@code q}
 * with REX.W, else {@code l}, whatever the operand size), {@code l16} (suffix {@code l} in
 * 16-bit code, as QEMU prints the hint NOPs there). A {@code %} in the mnemonic
 * stands for the operand-size suffix (w, l, q); {@code a|b|c} chooses by operand size 16, 32,
 * 64. {@code G:NAME} refers to a ModRM.reg group; SSE entries hold four {@code ;}-separated
 * alternatives selected by no prefix, 66, F3 and F2 ({@code -} where there is none).
 * Operand codes: {@code E} ModRM r/m, {@code G} ModRM reg, {@code M} memory only, {@code R}
 * register only, {@code I} immediate, {@code J} relative target, {@code Z} register in the
 * opcode's low bits, {@code O} a memory offset, {@code X}/{@code Y} string source and
 * destination, {@code A} a far pointer, {@code S}/{@code C}/{@code D} segment, control and
 * debug registers, {@code V}/{@code W}/{@code U} XMM reg, r/m and r/m register, {@code P}/
 * {@code Q}/{@code N} the same for MMX; a size letter follows ({@code b w d q v z y}, as in
 * the SDM; {@code bs}: byte sign-extended; {@code n}: 64 bits in 64-bit code, else 32), literal registers start with {@code %}, {@code *}
 * marks an indirect branch operand and {@code rAX} the accumulator of the operand size.
 *
 * <p>Threading: immutable after class initialisation.
 */
final class Opcodes {
    static final String[] ONE = new String[256];
    static final String[] TWO = new String[256];
    /** 0F 38 xx and 0F 3A xx, SSE-style (four alternatives each). */
    static final String[] THREE38 = new String[256];
    static final String[] THREE3A = new String[256];
    static final String[] JCC = {"jo", "jno", "jb", "jae", "je", "jne", "jbe", "ja",
        "js", "jns", "jp", "jnp", "jl", "jge", "jle", "jg"};
    static final String[] CC = {"o", "no", "b", "ae", "e", "ne", "be", "a",
        "s", "ns", "p", "np", "l", "ge", "le", "g"};

    private Opcodes() {
    }

    /** The eight members of a group, indexed by ModRM.reg; null where there is none. */
    static String[] group(String name) {
        return switch (name) {
            case "1b" -> arith("b Eb,Ib");
            case "1v" -> arith("% Ev,Iz");
            case "1s" -> arith("% Ev,Ibs");
            case "2b1" -> shifts("b Eb,$1");
            case "2v1" -> shifts("% Ev,$1");
            case "2bc" -> shifts("b Eb,%cl");
            case "2vc" -> shifts("% Ev,%cl");
            case "2bi" -> shifts("b Eb,Ib");
            case "2vi" -> shifts("% Ev,Ib");
            case "3b" -> new String[] {"testb Eb,Ib", "testb Eb,Ib", "notb Eb", "negb Eb", "mulb Eb", "imulb Eb",
                "divb Eb", "idivb Eb"};
            case "3v" -> new String[] {"test% Ev,Iz", "test% Ev,Iz", "not% Ev", "neg% Ev", "mul% Ev", "imul% Ev",
                "div% Ev", "idiv% Ev"};
            case "4" -> new String[] {"incb Eb", "decb Eb", null, null, null, null, null, null};
            case "5" -> new String[] {"inc% Ev", "dec% Ev", "call% *Ev;f64", "lcall% *Mp", "jmp% *Ev;f64",
                "ljmp% *Mp", "push% Ev;d64", null};
            case "1a" -> new String[] {"pop% Ev;d64", null, null, null, null, null, null, null};
            case "11b" -> new String[] {"movb Eb,Ib", null, null, null, null, null, null, null};
            case "11v" -> new String[] {"mov% Ev,Iz", null, null, null, null, null, null, null};
            case "6" -> new String[] {"sldt% Ev", "str% Ev", "lldtw Ew", "ltrw Ew", "verr Ew", "verw Ew", null, null};
            case "8" -> new String[] {null, null, null, null, "bt% Ev,Ib", "bts% Ev,Ib", "btr% Ev,Ib", "btc% Ev,Ib"};
            case "P" -> new String[] {null, "prefetchw M", null, null, null, null, null, null};
            case "16" -> new String[] {"prefetchnta M", "prefetcht0 M", "prefetcht1 M", "prefetcht2 M",
                "nop% Ev;l16", "nop% Ev;l16", "nop% Ev;l16", "nop% Ev;l16"};
            default -> throw new IllegalArgumentException(name);
        };
    }

    private static String[] arith(String tail) {
        String[] names = {"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"};
        String[] g = new String[8];
        for (int i = 0; i < 8; i++) {
            g[i] = names[i] + tail;
        }
        return g;
    }

    private static String[] shifts(String tail) {
        String[] names = {"rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar"};
        String[] g = new String[8];
        for (int i = 0; i < 8; i++) {
            g[i] = names[i] + tail;
        }
        return g;
    }

    static {
        String[] arith = {"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"};
        for (int i = 0; i < 8; i++) {
            int b = i << 3;
            String n = arith[i];
            ONE[b] = n + "b Eb,Gb";
            ONE[b + 1] = n + "% Ev,Gv";
            ONE[b + 2] = n + "b Gb,Eb";
            ONE[b + 3] = n + "% Gv,Ev";
            ONE[b + 4] = n + "b %al,Ib";
            ONE[b + 5] = n + "% rAX,Iz";
        }
        ONE[0x06] = "push% %es;i64";
        ONE[0x07] = "pop% %es;i64";
        ONE[0x0E] = "push% %cs;i64";
        ONE[0x16] = "push% %ss;i64";
        ONE[0x17] = "pop% %ss;i64";
        ONE[0x1E] = "push% %ds;i64";
        ONE[0x1F] = "pop% %ds;i64";
        ONE[0x27] = "daa;i64";
        ONE[0x2F] = "das;i64";
        ONE[0x37] = "aaa;i64";
        ONE[0x3F] = "aas;i64";
        for (int r = 0; r < 8; r++) {
            ONE[0x40 + r] = "inc% Zv;i64";
            ONE[0x48 + r] = "dec% Zv;i64";
            ONE[0x50 + r] = "push% Zv;d64";
            ONE[0x58 + r] = "pop% Zv;d64";
            ONE[0x90 + r] = "xchg% rAX,Zv";
            ONE[0xB0 + r] = "movb Zb,Ib";
            ONE[0xB8 + r] = "mov% Zv,Iv";
            TWO[0xC8 + r] = "bswap% Zv;lq";
        }
        ONE[0x60] = "pusha%;i64";
        ONE[0x61] = "popa%;i64";
        ONE[0x62] = "bound Gv,M;i64";
        ONE[0x63] = "arpl Ew,Gw";
        ONE[0x68] = "push% Iz;d64";
        ONE[0x69] = "imul% Gv,Ev,Iz";
        ONE[0x6A] = "push% Ibs;d64";
        ONE[0x6B] = "imul% Gv,Ev,Ibs";
        ONE[0x6C] = "insb Yb,%dx";
        ONE[0x6D] = "ins% Yv,%dx";
        ONE[0x6E] = "outsb %dx,Xb";
        ONE[0x6F] = "outs% %dx,Xv";
        for (int c = 0; c < 16; c++) {
            ONE[0x70 + c] = JCC[c] + " Jb";
            TWO[0x80 + c] = JCC[c] + " Jz";
            TWO[0x90 + c] = "set" + CC[c] + " Eb";
            TWO[0x40 + c] = "cmov" + CC[c] + "% Gv,Ev";
        }
        ONE[0x80] = "G:1b";
        ONE[0x81] = "G:1v";
        ONE[0x82] = "G:1b;i64";
        ONE[0x83] = "G:1s";
        ONE[0x84] = "testb Eb,Gb";
        ONE[0x85] = "test% Ev,Gv";
        ONE[0x86] = "xchgb Eb,Gb";
        ONE[0x87] = "xchg% Ev,Gv";
        ONE[0x88] = "movb Eb,Gb";
        ONE[0x89] = "mov% Ev,Gv";
        ONE[0x8A] = "movb Gb,Eb";
        ONE[0x8B] = "mov% Gv,Ev";
        ONE[0x8C] = "mov% Ev,Sw";
        ONE[0x8D] = "lea% Gv,M";
        ONE[0x8E] = "mov% Sw,Ev";
        ONE[0x8F] = "G:1a";
        ONE[0x98] = "cbtw|cwtl|cltq";
        ONE[0x99] = "cwtd|cltd|cqto";
        ONE[0x9A] = "lcall% Ap;i64";
        ONE[0x9B] = "wait";
        ONE[0x9C] = "pushf%;d64";
        ONE[0x9D] = "popf%;d64";
        ONE[0x9E] = "sahf";
        ONE[0x9F] = "lahf";
        ONE[0xA0] = "movb %al,Ob";
        ONE[0xA1] = "mov% rAX,Ov";
        ONE[0xA2] = "movb Ob,%al";
        ONE[0xA3] = "mov% Ov,rAX";
        ONE[0xA4] = "movsb Yb,Xb";
        ONE[0xA5] = "movs% Yv,Xv";
        ONE[0xA6] = "cmpsb Xb,Yb";
        ONE[0xA7] = "cmps% Xv,Yv";
        ONE[0xA8] = "testb %al,Ib";
        ONE[0xA9] = "test% rAX,Iz";
        ONE[0xAA] = "stosb Yb,%al";
        ONE[0xAB] = "stos% Yv,rAX";
        ONE[0xAC] = "lodsb %al,Xb";
        ONE[0xAD] = "lods% rAX,Xv";
        ONE[0xAE] = "scasb %al,Yb";
        ONE[0xAF] = "scas% rAX,Yv";
        ONE[0xC0] = "G:2bi";
        ONE[0xC1] = "G:2vi";
        ONE[0xC2] = "ret% Iw;f64";
        ONE[0xC3] = "ret%;f64";
        ONE[0xC4] = "les% Gv,Mp;i64";
        ONE[0xC5] = "lds% Gv,Mp;i64";
        ONE[0xC6] = "G:11b";
        ONE[0xC7] = "G:11v";
        ONE[0xC8] = "enter Iws,Ibs;nr";
        ONE[0xC9] = "leave";
        ONE[0xCA] = "lret% Iw";
        ONE[0xCB] = "lret%";
        ONE[0xCC] = "int3";
        ONE[0xCD] = "int Ib";
        ONE[0xCE] = "into;i64";
        ONE[0xCF] = "iret%";
        ONE[0xD0] = "G:2b1";
        ONE[0xD1] = "G:2v1";
        ONE[0xD2] = "G:2bc";
        ONE[0xD3] = "G:2vc";
        ONE[0xD4] = "aam Ib;i64";
        ONE[0xD5] = "aad Ib;i64";
        ONE[0xD6] = "salc;i64";
        ONE[0xD7] = "xlatb";
        ONE[0xE0] = "loopne Jb";
        ONE[0xE1] = "loope Jb";
        ONE[0xE2] = "loop Jb";
        ONE[0xE3] = "jcxz Jb";
        ONE[0xE4] = "inb %al,Ib";
        ONE[0xE5] = "in% rAX,Ib";
        ONE[0xE6] = "outb Ib,%al";
        ONE[0xE7] = "out% Ib,rAX";
        ONE[0xE8] = "call% Jz;f64";
        ONE[0xE9] = "jmp Jz;f64";
        ONE[0xEA] = "ljmp% Ap;i64";
        ONE[0xEB] = "jmp Jb;f64";
        ONE[0xEC] = "inb %al,%dx";
        ONE[0xED] = "in% rAX,%dx";
        ONE[0xEE] = "outb %dx,%al";
        ONE[0xEF] = "out% %dx,rAX";
        ONE[0xF1] = "int1";
        ONE[0xF4] = "hlt";
        ONE[0xF5] = "cmc";
        ONE[0xF6] = "G:3b";
        ONE[0xF7] = "G:3v";
        ONE[0xF8] = "clc";
        ONE[0xF9] = "stc";
        ONE[0xFA] = "cli";
        ONE[0xFB] = "sti";
        ONE[0xFC] = "cld";
        ONE[0xFD] = "std";
        ONE[0xFE] = "G:4";
        ONE[0xFF] = "G:5";

        TWO[0x00] = "G:6";
        TWO[0x02] = "lar% Gv,Ez";
        TWO[0x03] = "lsl% Gv,Ez";
        TWO[0x05] = "syscall";
        TWO[0x06] = "clts";
        TWO[0x07] = "sysret%;lq";
        TWO[0x08] = "invd";
        TWO[0x09] = "wbinvd";
        TWO[0x0B] = "ud2";
        TWO[0x0D] = "G:P";
        TWO[0x18] = "G:16";
        TWO[0x19] = "nop% M|nop Ev,Gv";
        for (int i = 0x1A; i <= 0x1F; i++) {
            TWO[i] = "nop% M";
        }
        TWO[0x20] = "mov% Ry,Cd;f64";
        TWO[0x21] = "mov% Ry,Dd;f64";
        TWO[0x22] = "mov% Cd,Ry;f64";
        TWO[0x23] = "mov% Dd,Ry;f64";
        TWO[0x30] = "wrmsr";
        TWO[0x31] = "rdtsc";
        TWO[0x32] = "rdmsr";
        TWO[0x33] = "rdpmc";
        TWO[0x34] = "sysenter";
        TWO[0x35] = "sysexit";
        TWO[0x77] = "emms";
        TWO[0xA0] = "push% %fs;d64";
        TWO[0xA1] = "pop% %fs;d64";
        TWO[0xA2] = "cpuid";
        TWO[0xA3] = "bt% Ev,Gv";
        TWO[0xA4] = "shld% Ev,Gv,Ib";
        TWO[0xA5] = "shld% Ev,Gv,%cl";
        TWO[0xA8] = "push% %gs;d64";
        TWO[0xA9] = "pop% %gs;d64";
        TWO[0xAA] = "rsm";
        TWO[0xAB] = "bts% Ev,Gv";
        TWO[0xAC] = "shrd% Ev,Gv,Ib";
        TWO[0xAD] = "shrd% Ev,Gv,%cl";
        TWO[0xAF] = "imul% Gv,Ev";
        TWO[0xB0] = "cmpxchgb Eb,Gb";
        TWO[0xB1] = "cmpxchg% Ev,Gv";
        TWO[0xB2] = "lss% Gv,Mp";
        TWO[0xB3] = "btr% Ev,Gv";
        TWO[0xB4] = "lfs% Gv,Mp";
        TWO[0xB5] = "lgs% Gv,Mp";
        TWO[0xB6] = "movzb% Gv,Eb";
        TWO[0xB7] = "movzw% Gv,Ew;lq";
        TWO[0xB9] = "ud2b";
        TWO[0xBA] = "G:8";
        TWO[0xBB] = "btc% Ev,Gv";
        TWO[0xBE] = "movsb% Gv,Eb";
        TWO[0xBF] = "movsw% Gv,Ew;lq";
        TWO[0xC0] = "xaddb Eb,Gb";
        TWO[0xC1] = "xadd% Ev,Gv";
        TWO[0xFF] = "ud0";
        sse();
    }

    /** Sets the four prefix alternatives of {@code TWO[op]}. */
    private static void p(int op, String none, String p66, String f3, String f2) {
        TWO[op] = none + ";" + p66 + ";" + f3 + ";" + f2;
    }

    /** An MMX form without prefix and an SSE2 form with 66: {@code name P,Q} / {@code name V,W}. */
    private static void mx(int op, String name) {
        p(op, name + " Pq,Qq", name + " Vx,Wx", "-", "-");
    }

    /** A packed-single, packed-double, scalar-single, scalar-double quartet. */
    private static void arith4(int op, String name) {
        p(op, name + "ps Vx,Wx", name + "pd Vx,Wx", name + "ss Vx,Wx", name + "sd Vx,Wx");
    }

    private static void sse() {
        p(0x10, "movups Vx,Wx", "movupd Vx,Wx", "movss Vx,Wx", "movsd Vx,Wx");
        p(0x11, "movups Wx,Vx", "movupd Wx,Vx", "movss Wx,Vx", "movsd Wx,Vx");
        p(0x12, "movlps Vx,M|movhlps Vx,Ux", "movlpd Vx,M|movhlps Vx,Ux", "movsldup Vx,Wx", "movddup Vx,Wx");
        p(0x13, "movlps M,Vx", "movlpd M,Vx", "-", "-");
        p(0x14, "unpcklps Vx,Wx", "unpcklpd Vx,Wx", "-", "-");
        p(0x15, "unpckhps Vx,Wx", "unpckhpd Vx,Wx", "-", "-");
        p(0x16, "movhps Vx,M|movlhps Vx,Ux", "movhpd Vx,M|movlhps Vx,Ux", "movshdup Vx,Wx", "-");
        p(0x17, "movhps M,Vx", "movhpd M,Vx", "-", "-");
        p(0x28, "movaps Vx,Wx", "movapd Vx,Wx", "-", "-");
        p(0x29, "movaps Wx,Vx", "movapd Wx,Vx", "-", "-");
        p(0x2A, "cvtpi2ps Vx,Qq", "cvtpi2pd Vx,Qq", "cvtsi2ss% Vx,Ey", "cvtsi2sd% Vx,Ey");
        p(0x2B, "movntps M,Vx", "movntpd M,Vx", "-", "-");
        p(0x2C, "cvttps2pi Pq,Wx", "cvttpd2pi Pq,Wx", "cvttss2si Gy,Wx", "cvttsd2si Gy,Wx");
        p(0x2D, "cvtps2pi Pq,Wx", "cvtpd2pi Pq,Wx", "cvtss2si Gy,Wx", "cvtsd2si Gy,Wx");
        p(0x2E, "ucomiss Vx,Wx", "ucomisd Vx,Wx", "-", "-");
        p(0x2F, "comiss Vx,Wx", "comisd Vx,Wx", "-", "-");
        p(0x50, "movmskps Gd,Ux", "movmskpd Gd,Ux", "-", "-");
        arith4(0x51, "sqrt");
        p(0x52, "rsqrtps Vx,Wx", "-", "rsqrtss Vx,Wx", "-");
        p(0x53, "rcpps Vx,Wx", "-", "rcpss Vx,Wx", "-");
        p(0x54, "andps Vx,Wx", "andpd Vx,Wx", "-", "-");
        p(0x55, "andnps Vx,Wx", "andnpd Vx,Wx", "-", "-");
        p(0x56, "orps Vx,Wx", "orpd Vx,Wx", "-", "-");
        p(0x57, "xorps Vx,Wx", "xorpd Vx,Wx", "-", "-");
        arith4(0x58, "add");
        arith4(0x59, "mul");
        p(0x5A, "cvtps2pd Vx,Wx", "cvtpd2ps Vx,Wx", "cvtss2sd Vx,Wx", "cvtsd2ss Vx,Wx");
        p(0x5B, "cvtdq2ps Vx,Wx", "cvtps2dq Vx,Wx", "cvttps2dq Vx,Wx", "-");
        arith4(0x5C, "sub");
        arith4(0x5D, "min");
        arith4(0x5E, "div");
        arith4(0x5F, "max");
        String[] m60 = {"punpcklbw", "punpcklwd", "punpckldq", "packsswb", "pcmpgtb", "pcmpgtw", "pcmpgtd",
            "packuswb", "punpckhbw", "punpckhwd", "punpckhdq", "packssdw"};
        for (int i = 0; i < m60.length; i++) {
            mx(0x60 + i, m60[i]);
        }
        p(0x6C, "-", "punpcklqdq Vx,Wx", "-", "-");
        p(0x6D, "-", "punpckhqdq Vx,Wx", "-", "-");
        p(0x6E, "movd Pq,Ey", "movd Vx,Ey", "-", "-");
        p(0x6F, "movq Pq,Qq", "movdqa Vx,Wx", "movdqu Vx,Wx", "-");
        p(0x70, "pshufw Pq,Qq,Ib", "pshufd Vx,Wx,Ib", "pshufhw Vx,Wx,Ib", "pshuflw Vx,Wx,Ib");
        p(0x71, "G:12", "G:12", "-", "-");
        p(0x72, "G:13", "G:13", "-", "-");
        p(0x73, "G:14", "G:14", "-", "-");
        mx(0x74, "pcmpeqb");
        mx(0x75, "pcmpeqw");
        mx(0x76, "pcmpeqd");
        p(0x7C, "-", "haddpd Vx,Wx", "-", "haddps Vx,Wx");
        p(0x7D, "-", "hsubpd Vx,Wx", "-", "hsubps Vx,Wx");
        p(0x7E, "movd Ey,Pq", "movd Ey,Vx", "movq Vx,Wx", "-");
        p(0x7F, "movq Qq,Pq", "movdqa Wx,Vx", "movdqu Wx,Vx", "-");
        p(0xB8, "-", "-", "popcnt% Gv,Ev", "-");
        p(0xBC, "bsf% Gv,Ev", "-", "tzcnt% Gv,Ev", "-");
        p(0xBD, "bsr% Gv,Ev", "-", "lzcnt% Gv,Ev", "-");
        p(0xC2, "cmpps Vx,Wx,Ic", "cmppd Vx,Wx,Ic", "cmpss Vx,Wx,Ic", "cmpsd Vx,Wx,Ic");
        p(0xC3, "movnti% M,Gy", "-", "-", "-");
        p(0xC4, "pinsrw Pq,Ed,Ib", "pinsrw Vx,Ed,Ib", "-", "-");
        p(0xC5, "pextrw Gd,Nq,Ib", "pextrw Gd,Ux,Ib", "-", "-");
        p(0xC6, "shufps Vx,Wx,Ib", "shufpd Vx,Wx,Ib", "-", "-");
        p(0xD0, "-", "addsubpd Vx,Wx", "-", "addsubps Vx,Wx");
        String[] md0 = {null, "psrlw", "psrld", "psrlq", "paddq", "pmullw", null, null, "psubusb", "psubusw", "pminub",
            "pand", "paddusb", "paddusw", "pmaxub", "pandn", "pavgb", "psraw", "psrad", "pavgw", "pmulhuw", "pmulhw",
            null, null, "psubsb", "psubsw", "pminsw", "por", "paddsb", "paddsw", "pmaxsw", "pxor", null, "psllw",
            "pslld", "psllq", "pmuludq", "pmaddwd", "psadbw", null, "psubb", "psubw", "psubd", "psubq", "paddb",
            "paddw", "paddd"};
        for (int i = 0; i < md0.length; i++) {
            if (md0[i] != null) {
                mx(0xD0 + i, md0[i]);
            }
        }
        p(0xD6, "-", "movq Wx,Vx", "movq2dq Vx,Nq", "movdq2q Pq,Ux");
        p(0xD7, "pmovmskb Gd,Nq", "pmovmskb Gd,Ux", "-", "-");
        p(0xE6, "-", "cvttpd2dq Vx,Wx", "cvtdq2pd Vx,Wx", "cvtpd2dq Vx,Wx");
        p(0xE7, "movntq M,Pq", "movntdq M,Vx", "-", "-");
        p(0xF0, "-", "-", "-", "lddqu Vx,M");
        p(0xF7, "maskmovq Pq,Nq", "maskmovdqu Vx,Ux", "-", "-");
        String[] ssse3 = {"pshufb", "phaddw", "phaddd", "phaddsw", "pmaddubsw", "phsubw", "phsubd", "phsubsw",
            "psignb", "psignw", "psignd", "pmulhrsw"};
        for (int i = 0; i < ssse3.length; i++) {
            THREE38[i] = ssse3[i] + " Pq,Qq;" + ssse3[i] + " Vx,Wx;-;-";
        }
        THREE38[0x1C] = "pabsb Pq,Qq;pabsb Vx,Wx;-;-";
        THREE38[0x1D] = "pabsw Pq,Qq;pabsw Vx,Wx;-;-";
        THREE38[0x1E] = "pabsd Pq,Qq;pabsd Vx,Wx;-;-";
        String[] sse41 = new String[0x42];
        sse41[0x10] = "pblendvb";
        sse41[0x14] = "blendvps";
        sse41[0x15] = "blendvpd";
        sse41[0x17] = "ptest";
        String[] ext = {"bw", "bd", "bq", "wd", "wq", "dq"};
        for (int i = 0; i < 6; i++) {
            sse41[0x20 + i] = "pmovsx" + ext[i];
            sse41[0x30 + i] = "pmovzx" + ext[i];
        }
        sse41[0x28] = "pmuldq";
        sse41[0x29] = "pcmpeqq";
        sse41[0x2B] = "packusdw";
        sse41[0x37] = "pcmpgtq";
        String[] minmax = {"pminsb", "pminsd", "pminuw", "pminud", "pmaxsb", "pmaxsd", "pmaxuw", "pmaxud",
            "pmulld", "phminposuw"};
        for (int i = 0; i < minmax.length; i++) {
            sse41[0x38 + i] = minmax[i];
        }
        for (int i = 0; i < sse41.length; i++) {
            if (sse41[i] != null) {
                THREE38[i] = "-;" + sse41[i] + " Vx,Wx;-;-";
            }
        }
        THREE38[0x2A] = "-;movntdqa Vx,M;-;-";
        THREE38[0x82] = "-;invpcid Gn,M;-;-";
        THREE38[0xF0] = "movbe% Gv,M;-;-;crc32b Gy,Eb";
        THREE38[0xF1] = "movbe% M,Gv;-;-;crc32% Gy,Ev";
        THREE3A[0x0F] = "palignr Pq,Qq,Ib;palignr Vx,Wx,Ib;-;-";
        String[] a = new String[0x64];
        a[0x08] = "roundps Vx,Wx,Ib";
        a[0x09] = "roundpd Vx,Wx,Ib";
        a[0x0A] = "roundss Vx,Wx,Ib";
        a[0x0B] = "roundsd Vx,Wx,Ib";
        a[0x0C] = "blendps Vx,Wx,Ib";
        a[0x0D] = "blendpd Vx,Wx,Ib";
        a[0x0E] = "pblendw Vx,Wx,Ib";
        a[0x14] = "pextrb Ed,Vx,Ib";
        a[0x15] = "pextrw Ed,Vx,Ib";
        a[0x16] = "pextrd|pextrd|pextrq Ey,Vx,Ib";
        a[0x17] = "extractps Ed,Vx,Ib";
        a[0x20] = "pinsrb Vx,Ed,Ib";
        a[0x21] = "insertps Vx,Wx,Ib";
        a[0x22] = "pinsrd|pinsrd|pinsrq Vx,Ey,Ib";
        a[0x40] = "dpps Vx,Wx,Ib";
        a[0x41] = "dppd Vx,Wx,Ib";
        a[0x42] = "mpsadbw Vx,Wx,Ib";
        a[0x44] = "pclmulqdq Vx,Wx,Ib";
        a[0x60] = "pcmpestrm Vx,Wx,Ib";
        a[0x61] = "pcmpestri Vx,Wx,Ib";
        a[0x62] = "pcmpistrm Vx,Wx,Ib";
        a[0x63] = "pcmpistri Vx,Wx,Ib";
        for (int i = 0; i < a.length; i++) {
            if (a[i] != null) {
                THREE3A[i] = "-;" + a[i] + ";-;-";
            }
        }
    }

    /** The SSE groups 12, 13, 14 (shift by immediate), 15 and 9: entries for ModRM.reg. */
    static String[] sseGroup(String name, boolean mmx) {
        String r = mmx ? "Nq" : "Ux";
        return switch (name) {
            case "12" -> new String[] {null, null, "psrlw " + r + ",Ib", null, "psraw " + r + ",Ib", null,
                "psllw " + r + ",Ib", null};
            case "13" -> new String[] {null, null, "psrld " + r + ",Ib", null, "psrad " + r + ",Ib", null,
                "pslld " + r + ",Ib", null};
            case "14" -> new String[] {null, null, "psrlq " + r + ",Ib", mmx ? null : "psrldq Ux,Ib", null, null,
                "psllq " + r + ",Ib", mmx ? null : "pslldq Ux,Ib"};
            default -> throw new IllegalArgumentException(name);
        };
    }
}
