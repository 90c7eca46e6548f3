package dev.jemu.core.x86;

import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.MethodTypeDesc;

import static dev.jemu.core.x86.BlockTranslator.CD_CPU;
import static dev.jemu.core.x86.BlockTranslator.L_CPU;
import static dev.jemu.core.x86.RegLocals.L_A;
import static dev.jemu.core.x86.RegLocals.L_AUX;
import static dev.jemu.core.x86.RegLocals.L_B;
import static dev.jemu.core.x86.RegLocals.L_CNT;
import static dev.jemu.core.x86.RegLocals.L_HI;
import static dev.jemu.core.x86.RegLocals.L_EA;
import static dev.jemu.core.x86.RegLocals.L_R;
import static dev.jemu.core.x86.RegLocals.L_RES;
import static dev.jemu.core.x86.RegLocals.L_SMASK;
import static java.lang.constant.ConstantDescs.CD_boolean;
import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_long;
import static java.lang.constant.ConstantDescs.CD_void;

/**
 * Emits the frequent instruction forms of a region as JVM code on the guest state held in
 * locals ({@link RegLocals}), every decoded field a constant: the ALU operations, TEST, MOV,
 * LEA, MOVZX/MOVSX, MOVSXD, INC/DEC (40+r and 48+r outside 64-bit code too), PUSH/POP, NOP
 * and the hint NOPs, SETcc, CMOVcc, BSWAP, NOT, NEG, the one-operand MUL and IMUL, and
 * SHL/SHR/SAR by a constant or by CL in full (operand size folded, the flags as the two
 * lazy-flag words of {@link LazyFlags}), the other IMUL forms and rotates by a constant
 * through the interpreter's routines, and as the end of a path CALL and RET. Memory operands
 * go through {@link MemAccess}. Direct JMP and Jcc are the emitter's own
 * ({@link #emitCondition}, or {@link #emitFusedBranch} right after a CMP, SUB, TEST or
 * logical operation).
 *
 * <p>Threading: one per emission, on the vCPU thread.
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
    /**
     * Emitted; a CALL in 64-bit code whose return address went to plain RAM: the caller
     * leaves the region to the constant {@link #callTarget()}, an exit that may chain.
     */
    static final int CALLS = 4;

    private static final ClassDesc CD_FLAGS = ClassDesc.of(LazyFlags.class.getName());
    private static final ClassDesc CD_CONTROL = ClassDesc.of(ControlOps.class.getName());
    private static final MethodTypeDesc MTD_AUX = MethodTypeDesc.of(CD_long, CD_long, CD_long, CD_long, CD_int);
    private static final MethodTypeDesc MTD_KEEP = MethodTypeDesc.of(CD_long, CD_long, CD_long);
    private static final MethodTypeDesc MTD_PF = MethodTypeDesc.of(CD_boolean, CD_long, CD_long);
    private static final MethodTypeDesc MTD_JMP = MethodTypeDesc.of(CD_void, CD_CPU, CD_long, CD_int);
    private static final MethodTypeDesc MTD_SHL_AUX = MethodTypeDesc.of(CD_long, CD_long, CD_long, CD_int, CD_int);
    private static final MethodTypeDesc MTD_SHR_AUX = MethodTypeDesc.of(CD_long, CD_long, CD_int, CD_int);
    private static final MethodTypeDesc MTD_SAR_AUX = MethodTypeDesc.of(CD_long, CD_long, CD_int);
    private static final MethodTypeDesc MTD_MUL_AUX = MethodTypeDesc.of(CD_long, CD_long);
    private static final MethodTypeDesc MTD_MUL_HIGH = MethodTypeDesc.of(CD_long, CD_long, CD_long);

    private final RegLocals regs;
    private final boolean code64;
    private final MemAccess mem;
    private CodeBuilder code;
    private Insn i;
    private long next;
    private long callTarget;
    /** What the last emitted instruction leaves for a fused Jcc ({@link #emitFusedBranch}): 0, {@link #FUSE_SUB} or {@link #FUSE_LOGIC}. */
    private int fuse;
    private int fuseSize;

    /** The last instruction was CMP or SUB: its masked operands are in {@code L_A} and {@code L_B}. */
    private static final int FUSE_SUB = 1;
    /** The last instruction set the flags of a logical result (CF = OF = 0): it is in {@code L_RES}. */
    private static final int FUSE_LOGIC = 2;

    InlineOps(RegLocals regs, boolean code64, int flatSegs) {
        this.regs = regs;
        this.code64 = code64;
        this.mem = new MemAccess(regs, code64, flatSegs);
    }

    /** The label the last emitted instruction's fast-path misses jump to, or null (see {@link MemAccess#miss()}). */
    Label miss() {
        return mem.miss();
    }

    /** The target of the last instruction emitted as {@link #CALLS}. */
    long callTarget() {
        return callTarget;
    }

    /**
     * Emits {@code i} (next instruction at {@code next}) if it is a handled form; returns what
     * was done. {@code mayLeave}: a fast-path miss may leave the region at the instruction
     * (not at the region's entry, where leaving would make no progress: there a miss takes
     * the MMU's path in place).
     */
    int emit(CodeBuilder cb, Insn insn, long nextRip, boolean mayLeave) {
        code = cb;
        i = insn;
        next = nextRip;
        mem.begin(cb, insn, mayLeave);
        fuse = 0;
        int kind = emitForm();
        return kind == WRITES && !mem.callsWrite() ? DONE : kind;
    }

    private int emitForm() {
        int op = i.op;
        if (op < 0x40 && (op & 7) < 6) {
            return alu((op >> 3) & 7, op & 7);
        }
        int s = i.opSize;
        switch (op) {
            case 0x80, 0x81, 0x83 -> {
                return aluImm(i.reg & 7);
            }
            case 0x84, 0x85 -> {
                operand(s);
                code.lstore(L_A);
                regs.get(code, i.reg, s, i.rex);
                code.lload(L_A).land();
                logicFlags(s);
                return DONE;
            }
            case 0xA8, 0xA9 -> {
                regs.get(code, Cpu.RAX, s, i.rex);
                code.ldc(i.imm & IntegerOps.mask(s)).land();
                logicFlags(s);
                return DONE;
            }
            case 0x88, 0x89 -> {
                if (i.isMem) {
                    ea();
                    regs.get(code, i.reg, s, i.rex);
                    code.lstore(L_A);
                    writeEa(s, L_A);
                    return WRITES;
                }
                regs.get(code, i.reg, s, i.rex);
                regs.set(code, i.rm, s, i.rex);
                return DONE;
            }
            case 0x8A, 0x8B -> {
                operand(s);
                regs.set(code, i.reg, s, i.rex);
                return DONE;
            }
            case 0xC6, 0xC7 -> {
                if (i.isMem) {
                    ea();
                    code.ldc(i.imm).lstore(L_A);
                    writeEa(s, L_A);
                    return WRITES;
                }
                code.ldc(i.imm);
                regs.set(code, i.rm, s, i.rex);
                return DONE;
            }
            case 0xB0, 0xB1, 0xB2, 0xB3, 0xB4, 0xB5, 0xB6, 0xB7, 0xB8, 0xB9, 0xBA, 0xBB, 0xBC, 0xBD, 0xBE, 0xBF -> {
                code.ldc(i.imm);
                regs.set(code, i.rm, s, i.rex);
                return DONE;
            }
            case 0x8D -> {
                pushEa();
                regs.set(code, i.reg, s, i.rex);
                return DONE;
            }
            case 0x1B6, 0x1B7, 0x1BE, 0x1BF -> {
                int from = (op & 1) == 0 ? 1 : 2;
                operand(from);
                if (op >= 0x1BE) {
                    signExtend(from);
                }
                regs.set(code, i.reg, s, i.rex);
                return DONE;
            }
            case 0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57 -> {
                regs.get(code, i.rm, s, i.rex);
                code.lstore(L_A);
                push(s);
                return WRITES;
            }
            case 0x68, 0x6A -> {
                code.ldc(i.imm).lstore(L_A);
                push(s);
                return WRITES;
            }
            case 0x58, 0x59, 0x5A, 0x5B, 0x5C, 0x5D, 0x5E, 0x5F -> {
                pop(s);
                code.lload(L_A);
                regs.set(code, i.rm, s, i.rex);
                return DONE;
            }
            case 0xFE, 0xFF -> {
                int k = i.reg & 7;
                return k > 1 ? NONE : incDec(k == 0, s);
            }
            case 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4A, 0x4B, 0x4C, 0x4D, 0x4E, 0x4F -> {
                return incDec(op < 0x48, s);
            }
            case 0x1AF -> {
                regs.get(code, i.reg, s, i.rex);
                code.lstore(L_A);
                operand(s);
                code.lstore(L_B);
                return imul(s);
            }
            case 0x69, 0x6B -> {
                if (i.isMem) {
                    return NONE;
                }
                regs.get(code, i.rm, s, i.rex);
                code.lstore(L_A);
                code.ldc(i.imm).lstore(L_B);
                return imul(s);
            }
            case 0xC0, 0xC1, 0xD0, 0xD1 -> {
                int count = (op >= 0xD0 ? 1 : (int) i.imm) & (s == 8 ? 63 : 31);
                return i.isMem || count == 0 ? NONE : shift(i.reg & 7, count, s);
            }
            case 0xD2, 0xD3 -> {
                return i.isMem || (i.reg & 7) < 4 ? NONE : shiftByCl(i.reg & 7, s);
            }
            case 0xF6, 0xF7 -> {
                return group3(i.reg & 7, s);
            }
            case 0x90 -> {
                return i.rm == 8 ? NONE : DONE;
            }
            case 0x118, 0x119, 0x11A, 0x11B, 0x11C, 0x11D, 0x11E, 0x11F -> {
                // the hint NOPs and prefetches: nothing, not even the memory operand's access
                return DONE;
            }
            case 0x63 -> {
                if (!code64) {
                    return NONE;
                }
                operand(4);
                signExtend(4);
                regs.set(code, i.reg, s, i.rex);
                return DONE;
            }
            case 0x1C8, 0x1C9, 0x1CA, 0x1CB, 0x1CC, 0x1CD, 0x1CE, 0x1CF -> {
                bswap(s);
                return DONE;
            }
            default -> {
                return condOrBranch();
            }
        }
    }

    private int condOrBranch() {
        int op = i.op;
        int s = i.opSize;
        if (op >= 0x190 && op < 0x1A0 && !i.isMem) {
            Label no = code.newLabel();
            Label done = code.newLabel();
            emitCondition(code, op & 15);
            code.ifeq(no).lconst_1().goto_(done).labelBinding(no);
            code.lconst_0().labelBinding(done);
            regs.set(code, i.rm, 1, i.rex);
            return DONE;
        }
        if (op >= 0x140 && op < 0x150 && !i.isMem) {
            Label no = code.newLabel();
            Label done = code.newLabel();
            emitCondition(code, op & 15);
            code.ifeq(no);
            regs.get(code, i.rm, s, i.rex);
            regs.set(code, i.reg, s, i.rex);
            code.goto_(done).labelBinding(no);
            zeroExtendUnchanged(i.reg, s);
            code.labelBinding(done);
            return DONE;
        }
        if (op == 0xE8) {
            code.ldc(next).lstore(L_A);
            push(s);
            long target = next + i.imm;
            if (code64 && s == 8 && Cpu.isCanonical(target) && !mem.callsWrite()) {
                callTarget = target;
                return CALLS;
            }
            jump(target, s);
            return BRANCHES;
        }
        if (op == 0xC3) {
            pop(s);
            regs.spill(code);
            code.aload(L_CPU).lload(L_A).loadConstant(s).invokestatic(CD_CONTROL, "jump", MTD_JMP);
            return BRANCHES;
        }
        return NONE;
    }

    /**
     * Pushes condition code {@code cc} of the flags in locals as an int (0 or 1), branch-free
     * on {@link LazyFlags}' layout (CF = aux bit 63, OF = CF xor aux bit 62, SF = the result's
     * sign xor aux bit 16, ZF = a zero result), as {@link LazyFlags#condition} evaluates it;
     * parity through {@link LazyFlags#pf(long, long)}.
     */
    static void emitCondition(CodeBuilder code, int cc) {
        switch (cc >> 1) {
            case 0 -> of(code);
            case 1 -> cf(code);
            case 2 -> zf(code);
            case 3 -> {
                cf(code);
                zf(code);
                code.ior();
            }
            case 4 -> sf(code);
            case 5 -> code.lload(L_RES).lload(L_AUX).invokestatic(CD_FLAGS, "pf", MTD_PF);
            case 6 -> {
                sf(code);
                of(code);
                code.ixor();
            }
            default -> {
                zf(code);
                sf(code);
                of(code);
                code.ixor().ior();
            }
        }
        if ((cc & 1) != 0) {
            code.iconst_1().ixor();
        }
    }

    /**
     * Emits the test of a Jcc on condition {@code cc} that directly follows the instruction
     * emitted last, on that instruction's operands rather than on the flag locals, if it was
     * a CMP or SUB (a compare of {@code L_A} with {@code L_B}: E, NE, B, AE, BE, A, L, GE, LE,
     * G) or set the flags of a logical result (the sign and zero of {@code L_RES}, CF and OF
     * being 0: E, NE, S, NS, L, GE, LE, G): jumps to {@code notTaken} when the condition is false and returns true; or
     * emits nothing and returns false. The flag locals are written as before, for later
     * readers. The caller makes sure nothing but that instruction's own code reaches the Jcc.
     */
    boolean emitFusedBranch(int cc, Label notTaken) {
        CodeBuilder cb = code;
        if (fuse == FUSE_SUB) {
            int order = cc >> 1;
            if (order != 1 && order != 2 && order != 3 && order < 6) {
                return false;
            }
            boolean signed = order >= 6;
            cb.lload(L_A);
            fusedOperand(signed);
            cb.lload(L_B);
            fusedOperand(signed);
            cb.lcmp();
        } else if (fuse == FUSE_LOGIC) {
            int order = cc >> 1;
            if (order != 2 && order != 4 && order < 6) {
                return false;
            }
            cb.lload(L_RES).lconst_0().lcmp();
        } else {
            return false;
        }
        // the int on the stack orders the operands (or the logical result against 0)
        switch (cc) {
            case 2, 12 -> cb.ifge(notTaken);
            case 3, 13 -> cb.iflt(notTaken);
            case 4 -> cb.ifne(notTaken);
            case 5 -> cb.ifeq(notTaken);
            case 6, 14 -> cb.ifgt(notTaken);
            case 7, 15 -> cb.ifle(notTaken);
            case 8 -> cb.ifge(notTaken);
            default -> cb.iflt(notTaken);
        }
        return true;
    }

    /**
     * Turns a masked operand on the stack into one whose signed 64-bit order is the
     * operands' order: sign-extended for a signed compare, and for an unsigned compare at 64
     * bits the sign bit flipped (narrower masked operands are already non-negative).
     */
    private void fusedOperand(boolean signed) {
        if (signed) {
            signExtend(fuseSize);
        } else if (fuseSize == 8) {
            code.ldc(Long.MIN_VALUE).lxor();
        }
    }

    private static void cf(CodeBuilder code) {
        code.lload(L_AUX).bipush(63).lushr().l2i();
    }

    private static void of(CodeBuilder code) {
        code.lload(L_AUX).dup2().iconst_1().lshl().lxor().bipush(63).lushr().l2i();
    }

    private static void sf(CodeBuilder code) {
        code.lload(L_RES).lload(L_AUX).bipush(47).lshl().lxor().bipush(63).lushr().l2i();
    }

    /** ZF: 1 for a zero result ({@code (r | -r)} has its sign bit set for any other). */
    private static void zf(CodeBuilder code) {
        code.lload(L_RES).dup2().lneg().lor().bipush(63).lushr().l2i().iconst_1().ixor();
    }

    /** The ALU operation {@code k} in its form {@code form} (the low three opcode bits, 0 to 5). */
    private int alu(int k, int form) {
        int s = i.opSize;
        switch (form) {
            case 0, 1 -> {
                if (i.isMem) {
                    ea();
                    mem.readForUpdate(s, k != 7);
                    code.lstore(L_A);
                    regs.get(code, i.reg, s, i.rex);
                    code.lstore(L_B);
                    aluOp(k, s);
                    if (k == 7) {
                        return DONE;
                    }
                    mem.update(s);
                    return WRITES;
                }
                return aluReg(k, i.rm, i.reg, s);
            }
            case 2, 3 -> {
                regs.get(code, i.reg, s, i.rex);
                code.lstore(L_A);
                operand(s);
                code.lstore(L_B);
                aluOp(k, s);
                if (k != 7) {
                    code.lload(L_R);
                    regs.set(code, i.reg, s, i.rex);
                }
                return DONE;
            }
            default -> {
                regs.get(code, Cpu.RAX, s, i.rex);
                code.lstore(L_A);
                code.ldc(i.imm & IntegerOps.mask(s)).lstore(L_B);
                aluOp(k, s);
                if (k != 7) {
                    code.lload(L_R);
                    regs.set(code, Cpu.RAX, s, i.rex);
                }
                return DONE;
            }
        }
    }

    private int aluReg(int k, int dst, int src, int s) {
        regs.get(code, dst, s, i.rex);
        code.lstore(L_A);
        regs.get(code, src, s, i.rex);
        code.lstore(L_B);
        aluOp(k, s);
        if (k != 7) {
            code.lload(L_R);
            regs.set(code, dst, s, i.rex);
        }
        return DONE;
    }

    private int aluImm(int k) {
        int s = i.opSize;
        if (i.isMem) {
            ea();
            mem.readForUpdate(s, k != 7);
        } else {
            regs.get(code, i.rm, s, i.rex);
        }
        code.lstore(L_A);
        code.ldc(i.imm & IntegerOps.mask(s)).lstore(L_B);
        aluOp(k, s);
        if (k == 7) {
            return DONE;
        }
        return storeRm(s);
    }

    /**
     * ALU kind {@code k} (ADD, OR, ADC, SBB, AND, SUB, XOR, CMP) of {@code L_A} and
     * {@code L_B} (both already masked to {@code s} bytes), as {@link IntegerOps#alu}: the
     * masked result into {@code L_R}, the flags into their locals.
     */
    private void aluOp(int k, int s) {
        switch (k) {
            case 1, 4, 6 -> {
                code.lload(L_A).lload(L_B);
                if (k == 1) {
                    code.lor();
                } else if (k == 4) {
                    code.land();
                } else {
                    code.lxor();
                }
                code.dup2().lstore(L_R);
                logicFlags(s);
            }
            default -> {
                boolean add = k == 0 || k == 2;
                if (k == 5 || k == 7) {
                    fuse = FUSE_SUB;
                    fuseSize = s;
                }
                code.lload(L_A).lload(L_B);
                addOrSub(add);
                if (k == 2 || k == 3) {
                    code.lload(L_AUX).bipush(63).lushr();
                    addOrSub(add);
                }
                arithmeticResult(add, s, false);
            }
        }
    }

    private void addOrSub(boolean add) {
        if (add) {
            code.ladd();
        } else {
            code.lsub();
        }
    }

    /**
     * The unmasked sum or difference of {@code L_A} and its second operand ({@code L_B}, or 1
     * for INC/DEC, which keep CF) on the stack: consumed into {@code L_R} (masked to {@code s}
     * bytes), the flag locals {@code L_RES} and {@code L_AUX}.
     */
    private void arithmeticResult(boolean add, int s, boolean byOne) {
        code.lstore(L_R);
        code.lload(L_R);
        signExtend(s);
        code.lstore(L_RES);
        code.lload(L_A);
        if (byOne) {
            code.lconst_1();
        } else {
            code.lload(L_B);
        }
        code.lload(L_R).loadConstant(s).invokestatic(CD_FLAGS, add ? "addAux" : "subAux", MTD_AUX);
        if (byOne) {
            code.lload(L_AUX).invokestatic(CD_FLAGS, "keepCarryAux", MTD_KEEP);
        }
        code.lstore(L_AUX);
        code.lload(L_R).ldc(IntegerOps.mask(s)).land().lstore(L_R);
    }

    /** The flags of a logical result on the stack (masked to {@code s} bytes): consumed. */
    private void logicFlags(int s) {
        fuse = FUSE_LOGIC;
        fuseSize = s;
        signExtend(s);
        code.lstore(L_RES).lconst_0().lstore(L_AUX);
    }

    /** INC or DEC of the register or memory operand (FE/FF /0 and /1, and 40+r/48+r outside 64-bit code): CF kept. */
    private int incDec(boolean inc, int s) {
        if (i.isMem) {
            ea();
            mem.readForUpdate(s, true);
        } else {
            regs.get(code, i.rm, s, i.rex);
        }
        code.dup2().lstore(L_A).lconst_1();
        addOrSub(inc);
        arithmeticResult(inc, s, true);
        return storeRm(s);
    }

    /**
     * Stores {@code L_R} into the r/m operand of {@code s} bytes, read before by
     * {@link MemAccess#readForUpdate} if it is in memory; returns what the instruction did.
     */
    private int storeRm(int s) {
        if (i.isMem) {
            mem.update(s);
            return WRITES;
        }
        code.lload(L_R);
        regs.set(code, i.rm, s, i.rex);
        return DONE;
    }

    /** IMUL of {@code L_A} and {@code L_B} into the reg operand, through {@link MulDiv#imul} (which sets every flag). */
    private int imul(int s) {
        code.aload(L_CPU).lload(L_A).lload(L_B).loadConstant(s).invokestatic(ClassDesc.of(MulDiv.class.getName()),
                "imul", MethodTypeDesc.of(CD_long, CD_CPU, CD_long, CD_long, CD_int));
        regs.set(code, i.reg, s, i.rex);
        regs.loadFlags(code);
        return DONE;
    }

    /**
     * Group-2 shift or rotate {@code kind} of the register operand by a constant, non-zero
     * (masked) count: SHL, SHR and SAR inline ({@link #shiftBy}), the rotates through
     * {@link ShiftBitOps#shift}.
     */
    private int shift(int kind, int count, int s) {
        if (kind < 4) {
            regs.spillFlags(code);
            code.aload(L_CPU).loadConstant(kind);
            regs.get(code, i.rm, s, i.rex);
            code.loadConstant(count).loadConstant(s).invokestatic(ClassDesc.of(ShiftBitOps.class.getName()),
                    "shift", MethodTypeDesc.of(CD_long, CD_CPU, CD_int, CD_long, CD_int, CD_int));
            regs.set(code, i.rm, s, i.rex);
            regs.loadFlags(code);
            return DONE;
        }
        code.loadConstant(count).istore(L_CNT);
        shiftBy(kind, s);
        return DONE;
    }

    /**
     * SHL, SHR or SAR of the register operand by CL, masked to 5 bits (6 for a 64-bit
     * operand): a zero count changes no flag and leaves the register as it is, a 32-bit one
     * zero-extended as {@link ShiftBitOps} writes it.
     */
    private int shiftByCl(int kind, int s) {
        Label zero = code.newLabel();
        Label done = code.newLabel();
        regs.load(code, Cpu.RCX);
        code.l2i().loadConstant(s == 8 ? 63 : 31).iand().dup().istore(L_CNT).ifeq(zero);
        shiftBy(kind, s);
        code.goto_(done).labelBinding(zero);
        zeroExtendUnchanged(i.rm, s);
        code.labelBinding(done);
        return DONE;
    }

    /**
     * SHL, SHR or SAR ({@code kind} 4 or 6, 5, 7) of the register operand by the non-zero
     * masked count in {@code L_CNT}, with the flags {@link ShiftBitOps#shift} sets (SF, ZF,
     * PF of the result, CF the last bit out, OF for SHL the top bit xor CF, for SHR the
     * operand's top bit at a count of 1, for SAR 0; AF 0), through {@link LazyFlags#shlAux},
     * {@link LazyFlags#shrAux} and {@link LazyFlags#sarAux}.
     */
    private void shiftBy(int kind, int s) {
        int bits = s * 8;
        regs.get(code, i.rm, s, i.rex);
        code.lstore(L_A);
        switch (kind) {
            case 5 -> {
                code.lload(L_A).iload(L_CNT).lushr().lstore(L_R);
                code.lload(L_A).iload(L_CNT).loadConstant(bits).invokestatic(CD_FLAGS, "shrAux", MTD_SHR_AUX);
            }
            case 7 -> {
                code.lload(L_A);
                signExtend(s);
                code.dup2().iload(L_CNT).lshr().ldc(IntegerOps.mask(s)).land().lstore(L_R);
                code.iload(L_CNT).invokestatic(CD_FLAGS, "sarAux", MTD_SAR_AUX);
            }
            default -> {
                code.lload(L_A).iload(L_CNT).lshl().ldc(IntegerOps.mask(s)).land().lstore(L_R);
                code.lload(L_A).lload(L_R).iload(L_CNT).loadConstant(bits).invokestatic(CD_FLAGS, "shlAux", MTD_SHL_AUX);
            }
        }
        code.lstore(L_AUX);
        code.lload(L_R);
        signExtend(s);
        code.lstore(L_RES);
        code.lload(L_R);
        regs.set(code, i.rm, s, i.rex);
    }

    /**
     * Group 3 ({@code F6}/{@code F7} /{@code k}): TEST with an immediate, NOT, NEG, and the
     * one-operand MUL and IMUL; DIV and IDIV (which fault) stay handler calls.
     */
    private int group3(int k, int s) {
        long m = IntegerOps.mask(s);
        switch (k) {
            case 0, 1 -> {
                operand(s);
                code.ldc(i.imm & m).land();
                logicFlags(s);
                return DONE;
            }
            case 2, 3 -> {
                if (i.isMem) {
                    ea();
                    mem.readForUpdate(s, true);
                } else {
                    regs.get(code, i.rm, s, i.rex);
                }
                if (k == 2) {
                    code.ldc(m).lxor().lstore(L_R);
                } else {
                    code.lstore(L_B);
                    code.lconst_0().lstore(L_A);
                    code.lload(L_A).lload(L_B).lsub();
                    arithmeticResult(false, s, false);
                }
                return storeRm(s);
            }
            case 4, 5 -> {
                multiply(k == 5, s);
                return DONE;
            }
            default -> {
                return NONE;
            }
        }
    }

    /**
     * One-operand MUL or IMUL ({@code signed}) as {@link MulDiv#mul} and {@link MulDiv#imul1}:
     * rDX:rAX (AX at a byte) = rAX * the operand; CF = OF = the high half is not the low
     * half's zero or sign extension; SF, ZF, PF from the low half, AF 0.
     */
    private void multiply(boolean signed, int s) {
        long m = IntegerOps.mask(s);
        operand(s);
        if (signed) {
            signExtend(s);
        }
        code.lstore(L_B);
        regs.get(code, Cpu.RAX, s, false);
        if (signed) {
            signExtend(s);
        }
        code.lstore(L_A);
        if (s == 8) {
            code.lload(L_A).lload(L_B).lmul().lstore(L_R);
            code.lload(L_A).lload(L_B).invokestatic(ClassDesc.of(Math.class.getName()),
                    signed ? "multiplyHigh" : "unsignedMultiplyHigh", MTD_MUL_HIGH).lstore(L_HI);
            code.lload(L_HI);
            if (signed) {
                code.lload(L_R).bipush(63).lshr().lsub();
            }
        } else {
            code.lload(L_A).lload(L_B).lmul().dup2().lstore(L_R);
            code.loadConstant(8 * s).lushr();
            if (signed) {
                code.ldc(m).land();
            }
            code.lstore(L_HI);
            if (signed) {
                code.lload(L_R).dup2();
                signExtend(s);
                code.lsub();
            } else {
                code.lload(L_HI);
            }
            code.lload(L_R).ldc(m).land().lstore(L_R);
        }
        code.invokestatic(CD_FLAGS, "mulAux", MTD_MUL_AUX).lstore(L_AUX);
        code.lload(L_R);
        signExtend(s);
        code.lstore(L_RES);
        if (s == 1) {
            code.lload(L_HI).bipush(8).lshl().lload(L_R).lor();
            regs.set(code, Cpu.RAX, 2, false);
        } else {
            code.lload(L_R);
            regs.set(code, Cpu.RAX, s, false);
            code.lload(L_HI);
            regs.set(code, Cpu.RDX, s, false);
        }
    }

    /** BSWAP of the register: a 16-bit operand becomes 0, as {@link IntegerOps}' handler makes it. */
    private void bswap(int s) {
        switch (s) {
            case 8 -> {
                regs.get(code, i.rm, 8, i.rex);
                code.invokestatic(ConstantDescs.CD_Long, "reverseBytes", MethodTypeDesc.of(CD_long, CD_long));
            }
            case 4 -> {
                regs.get(code, i.rm, 4, i.rex);
                code.l2i().invokestatic(ConstantDescs.CD_Integer, "reverseBytes", MethodTypeDesc.of(CD_int, CD_int)).i2l();
            }
            default -> code.lconst_0();
        }
        regs.set(code, i.rm, s, i.rex);
    }

    /** Pushes the r/m operand at {@code size} bytes: the register, or memory at the effective address. */
    private void operand(int size) {
        if (i.isMem) {
            ea();
            readEa(size);
        } else {
            regs.get(code, i.rm, size, i.rex);
        }
    }

    /** Computes the effective address into {@code L_EA}. */
    private void ea() {
        pushEa();
        code.lstore(L_EA);
    }

    /** Pushes the effective address of {@code insn} (next instruction at {@code nextRip}) as a long. */
    void pushEa(CodeBuilder cb, Insn insn, long nextRip) {
        code = cb;
        i = insn;
        next = nextRip;
        pushEa();
    }

    /** Pushes the effective address (masked to the address size) as a long. */
    private void pushEa() {
        code.loadConstant(i.eaDisp + (i.ripRelative ? next : 0));
        if (i.eaBase >= 0) {
            regs.load(code, i.eaBase);
            code.ladd();
        }
        if (i.eaIndex >= 0) {
            regs.load(code, i.eaIndex);
            if (i.eaScale != 0) {
                code.loadConstant(i.eaScale).lshl();
            }
            code.ladd();
        }
        if (i.addrSize == 4) {
            code.ldc(0xFFFF_FFFFL).land();
        } else if (i.addrSize == 2) {
            code.ldc(0xFFFFL).land();
        }
    }

    /** Pushes {@code size} bytes read at the instruction's segment and {@code L_EA}. */
    private void readEa(int size) {
        mem.read(i.seg, L_EA, size);
    }

    /** Writes the long in {@code valueSlot} at the instruction's segment and {@code L_EA}. */
    private void writeEa(int size, int valueSlot) {
        mem.write(i.seg, L_EA, size, valueSlot);
    }

    /** Pushes {@code L_A} as {@link Cpu#push} does: the store first, then RSP. */
    private void push(int s) {
        regs.load(code, Cpu.RSP);
        code.loadConstant((long) s).lsub();
        stackMask();
        code.lstore(L_EA);
        mem.write(Cpu.SS, L_EA, s, L_A);
        setSp();
    }

    /** Pops into {@code L_A} as {@link Cpu#pop} does: the load first, then RSP. */
    private void pop(int s) {
        regs.load(code, Cpu.RSP);
        stackMask();
        code.lstore(L_EA);
        mem.read(Cpu.SS, L_EA, s);
        code.lstore(L_A);
        code.lload(L_EA).loadConstant((long) s).ladd();
        stackMask();
        code.lstore(L_EA);
        setSp();
    }

    /** Masks the long on the stack with the stack-address mask. */
    private void stackMask() {
        if (!code64) {
            code.lload(L_SMASK).land();
        }
    }

    /** RSP = (RSP & ~mask) | L_EA. */
    private void setSp() {
        code.lload(L_EA);
        if (!code64) {
            regs.load(code, Cpu.RSP);
            code.lload(L_SMASK).ldc(-1L).lxor().land().lor();
        }
        regs.store(code, Cpu.RSP);
    }

    /** A near jump to a constant target as {@link ControlOps#jump} makes it. */
    private void jump(long target, int s) {
        regs.spill(code);
        code.aload(L_CPU).ldc(target).loadConstant(s).invokestatic(CD_CONTROL, "jump", MTD_JMP);
    }

    /** A 32-bit operation that leaves register {@code reg} as it was still clears its upper half. */
    private void zeroExtendUnchanged(int reg, int s) {
        if (s == 4) {
            regs.get(code, reg, 4, i.rex);
            regs.set(code, reg, 4, i.rex);
        }
    }

    /** Sign-extends the long on the stack from {@code size} bytes. */
    private void signExtend(int size) {
        switch (size) {
            case 1 -> code.l2i().i2b().i2l();
            case 2 -> code.l2i().i2s().i2l();
            case 4 -> code.l2i().i2l();
            default -> { }
        }
    }
}
