package dev.jemu.core.x86;

/**
 * The opcode table as data: for every {@code map << 8 | opcode}, whether a ModRM byte
 * follows, how the operand size is chosen, which immediate follows, whether the opcode is
 * invalid in 64-bit mode, and the handlers of its register and memory forms (eight of each
 * for opcodes whose ModRM.reg selects a group member). The decoder is driven by it; the op
 * classes fill it once, at class initialisation.
 */
final class OpTable {
    static final int MODRM = 1;
    /** Operand size is one byte. */
    static final int BYTE = 1 << 1;
    /** In 64-bit mode the operand size defaults to 64 bits (PUSH, POP, ...). */
    static final int D64 = 1 << 2;
    /** In 64-bit mode the operand size is 64 bits whatever the prefixes (near branches). */
    static final int F64 = 1 << 3;
    /** Operand size is 16 bits whatever the prefixes. */
    static final int WORD = 1 << 4;
    /** Raises #UD in 64-bit mode. */
    static final int INV64 = 1 << 5;
    /** The ModRM.reg field selects one of eight handlers. */
    static final int GROUP = 1 << 6;
    /** Only the register form exists (MOV CRn and friends ignore ModRM.mod). */
    static final int REG_ONLY = 1 << 7;
    /** A mandatory prefix (none, 66, F3, F2) selects one of four handlers (SSE encodings). */
    static final int PREFIXED = 1 << 12;

    static final int IMM_SHIFT = 8;
    static final int IMM_MASK = 0xF << IMM_SHIFT;
    /** Immediate byte, sign-extended. */
    static final int IB = 1 << IMM_SHIFT;
    /** Immediate word, zero-extended. */
    static final int IW = 2 << IMM_SHIFT;
    /** Immediate of the operand size, at most 32 bits, sign-extended. */
    static final int IZ = 3 << IMM_SHIFT;
    /** Immediate of the full operand size (MOV r64, imm64). */
    static final int IV = 4 << IMM_SHIFT;
    /** Far pointer: offset of the operand size, then a selector in {@code imm2}. */
    static final int IAP = 5 << IMM_SHIFT;
    /** Memory offset of the address size (MOV AL, moffs). */
    static final int IO = 6 << IMM_SHIFT;
    /** ENTER: a word then a byte in {@code imm2}. */
    static final int IENTER = 7 << IMM_SHIFT;
    /** TEST in group 3: an immediate of the operand size for reg 0 and 1 only. */
    static final int IGRP3 = 8 << IMM_SHIFT;

    static final int[] FLAGS = new int[4 * 256];
    static final Exec[] REG = new Exec[4 * 256];
    static final Exec[] MEM = new Exec[4 * 256];
    static final Exec[][] REG_GROUP = new Exec[4 * 256][];
    static final Exec[][] MEM_GROUP = new Exec[4 * 256][];
    /** Handlers of PREFIXED opcodes: [prefix][op], prefix 0 = none, 1 = 66, 2 = F3, 3 = F2. */
    static final Exec[][] REG_PREFIXED = new Exec[4][4 * 256];
    static final Exec[][] MEM_PREFIXED = new Exec[4][4 * 256];
    static final int P_NONE = 0;
    static final int P_66 = 1;
    static final int P_F3 = 2;
    static final int P_F2 = 3;

    static {
        IntegerOps.register();
        ShiftBitOps.register();
        ControlOps.register();
        StringOps.register();
        SystemOps.register();
        X87Control.register();
        SseOps.register();
        Ssse3Ops.register();
        Sse41Ops.register();
        Sse42Ops.register();
        SseFloat.register();
    }

    private OpTable() {
    }

    /** Defines {@code op} with one handler for its register and memory forms. */
    static void def(int op, int flags, Exec both) {
        def(op, flags, both, both);
    }

    /** Defines {@code op} with separate register and memory forms (either may be null). */
    static void def(int op, int flags, Exec reg, Exec mem) {
        if (REG[op] != null || MEM[op] != null || REG_GROUP[op] != null) {
            throw new IllegalStateException("opcode 0x" + Integer.toHexString(op) + " defined twice");
        }
        FLAGS[op] = flags;
        REG[op] = reg;
        MEM[op] = mem;
    }

    /** Defines member {@code n} (ModRM.reg) of group opcode {@code op}. */
    static void group(int op, int flags, int n, Exec reg, Exec mem) {
        if (REG_GROUP[op] == null) {
            REG_GROUP[op] = new Exec[8];
            MEM_GROUP[op] = new Exec[8];
            FLAGS[op] = flags | GROUP | MODRM;
        } else if (FLAGS[op] != (flags | GROUP | MODRM)) {
            throw new IllegalStateException("group 0x" + Integer.toHexString(op) + " defined with different flags");
        }
        REG_GROUP[op][n] = reg;
        MEM_GROUP[op][n] = mem;
    }

    static void group(int op, int flags, int n, Exec both) {
        group(op, flags, n, both, both);
    }

    /** Defines the form of SSE opcode {@code op} selected by mandatory prefix {@code prefix} (P_NONE...). */
    static void defPrefixed(int op, int prefix, int flags, Exec reg, Exec mem) {
        if (REG[op] != null || MEM[op] != null || REG_GROUP[op] != null) {
            throw new IllegalStateException("opcode 0x" + Integer.toHexString(op) + " is not prefix-selected");
        }
        int f = flags | PREFIXED | MODRM;
        if (FLAGS[op] != 0 && FLAGS[op] != f) {
            throw new IllegalStateException("opcode 0x" + Integer.toHexString(op) + " defined with different flags");
        }
        if (REG_PREFIXED[prefix][op] != null || MEM_PREFIXED[prefix][op] != null) {
            throw new IllegalStateException("opcode 0x" + Integer.toHexString(op) + " prefix " + prefix + " defined twice");
        }
        FLAGS[op] = f;
        REG_PREFIXED[prefix][op] = reg;
        MEM_PREFIXED[prefix][op] = mem;
    }

    /** Whether anything is defined for {@code op}. */
    static boolean defined(int op) {
        return REG[op] != null || MEM[op] != null || REG_GROUP[op] != null;
    }
}
