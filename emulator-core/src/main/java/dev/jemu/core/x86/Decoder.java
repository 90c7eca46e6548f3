package dev.jemu.core.x86;

import dev.jemu.core.log.Log;
import dev.jemu.core.log.LogCategory;

/**
 * Decodes one instruction into an {@link Insn} under the guidance of {@link OpTable}:
 * prefixes, operand sizes, the effective-address recipe, immediates, the handler and the
 * length. Decoding depends only on the instruction bytes and the CPU's decode mode
 * ({@code code64}, {@code defaultSize}), never on register values, so a decoded instruction
 * can be run again by {@link #execute} as long as its bytes and the mode are unchanged.
 * Unknown opcodes raise #UD in the guest and are logged once per opcode and CPU under
 * {@code -d unimp} with their bytes and address when executed (not when a translator decodes
 * ahead), so each machine reports its own.
 */
final class Decoder {
    private static final int MAX_LENGTH = 15;
    /** How many opcode numbers there are (one-, two- and the two three-byte maps); see {@link Cpu#unimpLogged}. */
    static final int OPCODES = 4 * 256;

    private Decoder() {
    }

    /** Runs a decoded instruction; RIP already points past it. */
    static void execute(Cpu c, Insn i) {
        if (i.isMem) {
            long ea = i.eaDisp;
            if (i.eaBase >= 0) {
                ea += c.regs[i.eaBase];
            }
            if (i.eaIndex >= 0) {
                ea += c.regs[i.eaIndex] << i.eaScale;
            }
            if (i.ripRelative) {
                ea += c.rip;
            }
            i.ea = c.maskAddr(ea, i.addrSize);
        }
        i.exec.exec(c, i);
    }

    /**
     * Decodes the instruction at CS:RIP into {@code i}, fetching its bytes (RIP ends past
     * it). Raises #UD for invalid or unimplemented encodings, #GP for over-long ones and any
     * fault of the fetch.
     */
    static void decode(Cpu c, Insn i) {
        long start = c.rip;
        i.startRip = start;
        i.segOverride = -1;
        i.rep = 0;
        i.lock = false;
        i.opPrefix = false;
        boolean adPrefix = false;
        int rex = 0;
        int b;
        for (;;) {
            b = c.fetch8();
            if (c.code64 && (b & 0xF0) == 0x40) {
                rex = b;
                continue;
            }
            switch (b) {
                case 0x26 -> i.segOverride = c.code64 ? -1 : Cpu.ES;
                case 0x2E -> i.segOverride = c.code64 ? -1 : Cpu.CS;
                case 0x36 -> i.segOverride = c.code64 ? -1 : Cpu.SS;
                case 0x3E -> i.segOverride = c.code64 ? -1 : Cpu.DS;
                case 0x64 -> i.segOverride = Cpu.FS;
                case 0x65 -> i.segOverride = Cpu.GS;
                case 0x66 -> i.opPrefix = true;
                case 0x67 -> adPrefix = true;
                case 0xF0 -> i.lock = true;
                case 0xF2, 0xF3 -> i.rep = b;
                default -> {
                    decodeOpcode(c, i, b, rex, adPrefix, start);
                    return;
                }
            }
            rex = 0;
            if (c.rip - start >= MAX_LENGTH) {
                throw c.gp(0);
            }
        }
    }

    private static void decodeOpcode(Cpu c, Insn i, int b, int rex, boolean adPrefix, long start) {
        int op = b;
        if (b == 0x0F) {
            int b2 = c.fetch8();
            if (b2 == 0x38) {
                op = 0x200 | c.fetch8();
            } else if (b2 == 0x3A) {
                op = 0x300 | c.fetch8();
            } else {
                op = 0x100 | b2;
            }
        }
        i.op = op;
        i.rex = rex != 0;
        i.rexW = (rex & 8) != 0;
        int flags = OpTable.FLAGS[op];
        if (c.code64) {
            if ((flags & OpTable.INV64) != 0) {
                throw c.ud();
            }
            i.addrSize = adPrefix ? 4 : 8;
            if ((flags & OpTable.F64) != 0) {
                i.opSize = 8;
            } else if ((flags & OpTable.D64) != 0) {
                i.opSize = i.opPrefix ? 2 : 8;
            } else {
                i.opSize = i.rexW ? 8 : i.opPrefix ? 2 : 4;
            }
        } else {
            int d = c.defaultSize;
            i.addrSize = adPrefix ? 6 - d : d;
            i.opSize = i.opPrefix ? 6 - d : d;
        }
        if ((flags & OpTable.BYTE) != 0) {
            i.opSize = 1;
        } else if ((flags & OpTable.WORD) != 0) {
            i.opSize = 2;
        }
        i.ripRelative = false;
        if ((flags & OpTable.MODRM) != 0) {
            decodeModrm(c, i, rex, (flags & OpTable.REG_ONLY) != 0);
        } else {
            i.rm = (op & 7) | ((rex & 1) << 3);
            i.isMem = false;
            i.seg = i.segOverride >= 0 ? i.segOverride : Cpu.DS;
        }
        decodeImmediate(c, i, flags & OpTable.IMM_MASK);
        if (c.rip - start > MAX_LENGTH) {
            throw c.gp(0);
        }
        Exec e;
        if ((flags & OpTable.PREFIXED) != 0) {
            int p = i.rep == 0xF3 ? OpTable.P_F3 : i.rep == 0xF2 ? OpTable.P_F2 : i.opPrefix ? OpTable.P_66 : OpTable.P_NONE;
            e = (i.isMem ? OpTable.MEM_PREFIXED : OpTable.REG_PREFIXED)[p][op];
        } else if ((flags & OpTable.GROUP) != 0) {
            e = (i.isMem ? OpTable.MEM_GROUP[op] : OpTable.REG_GROUP[op])[i.reg & 7];
        } else {
            e = i.isMem ? OpTable.MEM[op] : OpTable.REG[op];
        }
        if (e == null) {
            throw unimplemented(c, i, start);
        }
        if (i.lock && !(i.isMem && lockable(op, i.reg & 7))) {
            throw c.ud();
        }
        i.exec = e;
        i.length = (int) (c.rip - start);
    }

    /**
     * Whether LOCK may prefix the memory form of {@code op} (with ModRM.reg {@code reg} for
     * groups): the read-modify-write instructions the SDM lists; anything else is #UD.
     */
    private static boolean lockable(int op, int reg) {
        return switch (op) {
            case 0x00, 0x01, 0x08, 0x09, 0x10, 0x11, 0x18, 0x19, 0x20, 0x21, 0x28, 0x29, 0x30, 0x31,
                    0x86, 0x87, 0x1AB, 0x1B3, 0x1BB, 0x1B0, 0x1B1, 0x1C0, 0x1C1 -> true;
            case 0x80, 0x81, 0x82, 0x83 -> reg != 7;
            case 0xF6, 0xF7 -> reg == 2 || reg == 3;
            case 0xFE, 0xFF -> reg == 0 || reg == 1;
            case 0x1BA -> reg >= 5;
            case 0x1C7 -> reg == 1;
            default -> false;
        };
    }

    /** Decodes ModRM (and SIB and displacement) into the register or effective-address fields. */
    private static void decodeModrm(Cpu c, Insn i, int rex, boolean regOnly) {
        int m = c.fetch8();
        i.mod = m >> 6;
        i.reg = ((m >> 3) & 7) | ((rex & 4) << 1);
        int rm = m & 7;
        if (i.mod == 3 || regOnly) {
            i.rm = rm | ((rex & 1) << 3);
            i.isMem = false;
            return;
        }
        i.rm = rm;
        i.isMem = true;
        int defSeg = Cpu.DS;
        int base = -1;
        int index = -1;
        int scale = 0;
        long disp = 0;
        if (i.addrSize == 2) {
            switch (rm) {
                case 0 -> { base = Cpu.RBX; index = Cpu.RSI; }
                case 1 -> { base = Cpu.RBX; index = Cpu.RDI; }
                case 2 -> { base = Cpu.RBP; index = Cpu.RSI; }
                case 3 -> { base = Cpu.RBP; index = Cpu.RDI; }
                case 4 -> base = Cpu.RSI;
                case 5 -> base = Cpu.RDI;
                case 6 -> base = i.mod == 0 ? -1 : Cpu.RBP;
                default -> base = Cpu.RBX;
            }
            if (rm == 2 || rm == 3 || (rm == 6 && i.mod != 0)) {
                defSeg = Cpu.SS;
            }
            if (i.mod == 0 && rm == 6) {
                disp = fetchImm(c, 2);
            } else if (i.mod == 1) {
                disp = (byte) c.fetch8();
            } else if (i.mod == 2) {
                disp = fetchImm(c, 2);
            }
        } else {
            if (rm == 4) {
                int sib = c.fetch8();
                scale = sib >> 6;
                index = ((sib >> 3) & 7) | ((rex & 2) << 2);
                int b = (sib & 7) | ((rex & 1) << 3);
                if ((b & 7) == 5 && i.mod == 0) {
                    disp = (int) fetchImm(c, 4);
                } else {
                    base = b;
                    if ((b & 7) == 4 || (b & 7) == 5) {
                        defSeg = Cpu.SS;
                    }
                }
                if (index == 4) {
                    index = -1;
                }
            } else if (rm == 5 && i.mod == 0) {
                disp = (int) fetchImm(c, 4);
                i.ripRelative = c.code64;
            } else {
                base = rm | ((rex & 1) << 3);
                if (rm == 5) {
                    defSeg = Cpu.SS;
                }
            }
            if (i.mod == 1) {
                disp += (byte) c.fetch8();
            } else if (i.mod == 2) {
                disp += (int) fetchImm(c, 4);
            }
        }
        i.eaBase = base;
        i.eaIndex = index;
        i.eaScale = scale;
        i.eaDisp = disp;
        i.seg = i.segOverride >= 0 ? i.segOverride : defSeg;
    }

    private static void decodeImmediate(Cpu c, Insn i, int kind) {
        switch (kind) {
            case 0 -> {
            }
            case OpTable.IB -> i.imm = (byte) c.fetch8();
            case OpTable.IW -> i.imm = fetchImm(c, 2);
            case OpTable.IZ -> i.imm = i.opSize == 2 ? (short) fetchImm(c, 2) : (int) fetchImm(c, 4);
            case OpTable.IV -> i.imm = fetchImm(c, i.opSize);
            case OpTable.IAP -> {
                i.imm = fetchImm(c, i.opSize == 2 ? 2 : 4);
                i.imm2 = (int) fetchImm(c, 2);
            }
            case OpTable.IO -> i.imm = fetchImm(c, i.addrSize);
            case OpTable.IENTER -> {
                i.imm = fetchImm(c, 2);
                i.imm2 = c.fetch8();
            }
            case OpTable.IGRP3 -> {
                if ((i.reg & 6) == 0) {
                    i.imm = i.opSize == 1 ? (byte) c.fetch8() : i.opSize == 2 ? (short) fetchImm(c, 2) : (int) fetchImm(c, 4);
                }
            }
            default -> throw new IllegalStateException("immediate kind " + kind);
        }
    }

    /** Fetches a little-endian immediate of {@code size} bytes, zero-extended. */
    static long fetchImm(Cpu c, int size) {
        long v = 0;
        for (int k = 0; k < size; k++) {
            v |= (long) c.fetch8() << (8 * k);
        }
        return v;
    }

    private static CpuFault unimplemented(Cpu c, Insn i, long start) {
        if (!c.translating && !c.unimpLogged[i.op] && Log.enabled(LogCategory.UNIMP)) {
            c.unimpLogged[i.op] = true;
            StringBuilder sb = new StringBuilder("unimplemented instruction at ")
                    .append(Long.toHexString(c.segs[Cpu.CS].selector)).append(':').append(Long.toHexString(start))
                    .append(':');
            long end = Math.min(c.rip, start + 15);
            for (long a = start; a < end; a++) {
                sb.append(String.format(" %02x", c.mmu.read((c.segBase[Cpu.CS] + a) & c.linearMask, 1)));
            }
            Log.log(LogCategory.UNIMP, sb.toString());
        }
        return c.ud();
    }
}
