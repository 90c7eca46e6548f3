package dev.jemu.core.x86;

import static dev.jemu.core.x86.IntegerOps.rmRead;
import static dev.jemu.core.x86.IntegerOps.rmWrite;
import static dev.jemu.core.x86.OpTable.D64;
import static dev.jemu.core.x86.OpTable.F64;
import static dev.jemu.core.x86.OpTable.IAP;
import static dev.jemu.core.x86.OpTable.IB;
import static dev.jemu.core.x86.OpTable.IENTER;
import static dev.jemu.core.x86.OpTable.INV64;
import static dev.jemu.core.x86.OpTable.IW;
import static dev.jemu.core.x86.OpTable.IZ;
import static dev.jemu.core.x86.OpTable.MODRM;
import static dev.jemu.core.x86.OpTable.def;
import static dev.jemu.core.x86.OpTable.group;

/**
 * Control transfer and stack instructions: Jcc, JMP, CALL, RET (near and far), LOOP, JCXZ,
 * PUSH/POP in all forms, PUSHA/POPA, PUSHF/POPF, ENTER/LEAVE, INT n, INT3, INT1, INTO, IRET,
 * BOUND.
 */
final class ControlOps {
    private ControlOps() {
    }

    /** Sets RIP to {@code target} truncated to the operand size; #GP if non-canonical. */
    static void jump(Cpu c, long target, int size) {
        if (size == 8) {
            if (!Cpu.isCanonical(target)) {
                throw c.gp(0);
            }
            c.rip = target;
        } else {
            long t = size == 4 ? target & 0xFFFF_FFFFL : target & 0xFFFF;
            if (!c.code64 && Long.compareUnsigned(t, c.segs[Cpu.CS].limit) > 0 && c.protectedMode()) {
                throw c.gp(0);
            }
            c.rip = t;
        }
    }

    /** The operand size of near branches and of FF /2 /4 /6: 64 bits in 64-bit mode. */
    static int nearSize(Cpu c, Insn i) {
        return c.code64 ? 8 : i.opSize;
    }

    static void register() {
        for (int cc = 0; cc < 16; cc++) {
            int k = cc;
            Exec jcc = (c, i) -> {
                if (c.flags.condition(k)) {
                    jump(c, c.rip + i.imm, i.opSize);
                }
            };
            def(0x70 + cc, IB | F64, jcc);
            def(0x180 + cc, IZ | F64, jcc);
        }
        def(0xEB, IB | F64, (c, i) -> jump(c, c.rip + i.imm, i.opSize));
        def(0xE9, IZ | F64, (c, i) -> jump(c, c.rip + i.imm, i.opSize));
        def(0xE8, IZ | F64, (c, i) -> {
            long target = c.rip + i.imm;
            c.push(c.rip, i.opSize);
            jump(c, target, i.opSize);
        });
        def(0xC3, F64, (c, i) -> jump(c, c.pop(i.opSize), i.opSize));
        def(0xC2, IW | F64, (c, i) -> {
            long target = c.pop(i.opSize);
            jump(c, target, i.opSize);
            adjustSp(c, i.imm);
        });
        def(0xE0, IB | F64, (c, i) -> loop(c, i, 0));
        def(0xE1, IB | F64, (c, i) -> loop(c, i, 1));
        def(0xE2, IB | F64, (c, i) -> loop(c, i, 2));
        def(0xE3, IB | F64, (c, i) -> {
            if (c.getReg(Cpu.RCX, i.addrSize) == 0) {
                jump(c, c.rip + i.imm, i.opSize);
            }
        });

        group(0xFF, 0, 2, (c, i) -> {
            int s = nearSize(c, i);
            long target = rmRead(c, i, s);
            c.push(c.rip, s);
            jump(c, target, s);
        });
        group(0xFF, 0, 4, (c, i) -> jump(c, rmRead(c, i, nearSize(c, i)), nearSize(c, i)));
        group(0xFF, 0, 3, null, (c, i) -> farIndirect(c, i, true));
        group(0xFF, 0, 5, null, (c, i) -> farIndirect(c, i, false));
        group(0xFF, 0, 6, (c, i) -> {
            int s = c.code64 ? (i.opPrefix ? 2 : 8) : i.opSize;
            c.push(rmRead(c, i, s), s);
        });
        def(0xEA, IAP | INV64, (c, i) -> Segments.farJump(c, i.imm2, i.imm, i.opSize));
        def(0x9A, IAP | INV64, (c, i) -> Segments.farCall(c, i.imm2, i.imm, i.opSize));
        def(0xCB, 0, (c, i) -> Segments.farReturn(c, i.opSize, 0));
        def(0xCA, IW, (c, i) -> Segments.farReturn(c, i.opSize, i.imm));

        registerStack();
        def(0xCC, 0, (c, i) -> c.interrupts.softwareInterrupt(Vectors.BP, true));
        def(0xCD, IB, (c, i) -> c.interrupts.softwareInterrupt((int) (i.imm & 0xFF), false));
        def(0xCE, INV64, (c, i) -> {
            if (c.flags.of()) {
                c.interrupts.softwareInterrupt(Vectors.OF, true);
            }
        });
        def(0xCF, 0, (c, i) -> c.interrupts.iret(i.opSize));
        def(0xF1, 0, (c, i) -> c.interrupts.softwareInterrupt(Vectors.DB, true));
        def(0x62, MODRM | INV64, null, (c, i) -> {
            int s = i.opSize;
            long index = LazyFlags.signExtend(c.getReg(i.reg, s), s);
            long lower = LazyFlags.signExtend(c.read(i.seg, i.ea, s), s);
            long upper = LazyFlags.signExtend(c.read(i.seg, c.maskAddr(i.ea + s, i.addrSize), s), s);
            if (index < lower || index > upper) {
                throw c.fault(Vectors.BR);
            }
        });
    }

    private static void farIndirect(Cpu c, Insn i, boolean call) {
        int s = i.opSize;
        long offset = c.read(i.seg, i.ea, s);
        int selector = (int) c.read(i.seg, c.maskAddr(i.ea + s, i.addrSize), 2);
        if (call) {
            Segments.farCall(c, selector, offset, s);
        } else {
            Segments.farJump(c, selector, offset, s);
        }
    }

    private static void loop(Cpu c, Insn i, int kind) {
        long count = (c.getReg(Cpu.RCX, i.addrSize) - 1) & IntegerOps.mask(i.addrSize);
        c.setReg(Cpu.RCX, i.addrSize, count);
        boolean take = count != 0 && (kind == 2 || (kind == 1) == c.flags.zf());
        if (take) {
            jump(c, c.rip + i.imm, i.opSize);
        }
    }

    static void adjustSp(Cpu c, long delta) {
        long sp = (c.regs[Cpu.RSP] + delta) & c.stackMask;
        c.regs[Cpu.RSP] = (c.regs[Cpu.RSP] & ~c.stackMask) | sp;
    }

    private static void registerStack() {
        for (int r = 0; r < 8; r++) {
            def(0x50 + r, D64, (c, i) -> c.push(c.getReg(i.rm, i.opSize), i.opSize));
            def(0x58 + r, D64, (c, i) -> c.setReg(i.rm, i.opSize, c.pop(i.opSize)));
        }
        def(0x68, IZ | D64, (c, i) -> c.push(i.imm, i.opSize));
        def(0x6A, IB | D64, (c, i) -> c.push(i.imm, i.opSize));
        def(0x8F, MODRM | D64, (c, i) -> c.setReg(i.rm, i.opSize, c.pop(i.opSize)), (c, i) -> {
            long v = c.peek(0, i.opSize);
            long oldSp = c.regs[Cpu.RSP];
            adjustSp(c, i.opSize);
            try {
                rmWrite(c, i, i.opSize, v);
            } catch (CpuFault f) {
                c.regs[Cpu.RSP] = oldSp;
                throw f;
            }
        });
        def(0x60, INV64, (c, i) -> {
            long sp = c.getReg(Cpu.RSP, i.opSize);
            for (int r = 0; r < 8; r++) {
                c.push(r == Cpu.RSP ? sp : c.getReg(r, i.opSize), i.opSize);
            }
        });
        def(0x61, INV64, (c, i) -> {
            for (int r = 7; r >= 0; r--) {
                long v = c.pop(i.opSize);
                if (r != Cpu.RSP) {
                    c.setReg(r, i.opSize, v);
                }
            }
        });
        def(0x9C, D64, (c, i) -> {
            if ((c.eflagsRest & Eflags.VM) != 0 && c.iopl() < 3) {
                if (!VirtualInterrupts.virtualFlags(c, i.opSize)) {
                    throw c.gp(0);
                }
                c.push(VirtualInterrupts.virtualFlagsImage(c), 2);
                return;
            }
            c.push(c.eflags() & ~(Eflags.RF | Eflags.VM), i.opSize);
        });
        def(0x9D, D64, (c, i) -> {
            if ((c.eflagsRest & Eflags.VM) != 0 && c.iopl() < 3) {
                if (!VirtualInterrupts.virtualFlags(c, i.opSize)) {
                    throw c.gp(0);
                }
                VirtualInterrupts.loadVirtualFlags(c, (int) c.peek(0, 2));
                adjustSp(c, 2);
                return;
            }
            int v = (int) c.pop(i.opSize);
            int mask = Eflags.ARITH | Eflags.TF | Eflags.DF | Eflags.NT;
            if (i.opSize > 2) {
                mask |= Eflags.AC | Eflags.ID;
            }
            if (c.cpl == 0) {
                mask |= Eflags.IOPL;
            }
            if (c.cpl <= c.iopl()) {
                mask |= Eflags.IF;
            }
            if (i.opSize == 2) {
                mask &= 0xFFFF;
            }
            c.setEflags(v, mask);
        });
        def(0xC8, IENTER | D64, ControlOps::enter);
        def(0xC9, D64, (c, i) -> {
            long bp = c.getReg(Cpu.RBP, c.stackMask == 0xFFFF ? 2 : c.stackMask == -1L ? 8 : 4);
            long v = c.read(Cpu.SS, bp & c.stackMask, i.opSize);
            c.regs[Cpu.RSP] = (c.regs[Cpu.RSP] & ~c.stackMask) | ((bp + i.opSize) & c.stackMask);
            c.setReg(Cpu.RBP, i.opSize, v);
        });
    }

    /**
     * ENTER. The frame pointer is the whole of ESP after the push of EBP, also on a 16-bit stack
     * (its upper half kept), written to EBP and pushed with the operand size, as QEMU and the
     * 386 (test386's testENTER16) do. A write at the final stack pointer must be
     * possible: otherwise the fault (#PF, #SS) is raised with RSP unchanged (SDM Vol. 2A ENTER).
     */
    private static void enter(Cpu c, Insn i) {
        int s = i.opSize;
        int level = i.imm2 & 31;
        long oldSp = c.regs[Cpu.RSP];
        try {
            c.push(c.getReg(Cpu.RBP, s), s);
            long frame = c.regs[Cpu.RSP];
            if (level > 0) {
                long bp = c.regs[Cpu.RBP];
                for (int k = 1; k < level; k++) {
                    bp = (bp - s) & c.stackMask;
                    c.push(c.read(Cpu.SS, bp, s), s);
                }
                c.push(frame, s);
            }
            adjustSp(c, -i.imm);
            long sp = c.regs[Cpu.RSP] & c.stackMask;
            c.mmu.translate(c.linear(Cpu.SS, sp, 1), Mmu.WRITE, c.cpl == 3);
            c.setReg(Cpu.RBP, s, frame);
        } catch (CpuFault f) {
            c.regs[Cpu.RSP] = oldSp;
            throw f;
        }
    }
}
