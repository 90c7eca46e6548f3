package dev.jemu.core.x86;

import java.lang.classfile.CodeBuilder;
import java.lang.constant.ClassDesc;

import static dev.jemu.core.x86.BlockTranslator.CD_CPU;
import static dev.jemu.core.x86.BlockTranslator.CD_LONGS;
import static dev.jemu.core.x86.BlockTranslator.L_CPU;
import static dev.jemu.core.x86.BlockTranslator.L_REGS;
import static java.lang.constant.ConstantDescs.CD_long;

/**
 * The guest state a translated region keeps in JVM locals: the general registers it uses
 * and the two words of the lazy flags ({@link LazyFlags#result}, {@link LazyFlags#aux}).
 * They are loaded from the CPU at the region's entry; the registers the region writes and
 * the flags are stored back ({@link #spill}) before everything that may see them or raise a
 * guest exception (a handler call, the slow path of a memory access, a jump with a limit
 * check) and at every exit, and reloaded ({@link #reload}) after a handler call, so the
 * CPU's fields hold exactly the interpreter's state wherever anything else can see them and
 * the fault handler has nothing to store. Since a flag word that no exit or reader sees is a dead local, the JIT compiler
 * drops the flag computations that a later flag writer overwrites.
 *
 * <p>The registers kept are those any instruction of the region names ({@link #named}): more
 * than the inline forms touch, never fewer; {@link #check} verifies it after emission.
 *
 * <p>Threading: one per emission, on the vCPU thread.
 */
final class RegLocals {
    private static final ClassDesc CD_FLAGS = ClassDesc.of(LazyFlags.class.getName());

    /** Local slots (longs, two slots each). */
    static final int L_RES = 6;
    static final int L_AUX = 8;
    /** The stack-address mask ({@link Cpu#stackMask}) outside 64-bit code, where it is not a constant. */
    static final int L_SMASK = 10;
    /** Scratch longs for one instruction's operands. */
    static final int L_A = 12;
    static final int L_B = 14;
    static final int L_R = 16;
    static final int L_EA = 18;
    /** The page number of a memory access ({@link InlineOps}' TLB lookup). */
    static final int L_PAGE = 20;
    private static final int L_REG0 = 22;
    /** The RIP and the chain link of the exit being taken (see {@link BlockEmitter}). */
    static final int L_EXIT_RIP = L_REG0 + 32;
    static final int L_EXIT_LINK = L_EXIT_RIP + 2;
    /** The host array and index a read-modify-write stores into (an int and a reference). */
    static final int L_WIDX = L_EXIT_LINK + 1;
    static final int L_WARR = L_WIDX + 1;
    /** The linear address of an FS- or GS-relative access in 64-bit code ({@link InlineOps}' TLB lookup). */
    static final int L_LIN = L_WARR + 1;
    /** The high half of a one-operand MUL or IMUL. */
    static final int L_HI = L_LIN + 2;
    /** The masked count of a shift (an int). */
    static final int L_CNT = L_HI + 2;

    private final int loaded;
    private final int dirty;
    private int used;
    private int written;

    /** Keeps the registers in {@code loaded} in locals, storing back those in {@code dirty}. */
    RegLocals(int loaded, int dirty) {
        this.loaded = loaded | dirty;
        this.dirty = dirty;
    }

    /**
     * The registers {@code insns} name (ModRM reg and r/m, base and index, the register in
     * the opcode, AH..BH's full registers) and RAX and RSP (implicit operands), as a bit set.
     */
    static int named(Iterable<Insn> insns) {
        int m = 1 << Cpu.RAX | 1 << Cpu.RSP;
        for (Insn i : insns) {
            m |= bit(i.reg) | bit(i.rm) | bit(i.eaBase) | bit(i.eaIndex);
            if ((i.op == 0xF6 || i.op == 0xF7) && (i.reg & 7) >= 4 || i.op == 0xD2 || i.op == 0xD3) {
                m |= 1 << Cpu.RDX | 1 << Cpu.RCX;
            }
        }
        return m;
    }

    private static int bit(int r) {
        if (r < 0 || r > 15) {
            return 0;
        }
        return r >= 4 && r < 8 ? 1 << r | 1 << (r - 4) : 1 << r;
    }

    /** Fails if the emitted code touched a register not kept in locals (a translator bug, never guest behaviour). */
    void check() {
        if (((used | written) & ~loaded) != 0 || (written & ~dirty) != 0) {
            throw new IllegalStateException("translated code uses registers " + Integer.toHexString(used | written)
                    + " outside those kept " + Integer.toHexString(loaded));
        }
    }

    private static int slot(int r) {
        return L_REG0 + 2 * r;
    }

    /** Pushes the full 64-bit value of register {@code r}. */
    void load(CodeBuilder code, int r) {
        used |= 1 << r;
        code.lload(slot(r));
    }

    /** Pops a long into register {@code r}, all 64 bits. */
    void store(CodeBuilder code, int r) {
        written |= 1 << r;
        code.lstore(slot(r));
    }

    /**
     * Pushes register {@code r} at {@code size} bytes, zero-extended; at one byte, 4 to 7
     * are AH..BH unless the instruction has a REX prefix ({@code rex}).
     */
    void get(CodeBuilder code, int r, int size, boolean rex) {
        if (size == 1 && r >= 4 && r < 8 && !rex) {
            load(code, r - 4);
            code.bipush(8).lushr().ldc(0xFFL).land();
            return;
        }
        load(code, r);
        if (size < 8) {
            code.ldc(IntegerOps.mask(size)).land();
        }
    }

    /**
     * Pops a long into register {@code r} at {@code size} bytes as the interpreter's
     * {@link Cpu#setReg(int, int, long)} does: 32-bit writes zero the upper half, 8- and
     * 16-bit writes keep the other bits.
     */
    void set(CodeBuilder code, int r, int size, boolean rex) {
        switch (size) {
            case 8 -> store(code, r);
            case 4 -> {
                code.ldc(0xFFFF_FFFFL).land();
                store(code, r);
            }
            default -> {
                int target = r;
                long keep = ~IntegerOps.mask(size);
                if (size == 1 && r >= 4 && r < 8 && !rex) {
                    target = r - 4;
                    code.ldc(0xFFL).land().bipush(8).lshl();
                    keep = ~0xFF00L;
                } else {
                    code.ldc(IntegerOps.mask(size)).land();
                }
                load(code, target);
                code.ldc(keep).land().lor();
                store(code, target);
            }
        }
    }

    /** Loads the registers and the flags from the CPU (the region's entry). */
    void enter(CodeBuilder code) {
        code.aload(L_CPU).getfield(CD_CPU, "regs", CD_LONGS).astore(L_REGS);
        for (int r = 0; r < 16; r++) {
            if ((loaded & 1 << r) != 0) {
                code.aload(L_REGS).loadConstant(r).laload().lstore(slot(r));
            }
        }
        loadFlags(code);
    }

    /** Stores the written registers and the flags into the CPU. */
    void spill(CodeBuilder code) {
        for (int r = 0; r < 16; r++) {
            if ((dirty & 1 << r) != 0) {
                code.aload(L_REGS).loadConstant(r).lload(slot(r)).lastore();
            }
        }
        spillFlags(code);
    }

    /** Reloads registers and flags after a call that may have changed them. */
    void reload(CodeBuilder code) {
        for (int r = 0; r < 16; r++) {
            if ((loaded & 1 << r) != 0) {
                code.aload(L_REGS).loadConstant(r).laload().lstore(slot(r));
            }
        }
        loadFlags(code);
    }

    void spillFlags(CodeBuilder code) {
        code.aload(L_CPU).getfield(CD_CPU, "flags", CD_FLAGS).dup()
                .lload(L_RES).putfield(CD_FLAGS, "result", CD_long)
                .lload(L_AUX).putfield(CD_FLAGS, "aux", CD_long);
    }

    void loadFlags(CodeBuilder code) {
        code.aload(L_CPU).getfield(CD_CPU, "flags", CD_FLAGS).dup()
                .getfield(CD_FLAGS, "result", CD_long).lstore(L_RES)
                .getfield(CD_FLAGS, "aux", CD_long).lstore(L_AUX);
    }
}
