package dev.jemu.core.x86;

import java.lang.classfile.CodeBuilder;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDesc;
import java.lang.constant.MethodTypeDesc;

import static dev.jemu.core.x86.BlockTranslator.L_CPU;
import static dev.jemu.core.x86.BlockTranslator.emitEa;

/**
 * Emits the frequent instruction forms of a block as calls of {@link BlockOps} with every
 * decoded field a constant (instead of a call of the handler on its {@code Insn}): the ALU
 * operations, TEST, MOV, LEA, MOVZX/MOVSX, INC/DEC, PUSH/POP, IMUL, shifts by a constant,
 * SETcc, CMOVcc, and as the end of a path CALL and RET (direct JMP and Jcc are the
 * emitter's own).
 *
 * <p>Threading: stateless.
 */
final class InlineOps {
    /** The form is not handled here: the caller emits a call of the handler. */
    static final int NONE = 0;
    /** Emitted; the instruction reads at most memory. */
    static final int DONE = 1;
    /** Emitted; the instruction may write memory. */
    static final int WRITES = 2;
    /** Emitted; the instruction set RIP itself (a control transfer, necessarily the last). */
    static final int BRANCHES = 3;

    private static final ClassDesc CD_OPS = ClassDesc.of(BlockOps.class.getName());

    private InlineOps() {
    }

    /** Emits {@code i} (next instruction at {@code next}) if it is a handled form; returns what was done. */
    static int emit(CodeBuilder code, Insn i, long next) {
        int op = i.op;
        int s = i.opSize;
        if (op < 0x40 && (op & 7) < 6) {
            return emitAlu(code, i, next, (op >> 3) & 7, op & 7);
        }
        boolean m = i.isMem;
        switch (op) {
            case 0x80, 0x81, 0x83 -> {
                int k = i.reg & 7;
                return m ? memCall(code, i, next, "aluMI", "(IJI)V", k != 7, k, i.imm, s)
                        : regCall(code, "aluRI", "(IIJI)V", k, i.rm, i.imm, s);
            }
            case 0x84, 0x85 -> {
                return m ? memCall(code, i, next, "testMR", "(II)V", false, i.reg, s)
                        : regCall(code, "testRR", "(III)V", i.rm, i.reg, s);
            }
            case 0xA8, 0xA9 -> {
                return regCall(code, "testRI", "(IJI)V", Cpu.RAX, i.imm, s);
            }
            case 0x88, 0x89 -> {
                return m ? memCall(code, i, next, "store", "(II)V", true, i.reg, s)
                        : regCall(code, "movRR", "(III)V", i.rm, i.reg, s);
            }
            case 0x8A, 0x8B -> {
                return m ? memCall(code, i, next, "load", "(II)V", false, i.reg, s)
                        : regCall(code, "movRR", "(III)V", i.reg, i.rm, s);
            }
            case 0xC6, 0xC7 -> {
                return m ? memCall(code, i, next, "storeImm", "(JI)V", true, i.imm, s)
                        : regCall(code, "movRI", "(IJI)V", i.rm, i.imm, s);
            }
            case 0xB0, 0xB1, 0xB2, 0xB3, 0xB4, 0xB5, 0xB6, 0xB7, 0xB8, 0xB9, 0xBA, 0xBB, 0xBC, 0xBD, 0xBE, 0xBF -> {
                return regCall(code, "movRI", "(IJI)V", i.rm, i.imm, s);
            }
            case 0x8D -> {
                code.aload(L_CPU).loadConstant(i.reg);
                emitEa(code, i, next);
                code.loadConstant(s);
                invoke(code, "setReg", "(IJI)V");
                return DONE;
            }
            case 0x1B6, 0x1B7, 0x1BE, 0x1BF -> {
                int from = (op & 1) == 0 ? 1 : 2;
                String name = op < 0x1BE ? "movzx" : "movsx";
                return m ? memCall(code, i, next, name + "M", "(III)V", false, i.reg, from, s)
                        : regCall(code, name + "R", "(IIII)V", i.reg, i.rm, from, s);
            }
            case 0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57 -> {
                regCall(code, "pushR", "(II)V", i.rm, s);
                return WRITES;
            }
            case 0x68, 0x6A -> {
                regCall(code, "pushI", "(JI)V", i.imm, s);
                return WRITES;
            }
            case 0x58, 0x59, 0x5A, 0x5B, 0x5C, 0x5D, 0x5E, 0x5F -> {
                return regCall(code, "popR", "(II)V", i.rm, s);
            }
            case 0xFE, 0xFF -> {
                int k = i.reg & 7;
                if (k > 1) {
                    return NONE;
                }
                return m ? memCall(code, i, next, "incDecM", "(ZI)V", true, k == 0, s)
                        : regCall(code, "incDecR", "(IZI)V", i.rm, k == 0, s);
            }
            case 0x1AF -> {
                return m ? memCall(code, i, next, "imulRM", "(II)V", false, i.reg, s)
                        : regCall(code, "imulRR", "(IIII)V", i.reg, i.reg, i.rm, s);
            }
            case 0x69, 0x6B -> {
                return m ? NONE : regCall(code, "imulRI", "(IIJI)V", i.reg, i.rm, i.imm, s);
            }
            case 0xC0, 0xC1, 0xD0, 0xD1 -> {
                int count = (op >= 0xD0 ? 1 : (int) i.imm) & (s == 8 ? 63 : 31);
                return m || count == 0 ? NONE : regCall(code, "shiftRI", "(IIII)V", i.reg & 7, i.rm, count, s);
            }
            case 0x90 -> {
                return i.rm == 8 ? NONE : DONE;
            }
            default -> {
                return emitCondOrBranch(code, i, next);
            }
        }
    }

    private static int emitCondOrBranch(CodeBuilder code, Insn i, long next) {
        int op = i.op;
        int s = i.opSize;
        if (op >= 0x190 && op < 0x1A0 && !i.isMem) {
            return regCall(code, "setcc", "(II)V", op & 15, i.rm);
        }
        if (op >= 0x140 && op < 0x150 && !i.isMem) {
            return regCall(code, "cmovRR", "(IIII)V", op & 15, i.reg, i.rm, s);
        }
        return switch (op) {
            case 0xE8 -> {
                regCall(code, "callRel", "(JJI)V", next + i.imm, next, s);
                yield BRANCHES;
            }
            case 0xC3 -> {
                regCall(code, "ret", "(I)V", s);
                yield BRANCHES;
            }
            default -> NONE;
        };
    }

    /** The ALU operation {@code k} in its form {@code form} (the low three opcode bits, 0 to 5). */
    private static int emitAlu(CodeBuilder code, Insn i, long next, int k, int form) {
        int s = i.opSize;
        boolean m = i.isMem;
        return switch (form) {
            case 0, 1 -> m ? memCall(code, i, next, "aluMR", "(III)V", k != 7, k, i.reg, s)
                    : regCall(code, "aluRR", "(IIII)V", k, i.rm, i.reg, s);
            case 2, 3 -> m ? memCall(code, i, next, "aluRM", "(III)V", false, k, i.reg, s)
                    : regCall(code, "aluRR", "(IIII)V", k, i.reg, i.rm, s);
            default -> regCall(code, "aluRI", "(IIJI)V", k, Cpu.RAX, i.imm, s);
        };
    }

    /**
     * Pushes the CPU, the segment and the effective address of {@code i}, then {@code args},
     * and calls memory form {@code name} ({@code sig} lists the types after the address);
     * {@code writes} says whether it may store.
     */
    private static int memCall(CodeBuilder code, Insn i, long next, String name, String sig, boolean writes, Object... args) {
        code.aload(L_CPU).loadConstant(i.seg);
        emitEa(code, i, next);
        pushAll(code, args);
        invoke(code, name, "(IJ" + sig.substring(1));
        return writes ? WRITES : DONE;
    }

    /** Pushes the CPU, then {@code args} (Integer, Long or Boolean), then calls {@code name}. */
    private static int regCall(CodeBuilder code, String name, String sig, Object... args) {
        code.aload(L_CPU);
        pushAll(code, args);
        invoke(code, name, sig);
        return DONE;
    }

    private static void pushAll(CodeBuilder code, Object... args) {
        for (Object a : args) {
            if (a instanceof Boolean b) {
                code.loadConstant(b ? 1 : 0);
            } else {
                code.loadConstant((ConstantDesc) a);
            }
        }
    }

    private static void invoke(CodeBuilder code, String name, String sig) {
        code.invokestatic(CD_OPS, name, MethodTypeDesc.ofDescriptor(
                "(" + BlockTranslator.CD_CPU.descriptorString() + sig.substring(1)));
    }
}
