package dev.jemu.core.x86;

import dev.jemu.core.x86.disas.Disassembler;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every encoding the interpreter has a handler for (each opcode of {@link OpTable}, in its
 * register and memory forms, each group member and each mandatory prefix) is an instruction
 * to the disassembler too, so {@code -d in_asm} lists all that jemu runs; except the
 * encodings QEMU's disassembler does not decode either (it prints {@code .byte} for them, and
 * so does jemu): undefined register forms whose group handler raises #UD, and the reserved
 * hint NOPs and prefetches jemu runs as NOPs.
 */
class DisassemblerCoverageTest {
    /** The encodings (as this test builds them) that QEMU 7.2's {@code -d in_asm} shows as {@code .byte}. */
    private static final List<String> QEMU_UNDECODED = List.of(
            "d9d1", "dfe1", "0f0d00", "0f18c1", "0f1ac1", "0f1bc1", "0f1cc1", "0f1dc1", "0f1ec1", "0f1fc1",
            "0f71c1", "0f71c9", "0f71d9", "0f71e9", "0f71f9", "660f71c1", "660f71c9", "660f71d9", "660f71e9",
            "660f71f9", "0f72c1", "0f72c9", "0f72d9", "0f72e9", "0f72f9", "660f72c1", "660f72c9", "660f72d9",
            "660f72e9", "660f72f9", "0f73c1", "0f73c9", "0f73d9", "0f73e1", "0f73e9", "0f73f9", "660f73c1",
            "660f73c9", "660f73e1", "660f73e9", "0faec1", "0faec9", "0faed1", "0faed9", "0fb8c1", "0fb800");

    /** Zero bytes after the ModRM, standing for any displacement or immediate. */
    private static final int FILLER = 10;

    @Test
    void everyEncodingTheInterpreterRunsDisassembles() {
        List<String> missing = new ArrayList<>();
        for (int op = 0; op < 4 * 256; op++) {
            int flags = OpTable.FLAGS[op];
            int bits = (flags & OpTable.INV64) != 0 ? 32 : 64;
            for (int prefix = 0; prefix < 4; prefix++) {
                for (int reg = 0; reg < 8; reg++) {
                    for (boolean mem : new boolean[] {false, true}) {
                        if (handler(op, flags, prefix, reg, mem) == null) {
                            continue;
                        }
                        byte[] code = encoding(op, flags, prefix, reg, mem);
                        Disassembler.Insn d = Disassembler.disassemble(code, 0, code.length, 0x1000, bits);
                        if (d == null) {
                            missing.add(HexFormat.of().formatHex(code, 0, code.length - FILLER));
                        }
                    }
                }
            }
        }
        assertEquals(QEMU_UNDECODED, missing);
    }

    private static Exec handler(int op, int flags, int prefix, int reg, boolean mem) {
        if ((flags & OpTable.PREFIXED) != 0) {
            return (mem ? OpTable.MEM_PREFIXED : OpTable.REG_PREFIXED)[prefix][op];
        }
        if (prefix != 0) {
            return null;
        }
        if ((flags & OpTable.GROUP) != 0) {
            Exec[] g = (mem ? OpTable.MEM_GROUP : OpTable.REG_GROUP)[op];
            return g == null ? null : g[reg];
        }
        if (reg != 0 || (mem && (flags & OpTable.MODRM) == 0)) {
            return null;
        }
        return mem ? OpTable.MEM[op] : OpTable.REG[op];
    }

    /** Prefix, opcode bytes, a ModRM (register form: rm = 1; memory form: (rAX)), then zero bytes for any immediate. */
    private static byte[] encoding(int op, int flags, int prefix, int reg, boolean mem) {
        List<Integer> b = new ArrayList<>();
        switch (prefix) {
            case OpTable.P_66 -> b.add(0x66);
            case OpTable.P_F3 -> b.add(0xF3);
            case OpTable.P_F2 -> b.add(0xF2);
            default -> { }
        }
        switch (op >> 8) {
            case 1 -> b.add(0x0F);
            case 2 -> { b.add(0x0F); b.add(0x38); }
            case 3 -> { b.add(0x0F); b.add(0x3A); }
            default -> { }
        }
        b.add(op & 0xFF);
        if ((flags & OpTable.MODRM) != 0) {
            b.add((mem ? 0x00 : 0xC1) | reg << 3);
        }
        for (int k = 0; k < FILLER; k++) {
            b.add(0);
        }
        byte[] out = new byte[b.size()];
        for (int k = 0; k < out.length; k++) {
            out[k] = (byte) (int) b.get(k);
        }
        return out;
    }
}
