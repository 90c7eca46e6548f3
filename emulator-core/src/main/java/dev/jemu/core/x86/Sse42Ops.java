package dev.jemu.core.x86;

import static dev.jemu.core.x86.OpTable.IB;
import static dev.jemu.core.x86.OpTable.P_66;
import static dev.jemu.core.x86.OpTable.P_F2;
import static dev.jemu.core.x86.OpTable.defPrefixed;
import static dev.jemu.core.x86.Ssse3Ops.get;

/**
 * SSE4.2, as the Intel SDM vol. 2 defines it: PCMPGTQ, CRC32 (F2 0F 38 F0/F1, the CRC-32C
 * polynomial on a byte, word, dword or qword, bit-reflected, without inversion) and the
 * string compares PCMPESTRI, PCMPESTRM, PCMPISTRI and PCMPISTRM (SDM vol. 1 / vol. 2 section
 * 4.1: the source format, aggregation, polarity and output selection of imm8, explicit lengths
 * in EAX/EDX or RAX/RDX with REX.W, implicit ones ended by a null element, and CF, ZF, SF, OF
 * set and AF, PF cleared). A model without SSE4.2 ({@code qemu64}) raises #UD for all of them.
 * Touched only by the vCPU thread that owns the {@link Cpu}.
 */
final class Sse42Ops {
    /** CRC-32C (Castagnoli), bit-reflected. */
    private static final int CRC32C = 0x82F6_3B78;
    private static final int[] CRC_TABLE = new int[256];

    static {
        for (int n = 0; n < 256; n++) {
            int crc = n;
            for (int k = 0; k < 8; k++) {
                crc = (crc >>> 1) ^ ((crc & 1) != 0 ? CRC32C : 0);
            }
            CRC_TABLE[n] = crc;
        }
    }

    private Sse42Ops() {
    }

    static void register() {
        Sse41Ops.op(0x237, 16, (c, i, a, b, r) -> {
            r[0] = a[0] > b[0] ? -1L : 0;
            r[1] = a[1] > b[1] ? -1L : 0;
        });
        Exec crcByte = crc32(true);
        Exec crc = crc32(false);
        defPrefixed(0x2F0, P_F2, 0, crcByte, crcByte);
        defPrefixed(0x2F1, P_F2, 0, crc, crc);
        for (int k = 0; k < 4; k++) {
            Exec e = stringCompare((k & 2) == 0, (k & 1) != 0);
            defPrefixed(0x360 + k, P_66, IB, e, e);
        }
    }

    /** CRC32 r32/r64, r/m8 ({@code bytes}) or r/m16/32/64 (the operand size). */
    private static Exec crc32(boolean bytes) {
        return (c, i) -> {
            Sse41Ops.checkModel(c);
            int size = bytes ? 1 : i.opSize;
            long v = IntegerOps.rmRead(c, i, size);
            int crc = (int) c.getReg(i.reg, 4);
            for (int k = 0; k < size; k++) {
                crc = (crc >>> 8) ^ CRC_TABLE[(crc ^ (int) (v >>> (8 * k))) & 0xFF];
            }
            c.setReg(i.reg, 4, crc & 0xFFFF_FFFFL);
        };
    }

    /** PCMPESTRI/PCMPESTRM ({@code explicit}) and PCMPISTRI/PCMPISTRM; {@code index}: the I forms. */
    private static Exec stringCompare(boolean explicit, boolean index) {
        return (c, i) -> {
            Sse41Ops.check(c);
            long[] a = c.fpu.opA;
            long[] b = c.fpu.opB;
            SseOps.loadReg(c, i.reg, 16, a);
            SseOps.loadRm(c, i, 16, false, b);
            int imm = (int) i.imm;
            int bits = (imm & 1) != 0 ? 16 : 8;
            int n = 128 / bits;
            int len1 = explicit ? explicitLength(c, Cpu.RAX, i.rexW, n) : implicitLength(a, bits);
            int len2 = explicit ? explicitLength(c, Cpu.RDX, i.rexW, n) : implicitLength(b, bits);
            int res = aggregate(a, b, len1, len2, imm, bits);
            switch ((imm >> 4) & 3) {
                case 1 -> res = ~res & ((1 << n) - 1);
                case 3 -> res ^= (1 << len2) - 1;
                default -> {
                }
            }
            int f = res != 0 ? Eflags.CF : 0;
            f |= len2 < n ? Eflags.ZF : 0;
            f |= len1 < n ? Eflags.SF : 0;
            f |= (res & 1) != 0 ? Eflags.OF : 0;
            c.setEflags(f, Eflags.ARITH);
            if (index) {
                int at = res == 0 ? n : (imm & 0x40) != 0 ? 31 - Integer.numberOfLeadingZeros(res) : Integer.numberOfTrailingZeros(res);
                c.setReg(Cpu.RCX, 4, at);
            } else if ((imm & 0x40) == 0) {
                SseOps.storeReg(c, 0, 16, res & 0xFFFFL, 0);
            } else {
                long lo = 0;
                long hi = 0;
                int per = 64 / bits;
                for (int k = 0; k < n; k++) {
                    long ones = ((res >>> k) & 1) != 0 ? SseOps.laneMask(bits) << ((k % per) * bits) : 0;
                    if (k < per) {
                        lo |= ones;
                    } else {
                        hi |= ones;
                    }
                }
                SseOps.storeReg(c, 0, 16, lo, hi);
            }
        };
    }

    /** The absolute value of EAX/EDX (RAX/RDX with REX.W), saturated to {@code n} elements. */
    private static int explicitLength(Cpu c, int reg, boolean wide, int n) {
        long v = wide ? c.regs[reg] : (int) c.regs[reg];
        return v > n || v < -n ? n : (int) Math.abs(v);
    }

    /** The index of the first null element of {@code v}, or the element count. */
    private static int implicitLength(long[] v, int bits) {
        int n = 128 / bits;
        for (int k = 0; k < n; k++) {
            if (get(v, k, bits) == 0) {
                return k;
            }
        }
        return n;
    }

    /** Element {@code k} of {@code v} in the format of imm8 bits 1:0 (bit 1: signed). */
    private static long element(long[] v, int k, int bits, int imm) {
        long x = get(v, k, bits);
        return (imm & 2) != 0 ? SseOps.sx(x, bits) : x;
    }

    /**
     * IntRes1 of the aggregation imm8 bits 3:2 selects: bit {@code j} for element {@code j} of
     * the second operand {@code b}; elements past a length are invalid and compare as the SDM's
     * override table says.
     */
    private static int aggregate(long[] a, long[] b, int len1, int len2, int imm, int bits) {
        int n = 128 / bits;
        int res = 0;
        for (int j = 0; j < n; j++) {
            boolean hit = switch ((imm >> 2) & 3) {
                case 0 -> {
                    boolean any = false;
                    for (int k = 0; k < len1 && j < len2 && !any; k++) {
                        any = element(a, k, bits, imm) == element(b, j, bits, imm);
                    }
                    yield any;
                }
                case 1 -> {
                    boolean in = false;
                    long y = element(b, j, bits, imm);
                    for (int k = 0; k + 1 < len1 && j < len2 && !in; k += 2) {
                        in = element(a, k, bits, imm) <= y && y <= element(a, k + 1, bits, imm);
                    }
                    yield in;
                }
                case 2 -> j >= len1 && j >= len2 || j < len1 && j < len2 && element(a, j, bits, imm) == element(b, j, bits, imm);
                default -> {
                    boolean all = true;
                    for (int k = 0; j + k < n && k < len1 && all; k++) {
                        all = j + k < len2 && element(a, k, bits, imm) == element(b, j + k, bits, imm);
                    }
                    yield all;
                }
            };
            res |= hit ? 1 << j : 0;
        }
        return res;
    }
}
