package dev.jemu.core.x86;

/**
 * The decoded form of one instruction: prefixes, operand and address size, the ModRM
 * operands (register numbers already extended by REX), the recipe of the effective address,
 * the immediates, the handler and the length. Decoded instances are kept by the
 * {@link CodeCache} and run again without decoding; {@link #ea} and {@link #startRip} are
 * the only fields that change per execution (filled by {@link Decoder#execute} and the run
 * loop before the handler runs). Handlers must leave every other field as decoded (the
 * port-I/O size clamp in {@code SystemOps}, which only ever turns 8 into 4, is idempotent).
 */
final class Insn {
    /** {@code map << 8 | opcode}: map 0 = one byte, 1 = 0F, 2 = 0F 38, 3 = 0F 3A. */
    int op;
    int opSize;
    int addrSize;
    /** Segment of the memory operand (default or overridden). */
    int seg;
    /** An explicit segment override prefix, or -1. */
    int segOverride;
    /** 0, 0xF2 or 0xF3. */
    int rep;
    boolean lock;
    boolean opPrefix;
    boolean rex;
    boolean rexW;
    int mod;
    /** ModRM.reg, extended by REX.R. */
    int reg;
    /**
     * ModRM.rm extended by REX.B (register forms), the plain ModRM.rm bits (memory forms, for the
     * x87 FOP), or the register of opcode-embedded forms.
     */
    int rm;
    boolean isMem;
    /** Effective address, masked to the address size: computed before each execution. */
    long ea;
    /** Base register of the effective address, or -1. */
    int eaBase;
    /** Index register of the effective address, or -1. */
    int eaIndex;
    /** log2 of the index scale. */
    int eaScale;
    /** Displacement of the effective address, sign-extended. */
    long eaDisp;
    /** Whether the effective address is relative to the next instruction's RIP. */
    boolean ripRelative;
    /** The handler chosen for this form. */
    Exec exec;
    /** Length in bytes. */
    int length;
    /** The {@link CodeCache} epoch this decode belongs to; stale when it differs from its page's. */
    int stamp;
    /** The immediate, sign-extended to 64 bits where the encoding sign-extends. */
    long imm;
    /** Second immediate (the selector of a far pointer, ENTER's nesting level). */
    int imm2;
    /** RIP of the instruction's first byte. */
    long startRip;
}
