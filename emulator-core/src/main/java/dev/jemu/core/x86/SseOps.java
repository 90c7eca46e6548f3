package dev.jemu.core.x86;

import static dev.jemu.core.x86.OpTable.IB;
import static dev.jemu.core.x86.OpTable.MODRM;
import static dev.jemu.core.x86.OpTable.P_66;
import static dev.jemu.core.x86.OpTable.P_F2;
import static dev.jemu.core.x86.OpTable.P_F3;
import static dev.jemu.core.x86.OpTable.P_NONE;
import static dev.jemu.core.x86.OpTable.def;
import static dev.jemu.core.x86.OpTable.defPrefixed;
import static dev.jemu.core.x86.OpTable.group;

/**
 * MMX and the integer and data-movement half of SSE/SSE2 (with SSE3's MOVDDUP, MOVSLDUP,
 * MOVSHDUP and LDDQU): moves between XMM, MMX, general registers and memory; packed
 * integer arithmetic, saturation, comparison, logic and shifts; shuffles, unpacks and
 * packs; masks; EMMS, LDMXCSR and STMXCSR. Without a 66 prefix the integer instructions
 * work on the 64-bit MMX registers, with it on the 128-bit XMM registers.
 */
final class SseOps {
    private SseOps() {
    }

    /** One lane of a packed integer operation; lanes are passed zero-extended. */
    @FunctionalInterface
    interface LaneOp {
        long apply(long a, long b, int bits);
    }

    static long laneMask(int bits) {
        return bits == 64 ? -1L : (1L << bits) - 1;
    }

    static long sx(long v, int bits) {
        return bits == 64 ? v : (v << (64 - bits)) >> (64 - bits);
    }

    static long lanes(long a, long b, int bits, LaneOp f) {
        long m = laneMask(bits);
        long r = 0;
        for (int s = 0; s < 64; s += bits) {
            r |= (f.apply((a >>> s) & m, (b >>> s) & m, bits) & m) << s;
        }
        return r;
    }

    static long saturateSigned(long v, int bits) {
        long max = (1L << (bits - 1)) - 1;
        long min = -(1L << (bits - 1));
        return v > max ? max : v < min ? min : v;
    }

    static long saturateUnsigned(long v, int bits) {
        long max = (1L << bits) - 1;
        return v > max ? max : v < 0 ? 0 : v;
    }

    // ------------------------------------------------------------------ state checks

    static void checkSse(Cpu c) {
        if ((c.cr0 & Cpu.CR0_EM) != 0 || (c.cr4 & Cpu.CR4_OSFXSR) == 0) {
            throw c.ud();
        }
        if ((c.cr0 & Cpu.CR0_TS) != 0) {
            throw c.fault(Vectors.NM);
        }
    }

    static void checkMmx(Cpu c) {
        if ((c.cr0 & Cpu.CR0_EM) != 0) {
            throw c.ud();
        }
        if ((c.cr0 & Cpu.CR0_TS) != 0) {
            throw c.fault(Vectors.NM);
        }
        c.fpu.fsw &= ~0x3800;
        c.fpu.ftwAbridged = 0xFF;
    }

    /** {@link #checkSse} for a 16-byte (XMM) operation, {@link #checkMmx} for an 8-byte (MMX) one. */
    static void checkUnit(Cpu c, int width) {
        if (width == 16) {
            checkSse(c);
        } else {
            checkMmx(c);
        }
    }

    // ------------------------------------------------------------------ operands

    /** Loads the ModRM.rm operand of {@code width} bytes (8 = MMX or m64, 16 = XMM or m128). */
    static void loadRm(Cpu c, Insn i, int width, boolean aligned, long[] out) {
        if (!i.isMem) {
            loadReg(c, i.rm, width, out);
            return;
        }
        if (width == 16) {
            if (aligned && (c.linear(i.seg, i.ea, 16) & 15) != 0) {
                throw c.gp(0);
            }
            out[0] = c.read(i.seg, i.ea, 8);
            out[1] = c.read(i.seg, c.maskAddr(i.ea + 8, i.addrSize), 8);
        } else {
            out[0] = c.read(i.seg, i.ea, 8);
            out[1] = 0;
        }
    }

    static void loadReg(Cpu c, int reg, int width, long[] out) {
        if (width == 16) {
            out[0] = c.fpu.xmm[2 * reg];
            out[1] = c.fpu.xmm[2 * reg + 1];
        } else {
            out[0] = c.fpu.st[2 * (reg & 7)];
            out[1] = 0;
        }
    }

    static void storeReg(Cpu c, int reg, int width, long lo, long hi) {
        if (width == 16) {
            c.fpu.xmm[2 * reg] = lo;
            c.fpu.xmm[2 * reg + 1] = hi;
        } else {
            c.fpu.st[2 * (reg & 7)] = lo;
            c.fpu.st[2 * (reg & 7) + 1] = 0xFFFF;
        }
    }

    static void storeRm(Cpu c, Insn i, int width, boolean aligned, long lo, long hi) {
        if (!i.isMem) {
            storeReg(c, i.rm, width, lo, hi);
            return;
        }
        if (width == 16) {
            if (aligned && (c.linear(i.seg, i.ea, 16) & 15) != 0) {
                throw c.gp(0);
            }
            c.linear(i.seg, i.ea, 16);
            c.write(i.seg, i.ea, lo, 8);
            c.write(i.seg, c.maskAddr(i.ea + 8, i.addrSize), hi, 8);
        } else {
            c.write(i.seg, i.ea, lo, 8);
        }
    }

    // ------------------------------------------------------------------ registration helpers

    /** A packed integer op on MMX (no prefix) and XMM (66). */
    private static void packed(int op, int bits, LaneOp f) {
        for (int width : new int[] {8, 16}) {
            Exec e = (c, i) -> {
                checkUnit(c, width);
                long[] a = c.fpu.opA;
                long[] b = c.fpu.opB;
                loadReg(c, i.reg, width, a);
                loadRm(c, i, width, true, b);
                storeReg(c, i.reg, width, lanes(a[0], b[0], bits, f), width == 16 ? lanes(a[1], b[1], bits, f) : 0);
            };
            defPrefixed(0x100 | op, width == 16 ? P_66 : P_NONE, 0, e, e);
        }
    }

    /** An operation on a whole 128-bit (or 64-bit) value pair, for shuffles, packs and unpacks. */
    @FunctionalInterface
    interface WideOp {
        /** Combines {@code a} (destination) and {@code b} (source) into {@code a}. */
        void apply(Cpu c, Insn i, long[] a, long[] b, int width);
    }

    private static void wide(int op, int prefix, int flags, boolean sse, WideOp f) {
        int width = prefix == P_NONE && !sse ? 8 : 16;
        Exec e = (c, i) -> {
            checkUnit(c, width);
            long[] a = c.fpu.opA;
            long[] b = c.fpu.opB;
            loadReg(c, i.reg, width, a);
            loadRm(c, i, width, true, b);
            f.apply(c, i, a, b, width);
            storeReg(c, i.reg, width, a[0], a[1]);
        };
        defPrefixed(0x100 | op, prefix, flags, e, e);
    }

    static void register() {
        registerArithmetic();
        registerShifts();
        registerMoves();
        registerShuffles();
        group(0x1AE, 0, 2, SystemOps.fsGsBase(2), (c, i) -> {
            checkSse(c);
            int v = (int) c.read(i.seg, i.ea, 4);
            if ((v & ~X87Control.MXCSR_MASK) != 0) {
                throw c.gp(0);
            }
            c.fpu.mxcsr = v;
        });
        group(0x1AE, 0, 3, SystemOps.fsGsBase(3), (c, i) -> {
            checkSse(c);
            c.write(i.seg, i.ea, c.fpu.mxcsr, 4);
        });
        // MASKMOVQ / MASKMOVDQU: byte-masked store to DS:rDI.
        for (int prefix : new int[] {P_NONE, P_66}) {
            int width = prefix == P_66 ? 16 : 8;
            defPrefixed(0x1F7, prefix, 0, (c, i) -> {
                checkUnit(c, width);
                long[] a = c.fpu.opA;
                long[] m = c.fpu.opB;
                loadReg(c, i.reg, width, a);
                loadReg(c, i.rm, width, m);
                int seg = i.segOverride >= 0 ? i.segOverride : Cpu.DS;
                long base = c.getReg(Cpu.RDI, i.addrSize);
                for (int k = 0; k < width; k++) {
                    if (((m[k >> 3] >>> (8 * (k & 7) + 7)) & 1) != 0) {
                        c.write(seg, c.maskAddr(base + k, i.addrSize), a[k >> 3] >>> (8 * (k & 7)), 1);
                    }
                }
            }, null);
        }
        def(0x177, 0, (c, i) -> {
            checkMmx(c);
            c.fpu.ftwAbridged = 0;
        });
        def(0x1C3, MODRM, null, (c, i) -> c.write(i.seg, i.ea, c.getReg(i.reg, i.opSize == 8 ? 8 : 4), i.opSize == 8 ? 8 : 4));
    }

    private static void registerArithmetic() {
        packed(0xFC, 8, (a, b, n) -> a + b);
        packed(0xFD, 16, (a, b, n) -> a + b);
        packed(0xFE, 32, (a, b, n) -> a + b);
        packed(0xD4, 64, (a, b, n) -> a + b);
        packed(0xF8, 8, (a, b, n) -> a - b);
        packed(0xF9, 16, (a, b, n) -> a - b);
        packed(0xFA, 32, (a, b, n) -> a - b);
        packed(0xFB, 64, (a, b, n) -> a - b);
        LaneOp addSigned = (a, b, n) -> saturateSigned(sx(a, n) + sx(b, n), n);
        LaneOp subSigned = (a, b, n) -> saturateSigned(sx(a, n) - sx(b, n), n);
        LaneOp addUnsigned = (a, b, n) -> saturateUnsigned(a + b, n);
        LaneOp subUnsigned = (a, b, n) -> saturateUnsigned(a - b, n);
        packed(0xEC, 8, addSigned);
        packed(0xED, 16, addSigned);
        packed(0xDC, 8, addUnsigned);
        packed(0xDD, 16, addUnsigned);
        packed(0xE8, 8, subSigned);
        packed(0xE9, 16, subSigned);
        packed(0xD8, 8, subUnsigned);
        packed(0xD9, 16, subUnsigned);
        packed(0xD5, 16, (a, b, n) -> sx(a, 16) * sx(b, 16));
        packed(0xE5, 16, (a, b, n) -> (sx(a, 16) * sx(b, 16)) >> 16);
        packed(0xE4, 16, (a, b, n) -> (a * b) >>> 16);
        packed(0xF4, 64, (a, b, n) -> (a & 0xFFFF_FFFFL) * (b & 0xFFFF_FFFFL));
        packed(0xF5, 32, (a, b, n) -> sx(a & 0xFFFF, 16) * sx(b & 0xFFFF, 16) + sx(a >>> 16, 16) * sx(b >>> 16, 16));
        packed(0xF6, 64, (a, b, n) -> {
            long sum = 0;
            for (int s = 0; s < 64; s += 8) {
                sum += Math.abs(((a >>> s) & 0xFF) - ((b >>> s) & 0xFF));
            }
            return sum;
        });
        packed(0xDA, 8, (a, b, n) -> Math.min(a, b));
        packed(0xDE, 8, (a, b, n) -> Math.max(a, b));
        packed(0xEA, 16, (a, b, n) -> Math.min(sx(a, 16), sx(b, 16)));
        packed(0xEE, 16, (a, b, n) -> Math.max(sx(a, 16), sx(b, 16)));
        packed(0xE0, 8, (a, b, n) -> (a + b + 1) >>> 1);
        packed(0xE3, 16, (a, b, n) -> (a + b + 1) >>> 1);
        packed(0x74, 8, (a, b, n) -> a == b ? -1 : 0);
        packed(0x75, 16, (a, b, n) -> a == b ? -1 : 0);
        packed(0x76, 32, (a, b, n) -> a == b ? -1 : 0);
        packed(0x64, 8, (a, b, n) -> sx(a, n) > sx(b, n) ? -1 : 0);
        packed(0x65, 16, (a, b, n) -> sx(a, n) > sx(b, n) ? -1 : 0);
        packed(0x66, 32, (a, b, n) -> sx(a, n) > sx(b, n) ? -1 : 0);
        packed(0xDB, 64, (a, b, n) -> a & b);
        packed(0xDF, 64, (a, b, n) -> ~a & b);
        packed(0xEB, 64, (a, b, n) -> a | b);
        packed(0xEF, 64, (a, b, n) -> a ^ b);
        int[][] logic = {{0x54, 0}, {0x55, 1}, {0x56, 2}, {0x57, 3}};
        for (int[] l : logic) {
            int kind = l[1];
            WideOp f = (c, i, a, b, w) -> {
                for (int k = 0; k < 2; k++) {
                    a[k] = switch (kind) {
                        case 0 -> a[k] & b[k];
                        case 1 -> ~a[k] & b[k];
                        case 2 -> a[k] | b[k];
                        default -> a[k] ^ b[k];
                    };
                }
            };
            wide(l[0], P_NONE, 0, true, f);
            wide(l[0], P_66, 0, true, f);
        }
    }

    private static long shiftLanes(long v, int bits, long count, int kind) {
        long m = laneMask(bits);
        long r = 0;
        for (int s = 0; s < 64; s += bits) {
            long lane = (v >>> s) & m;
            long out;
            if (kind == 4) {
                out = sx(lane, bits) >> (Long.compareUnsigned(count, bits - 1) > 0 ? bits - 1 : count);
            } else if (Long.compareUnsigned(count, bits - 1) > 0) {
                out = 0;
            } else {
                out = kind == 2 ? lane >>> count : lane << count;
            }
            r |= (out & m) << s;
        }
        return r;
    }

    private static void registerShifts() {
        int[][] byReg = {{0xD1, 16, 2}, {0xD2, 32, 2}, {0xD3, 64, 2}, {0xE1, 16, 4}, {0xE2, 32, 4},
            {0xF1, 16, 6}, {0xF2, 32, 6}, {0xF3, 64, 6}};
        for (int[] sr : byReg) {
            int bits = sr[1];
            int kind = sr[2];
            for (int prefix : new int[] {P_NONE, P_66}) {
                wide(sr[0], prefix, 0, false, (c, i, a, b, w) -> {
                    long count = b[0];
                    a[0] = shiftLanes(a[0], bits, count, kind);
                    a[1] = shiftLanes(a[1], bits, count, kind);
                });
            }
        }
        int[][] byImm = {{0x71, 16}, {0x72, 32}, {0x73, 64}};
        for (int[] si : byImm) {
            int bits = si[1];
            for (int prefix : new int[] {P_NONE, P_66}) {
                int width = prefix == P_66 ? 16 : 8;
                Exec e = (c, i) -> {
                    checkUnit(c, width);
                    int kind = i.reg & 7;
                    long count = i.imm & 0xFF;
                    long[] a = c.fpu.opA;
                    loadReg(c, i.rm, width, a);
                    if (bits == 64 && width == 16 && (kind == 3 || kind == 7)) {
                        byteShift(a, (int) count, kind == 7);
                    } else if (kind == 2 || kind == 6 || (kind == 4 && bits != 64)) {
                        a[0] = shiftLanes(a[0], bits, count, kind);
                        a[1] = shiftLanes(a[1], bits, count, kind);
                    } else {
                        throw c.ud();
                    }
                    storeReg(c, i.rm, width, a[0], a[1]);
                };
                defPrefixed(0x100 | si[0], prefix, IB, e, null);
            }
        }
    }

    /** PSLLDQ/PSRLDQ: shifts the 128-bit value by whole bytes. */
    private static void byteShift(long[] v, int bytes, boolean left) {
        if (bytes > 15) {
            v[0] = 0;
            v[1] = 0;
            return;
        }
        int n = bytes * 8;
        if (n == 0) {
            return;
        }
        if (left) {
            v[1] = n >= 64 ? v[0] << (n - 64) : (v[1] << n) | (v[0] >>> (64 - n));
            v[0] = n >= 64 ? 0 : v[0] << n;
        } else {
            v[0] = n >= 64 ? v[1] >>> (n - 64) : (v[0] >>> n) | (v[1] << (64 - n));
            v[1] = n >= 64 ? 0 : v[1] >>> n;
        }
    }

    private static void registerMoves() {
        // MOVUPS/MOVUPD/MOVSS/MOVSD, MOVAPS/MOVAPD, MOVDQA/MOVDQU, MOVNT*.
        // MOVNTPS/MOVNTPD and MOVNTDQ: an aligned 16-byte store of the register.
        Exec storeAligned = (c, i) -> {
            checkSse(c);
            long[] a = c.fpu.opA;
            loadReg(c, i.reg, 16, a);
            storeRm(c, i, 16, true, a[0], a[1]);
        };
        for (int prefix : new int[] {P_NONE, P_66}) {
            moveFull(0x10, 0x11, prefix, false);
            moveFull(0x28, 0x29, prefix, true);
            defPrefixed(0x12B, prefix, 0, null, storeAligned);
        }
        moveFull(0x6F, 0x7F, P_66, true);
        moveFull(0x6F, 0x7F, P_F3, false);
        defPrefixed(0x1E7, P_66, 0, null, storeAligned);
        defPrefixed(0x1E7, P_NONE, 0, null, (c, i) -> {
            checkMmx(c);
            c.write(i.seg, i.ea, c.fpu.st[2 * (i.reg & 7)], 8);
        });
        defPrefixed(0x16F, P_NONE, 0, (c, i) -> {
            checkMmx(c);
            storeReg(c, i.reg, 8, c.fpu.st[2 * (i.rm & 7)], 0);
        }, (c, i) -> {
            checkMmx(c);
            storeReg(c, i.reg, 8, c.read(i.seg, i.ea, 8), 0);
        });
        defPrefixed(0x17F, P_NONE, 0, (c, i) -> {
            checkMmx(c);
            storeReg(c, i.rm, 8, c.fpu.st[2 * (i.reg & 7)], 0);
        }, (c, i) -> {
            checkMmx(c);
            c.write(i.seg, i.ea, c.fpu.st[2 * (i.reg & 7)], 8);
        });
        scalarMoves();
        halfMoves();
        generalMoves();
        masks();
    }

    private static void moveFull(int load, int store, int prefix, boolean aligned) {
        defPrefixed(0x100 | load, prefix, 0, (c, i) -> {
            checkSse(c);
            c.fpu.xmm[2 * i.reg] = c.fpu.xmm[2 * i.rm];
            c.fpu.xmm[2 * i.reg + 1] = c.fpu.xmm[2 * i.rm + 1];
        }, (c, i) -> {
            checkSse(c);
            long[] a = c.fpu.opA;
            loadRm(c, i, 16, aligned, a);
            storeReg(c, i.reg, 16, a[0], a[1]);
        });
        defPrefixed(0x100 | store, prefix, 0, (c, i) -> {
            checkSse(c);
            c.fpu.xmm[2 * i.rm] = c.fpu.xmm[2 * i.reg];
            c.fpu.xmm[2 * i.rm + 1] = c.fpu.xmm[2 * i.reg + 1];
        }, (c, i) -> {
            checkSse(c);
            storeRm(c, i, 16, aligned, c.fpu.xmm[2 * i.reg], c.fpu.xmm[2 * i.reg + 1]);
        });
    }

    private static void scalarMoves() {
        // MOVSS / MOVSD.
        defPrefixed(0x110, P_F3, 0, (c, i) -> {
            checkSse(c);
            long[] v = c.fpu.xmm;
            v[2 * i.reg] = (v[2 * i.reg] & ~0xFFFF_FFFFL) | (v[2 * i.rm] & 0xFFFF_FFFFL);
        }, (c, i) -> {
            checkSse(c);
            storeReg(c, i.reg, 16, c.read(i.seg, i.ea, 4), 0);
        });
        defPrefixed(0x111, P_F3, 0, (c, i) -> {
            checkSse(c);
            long[] v = c.fpu.xmm;
            v[2 * i.rm] = (v[2 * i.rm] & ~0xFFFF_FFFFL) | (v[2 * i.reg] & 0xFFFF_FFFFL);
        }, (c, i) -> {
            checkSse(c);
            c.write(i.seg, i.ea, c.fpu.xmm[2 * i.reg], 4);
        });
        defPrefixed(0x110, P_F2, 0, (c, i) -> {
            checkSse(c);
            c.fpu.xmm[2 * i.reg] = c.fpu.xmm[2 * i.rm];
        }, (c, i) -> {
            checkSse(c);
            storeReg(c, i.reg, 16, c.read(i.seg, i.ea, 8), 0);
        });
        defPrefixed(0x111, P_F2, 0, (c, i) -> {
            checkSse(c);
            c.fpu.xmm[2 * i.rm] = c.fpu.xmm[2 * i.reg];
        }, (c, i) -> {
            checkSse(c);
            c.write(i.seg, i.ea, c.fpu.xmm[2 * i.reg], 8);
        });
        // MOVQ xmm, xmm/m64 (F3 0F 7E) and MOVQ xmm/m64, xmm (66 0F D6): the upper half is cleared.
        defPrefixed(0x17E, P_F3, 0, (c, i) -> {
            checkSse(c);
            storeReg(c, i.reg, 16, c.fpu.xmm[2 * i.rm], 0);
        }, (c, i) -> {
            checkSse(c);
            storeReg(c, i.reg, 16, c.read(i.seg, i.ea, 8), 0);
        });
        defPrefixed(0x1D6, P_66, 0, (c, i) -> {
            checkSse(c);
            storeReg(c, i.rm, 16, c.fpu.xmm[2 * i.reg], 0);
        }, (c, i) -> {
            checkSse(c);
            c.write(i.seg, i.ea, c.fpu.xmm[2 * i.reg], 8);
        });
    }

    private static void halfMoves() {
        // MOVLPS/MOVLPD load and store, MOVHLPS; MOVHPS/MOVHPD, MOVLHPS.
        for (int prefix : new int[] {P_NONE, P_66}) {
            Exec loadLow = (c, i) -> {
                checkSse(c);
                c.fpu.xmm[2 * i.reg] = c.read(i.seg, i.ea, 8);
            };
            Exec loadHigh = (c, i) -> {
                checkSse(c);
                c.fpu.xmm[2 * i.reg + 1] = c.read(i.seg, i.ea, 8);
            };
            defPrefixed(0x112, prefix, 0, prefix == P_NONE ? (c, i) -> {
                checkSse(c);
                c.fpu.xmm[2 * i.reg] = c.fpu.xmm[2 * i.rm + 1];
            } : null, loadLow);
            defPrefixed(0x116, prefix, 0, prefix == P_NONE ? (c, i) -> {
                checkSse(c);
                c.fpu.xmm[2 * i.reg + 1] = c.fpu.xmm[2 * i.rm];
            } : null, loadHigh);
            defPrefixed(0x113, prefix, 0, null, (c, i) -> {
                checkSse(c);
                c.write(i.seg, i.ea, c.fpu.xmm[2 * i.reg], 8);
            });
            defPrefixed(0x117, prefix, 0, null, (c, i) -> {
                checkSse(c);
                c.write(i.seg, i.ea, c.fpu.xmm[2 * i.reg + 1], 8);
            });
        }
        // SSE3 MOVDDUP, MOVSLDUP, MOVSHDUP, LDDQU.
        Exec movddup = (c, i) -> {
            checkSse(c);
            long v = i.isMem ? c.read(i.seg, i.ea, 8) : c.fpu.xmm[2 * i.rm];
            storeReg(c, i.reg, 16, v, v);
        };
        defPrefixed(0x112, P_F2, 0, movddup, movddup);
        for (boolean high : new boolean[] {false, true}) {
            Exec dup = (c, i) -> {
                checkSse(c);
                long[] b = c.fpu.opB;
                loadRm(c, i, 16, true, b);
                int shift = high ? 32 : 0;
                long lo = (b[0] >>> shift) & 0xFFFF_FFFFL;
                long hi = (b[1] >>> shift) & 0xFFFF_FFFFL;
                storeReg(c, i.reg, 16, lo | (lo << 32), hi | (hi << 32));
            };
            defPrefixed(high ? 0x116 : 0x112, P_F3, 0, dup, dup);
        }
        defPrefixed(0x1F0, P_F2, 0, null, (c, i) -> {
            checkSse(c);
            long[] a = c.fpu.opA;
            loadRm(c, i, 16, false, a);
            storeReg(c, i.reg, 16, a[0], a[1]);
        });
    }

    private static void generalMoves() {
        // MOVD/MOVQ between general registers or memory and MMX (no prefix) or XMM (66).
        for (int prefix : new int[] {P_NONE, P_66}) {
            int width = prefix == P_66 ? 16 : 8;
            Exec load = (c, i) -> {
                checkUnit(c, width);
                int s = i.rexW ? 8 : 4;
                storeReg(c, i.reg, width, IntegerOps.rmRead(c, i, s), 0);
            };
            Exec store = (c, i) -> {
                checkUnit(c, width);
                int s = i.rexW ? 8 : 4;
                long v = width == 16 ? c.fpu.xmm[2 * i.reg] : c.fpu.st[2 * (i.reg & 7)];
                IntegerOps.rmWrite(c, i, s, s == 8 ? v : v & 0xFFFF_FFFFL);
            };
            defPrefixed(0x16E, prefix, 0, load, load);
            defPrefixed(0x17E, prefix, 0, store, store);
        }
        // MOVQ2DQ and MOVDQ2Q.
        defPrefixed(0x1D6, P_F3, 0, (c, i) -> {
            checkSse(c);
            checkMmx(c);
            storeReg(c, i.reg, 16, c.fpu.st[2 * (i.rm & 7)], 0);
        }, null);
        defPrefixed(0x1D6, P_F2, 0, (c, i) -> {
            checkSse(c);
            checkMmx(c);
            storeReg(c, i.reg, 8, c.fpu.xmm[2 * i.rm], 0);
        }, null);
    }

    private static void masks() {
        defPrefixed(0x150, P_NONE, 0, (c, i) -> {
            checkSse(c);
            long lo = c.fpu.xmm[2 * i.rm];
            long hi = c.fpu.xmm[2 * i.rm + 1];
            int m = (int) ((lo >>> 31) & 1) | (int) ((lo >>> 62) & 2) | (int) ((hi >>> 29) & 4) | (int) ((hi >>> 60) & 8);
            c.setReg(i.reg, 8, m);
        }, null);
        defPrefixed(0x150, P_66, 0, (c, i) -> {
            checkSse(c);
            int m = (int) (c.fpu.xmm[2 * i.rm] >>> 63) | (int) ((c.fpu.xmm[2 * i.rm + 1] >>> 62) & 2);
            c.setReg(i.reg, 8, m);
        }, null);
        for (int prefix : new int[] {P_NONE, P_66}) {
            int width = prefix == P_66 ? 16 : 8;
            defPrefixed(0x1D7, prefix, 0, (c, i) -> {
                checkUnit(c, width);
                long[] b = c.fpu.opB;
                loadReg(c, i.rm, width, b);
                int m = 0;
                for (int k = 0; k < 8; k++) {
                    m |= (int) ((b[0] >>> (8 * k + 7)) & 1) << k;
                    m |= (int) ((b[1] >>> (8 * k + 7)) & 1) << (k + 8);
                }
                c.setReg(i.reg, 8, width == 16 ? m : m & 0xFF);
            }, null);
        }
    }

    private static long word(long[] v, int k) {
        return (v[k >> 2] >>> (16 * (k & 3))) & 0xFFFF;
    }

    private static long dword(long[] v, int k) {
        return (v[k >> 1] >>> (32 * (k & 1))) & 0xFFFF_FFFFL;
    }

    private static void registerShuffles() {
        wide(0x70, P_66, IB, true, (c, i, a, b, w) -> {
            int imm = (int) i.imm;
            long d0 = dword(b, imm & 3) | (dword(b, (imm >> 2) & 3) << 32);
            long d1 = dword(b, (imm >> 4) & 3) | (dword(b, (imm >> 6) & 3) << 32);
            a[0] = d0;
            a[1] = d1;
        });
        wide(0x70, P_F3, IB, true, (c, i, a, b, w) -> {
            int imm = (int) i.imm;
            long hi = 0;
            for (int k = 0; k < 4; k++) {
                hi |= word(b, 4 + ((imm >> (2 * k)) & 3)) << (16 * k);
            }
            a[0] = b[0];
            a[1] = hi;
        });
        wide(0x70, P_F2, IB, true, (c, i, a, b, w) -> {
            int imm = (int) i.imm;
            long lo = 0;
            for (int k = 0; k < 4; k++) {
                lo |= word(b, (imm >> (2 * k)) & 3) << (16 * k);
            }
            a[0] = lo;
            a[1] = b[1];
        });
        wide(0x70, P_NONE, IB, false, (c, i, a, b, w) -> {
            int imm = (int) i.imm;
            long r = 0;
            for (int k = 0; k < 4; k++) {
                r |= word(b, (imm >> (2 * k)) & 3) << (16 * k);
            }
            a[0] = r;
        });
        for (int prefix : new int[] {P_NONE, P_66}) {
            int width = prefix == P_66 ? 16 : 8;
            unpack(0x60, prefix, 8, false);
            unpack(0x61, prefix, 16, false);
            unpack(0x62, prefix, 32, false);
            unpack(0x68, prefix, 8, true);
            unpack(0x69, prefix, 16, true);
            unpack(0x6A, prefix, 32, true);
            pack(0x63, prefix, 16, true);
            pack(0x6B, prefix, 32, true);
            pack(0x67, prefix, 16, false);
            Exec pinsrw = (c, i) -> {
                checkUnit(c, width);
                long v = IntegerOps.rmRead(c, i, 2);
                long[] a = c.fpu.opA;
                loadReg(c, i.reg, width, a);
                int k = (int) i.imm & (width == 16 ? 7 : 3);
                int shift = 16 * (k & 3);
                a[k >> 2] = (a[k >> 2] & ~(0xFFFFL << shift)) | (v << shift);
                storeReg(c, i.reg, width, a[0], a[1]);
            };
            defPrefixed(0x1C4, prefix, IB, pinsrw, pinsrw);
            defPrefixed(0x1C5, prefix, IB, (c, i) -> {
                checkUnit(c, width);
                long[] b = c.fpu.opB;
                loadReg(c, i.rm, width, b);
                c.setReg(i.reg, 8, word(b, (int) i.imm & (width == 16 ? 7 : 3)));
            }, null);
        }
        unpack(0x6C, P_66, 64, false);
        unpack(0x6D, P_66, 64, true);
        wide(0x14, P_NONE, 0, true, (c, i, a, b, w) -> {
            long a1 = dword(a, 1);
            long b0 = dword(b, 0);
            long b1 = dword(b, 1);
            a[1] = a1 | (b1 << 32);
            a[0] = dword(a, 0) | (b0 << 32);
        });
        wide(0x15, P_NONE, 0, true, (c, i, a, b, w) -> {
            long a2 = dword(a, 2);
            long a3 = dword(a, 3);
            a[0] = a2 | (dword(b, 2) << 32);
            a[1] = a3 | (dword(b, 3) << 32);
        });
        wide(0x14, P_66, 0, true, (c, i, a, b, w) -> a[1] = b[0]);
        wide(0x15, P_66, 0, true, (c, i, a, b, w) -> {
            a[0] = a[1];
            a[1] = b[1];
        });
        wide(0xC6, P_NONE, IB, true, (c, i, a, b, w) -> {
            int imm = (int) i.imm;
            long lo = dword(a, imm & 3) | (dword(a, (imm >> 2) & 3) << 32);
            long hi = dword(b, (imm >> 4) & 3) | (dword(b, (imm >> 6) & 3) << 32);
            a[0] = lo;
            a[1] = hi;
        });
        wide(0xC6, P_66, IB, true, (c, i, a, b, w) -> {
            int imm = (int) i.imm;
            long lo = a[imm & 1];
            long hi = b[(imm >> 1) & 1];
            a[0] = lo;
            a[1] = hi;
        });
    }

    /** PUNPCKL* / PUNPCKH*: interleaves the low (or high) halves of destination and source. */
    private static void unpack(int op, int prefix, int bits, boolean high) {
        wide(op, prefix, 0, false, (c, i, a, b, w) -> {
            int half = w * 4;
            int lanesPerHalf = half / bits;
            int base = high ? lanesPerHalf : 0;
            long m = laneMask(bits);
            long r0 = 0;
            long r1 = 0;
            for (int k = 0; k < lanesPerHalf; k++) {
                long x = lane(a, base + k, bits) & m;
                long y = lane(b, base + k, bits) & m;
                int outA = 2 * k;
                int outB = 2 * k + 1;
                int lanes64 = 64 / bits;
                if (outA < lanes64) {
                    r0 |= x << (bits * outA);
                } else {
                    r1 |= x << (bits * (outA - lanes64));
                }
                if (outB < lanes64) {
                    r0 |= y << (bits * outB);
                } else {
                    r1 |= y << (bits * (outB - lanes64));
                }
            }
            a[0] = r0;
            a[1] = w == 16 ? r1 : 0;
        });
    }

    private static long lane(long[] v, int k, int bits) {
        int perLong = 64 / bits;
        long word = v[k / perLong];
        return bits == 64 ? word : (word >>> (bits * (k % perLong))) & laneMask(bits);
    }

    /** PACKSSWB, PACKSSDW, PACKUSWB: narrows destination then source lanes with saturation. */
    private static void pack(int op, int prefix, int bits, boolean signed) {
        wide(op, prefix, 0, false, (c, i, a, b, w) -> {
            int out = bits / 2;
            int n = w * 8 / bits;
            long r0 = 0;
            long r1 = 0;
            for (int k = 0; k < 2 * n; k++) {
                long v = sx(k < n ? lane(a, k, bits) : lane(b, k - n, bits), bits);
                long s = signed ? saturateSigned(v, out) : saturateUnsigned(v, out);
                int pos = k * out;
                if (pos < 64) {
                    r0 |= (s & laneMask(out)) << pos;
                } else {
                    r1 |= (s & laneMask(out)) << (pos - 64);
                }
            }
            a[0] = r0;
            a[1] = r1;
        });
    }
}
