package dev.jemu.core.x86.disas;

import java.util.ArrayList;
import java.util.List;

/**
 * The decoding of one instruction for {@link Disassembler}: prefixes, opcode map lookup,
 * ModRM/SIB/displacement, immediates, then the AT&T text. One instance per instruction.
 *
 * <p>Threading: confined to the calling thread.
 */
final class Decode {
    /** Thrown for bytes that are no valid instruction. */
    static final class Invalid extends Exception {
        Invalid() {
            super(null, null, false, false);
        }
    }

    private static final Invalid INVALID = new Invalid();
    private static final String[] SEG = {"es", "cs", "ss", "ds", "fs", "gs"};
    private static final String[] R8 = {"al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil",
        "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b"};
    private static final String[] R8_LEGACY = {"al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"};
    private static final String[] R16 = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di",
        "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w"};
    private static final String[] R32 = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
        "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"};
    private static final String[] R64 = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
        "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"};
    private static final String[] MEM16 = {"%bx, %si", "%bx, %di", "%bp, %si", "%bp, %di", "%si", "%di", "%bp", "%bx"};
    private static final String[] CMP_PREDICATES = {"eq", "lt", "le", "unord", "neq", "nlt", "nle", "ord"};

    private final byte[] code;
    private final int start;
    private final int limit;
    private final long address;
    private final int bits;
    private int pos;

    private int seg = -1;
    private boolean opPrefix;
    private boolean adPrefix;
    private int rep;
    private boolean lock;
    private int rex;
    /** The opcode map (0 one-byte, 1 = 0F, 2 = 0F 38, 3 = 0F 3A) and the opcode in it. */
    private int map;
    private int op;
    /** The mandatory prefix used by an SSE entry (0 none, 1 = 66, 2 = F3, 3 = F2). */
    private int mandatory;

    private int opsize;
    private int adsize;
    private boolean hasModrm;
    private int mod;
    private int reg;
    private int rm;
    /** The memory operand's text (segment, displacement, base and index), once decoded. */
    private String memText;

    Decode(byte[] code, int off, int avail, long address, int bits) {
        this.code = code;
        this.start = off;
        this.limit = off + avail;
        this.address = address;
        this.bits = bits;
        this.pos = off;
    }

    private int u8() throws Invalid {
        if (pos >= limit) {
            throw INVALID;
        }
        return code[pos++] & 0xFF;
    }

    private long le(int n) throws Invalid {
        long v = 0;
        for (int i = 0; i < n; i++) {
            v |= (long) u8() << (8 * i);
        }
        return v;
    }

    Disassembler.Insn run() throws Invalid {
        int b;
        for (;;) {
            b = u8();
            if (bits == 64 && (b & 0xF0) == 0x40) {
                rex = b;
                continue;
            }
            switch (b) {
                case 0x26 -> seg = 0;
                case 0x2E -> seg = 1;
                case 0x36 -> seg = 2;
                case 0x3E -> seg = 3;
                case 0x64 -> seg = 4;
                case 0x65 -> seg = 5;
                case 0x66 -> opPrefix = true;
                case 0x67 -> adPrefix = true;
                case 0xF0 -> lock = true;
                case 0xF2, 0xF3 -> rep = b;
                default -> {
                    return opcode(b);
                }
            }
            rex = 0;
        }
    }

    private boolean rexW() {
        return (rex & 8) != 0;
    }

    private Disassembler.Insn opcode(int b) throws Invalid {
        adsize = bits == 64 ? (adPrefix ? 32 : 64) : (bits == 32) != adPrefix ? 32 : 16;
        String entry;
        op = b;
        if (b == 0x0F) {
            int b2 = u8();
            map = 1;
            op = b2;
            if (b2 == 0x38 || b2 == 0x3A) {
                int b3 = u8();
                map = b2 == 0x38 ? 2 : 3;
                op = b3;
                entry = prefixed((b2 == 0x38 ? Opcodes.THREE38 : Opcodes.THREE3A)[b3]);
            } else if (b2 == 0x01) {
                return group7();
            } else if (b2 == 0xAE) {
                return group15();
            } else if (b2 == 0xC7) {
                return group9();
            } else {
                entry = Opcodes.TWO[b2];
                if (entry != null && entry.split(";").length == 4) {
                    entry = prefixed(entry);
                }
            }
        } else if (b >= 0xD8 && b <= 0xDF) {
            return x87(b - 0xD8);
        } else {
            entry = Opcodes.ONE[b];
            if (b == 0x90 && (rex & 1) == 0) {
                return finish(rep == 0xF3 && bits != 16 ? "pause" : "nop", List.of());
            }
            if (b == 0x63 && bits == 64) {
                entry = "movslq Gq,Ed";
            }
        }
        if (entry == null) {
            throw INVALID;
        }
        return entry(entry);
    }

    /**
     * Selects the alternative of an SSE entry by its mandatory prefix: F3 or F2 if that
     * alternative exists, else 66 if it exists, else the prefix-less one (the prefixes then
     * keep their ordinary meaning).
     */
    private String prefixed(String entry) throws Invalid {
        if (entry == null) {
            throw INVALID;
        }
        String[] alt = entry.split(";");
        if (bits == 16) {
            if (alt[0].equals("-")) {
                throw INVALID;
            }
            return alt[0];
        }
        int want = rep == 0xF3 ? 2 : rep == 0xF2 ? 3 : 0;
        if (want != 0 && !alt[want].equals("-")) {
            mandatory = want;
            rep = 0;
        } else if (opPrefix && !alt[1].equals("-")) {
            mandatory = 1;
            opPrefix = false;
        } else {
            mandatory = 0;
        }
        String e = alt[mandatory];
        if (e.equals("-")) {
            throw INVALID;
        }
        return e;
    }

    private void modrm() throws Invalid {
        if (!hasModrm) {
            int m = u8();
            hasModrm = true;
            boolean controlMove = map == 1 && op >= 0x20 && op <= 0x23;
            mod = controlMove ? 3 : m >> 6;
            reg = (m >> 3) & 7;
            rm = m & 7;
            if (mod != 3) {
                memText = memory();
            }
        }
    }

    private Disassembler.Insn entry(String entry) throws Invalid {
        String flags = "";
        int semi = entry.indexOf(';');
        if (semi >= 0) {
            flags = entry.substring(semi + 1);
            entry = entry.substring(0, semi);
        }
        if (flags.contains("i64") && bits == 64) {
            throw INVALID;
        }
        if (entry.startsWith("G:")) {
            modrm();
            String g = entry.substring(2);
            boolean shiftGroup = g.equals("12") || g.equals("13") || g.equals("14");
            String[] members = shiftGroup ? Opcodes.sseGroup(g, mandatory == 0) : Opcodes.group(g);
            String m = members[reg];
            if (m == null || (shiftGroup && mod != 3)) {
                throw INVALID;
            }
            return entry(m + (flags.isEmpty() ? "" : ";" + flags));
        }
        int bar = entry.indexOf('|');
        int space = entry.indexOf(' ');
        if (bar > space && space >= 0) {
            modrm();
            entry = mod == 3 ? entry.substring(bar + 1) : entry.substring(0, bar);
            space = entry.indexOf(' ');
        }
        String mnemonic = space < 0 ? entry : entry.substring(0, space);
        String[] ops = space < 0 ? new String[0] : entry.substring(space + 1).split(",");
        sizes(flags);
        for (String o : ops) {
            if (needsModrm(o)) {
                modrm();
            }
        }
        if (mnemonic.indexOf('|') >= 0) {
            String[] alt = mnemonic.split("\\|");
            mnemonic = alt[opsize == 16 && bits != 16 ? 0 : opsize == 64 ? 2 : 1];
        }
        if (map == 0 && (op == 0x6D || op == 0x6F) && rep != 0) {
            opsize = bits == 16 ? 16 : 32;
        }
        List<String> texts = new ArrayList<>();
        String suffixFrom = null;
        for (String o : ops) {
            if (o.equals("Ic")) {
                int imm = u8();
                if (imm < CMP_PREDICATES.length) {
                    mnemonic = mnemonic.substring(0, 3) + CMP_PREDICATES[imm] + mnemonic.substring(3);
                } else {
                    texts.add("$" + num(imm));
                }
                continue;
            }
            texts.add(operand(o, mnemonic));
            if (o.length() >= 2 && (o.endsWith("v") || o.endsWith("y") && suffixFrom == null)) {
                suffixFrom = suffixFrom != null && suffixFrom.endsWith("v") ? suffixFrom : o;
            }
        }
        if (mnemonic.endsWith("%")) {
            String sfx = flags.contains("lq") || flags.contains("l16") && bits == 16
                    ? (rexW() ? "q" : "l") : suffix(suffixFrom);
            if (mnemonic.startsWith("nop") && sfx.equals("q")) {
                sfx = "l";
            }
            mnemonic = mnemonic.substring(0, mnemonic.length() - 1) + sfx;
        }
        if (map == 0 && op == 0xD1 && reg == 0 && mod == 3 && opsize == 32) {
            mnemonic = "rol";
        }
        if (mnemonic.equals("cvtsd2si") && rexW() && mod != 3) {
            mnemonic = "cvtsd2siq";
        }
        if (mnemonic.equals("aam") || mnemonic.equals("aad")) {
            if (texts.get(0).equals("$0xa")) {
                texts.clear();
            }
        }
        if (map == 0 && op >= 0xB8 && op <= 0xBF && opsize == 64) {
            mnemonic = "movabsq";
        }
        if (map == 0 && op >= 0xA0 && op <= 0xA3 && adsize == 64) {
            mnemonic = "movabs" + mnemonic.substring(3);
        }
        if (map == 0 && op == 0xE3) {
            mnemonic = adsize == 16 ? "jcxz" : adsize == 32 ? "jecxz" : "jrcxz";
        }
        if (!flags.contains("nr")) {
            java.util.Collections.reverse(texts);
        }
        return finish(mnemonic, texts);
    }

    private static boolean needsModrm(String o) {
        char c = o.charAt(0);
        if (c == '*') {
            c = o.charAt(1);
        }
        return "EGMRSCDVWUPQN".indexOf(c) >= 0 && !o.equals("Ic");
    }

    private void sizes(String flags) {
        boolean d64 = flags.contains("d64");
        boolean f64 = flags.contains("f64");
        if (bits == 64) {
            if (f64 || rexW()) {
                opsize = 64;
            } else if (opPrefix) {
                opsize = 16;
            } else {
                opsize = d64 ? 64 : 32;
            }
        } else {
            opsize = (bits == 32) != opPrefix ? 32 : 16;
        }
    }

    private String suffix(String from) {
        int size = opsize;
        if (from != null && from.endsWith("y")) {
            size = bits == 64 && (rexW() || opsize == 64) ? 64 : 32;
        }
        boolean segMove = map == 0 && (op == 0x8C || op == 0x8E);
        if (hasModrm && mod != 3 && (segMove || (map == 1 && op == 0x00))) {
            return "w";
        }
        return size == 16 ? "w" : size == 32 ? "l" : "q";
    }

    private String operand(String o, String mnemonic) throws Invalid {
        if (o.charAt(0) == '%' || o.charAt(0) == '$') {
            return o;
        }
        if (o.charAt(0) == '*') {
            return "*" + operand(o.substring(1), mnemonic);
        }
        char kind = o.charAt(0);
        String size = o.substring(1);
        return switch (kind) {
            case 'E' -> mod == 3 ? reg(rm | (rex & 1) << 3, size) : memText;
            case 'G' -> reg(reg | (rex & 4) << 1, size);
            case 'M' -> {
                if (mod == 3) {
                    throw INVALID;
                }
                yield memText;
            }
            case 'R' -> {
                if (mod != 3) {
                    throw INVALID;
                }
                yield reg(rm | (rex & 1) << 3, size);
            }
            case 'Z' -> reg((op & 7) | (rex & 1) << 3, size);
            case 'r' -> reg(0, "v");
            case 'S' -> {
                if (reg > 5) {
                    throw INVALID;
                }
                yield "%" + SEG[reg];
            }
            case 'C' -> "%cr" + (reg | (rex & 4) << 1);
            case 'D' -> "%dr" + (reg | (rex & 4) << 1);
            case 'V' -> "%xmm" + (reg | (rex & 4) << 1);
            case 'W' -> mod == 3 ? "%xmm" + (rm | (rex & 1) << 3) : memText;
            case 'U' -> {
                if (mod != 3) {
                    throw INVALID;
                }
                yield "%xmm" + (rm | (rex & 1) << 3);
            }
            case 'P' -> "%mm" + reg;
            case 'Q' -> mod == 3 ? "%mm" + rm : memText;
            case 'N' -> {
                if (mod != 3) {
                    throw INVALID;
                }
                yield "%mm" + rm;
            }
            case 'I' -> immediate(size, mnemonic);
            case 'J' -> target(size.equals("b") ? (byte) u8() : opsize == 16 ? (short) le(2) : (int) le(4));
            case 'O' -> segPrefix() + unsignedNum(adsize == 16 ? le(2) : adsize == 32 ? le(4) : le(8));
            case 'X' -> segPrefix() + "(%" + addrReg(6) + ")";
            case 'Y' -> (bits == 64 ? "" : "%es:") + "(%" + addrReg(7) + ")";
            case 'A' -> {
                long offset = le(opsize == 16 ? 2 : 4);
                long selector = le(2);
                yield "$0x" + Long.toHexString(selector) + ":$0x" + Long.toHexString(offset);
            }
            default -> throw new IllegalStateException("operand " + o);
        };
    }

    private String addrReg(int n) {
        return adsize == 16 ? R16[n] : adsize == 32 ? R32[n] : R64[n];
    }

    private String reg(int n, String size) throws Invalid {
        int width = switch (size) {
            case "b" -> 8;
            case "w" -> 16;
            case "d" -> 32;
            case "q" -> 64;
            case "y" -> bits == 64 && (rexW() || opsize == 64) ? 64 : 32;
            case "z" -> opsize == 16 ? 16 : 32;
            case "n" -> bits == 64 ? 64 : 32;
            case "x" -> 128;
            default -> opsize;
        };
        return switch (width) {
            case 8 -> "%" + (rex != 0 ? R8[n] : R8_LEGACY[n & 7]);
            case 16 -> "%" + R16[n];
            case 32 -> "%" + R32[n];
            default -> "%" + R64[n];
        };
    }

    private String immediate(String size, String mnemonic) throws Invalid {
        long v;
        switch (size) {
            case "b" -> v = u8();
            case "w" -> v = le(2);
            case "ws" -> v = (short) le(2);
            case "bs" -> v = (byte) u8();
            case "z" -> v = opsize == 16 ? le(2) : opsize == 32 ? le(4) : (int) le(4);
            case "v" -> v = le(opsize / 8);
            default -> throw new IllegalStateException("immediate " + size);
        }
        if (size.equals("v")) {
            return "$" + unsignedNum(v);
        }
        if (v < 0 && (mnemonic.startsWith("and") || mnemonic.startsWith("or") || mnemonic.startsWith("xor"))) {
            return "$" + unsignedNum(opsize == 64 ? v : v & ((1L << opsize) - 1));
        }
        return "$" + num(v);
    }

    private String target(long rel) {
        long t = address + (pos - start) + rel;
        if (bits == 64) {
            return unsignedNum(t);
        }
        if (opsize == 16 || bits == 16 && map == 1) {
            t &= 0xFFFF;
        } else if (opsize == 32) {
            t &= 0xFFFF_FFFFL;
        }
        return unsignedNum(t);
    }

    private String segPrefix() {
        return seg < 0 ? "" : "%" + SEG[seg] + ":";
    }

    /** The memory operand of the ModRM byte just read (with its SIB and displacement). */
    private String memory() throws Invalid {
        if (adsize == 16) {
            long disp = 0;
            if (mod == 0 && rm == 6) {
                long abs = le(2);
                return segPrefix() + unsignedNum(bits == 16 ? abs : (short) abs & 0xFFFF_FFFFL);
            }
            if (mod == 1) {
                disp = (byte) u8();
            } else if (mod == 2) {
                disp = (short) le(2);
            }
            return segPrefix() + (disp == 0 ? "" : num(disp)) + "(" + MEM16[rm] + ")";
        }
        String[] regs = adsize == 32 ? R32 : R64;
        int base = rm | (rex & 1) << 3;
        int index = -1;
        int scale = 0;
        boolean noBase = false;
        if (rm == 4) {
            int sib = u8();
            scale = sib >> 6;
            int idx = ((sib >> 3) & 7) | (rex & 2) << 2;
            index = idx == 4 ? -1 : idx;
            base = (sib & 7) | (rex & 1) << 3;
            if ((sib & 7) == 5 && mod == 0) {
                noBase = true;
            }
        } else if (rm == 5 && mod == 0) {
            long disp = (int) le(4);
            if (bits == 64) {
                return segPrefix() + (disp == 0 ? "" : num(disp)) + "(%" + (adsize == 32 ? "eip" : "rip") + ")";
            }
            return segPrefix() + absolute32(disp);
        }
        long disp = 0;
        if (mod == 1) {
            disp = (byte) u8();
        } else if (mod == 2 || noBase) {
            disp = (int) le(4);
        }
        if (noBase && index < 0) {
            return segPrefix() + (bits == 64 ? unsignedNum(disp) : absolute32(disp));
        }
        StringBuilder sb = new StringBuilder(segPrefix());
        if (disp != 0) {
            sb.append(num(disp));
        }
        sb.append('(');
        if (!noBase) {
            sb.append('%').append(regs[base]);
        }
        if (index >= 0) {
            sb.append(", %").append(regs[index]);
            if (scale != 0) {
                sb.append(", ").append(1 << scale);
            }
        }
        return sb.append(')').toString();
    }

    /**
     * An absolute 32-bit address (no base, no index) outside 64-bit code: in 16-bit code a
     * negative one is printed truncated to 16 bits, as QEMU does.
     */
    private String absolute32(long disp) {
        return unsignedNum(bits == 16 && disp < 0 ? disp & 0xFFFF : disp & 0xFFFF_FFFFL);
    }

    /** A signed number: decimal from -9 to 9, hexadecimal beyond. */
    static String num(long v) {
        if (v >= 0) {
            return v > 9 ? "0x" + Long.toHexString(v) : Long.toString(v);
        }
        return v < -9 ? "-0x" + Long.toHexString(-v) : Long.toString(v);
    }

    /** An unsigned number: decimal up to 9, hexadecimal beyond. */
    static String unsignedNum(long v) {
        return Long.compareUnsigned(v, 9) > 0 ? "0x" + Long.toHexString(v) : Long.toString(v);
    }

    private Disassembler.Insn finish(String mnemonic, List<String> operands) throws Invalid {
        String m = mnemonic;
        if (lock && (!hasModrm || mod == 3)) {
            throw INVALID;
        }
        if (lock) {
            m = "lock " + m;
        }
        if (rep == 0xF2 && isBranch(mnemonic) && !(bits == 16 && map == 1)) {
            m = "bnd " + m;
        }
        if (rep != 0 && isString(mnemonic)) {
            boolean cmp = mnemonic.startsWith("cmps") || mnemonic.startsWith("scas");
            m = (rep == 0xF3 ? (cmp ? "repe " : "rep ") : "repne ") + m;
        }
        return new Disassembler.Insn(pos - start, m, String.join(", ", operands));
    }

    /** Near and far CALL, RET and JMP and the Jcc: printed with a {@code bnd} prefix after F2, as QEMU does. */
    private static boolean isBranch(String m) {
        return m.startsWith("call") || m.startsWith("ret") || m.startsWith("jmp") || m.startsWith("lret")
                || m.startsWith("j") && !m.startsWith("jmp") && !m.startsWith("jcxz") && !m.startsWith("jecxz")
                && !m.startsWith("jrcxz");
    }

    private static boolean isString(String m) {
        return m.startsWith("movs") && m.length() == 5 || m.startsWith("stos") || m.startsWith("lods")
                || m.startsWith("cmps") || m.startsWith("scas") || m.startsWith("ins") && m.length() == 4
                || m.startsWith("outs");
    }

    private Disassembler.Insn x87(int esc) throws Invalid {
        modrm();
        if (mod != 3) {
            String n = X87Names.memory(esc, reg);
            if (n == null) {
                throw INVALID;
            }
            return finish(n, List.of(memText));
        }
        String t = X87Names.register(esc, 0xC0 | reg << 3 | rm);
        if (t == null) {
            throw INVALID;
        }
        int sp = t.indexOf(' ');
        return finish(sp < 0 ? t : t.substring(0, sp), sp < 0 ? List.of() : List.of(t.substring(sp + 1)));
    }

    /** 0F 01: descriptor tables, MSW, INVLPG and the register-form system instructions. */
    private Disassembler.Insn group7() throws Invalid {
        sizes("");
        modrm();
        if (mod != 3) {
            String sfx = bits == 64 ? "q" : opsize == 16 ? "w" : "l";
            String n = switch (reg) {
                case 0 -> "sgdt" + sfx;
                case 1 -> "sidt" + sfx;
                case 2 -> "lgdt" + sfx;
                case 3 -> "lidt" + sfx;
                case 4 -> "smsww";
                case 6 -> "lmsww";
                case 7 -> "invlpg";
                default -> throw INVALID;
            };
            return finish(n, List.of(memText));
        }
        int m = 0xC0 | reg << 3 | rm;
        String n = switch (m) {
            case 0xC8 -> "monitor";
            case 0xC9 -> "mwait";
            case 0xCA -> "clac";
            case 0xCB -> "stac";
            case 0xD0 -> "xgetbv";
            case 0xD1 -> "xsetbv";
            case 0xF8 -> "swapgs";
            case 0xF9 -> "rdtscp";
            default -> null;
        };
        if (n != null) {
            return finish(n, List.of());
        }
        if (reg == 4) {
            return finish("smsw" + suffix("Ev"), List.of(reg(rm | (rex & 1) << 3, "v")));
        }
        if (reg == 6) {
            return finish("lmsww", List.of(reg(rm | (rex & 1) << 3, "w")));
        }
        throw INVALID;
    }

    /** 0F AE: FXSAVE and friends, MXCSR, fences, CLFLUSH and the FS/GS base instructions. */
    private Disassembler.Insn group15() throws Invalid {
        modrm();
        String w64 = rexW() ? "64" : "";
        if (mod != 3) {
            if (opPrefix && reg >= 6) {
                return finish(reg == 6 ? "clwb" : "clflushopt", List.of(memText));
            }
            rep = 0;
            String n = switch (reg) {
                case 0 -> "fxsave" + w64;
                case 1 -> "fxrstor" + w64;
                case 2 -> "ldmxcsr";
                case 3 -> "stmxcsr";
                case 4 -> "xsave" + w64;
                case 5 -> "xrstor" + w64;
                case 6 -> "xsaveopt" + w64;
                default -> "clflush";
            };
            return finish(n, List.of(memText));
        }
        if (rep == 0xF3 && bits == 64 && reg < 4) {
            String[] names = {"rdfsbase", "rdgsbase", "wrfsbase", "wrgsbase"};
            rep = 0;
            return finish(names[reg] + (rexW() ? "q" : "l"), List.of(reg(rm | (rex & 1) << 3, rexW() ? "q" : "d")));
        }
        if (rep != 0) {
            throw INVALID;
        }
        return switch (reg) {
            case 5 -> finish("lfence", List.of());
            case 6 -> finish("mfence", List.of());
            case 7 -> finish("sfence", List.of());
            default -> throw INVALID;
        };
    }

    /**
     * 0F C7: CMPXCHG8B/16B, RDRAND, RDSEED, and VMPTRLD/VMPTRST (jemu has no VMX: they raise
     * #UD, but QEMU's disassembler names them).
     */
    private Disassembler.Insn group9() throws Invalid {
        sizes("");
        modrm();
        if (mod != 3) {
            if ((reg == 6 || reg == 7) && !opPrefix && rep == 0) {
                return finish(reg == 6 ? "vmptrld" : "vmptrst", List.of(memText));
            }
            if (reg != 1) {
                throw INVALID;
            }
            return finish(rexW() ? "cmpxchg16b" : "cmpxchg8b", List.of(memText));
        }
        if (reg == 6 || reg == 7) {
            rep = 0;
            return finish((reg == 6 ? "rdrand" : "rdseed") + suffix("Rv"), List.of(reg(rm | (rex & 1) << 3, "v")));
        }
        throw INVALID;
    }
}
