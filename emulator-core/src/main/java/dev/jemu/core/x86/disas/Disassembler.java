package dev.jemu.core.x86.disas;

/**
 * An x86 disassembler printing AT&T syntax as QEMU 7.2's {@code -d in_asm} does (which
 * formats x86 code with Capstone): operand-size suffixes on integer mnemonics
 * ({@code movl}, {@code pushq}, {@code callw}), operands source first, immediates and
 * displacements in decimal up to 9 and in hexadecimal beyond, branch targets as absolute
 * addresses truncated to the operand size. Written from the Intel SDM's encoding rules
 * (prefixes, REX, ModRM, SIB, the opcode maps); the mnemonic table is {@link Opcodes} and
 * {@link X87Names}.
 *
 * <p>Threading: stateless; any thread. Each call allocates (its result and scratch state):
 * meant for logging, never for the execution path.
 */
public final class Disassembler {
    /** The longest instruction the architecture allows. */
    public static final int MAX_LENGTH = 15;

    /**
     * One disassembled instruction: its length in bytes, its mnemonic (with any
     * {@code rep}/{@code lock} prefix) and its operands (empty if none).
     */
    public record Insn(int length, String mnemonic, String operands) {
        /** Mnemonic and operands separated by one space, as {@code objdump} and Capstone print them. */
        public String text() {
            return operands.isEmpty() ? mnemonic : mnemonic + " " + operands;
        }
    }

    private Disassembler() {
    }

    /**
     * Disassembles the instruction starting at {@code code[off]} (at most {@code avail} bytes
     * are available), located at {@code address}, in a code segment of {@code bits} (16, 32
     * or 64). Returns null if the bytes are not a valid instruction (undefined, truncated or
     * over 15 bytes): QEMU then prints a {@code .byte} line instead.
     */
    public static Insn disassemble(byte[] code, int off, int avail, long address, int bits) {
        if (bits != 16 && bits != 32 && bits != 64) {
            throw new IllegalArgumentException("bits " + bits);
        }
        try {
            return new Decode(code, off, Math.min(avail, MAX_LENGTH), address, bits).run();
        } catch (Decode.Invalid e) {
            return null;
        }
    }
}
