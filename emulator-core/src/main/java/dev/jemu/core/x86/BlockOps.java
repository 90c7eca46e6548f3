package dev.jemu.core.x86;

import static dev.jemu.core.x86.IntegerOps.alu;
import static dev.jemu.core.x86.IntegerOps.mask;

/**
 * The frequent integer operations as static methods whose every decoded field is a
 * parameter, called by translated blocks with constant arguments (see {@link InlineOps}) so
 * that the JIT compiler folds operand sizes, register numbers, ALU kinds and conditions
 * away. Each one does exactly what the interpreter's handler of the same form does, through
 * the same routines ({@link IntegerOps#alu}, {@link Cpu#getReg}, {@link Cpu#read},
 * {@link ControlOps#jump}, ...).
 *
 * Memory forms take the segment and the effective address first.
 *
 * <p>Threading: called only on the vCPU thread that owns {@code c}.
 */
final class BlockOps {
    private BlockOps() {
    }

    /** ALU kind {@code k} of registers {@code dst} and {@code src}, result to {@code dst} (not for CMP). */
    static void aluRR(Cpu c, int k, int dst, int src, int s) {
        long r = alu(k, c, c.getReg(dst, s), c.getReg(src, s), s);
        if (k != 7) {
            c.setReg(dst, s, r);
        }
    }

    /** ALU kind {@code k} of register {@code dst} and an immediate. */
    static void aluRI(Cpu c, int k, int dst, long imm, int s) {
        long r = alu(k, c, c.getReg(dst, s), imm & mask(s), s);
        if (k != 7) {
            c.setReg(dst, s, r);
        }
    }

    /** ALU kind {@code k} of register {@code dst} and memory. */
    static void aluRM(Cpu c, int seg, long ea, int k, int dst, int s) {
        long r = alu(k, c, c.getReg(dst, s), c.read(seg, ea, s), s);
        if (k != 7) {
            c.setReg(dst, s, r);
        }
    }

    /** ALU kind {@code k} of memory and register {@code src}, result to memory (not for CMP). */
    static void aluMR(Cpu c, int seg, long ea, int k, int src, int s) {
        long r = alu(k, c, c.read(seg, ea, s), c.getReg(src, s), s);
        if (k != 7) {
            c.write(seg, ea, r, s);
        }
    }

    /** ALU kind {@code k} of memory and an immediate. */
    static void aluMI(Cpu c, int seg, long ea, int k, long imm, int s) {
        long r = alu(k, c, c.read(seg, ea, s), imm & mask(s), s);
        if (k != 7) {
            c.write(seg, ea, r, s);
        }
    }

    static void testRR(Cpu c, int a, int b, int s) {
        IntegerOps.logic(c, c.getReg(a, s) & c.getReg(b, s), s);
    }

    static void testRI(Cpu c, int a, long imm, int s) {
        IntegerOps.logic(c, c.getReg(a, s) & imm, s);
    }

    static void testMR(Cpu c, int seg, long ea, int b, int s) {
        IntegerOps.logic(c, c.read(seg, ea, s) & c.getReg(b, s), s);
    }

    static void movRR(Cpu c, int dst, int src, int s) {
        c.setReg(dst, s, c.getReg(src, s));
    }

    static void movRI(Cpu c, int dst, long imm, int s) {
        c.setReg(dst, s, imm);
    }

    static void load(Cpu c, int seg, long ea, int dst, int s) {
        c.setReg(dst, s, c.read(seg, ea, s));
    }

    static void store(Cpu c, int seg, long ea, int src, int s) {
        c.write(seg, ea, c.getReg(src, s), s);
    }

    static void storeImm(Cpu c, int seg, long ea, long imm, int s) {
        c.write(seg, ea, imm, s);
    }

    /** LEA, or any write of a computed value to a register. */
    static void setReg(Cpu c, int dst, long v, int s) {
        c.setReg(dst, s, v);
    }

    /** Zero extension from {@code from} bytes of a register (MOVZX). */
    static void movzxR(Cpu c, int dst, int src, int from, int s) {
        c.setReg(dst, s, c.getReg(src, from));
    }

    static void movzxM(Cpu c, int seg, long ea, int dst, int from, int s) {
        c.setReg(dst, s, c.read(seg, ea, from));
    }

    /** Sign extension from {@code from} bytes of a register (MOVSX, MOVSXD). */
    static void movsxR(Cpu c, int dst, int src, int from, int s) {
        c.setReg(dst, s, LazyFlags.signExtend(c.getReg(src, from), from));
    }

    static void movsxM(Cpu c, int seg, long ea, int dst, int from, int s) {
        c.setReg(dst, s, LazyFlags.signExtend(c.read(seg, ea, from), from));
    }

    /** INC ({@code inc}) or DEC of a register: CF kept. */
    static void incDecR(Cpu c, int r, boolean inc, int s) {
        boolean cf = c.flags.cf();
        long v = c.getReg(r, s);
        c.setReg(r, s, inc ? IntegerOps.add(c, v, 1, s) : IntegerOps.sub(c, v, 1, s));
        c.flags.keepCarry(cf);
    }

    static void incDecM(Cpu c, int seg, long ea, boolean inc, int s) {
        boolean cf = c.flags.cf();
        long v = c.read(seg, ea, s);
        c.write(seg, ea, inc ? IntegerOps.add(c, v, 1, s) : IntegerOps.sub(c, v, 1, s), s);
        c.flags.keepCarry(cf);
    }

    static void pushR(Cpu c, int r, int s) {
        c.push(c.getReg(r, s), s);
    }

    static void pushI(Cpu c, long imm, int s) {
        c.push(imm, s);
    }

    static void popR(Cpu c, int r, int s) {
        c.setReg(r, s, c.pop(s));
    }

    /** IMUL of two registers (0F AF) or of a register and an immediate (69, 6B) into {@code dst}. */
    static void imulRR(Cpu c, int dst, int a, int b, int s) {
        c.setReg(dst, s, MulDiv.imul(c, c.getReg(a, s), c.getReg(b, s), s));
    }

    static void imulRI(Cpu c, int dst, int a, long imm, int s) {
        c.setReg(dst, s, MulDiv.imul(c, c.getReg(a, s), imm, s));
    }

    static void imulRM(Cpu c, int seg, long ea, int dst, int s) {
        c.setReg(dst, s, MulDiv.imul(c, c.getReg(dst, s), c.read(seg, ea, s), s));
    }

    /** Group-2 shift or rotate {@code kind} of a register by a constant, already masked, non-zero count. */
    static void shiftRI(Cpu c, int kind, int r, int count, int s) {
        c.setReg(r, s, ShiftBitOps.shift(c, kind, c.getReg(r, s), count, s));
    }

    static void setcc(Cpu c, int cc, int r) {
        c.setReg(r, 1, c.flags.condition(cc) ? 1 : 0);
    }

    static void cmovRR(Cpu c, int cc, int dst, int src, int s) {
        long v = c.getReg(src, s);
        if (c.flags.condition(cc)) {
            c.setReg(dst, s, v);
        } else if (s == 4) {
            c.setReg(dst, 4, c.getReg(dst, 4));
        }
    }

    /** Condition code {@code cc} (0 = O ... 15 = G). */
    static boolean cond(Cpu c, int cc) {
        return c.flags.condition(cc);
    }

    static void jmp(Cpu c, long target, int s) {
        ControlOps.jump(c, target, s);
    }

    static void callRel(Cpu c, long target, long next, int s) {
        c.push(next, s);
        ControlOps.jump(c, target, s);
    }

    static void ret(Cpu c, int s) {
        ControlOps.jump(c, c.pop(s), s);
    }
}
