package dev.jemu.core.x86;

/**
 * The decoded form of the instruction being executed: prefixes, operand and address size,
 * the ModRM operands (register numbers already extended by REX, the effective address
 * already computed without its segment base) and the immediates. One preallocated instance
 * per CPU, refilled for every instruction.
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
    /** ModRM.rm extended by REX.B (register forms), or the register of opcode-embedded forms. */
    int rm;
    boolean isMem;
    /** Effective address, masked to the address size. */
    long ea;
    /** The immediate, sign-extended to 64 bits where the encoding sign-extends. */
    long imm;
    /** Second immediate (the selector of a far pointer, ENTER's nesting level). */
    int imm2;
    /** RIP of the instruction's first byte. */
    long startRip;
}
