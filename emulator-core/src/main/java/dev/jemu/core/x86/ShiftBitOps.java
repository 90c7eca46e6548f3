package dev.jemu.core.x86;

import static dev.jemu.core.x86.IntegerOps.mask;
import static dev.jemu.core.x86.IntegerOps.rmRead;
import static dev.jemu.core.x86.IntegerOps.rmWrite;
import static dev.jemu.core.x86.OpTable.BYTE;
import static dev.jemu.core.x86.OpTable.IB;
import static dev.jemu.core.x86.OpTable.MODRM;
import static dev.jemu.core.x86.OpTable.def;
import static dev.jemu.core.x86.OpTable.group;

/**
 * Shifts and rotates (group 2, SHLD, SHRD) and bit instructions (BT*, BSF, BSR). Flags the
 * SDM leaves undefined (OF for counts above one, the flags of BSF/BSR) are set the way QEMU
 * sets them, so that differential tests compare equal.
 */
final class ShiftBitOps {
    private ShiftBitOps() {
    }

    /** Where the count of a group-2 encoding comes from. */
    private enum Count { ONE, CL, IMM }

    static void register() {
        registerShiftGroup(0xC0, BYTE | IB, Count.IMM);
        registerShiftGroup(0xC1, IB, Count.IMM);
        registerShiftGroup(0xD0, BYTE, Count.ONE);
        registerShiftGroup(0xD1, 0, Count.ONE);
        registerShiftGroup(0xD2, BYTE, Count.CL);
        registerShiftGroup(0xD3, 0, Count.CL);
        def(0x1A4, MODRM | IB, (c, i) -> doubleShift(c, i, true, (int) i.imm));
        def(0x1A5, MODRM, (c, i) -> doubleShift(c, i, true, (int) c.regs[Cpu.RCX]));
        def(0x1AC, MODRM | IB, (c, i) -> doubleShift(c, i, false, (int) i.imm));
        def(0x1AD, MODRM, (c, i) -> doubleShift(c, i, false, (int) c.regs[Cpu.RCX]));
        registerBitTests();
    }

    private static void registerShiftGroup(int op, int flags, Count src) {
        for (int k = 0; k < 8; k++) {
            int kind = k;
            group(op, flags, k, (c, i) -> {
                int count = switch (src) {
                    case ONE -> 1;
                    case CL -> (int) c.regs[Cpu.RCX];
                    case IMM -> (int) i.imm;
                };
                count &= i.opSize == 8 ? 63 : 31;
                if (count != 0) {
                    rmWrite(c, i, i.opSize, shift(c, kind, rmRead(c, i, i.opSize), count, i.opSize));
                } else {
                    zeroExtendUnchanged(c, i);
                }
            });
        }
    }

    /**
     * A 32-bit register operand that an instruction leaves unchanged (a zero count, BSF of
     * zero) is still written, so its upper half is cleared in 64-bit mode, as QEMU does.
     */
    private static void zeroExtendUnchanged(Cpu c, Insn i) {
        if (i.opSize == 4 && !i.isMem) {
            c.setReg(i.rm, 4, c.getReg(i.rm, 4));
        }
    }

    /**
     * Shift or rotate {@code a} by a non-zero, already masked {@code count} (1 to 63); sets the
     * flags, for SHL, SHR and SAR by the rules translated code uses too ({@link LazyFlags#shlAux}).
     */
    static long shift(Cpu c, int kind, long a, int count, int s) {
        int bits = s * 8;
        long m = mask(s);
        long msb = 1L << (bits - 1);
        long r;
        switch (kind) {
            case 0 -> {
                int n = count % bits;
                r = ((a << n) | (a >>> (bits - n))) & m;
                boolean cf = (r & 1) != 0;
                c.flags.setCfOf(cf, ((r & msb) != 0) != cf);
            }
            case 1 -> {
                int n = count % bits;
                r = ((a >>> n) | (a << (bits - n))) & m;
                c.flags.setCfOf((r & msb) != 0, (((r << 1) ^ r) & msb) != 0);
            }
            case 2 -> {
                int n = s < 4 ? count % (bits + 1) : count;
                r = a;
                boolean cf = c.flags.cf();
                for (int k = 0; k < n; k++) {
                    boolean out = (r & msb) != 0;
                    r = ((r << 1) | (cf ? 1 : 0)) & m;
                    cf = out;
                }
                c.flags.setCfOf(cf, ((a ^ r) & msb) != 0);
            }
            case 3 -> {
                int n = s < 4 ? count % (bits + 1) : count;
                r = a;
                boolean cf = c.flags.cf();
                for (int k = 0; k < n; k++) {
                    boolean out = (r & 1) != 0;
                    r = (r >>> 1) | (cf ? msb : 0);
                    cf = out;
                }
                c.flags.setCfOf(cf, ((a ^ r) & msb) != 0);
            }
            case 4, 6 -> {
                r = (a << count) & m;
                c.flags.resultAux(r, s, LazyFlags.shlAux(a, r, count, bits));
            }
            case 5 -> {
                r = a >>> count;
                c.flags.resultAux(r, s, LazyFlags.shrAux(a, count, bits));
            }
            default -> {
                long sa = LazyFlags.signExtend(a, s);
                r = (sa >> count) & m;
                c.flags.resultAux(r, s, LazyFlags.sarAux(sa, count));
            }
        }
        return r;
    }

    /**
     * SHLD and SHRD. A 16-bit operand with a count above 16 shifts the 48-bit value
     * dest:src:dest, the behaviour of Intel CPUs and QEMU; CF is the last bit shifted out and
     * OF compares the top bit before and after the last one-bit step, for every count.
     */
    private static void doubleShift(Cpu c, Insn i, boolean left, int count) {
        int s = i.opSize;
        int bits = s * 8;
        count &= s == 8 ? 63 : 31;
        if (count == 0) {
            zeroExtendUnchanged(c, i);
            return;
        }
        long dest = rmRead(c, i, s);
        long src = c.getReg(i.reg, s);
        long m = mask(s);
        long r;
        long before;
        if (s == 8) {
            r = left ? (dest << count) | (src >>> (64 - count)) : (dest >>> count) | (src << (64 - count));
            before = left ? dest << (count - 1) : dest >>> (count - 1);
        } else {
            long wide = s == 2 ? (dest << 32) | (src << 16) | dest : left ? (dest << 32) | src : (src << 32) | dest;
            if (left) {
                r = ((wide << count) >>> 32) & m;
                before = ((wide << (count - 1)) >>> 32) & m;
            } else {
                r = (wide >>> count) & m;
                before = (wide >>> (count - 1)) & m;
            }
        }
        r &= m;
        long msb = 1L << (bits - 1);
        boolean cf = left ? (before & msb) != 0 : (before & 1) != 0;
        c.flags.resultCfOf(r, s, cf, ((before ^ r) & msb) != 0);
        rmWrite(c, i, s, r);
    }

    /** 0 = BT, 1 = BTS, 2 = BTR, 3 = BTC. */
    private static void bitOp(Cpu c, Insn i, int kind, long offset, boolean fromRegister) {
        int s = i.opSize;
        int bits = s * 8;
        long ea = i.ea;
        long bit;
        if (i.isMem && fromRegister) {
            long signed = LazyFlags.signExtend(offset, s);
            ea = c.maskAddr(ea + (signed >> (s == 8 ? 6 : s == 4 ? 5 : 4)) * s, i.addrSize);
            bit = signed & (bits - 1);
        } else {
            bit = offset & (bits - 1);
        }
        long v = i.isMem ? c.read(i.seg, ea, s) : c.getReg(i.rm, s);
        boolean cf = ((v >>> bit) & 1) != 0;
        c.flags.setCfOf(cf, c.flags.of());
        long nv = switch (kind) {
            case 1 -> v | (1L << bit);
            case 2 -> v & ~(1L << bit);
            case 3 -> v ^ (1L << bit);
            default -> v;
        };
        if (kind != 0) {
            if (i.isMem) {
                c.write(i.seg, ea, nv, s);
            } else {
                c.setReg(i.rm, s, nv);
            }
        }
    }

    private static void registerBitTests() {
        int[] ops = {0x1A3, 0x1AB, 0x1B3, 0x1BB};
        for (int k = 0; k < 4; k++) {
            int kind = k;
            def(ops[k], MODRM, (c, i) -> bitOp(c, i, kind, c.getReg(i.reg, i.opSize), true));
            group(0x1BA, IB, 4 + k, (c, i) -> bitOp(c, i, kind, i.imm, false));
        }
        def(0x1BC, MODRM, (c, i) -> {
            long v = rmRead(c, i, i.opSize);
            if (i.rep == 0xF3 && c.model.extended) {
                tzcnt(c, i, v);
                return;
            }
            if (v != 0) {
                c.setReg(i.reg, i.opSize, Long.numberOfTrailingZeros(v));
            } else if (i.opSize == 4) {
                c.setReg(i.reg, 4, c.getReg(i.reg, 4));
            }
            c.flags.logic(v, i.opSize);
        });
        def(0x1BD, MODRM, (c, i) -> {
            long v = rmRead(c, i, i.opSize);
            if (i.rep == 0xF3 && c.model.extended) {
                lzcnt(c, i, v);
                return;
            }
            if (v != 0) {
                c.setReg(i.reg, i.opSize, 63 - Long.numberOfLeadingZeros(v));
            } else if (i.opSize == 4) {
                c.setReg(i.reg, 4, c.getReg(i.reg, 4));
            }
            c.flags.logic(v, i.opSize);
        });
    }

    /**
     * TZCNT (F3 0F BC, with {@code max}, as on QEMU's max with BMI1): the number of trailing
     * zero bits of the operand; CF set when the operand is zero, ZF when the result is; OF,
     * SF, AF and PF undefined (left as cleared here).
     */
    private static void tzcnt(Cpu c, Insn i, long v) {
        int bits = i.opSize * 8;
        int n = v == 0 ? bits : Long.numberOfTrailingZeros(v);
        c.setReg(i.reg, i.opSize, n);
        c.flags.load((n == bits ? Eflags.CF : 0) | (n == 0 ? Eflags.ZF : 0));
    }

    /**
     * LZCNT (F3 0F BD, with ABM): the number of leading zero bits of the operand; CF set when
     * the operand is zero, ZF when the result is; OF, SF, AF and PF undefined (left as
     * cleared here).
     */
    private static void lzcnt(Cpu c, Insn i, long v) {
        int bits = i.opSize * 8;
        int n = v == 0 ? bits : Long.numberOfLeadingZeros(v) - (64 - bits);
        c.setReg(i.reg, i.opSize, n);
        c.flags.load((n == bits ? Eflags.CF : 0) | (n == 0 ? Eflags.ZF : 0));
    }
}
