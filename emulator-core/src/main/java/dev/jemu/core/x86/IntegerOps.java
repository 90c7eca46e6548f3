package dev.jemu.core.x86;

import static dev.jemu.core.x86.OpTable.BYTE;
import static dev.jemu.core.x86.OpTable.IB;
import static dev.jemu.core.x86.OpTable.IGRP3;
import static dev.jemu.core.x86.OpTable.INV64;
import static dev.jemu.core.x86.OpTable.IO;
import static dev.jemu.core.x86.OpTable.IV;
import static dev.jemu.core.x86.OpTable.IZ;
import static dev.jemu.core.x86.OpTable.MODRM;
import static dev.jemu.core.x86.OpTable.P_66;
import static dev.jemu.core.x86.OpTable.P_NONE;
import static dev.jemu.core.x86.OpTable.def;
import static dev.jemu.core.x86.OpTable.defPrefixed;
import static dev.jemu.core.x86.OpTable.group;

import java.security.SecureRandom;

/**
 * Integer data instructions: the eight ALU operations in all their encodings, TEST, MOV,
 * XCHG, LEA, INC/DEC, NOT/NEG, multiply and divide, sign and zero extension, CMOVcc,
 * SETcc, BCD adjustment, SALC, CMPXCHG, XADD, BSWAP, POPCNT and MOVBE.
 */
final class IntegerOps {
    private IntegerOps() {
    }

    static long mask(int size) {
        return size == 8 ? -1L : (1L << (size * 8)) - 1;
    }

    static long add(Cpu c, long a, long b, int s) {
        long r = a + b;
        c.flags.add(a, b, r, s);
        return r & mask(s);
    }

    static long sub(Cpu c, long a, long b, int s) {
        long r = a - b;
        c.flags.sub(a, b, r, s);
        return r & mask(s);
    }

    /**
     * ALU operation {@code k} (ADD, OR, ADC, SBB, AND, SUB, XOR, CMP in opcode order) of
     * {@code a} and {@code b}; returns the result (CMP returns {@code a}). A switch rather
     * than a table of lambdas, so the handlers that share it inline it.
     */
    static long alu(int k, Cpu c, long a, long b, int s) {
        return switch (k) {
            case 0 -> add(c, a, b, s);
            case 1 -> logic(c, a | b, s);
            case 2 -> {
                long r = a + b + (c.flags.cf() ? 1 : 0);
                c.flags.add(a, b, r, s);
                yield r & mask(s);
            }
            case 3 -> {
                long r = a - b - (c.flags.cf() ? 1 : 0);
                c.flags.sub(a, b, r, s);
                yield r & mask(s);
            }
            case 4 -> logic(c, a & b, s);
            case 5 -> sub(c, a, b, s);
            case 6 -> logic(c, a ^ b, s);
            default -> {
                sub(c, a, b, s);
                yield a;
            }
        };
    }

    static long logic(Cpu c, long r, int s) {
        r &= mask(s);
        c.flags.logic(r, s);
        return r;
    }

    static void register() {
        for (int k = 0; k < 8; k++) {
            int f = k;
            boolean store = k != 7;
            int base = k * 8;
            Exec rmReg = (c, i) -> {
                int s = i.opSize;
                long r = alu(f, c, c.getReg(i.rm, s), c.getReg(i.reg, s), s);
                if (store) {
                    c.setReg(i.rm, s, r);
                }
            };
            Exec memReg = (c, i) -> {
                int s = i.opSize;
                long r = alu(f, c, c.read(i.seg, i.ea, s), c.getReg(i.reg, s), s);
                if (store) {
                    c.write(i.seg, i.ea, r, s);
                }
            };
            Exec regRm = (c, i) -> c.setReg(i.reg, i.opSize, alu(f, c, c.getReg(i.reg, i.opSize), c.getReg(i.rm, i.opSize), i.opSize));
            Exec regMem = (c, i) -> c.setReg(i.reg, i.opSize, alu(f, c, c.getReg(i.reg, i.opSize), c.read(i.seg, i.ea, i.opSize), i.opSize));
            Exec regCmpRm = (c, i) -> alu(f, c, c.getReg(i.reg, i.opSize), c.getReg(i.rm, i.opSize), i.opSize);
            Exec regCmpMem = (c, i) -> alu(f, c, c.getReg(i.reg, i.opSize), c.read(i.seg, i.ea, i.opSize), i.opSize);
            Exec accImm = (c, i) -> {
                long r = alu(f, c, c.getReg(Cpu.RAX, i.opSize), i.imm & mask(i.opSize), i.opSize);
                if (store) {
                    c.setReg(Cpu.RAX, i.opSize, r);
                }
            };
            def(base, MODRM | BYTE, rmReg, memReg);
            def(base + 1, MODRM, rmReg, memReg);
            def(base + 2, MODRM | BYTE, store ? regRm : regCmpRm, store ? regMem : regCmpMem);
            def(base + 3, MODRM, store ? regRm : regCmpRm, store ? regMem : regCmpMem);
            def(base + 4, BYTE | IB, accImm);
            def(base + 5, IZ, accImm);
            Exec rmImm = (c, i) -> {
                int s = i.opSize;
                long r = alu(f, c, c.getReg(i.rm, s), i.imm & mask(s), s);
                if (store) {
                    c.setReg(i.rm, s, r);
                }
            };
            Exec memImm = (c, i) -> {
                int s = i.opSize;
                long r = alu(f, c, c.read(i.seg, i.ea, s), i.imm & mask(s), s);
                if (store) {
                    c.write(i.seg, i.ea, r, s);
                }
            };
            group(0x80, BYTE | IB, k, rmImm, memImm);
            group(0x81, IZ, k, rmImm, memImm);
            group(0x82, BYTE | IB | INV64, k, rmImm, memImm);
            group(0x83, IB, k, rmImm, memImm);
        }
        registerMoves();
        registerUnary();
        registerMultiply();
        registerConditional();
        registerBcd();
        registerAtomics();
    }

    private static void registerMoves() {
        Exec testReg = (c, i) -> logic(c, c.getReg(i.rm, i.opSize) & c.getReg(i.reg, i.opSize), i.opSize);
        Exec testMem = (c, i) -> logic(c, c.read(i.seg, i.ea, i.opSize) & c.getReg(i.reg, i.opSize), i.opSize);
        def(0x84, MODRM | BYTE, testReg, testMem);
        def(0x85, MODRM, testReg, testMem);
        Exec testAcc = (c, i) -> logic(c, c.getReg(Cpu.RAX, i.opSize) & i.imm, i.opSize);
        def(0xA8, BYTE | IB, testAcc);
        def(0xA9, IZ, testAcc);

        Exec xchgReg = (c, i) -> {
            long a = c.getReg(i.rm, i.opSize);
            c.setReg(i.rm, i.opSize, c.getReg(i.reg, i.opSize));
            c.setReg(i.reg, i.opSize, a);
        };
        Exec xchgMem = (c, i) -> {
            long a = c.read(i.seg, i.ea, i.opSize);
            c.write(i.seg, i.ea, c.getReg(i.reg, i.opSize), i.opSize);
            c.setReg(i.reg, i.opSize, a);
        };
        def(0x86, MODRM | BYTE, xchgReg, xchgMem);
        def(0x87, MODRM, xchgReg, xchgMem);
        def(0x90, 0, (c, i) -> {
            if (i.rm == 8) {
                xchgAcc(c, i);
            }
        });
        for (int r = 1; r < 8; r++) {
            def(0x90 + r, 0, IntegerOps::xchgAcc);
        }

        def(0x88, MODRM | BYTE, (c, i) -> c.setReg(i.rm, 1, c.getReg(i.reg, 1)), (c, i) -> c.write(i.seg, i.ea, c.getReg(i.reg, 1), 1));
        def(0x89, MODRM, (c, i) -> c.setReg(i.rm, i.opSize, c.getReg(i.reg, i.opSize)),
                (c, i) -> c.write(i.seg, i.ea, c.getReg(i.reg, i.opSize), i.opSize));
        def(0x8A, MODRM | BYTE, (c, i) -> c.setReg(i.reg, 1, c.getReg(i.rm, 1)), (c, i) -> c.setReg(i.reg, 1, c.read(i.seg, i.ea, 1)));
        def(0x8B, MODRM, (c, i) -> c.setReg(i.reg, i.opSize, c.getReg(i.rm, i.opSize)),
                (c, i) -> c.setReg(i.reg, i.opSize, c.read(i.seg, i.ea, i.opSize)));
        def(0x8D, MODRM, null, (c, i) -> c.setReg(i.reg, i.opSize, i.ea));
        def(0xC6, MODRM | BYTE | IB, (c, i) -> c.setReg(i.rm, 1, i.imm), (c, i) -> c.write(i.seg, i.ea, i.imm, 1));
        def(0xC7, MODRM | IZ, (c, i) -> c.setReg(i.rm, i.opSize, i.imm), (c, i) -> c.write(i.seg, i.ea, i.imm, i.opSize));
        for (int r = 0; r < 8; r++) {
            def(0xB0 + r, BYTE | IB, (c, i) -> c.setReg(i.rm, 1, i.imm));
            def(0xB8 + r, IV, (c, i) -> c.setReg(i.rm, i.opSize, i.imm));
        }
        def(0xA0, BYTE | IO, (c, i) -> c.setReg(Cpu.RAX, 1, c.read(i.seg, i.imm, 1)));
        def(0xA1, IO, (c, i) -> c.setReg(Cpu.RAX, i.opSize, c.read(i.seg, i.imm, i.opSize)));
        def(0xA2, BYTE | IO, (c, i) -> c.write(i.seg, i.imm, c.getReg(Cpu.RAX, 1), 1));
        def(0xA3, IO, (c, i) -> c.write(i.seg, i.imm, c.getReg(Cpu.RAX, i.opSize), i.opSize));

        def(0x98, 0, (c, i) -> {
            int s = i.opSize;
            c.setReg(Cpu.RAX, s, LazyFlags.signExtend(c.getReg(Cpu.RAX, s / 2), s / 2));
        });
        def(0x99, 0, (c, i) -> {
            int s = i.opSize;
            long sign = LazyFlags.signExtend(c.getReg(Cpu.RAX, s), s) < 0 ? -1L : 0;
            c.setReg(Cpu.RDX, s, sign);
        });
        Exec movzxReg = (c, i) -> c.setReg(i.reg, i.opSize, c.getReg(i.rm, i.op == 0x1B6 ? 1 : 2));
        Exec movzxMem = (c, i) -> c.setReg(i.reg, i.opSize, c.read(i.seg, i.ea, i.op == 0x1B6 ? 1 : 2));
        def(0x1B6, MODRM, movzxReg, movzxMem);
        def(0x1B7, MODRM, movzxReg, movzxMem);
        Exec movsxReg = (c, i) -> {
            int from = i.op == 0x1BE ? 1 : 2;
            c.setReg(i.reg, i.opSize, LazyFlags.signExtend(c.getReg(i.rm, from), from));
        };
        Exec movsxMem = (c, i) -> {
            int from = i.op == 0x1BE ? 1 : 2;
            c.setReg(i.reg, i.opSize, LazyFlags.signExtend(c.read(i.seg, i.ea, from), from));
        };
        def(0x1BE, MODRM, movsxReg, movsxMem);
        def(0x1BF, MODRM, movsxReg, movsxMem);
        def(0x63, MODRM, (c, i) -> {
            if (c.code64) {
                c.setReg(i.reg, i.opSize, (int) c.getReg(i.rm, 4));
            } else {
                arpl(c, i, c.getReg(i.rm, 2));
            }
        }, (c, i) -> {
            if (c.code64) {
                c.setReg(i.reg, i.opSize, (int) c.read(i.seg, i.ea, 4));
            } else {
                arpl(c, i, c.read(i.seg, i.ea, 2));
            }
        });
        def(0xD7, BYTE, (c, i) -> {
            int seg = i.segOverride >= 0 ? i.segOverride : Cpu.DS;
            long ea = c.maskAddr(c.regs[Cpu.RBX] + c.getReg(Cpu.RAX, 1), i.addrSize);
            c.setReg(Cpu.RAX, 1, c.read(seg, ea, 1));
        });
        def(0x9E, 0, (c, i) -> c.setEflags((int) c.getReg(Cpu.RAX, 2) >> 8, Eflags.CF | Eflags.PF | Eflags.AF | Eflags.ZF | Eflags.SF));
        def(0x9F, 0, (c, i) -> c.setReg(Cpu.RAX, 2, (c.getReg(Cpu.RAX, 2) & 0xFF) | ((c.eflags() & 0xFFL) << 8)));
        def(0xF5, 0, (c, i) -> c.flags.setCfOf(!c.flags.cf(), c.flags.of()));
        def(0xF8, 0, (c, i) -> c.flags.setCfOf(false, c.flags.of()));
        def(0xF9, 0, (c, i) -> c.flags.setCfOf(true, c.flags.of()));
        def(0xFC, 0, (c, i) -> c.eflagsRest &= ~Eflags.DF);
        def(0xFD, 0, (c, i) -> c.eflagsRest |= Eflags.DF);
    }

    private static void xchgAcc(Cpu c, Insn i) {
        long a = c.getReg(Cpu.RAX, i.opSize);
        c.setReg(Cpu.RAX, i.opSize, c.getReg(i.rm, i.opSize));
        c.setReg(i.rm, i.opSize, a);
    }

    private static void arpl(Cpu c, Insn i, long dest) {
        if (!c.protectedMode() || (c.eflagsRest & Eflags.VM) != 0) {
            throw c.ud();
        }
        long src = c.getReg(i.reg, 2);
        boolean adjust = (dest & 3) < (src & 3);
        long r = adjust ? (dest & ~3L) | (src & 3) : dest;
        int f = c.eflags();
        c.setEflags(adjust ? f | Eflags.ZF : f & ~Eflags.ZF, Eflags.ZF);
        if (adjust) {
            if (i.isMem) {
                c.write(i.seg, i.ea, r, 2);
            } else {
                c.setReg(i.rm, 2, r);
            }
        }
    }

    static long rmRead(Cpu c, Insn i, int size) {
        return i.isMem ? c.read(i.seg, i.ea, size) : c.getReg(i.rm, size);
    }

    static void rmWrite(Cpu c, Insn i, int size, long v) {
        if (i.isMem) {
            c.write(i.seg, i.ea, v, size);
        } else {
            c.setReg(i.rm, size, v);
        }
    }

    private static void registerUnary() {
        Exec inc = (c, i) -> {
            boolean cf = c.flags.cf();
            rmWrite(c, i, i.opSize, add(c, rmRead(c, i, i.opSize), 1, i.opSize));
            c.flags.keepCarry(cf);
        };
        Exec dec = (c, i) -> {
            boolean cf = c.flags.cf();
            rmWrite(c, i, i.opSize, sub(c, rmRead(c, i, i.opSize), 1, i.opSize));
            c.flags.keepCarry(cf);
        };
        group(0xFE, BYTE, 0, inc);
        group(0xFE, BYTE, 1, dec);
        group(0xFF, 0, 0, inc);
        group(0xFF, 0, 1, dec);
        for (int r = 0; r < 8; r++) {
            def(0x40 + r, INV64, (c, i) -> {
                boolean cf = c.flags.cf();
                c.setReg(i.rm, i.opSize, add(c, c.getReg(i.rm, i.opSize), 1, i.opSize));
                c.flags.keepCarry(cf);
            });
            def(0x48 + r, INV64, (c, i) -> {
                boolean cf = c.flags.cf();
                c.setReg(i.rm, i.opSize, sub(c, c.getReg(i.rm, i.opSize), 1, i.opSize));
                c.flags.keepCarry(cf);
            });
        }
        for (int op : new int[] {0xF6, 0xF7}) {
            int f = op == 0xF6 ? BYTE | IGRP3 : IGRP3;
            Exec test = (c, i) -> logic(c, rmRead(c, i, i.opSize) & i.imm, i.opSize);
            group(op, f, 0, test);
            group(op, f, 1, test);
            group(op, f, 2, (c, i) -> rmWrite(c, i, i.opSize, ~rmRead(c, i, i.opSize) & mask(i.opSize)));
            group(op, f, 3, (c, i) -> rmWrite(c, i, i.opSize, sub(c, 0, rmRead(c, i, i.opSize), i.opSize)));
            group(op, f, 4, (c, i) -> MulDiv.mul(c, rmRead(c, i, i.opSize), i.opSize));
            group(op, f, 5, (c, i) -> MulDiv.imul1(c, rmRead(c, i, i.opSize), i.opSize));
            group(op, f, 6, (c, i) -> MulDiv.div(c, rmRead(c, i, i.opSize), i.opSize));
            group(op, f, 7, (c, i) -> MulDiv.idiv(c, rmRead(c, i, i.opSize), i.opSize));
        }
    }

    private static void registerMultiply() {
        def(0x1AF, MODRM, (c, i) -> c.setReg(i.reg, i.opSize, MulDiv.imul(c, c.getReg(i.reg, i.opSize), rmRead(c, i, i.opSize), i.opSize)));
        Exec imm = (c, i) -> c.setReg(i.reg, i.opSize, MulDiv.imul(c, rmRead(c, i, i.opSize), i.imm, i.opSize));
        def(0x69, MODRM | IZ, imm);
        def(0x6B, MODRM | IB, imm);
    }

    private static void registerConditional() {
        for (int cc = 0; cc < 16; cc++) {
            int k = cc;
            def(0x140 + cc, MODRM, (c, i) -> {
                long v = rmRead(c, i, i.opSize);
                if (c.flags.condition(k)) {
                    c.setReg(i.reg, i.opSize, v);
                } else if (i.opSize == 4) {
                    c.setReg(i.reg, 4, c.getReg(i.reg, 4));
                }
            });
            def(0x190 + cc, MODRM | BYTE, (c, i) -> rmWrite(c, i, 1, c.flags.condition(k) ? 1 : 0));
        }
    }

    private static void registerBcd() {
        def(0x27, INV64, (c, i) -> decimalAdjust(c, true));
        def(0x2F, INV64, (c, i) -> decimalAdjust(c, false));
        def(0x37, INV64, (c, i) -> asciiAdjust(c, true));
        def(0x3F, INV64, (c, i) -> asciiAdjust(c, false));
        def(0xD4, IB | INV64, (c, i) -> {
            int base = (int) (i.imm & 0xFF);
            if (base == 0) {
                throw c.fault(Vectors.DE);
            }
            int al = (int) c.getReg(Cpu.RAX, 1);
            c.setReg(Cpu.RAX, 2, ((al / base) << 8) | (al % base));
            c.flags.logic(al % base, 1);
        });
        def(0xD5, IB | INV64, (c, i) -> {
            int base = (int) (i.imm & 0xFF);
            long ax = c.getReg(Cpu.RAX, 2);
            int al = (int) ((ax & 0xFF) + ((ax >> 8) & 0xFF) * base) & 0xFF;
            c.setReg(Cpu.RAX, 2, al);
            c.flags.logic(al, 1);
        });
        def(0xD6, INV64, (c, i) -> c.setReg(Cpu.RAX, 1, c.flags.cf() ? 0xFF : 0));
    }

    private static void decimalAdjust(Cpu c, boolean add) {
        int al = (int) c.getReg(Cpu.RAX, 1);
        boolean cf = c.flags.cf();
        boolean af = c.flags.af();
        int oldAl = al;
        boolean newCf = false;
        if ((al & 0xF) > 9 || af) {
            al = add ? al + 6 : al - 6;
            newCf = cf || (add ? al > 0xFF : oldAl < 6);
            af = true;
        } else {
            af = false;
        }
        if (oldAl > 0x99 || cf) {
            al = add ? al + 0x60 : al - 0x60;
            newCf = true;
        }
        al &= 0xFF;
        c.setReg(Cpu.RAX, 1, al);
        c.flags.logic(al, 1);
        c.setEflags((newCf ? Eflags.CF : 0) | (af ? Eflags.AF : 0), Eflags.CF | Eflags.AF);
    }

    private static void asciiAdjust(Cpu c, boolean add) {
        long ax = c.getReg(Cpu.RAX, 2);
        boolean adjust = (ax & 0xF) > 9 || c.flags.af();
        if (adjust) {
            ax = add ? ax + 0x106 : ax - 0x106;
        }
        c.setReg(Cpu.RAX, 2, ax & 0xFF0F);
        c.setEflags(adjust ? Eflags.CF | Eflags.AF : 0, Eflags.CF | Eflags.AF);
    }

    private static void registerAtomics() {
        Exec cmpxchg = (c, i) -> {
            int s = i.opSize;
            long dest = rmRead(c, i, s);
            long acc = c.getReg(Cpu.RAX, s);
            sub(c, acc, dest, s);
            if (acc == dest) {
                rmWrite(c, i, s, c.getReg(i.reg, s));
            } else {
                if (i.isMem) {
                    c.write(i.seg, i.ea, dest, s);
                }
                c.setReg(Cpu.RAX, s, dest);
            }
        };
        def(0x1B0, MODRM | BYTE, cmpxchg);
        def(0x1B1, MODRM, cmpxchg);
        Exec xadd = (c, i) -> {
            int s = i.opSize;
            long dest = rmRead(c, i, s);
            long src = c.getReg(i.reg, s);
            long sum = add(c, dest, src, s);
            c.setReg(i.reg, s, dest);
            rmWrite(c, i, s, sum);
        };
        def(0x1C0, MODRM | BYTE, xadd);
        def(0x1C1, MODRM, xadd);
        for (int r = 0; r < 8; r++) {
            def(0x1C8 + r, 0, (c, i) -> {
                if (i.opSize == 8) {
                    c.regs[i.rm] = Long.reverseBytes(c.regs[i.rm]);
                } else if (i.opSize == 4) {
                    c.setReg(i.rm, 4, Integer.reverseBytes((int) c.regs[i.rm]) & 0xFFFF_FFFFL);
                } else {
                    c.setReg(i.rm, 2, 0);
                }
            });
        }
        group(0x1C7, 0, 1, null, (c, i) -> {
            if (i.rexW) {
                if ((i.ea & 15) != 0) {
                    throw c.gp(0);
                }
                long lo = c.read(i.seg, i.ea, 8);
                long hi = c.read(i.seg, i.ea + 8, 8);
                boolean eq = lo == c.regs[Cpu.RAX] && hi == c.regs[Cpu.RDX];
                if (eq) {
                    c.write(i.seg, i.ea, c.regs[Cpu.RBX], 8);
                    c.write(i.seg, i.ea + 8, c.regs[Cpu.RCX], 8);
                } else {
                    c.write(i.seg, i.ea, lo, 8);
                    c.write(i.seg, i.ea + 8, hi, 8);
                    c.regs[Cpu.RAX] = lo;
                    c.regs[Cpu.RDX] = hi;
                }
                setZf(c, eq);
            } else {
                long v = c.read(i.seg, i.ea, 8);
                long expect = (c.regs[Cpu.RAX] & 0xFFFF_FFFFL) | (c.regs[Cpu.RDX] << 32);
                boolean eq = v == expect;
                if (eq) {
                    c.write(i.seg, i.ea, (c.regs[Cpu.RBX] & 0xFFFF_FFFFL) | (c.regs[Cpu.RCX] << 32), 8);
                } else {
                    c.write(i.seg, i.ea, v, 8);
                    c.setReg(Cpu.RAX, 4, v);
                    c.setReg(Cpu.RDX, 4, v >>> 32);
                }
                setZf(c, eq);
            }
        });
        group(0x1C7, 0, 6, IntegerOps::rdrand, null);
        def(0x1B8, MODRM, (c, i) -> {
            if (i.rep != 0xF3) {
                throw c.ud();
            }
            long v = rmRead(c, i, i.opSize);
            c.setReg(i.reg, i.opSize, Long.bitCount(v));
            c.flags.logic(v == 0 ? 0 : 1, 1);
            c.setEflags(v == 0 ? Eflags.ZF : 0, Eflags.ARITH);
        });
        // MOVBE without a prefix or with 66; F2 selects SSE4.2's CRC32 (Sse42Ops).
        for (int prefix : new int[] {P_NONE, P_66}) {
            defPrefixed(0x2F0, prefix, 0, null, (c, i) -> c.setReg(i.reg, i.opSize, swap(c.read(i.seg, i.ea, i.opSize), i.opSize)));
            defPrefixed(0x2F1, prefix, 0, null, (c, i) -> c.write(i.seg, i.ea, swap(c.getReg(i.reg, i.opSize), i.opSize), i.opSize));
        }
    }

    private static long swap(long v, int size) {
        return switch (size) {
            case 2 -> Short.reverseBytes((short) v) & 0xFFFFL;
            case 4 -> Integer.reverseBytes((int) v) & 0xFFFF_FFFFL;
            default -> Long.reverseBytes(v);
        };
    }

    static void setZf(Cpu c, boolean zf) {
        c.setEflags(zf ? Eflags.ZF : 0, Eflags.ZF);
    }

    /** The source of RDRAND: the host's, created when a guest first asks. */
    private static final class RandomSource {
        static final SecureRandom RANDOM = new SecureRandom();
    }

    /**
     * RDRAND (0F C7 /6, register form, with {@code max}): a random number from the host's
     * generator, which never runs dry, so CF is always set and OF, SF, ZF, AF and PF cleared
     * (SDM RDRAND).
     */
    private static void rdrand(Cpu c, Insn i) {
        if (!c.model.extended) {
            throw c.ud();
        }
        c.setReg(i.rm, i.opSize, RandomSource.RANDOM.nextLong());
        c.flags.load(Eflags.CF);
    }
}
