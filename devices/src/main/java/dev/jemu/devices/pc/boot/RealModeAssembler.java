package dev.jemu.devices.pc.boot;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A few 16-bit real-mode instructions, encoded as the Intel SDM (volume 2) gives them, with
 * labels: enough to write {@link LinuxBootRom}. Each method appends one instruction; 32-bit
 * operands carry the operand-size prefix 0x66, memory operands are {@code [segment:disp16]}
 * (ModRM mod 00, r/m 110) with a segment-override prefix. Conditional jumps and calls take a
 * label and are always the rel16 forms; {@link #bytes()} resolves them.
 *
 * <p>Not thread-safe; used by one thread while it builds a ROM.
 */
final class RealModeAssembler {
    /** General registers by their ModRM number. */
    static final int AX = 0;
    static final int CX = 1;
    static final int DX = 2;
    static final int BX = 3;
    static final int SP = 4;
    static final int BP = 5;
    static final int DI = 7;
    /** Segment registers by their ModRM number, and their override prefixes. */
    static final int ES = 0;
    static final int SS = 2;
    static final int DS = 3;
    static final int FS = 4;
    static final int GS = 5;
    private static final int[] SEGMENT_PREFIX = {0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65};
    private static final int OPERAND32 = 0x66;
    /** Condition codes of Jcc (the low nibble of 0x0F 0x80+cc). */
    static final int CC_B = 0x2;
    static final int CC_E = 0x4;
    static final int CC_NE = 0x5;
    static final int CC_BE = 0x6;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final Map<String, Integer> labels = new HashMap<>();
    /** Where a rel16 field is, and the label it targets. */
    private record Fixup(int at, String label) {
    }

    private final List<Fixup> fixups = new ArrayList<>();

    /** The offset of the next byte. */
    int here() {
        return out.size();
    }

    /** Appends raw bytes (data, or an instruction spelled out). */
    RealModeAssembler db(int... bytes) {
        for (int b : bytes) {
            out.write(b);
        }
        return this;
    }

    RealModeAssembler dw(int value) {
        return db(value & 0xFF, (value >>> 8) & 0xFF);
    }

    RealModeAssembler dd(long value) {
        return dw((int) value).dw((int) (value >>> 16));
    }

    /** Defines {@code name} here. */
    RealModeAssembler label(String name) {
        if (labels.putIfAbsent(name, here()) != null) {
            throw new IllegalStateException("label " + name + " defined twice");
        }
        return this;
    }

    private static int modrmReg(int reg, int rm) {
        return 0xC0 | reg << 3 | rm;
    }

    /** {@code mov r16, imm16}. */
    RealModeAssembler movImm16(int reg, int imm) {
        return db(0xB8 + reg).dw(imm);
    }

    /** {@code mov r32, imm32}. */
    RealModeAssembler movImm32(int reg, long imm) {
        return db(OPERAND32, 0xB8 + reg).dd(imm);
    }

    /** {@code mov r32, r32}. */
    RealModeAssembler mov32(int to, int from) {
        return db(OPERAND32, 0x89, modrmReg(from, to));
    }

    /** {@code mov sreg, r16}. */
    RealModeAssembler movToSegment(int sreg, int reg) {
        return db(0x8E, modrmReg(sreg, reg));
    }

    /** {@code mov r16, sreg}. */
    RealModeAssembler movFromSegment(int reg, int sreg) {
        return db(0x8C, modrmReg(sreg, reg));
    }

    /** {@code mov r32, [seg:disp]}. */
    RealModeAssembler load32(int reg, int seg, int disp) {
        return db(SEGMENT_PREFIX[seg], OPERAND32, 0x8B, reg << 3 | 0b110).dw(disp);
    }

    /** {@code mov [seg:disp], r32}. */
    RealModeAssembler store32(int seg, int disp, int reg) {
        return db(SEGMENT_PREFIX[seg], OPERAND32, 0x89, reg << 3 | 0b110).dw(disp);
    }

    /** {@code mov byte [seg:disp], imm8}. */
    RealModeAssembler storeImm8(int seg, int disp, int imm) {
        return db(SEGMENT_PREFIX[seg], 0xC6, 0b110).dw(disp).db(imm);
    }

    /** {@code mov word [seg:disp], imm16}. */
    RealModeAssembler storeImm16(int seg, int disp, int imm) {
        return db(SEGMENT_PREFIX[seg], 0xC7, 0b110).dw(disp).dw(imm);
    }

    /** {@code or byte [seg:disp], imm8}. */
    RealModeAssembler orImm8(int seg, int disp, int imm) {
        return db(SEGMENT_PREFIX[seg], 0x80, 1 << 3 | 0b110).dw(disp).db(imm);
    }

    /** {@code cmp dword [seg:disp], imm8} (sign-extended). */
    RealModeAssembler cmpMemImm8(int seg, int disp, int imm) {
        return db(SEGMENT_PREFIX[seg], OPERAND32, 0x83, 7 << 3 | 0b110).dw(disp).db(imm);
    }

    /** {@code add r32, [seg:disp]}. */
    RealModeAssembler addMem32(int reg, int seg, int disp) {
        return db(SEGMENT_PREFIX[seg], OPERAND32, 0x03, reg << 3 | 0b110).dw(disp);
    }

    /** {@code sub r32, [seg:disp]}. */
    RealModeAssembler subMem32(int reg, int seg, int disp) {
        return db(SEGMENT_PREFIX[seg], OPERAND32, 0x2B, reg << 3 | 0b110).dw(disp);
    }

    /** {@code cmp r32a, r32b} (flags of a - b). */
    RealModeAssembler cmp32(int a, int b) {
        return db(OPERAND32, 0x39, modrmReg(b, a));
    }

    /** {@code cmp eax, imm32}. */
    RealModeAssembler cmpEaxImm32(long imm) {
        return db(OPERAND32, 0x3D).dd(imm);
    }

    /** {@code xor r32, r32}: zero. */
    RealModeAssembler zero32(int reg) {
        return db(OPERAND32, 0x31, modrmReg(reg, reg));
    }

    /** {@code test r32, r32}. */
    RealModeAssembler test32(int reg) {
        return db(OPERAND32, 0x85, modrmReg(reg, reg));
    }

    /** {@code test eax, imm32}. */
    RealModeAssembler testEaxImm32(long imm) {
        return db(OPERAND32, 0xA9).dd(imm);
    }

    /** {@code and r32, imm32}. */
    RealModeAssembler andImm32(int reg, long imm) {
        return db(OPERAND32, 0x81, modrmReg(4, reg)).dd(imm);
    }

    /** {@code or eax, imm32}. */
    RealModeAssembler orEaxImm32(long imm) {
        return db(OPERAND32, 0x0D).dd(imm);
    }

    /** {@code add ax, imm16}. */
    RealModeAssembler addAxImm16(int imm) {
        return db(0x05).dw(imm);
    }

    /** {@code movzx r32, r16}. */
    RealModeAssembler movzx32(int to, int from16) {
        return db(OPERAND32, 0x0F, 0xB7, modrmReg(to, from16));
    }

    /** {@code shl r32, imm8}. */
    RealModeAssembler shl32(int reg, int count) {
        return db(OPERAND32, 0xC1, modrmReg(4, reg), count);
    }

    /** {@code shr r32, imm8} ({@code shr r32, 1} for a count of 1, which leaves bit 0 in CF). */
    RealModeAssembler shr32(int reg, int count) {
        return count == 1 ? db(OPERAND32, 0xD1, modrmReg(5, reg)) : db(OPERAND32, 0xC1, modrmReg(5, reg), count);
    }

    /** {@code inc r32}. */
    RealModeAssembler inc32(int reg) {
        return db(OPERAND32, 0x40 + reg);
    }

    /** {@code dec r32}. */
    RealModeAssembler dec32(int reg) {
        return db(OPERAND32, 0x48 + reg);
    }

    /** {@code bswap r32}. */
    RealModeAssembler bswap32(int reg) {
        return db(OPERAND32, 0x0F, 0xC8 + reg);
    }

    /** {@code out dx, eax}. */
    RealModeAssembler outDxEax() {
        return db(OPERAND32, 0xEF);
    }

    /** {@code int n}. */
    RealModeAssembler intN(int n) {
        return db(0xCD, n);
    }

    /** {@code jcc rel16} to {@code label}. */
    RealModeAssembler jcc(int cc, String label) {
        db(0x0F, 0x80 | cc);
        return rel16(label);
    }

    /** {@code call rel16} to {@code label}. */
    RealModeAssembler call(String label) {
        db(0xE8);
        return rel16(label);
    }

    private RealModeAssembler rel16(String label) {
        fixups.add(new Fixup(here(), label));
        return dw(0);
    }

    /** The code, with every jump resolved. */
    byte[] bytes() {
        byte[] b = out.toByteArray();
        for (Fixup f : fixups) {
            Integer target = labels.get(f.label());
            if (target == null) {
                throw new IllegalStateException("label " + f.label() + " is not defined");
            }
            int rel = target - (f.at() + 2);
            b[f.at()] = (byte) rel;
            b[f.at() + 1] = (byte) (rel >>> 8);
        }
        return b;
    }
}
