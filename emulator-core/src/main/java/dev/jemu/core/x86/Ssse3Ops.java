package dev.jemu.core.x86;

import static dev.jemu.core.x86.OpTable.IB;
import static dev.jemu.core.x86.OpTable.P_66;
import static dev.jemu.core.x86.OpTable.P_NONE;
import static dev.jemu.core.x86.OpTable.defPrefixed;

/**
 * SSSE3 (0F 38 00-0B, 1C-1E and 0F 3A 0F), on the MMX registers without a prefix and on the
 * XMM registers with 66: PSHUFB, the horizontal adds and subtracts (PHADDW/D/SW,
 * PHSUBW/D/SW), PMADDUBSW, PSIGNB/W/D, PMULHRSW, PABSB/W/D and PALIGNR, as the Intel SDM
 * vol. 2 defines them. A model without SSSE3 ({@code qemu64}) raises #UD for all of them.
 */
final class Ssse3Ops {
    private Ssse3Ops() {
    }

    /** Computes the result {@code r} (cleared) from destination {@code a} and source {@code b}, each {@code width} bytes. */
    @FunctionalInterface
    private interface Body {
        void apply(Insn i, long[] a, long[] b, long[] r, int width);
    }

    /** A two-operand lane function (operands zero-extended). */
    @FunctionalInterface
    private interface Pair {
        long apply(long x, long y);
    }

    static void register() {
        op(0x00, 0, Ssse3Ops::pshufb);
        horizontal(0x01, 16, (x, y) -> x + y);
        horizontal(0x02, 32, (x, y) -> x + y);
        horizontal(0x03, 16, (x, y) -> SseOps.saturateSigned(SseOps.sx(x, 16) + SseOps.sx(y, 16), 16));
        op(0x04, 0, Ssse3Ops::pmaddubsw);
        horizontal(0x05, 16, (x, y) -> x - y);
        horizontal(0x06, 32, (x, y) -> x - y);
        horizontal(0x07, 16, (x, y) -> SseOps.saturateSigned(SseOps.sx(x, 16) - SseOps.sx(y, 16), 16));
        lanes(0x08, 8, (x, y) -> sign(x, y, 8));
        lanes(0x09, 16, (x, y) -> sign(x, y, 16));
        lanes(0x0A, 32, (x, y) -> sign(x, y, 32));
        lanes(0x0B, 16, (x, y) -> (((SseOps.sx(x, 16) * SseOps.sx(y, 16)) >> 14) + 1) >> 1);
        abs(0x1C, 8);
        abs(0x1D, 16);
        abs(0x1E, 32);
        for (int width : new int[] {8, 16}) {
            Exec e = exec(width, Ssse3Ops::palignr);
            defPrefixed(0x30F, width == 16 ? P_66 : P_NONE, IB, e, e);
        }
    }

    private static void op(int opcode, int flags, Body body) {
        for (int width : new int[] {8, 16}) {
            Exec e = exec(width, body);
            defPrefixed(0x200 | opcode, width == 16 ? P_66 : P_NONE, flags, e, e);
        }
    }

    private static Exec exec(int width, Body body) {
        return (c, i) -> {
            if (!c.model.extended) {
                throw c.ud();
            }
            SseOps.checkUnit(c, width);
            long[] a = c.fpu.opA;
            long[] b = c.fpu.opB;
            long[] r = c.fpu.opC;
            SseOps.loadReg(c, i.reg, width, a);
            SseOps.loadRm(c, i, width, true, b);
            r[0] = 0;
            r[1] = 0;
            body.apply(i, a, b, r, width);
            SseOps.storeReg(c, i.reg, width, r[0], r[1]);
        };
    }

    /** Element {@code k} of {@code bits} bits of {@code v}, zero-extended. */
    static long get(long[] v, int k, int bits) {
        int per = 64 / bits;
        return (v[k / per] >>> ((k % per) * bits)) & SseOps.laneMask(bits);
    }

    /** ORs {@code x} into element {@code k} of {@code bits} bits of {@code v} (the element must be clear). */
    static void put(long[] v, int k, int bits, long x) {
        int per = 64 / bits;
        int shift = (k % per) * bits;
        v[k / per] |= (x & SseOps.laneMask(bits)) << shift;
    }

    private static void pshufb(Insn i, long[] a, long[] b, long[] r, int width) {
        for (int k = 0; k < width; k++) {
            long s = get(b, k, 8);
            put(r, k, 8, (s & 0x80) != 0 ? 0 : get(a, (int) (s & (width - 1)), 8));
        }
    }

    /** PHADD/PHSUB: pairs of the destination fill the low half of the result, pairs of the source the high half. */
    private static void horizontal(int opcode, int bits, Pair f) {
        op(opcode, 0, (i, a, b, r, width) -> {
            int half = width * 8 / bits / 2;
            for (int k = 0; k < half; k++) {
                put(r, k, bits, f.apply(get(a, 2 * k, bits), get(a, 2 * k + 1, bits)));
                put(r, half + k, bits, f.apply(get(b, 2 * k, bits), get(b, 2 * k + 1, bits)));
            }
        });
    }

    private static void lanes(int opcode, int bits, Pair f) {
        op(opcode, 0, (i, a, b, r, width) -> {
            for (int k = 0; k < width * 8 / bits; k++) {
                put(r, k, bits, f.apply(get(a, k, bits), get(b, k, bits)));
            }
        });
    }

    private static void abs(int opcode, int bits) {
        op(opcode, 0, (i, a, b, r, width) -> {
            for (int k = 0; k < width * 8 / bits; k++) {
                put(r, k, bits, Math.abs(SseOps.sx(get(b, k, bits), bits)));
            }
        });
    }

    /** PSIGN lane: the destination lane negated, zeroed or kept as the source lane is negative, zero or positive. */
    private static long sign(long x, long y, int bits) {
        return y == 0 ? 0 : SseOps.sx(y, bits) < 0 ? -x : x;
    }

    private static void pmaddubsw(Insn i, long[] a, long[] b, long[] r, int width) {
        for (int k = 0; k < width / 2; k++) {
            long x = get(a, 2 * k, 8) * SseOps.sx(get(b, 2 * k, 8), 8)
                    + get(a, 2 * k + 1, 8) * SseOps.sx(get(b, 2 * k + 1, 8), 8);
            put(r, k, 16, SseOps.saturateSigned(x, 16));
        }
    }

    private static void palignr(Insn i, long[] a, long[] b, long[] r, int width) {
        int shift = (int) (i.imm & 0xFF);
        for (int k = 0; k < width; k++) {
            int j = k + shift;
            long v = j < width ? get(b, j, 8) : j < 2 * width ? get(a, j - width, 8) : 0;
            put(r, k, 8, v);
        }
    }
}
