package dev.jemu.core.x86;

import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;

import static dev.jemu.core.x86.BlockTranslator.CD_CPU;
import static dev.jemu.core.x86.BlockTranslator.CD_LONGS;
import static dev.jemu.core.x86.BlockTranslator.L_CPU;
import static dev.jemu.core.x86.RegLocals.L_EA;
import static dev.jemu.core.x86.RegLocals.L_PAGE;
import static dev.jemu.core.x86.RegLocals.L_R;
import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_long;
import static java.lang.constant.ConstantDescs.CD_void;

/**
 * Emits the memory accesses of {@link InlineOps}' forms: the fast path inline (the linear
 * address, the TLB tag compare, the host array access through {@link MemOps}, which states why
 * it is exact) and the slow path through {@link Cpu#read}/{@link Cpu#write} with the state in
 * locals stored back first. A fast-path miss leaves the region at the instruction, with
 * nothing of it done ({@link #miss()}); at the region's entry instruction, where leaving would
 * make no progress, it takes the slow path in place.
 *
 * <p>Threading: one per emission, on the vCPU thread.
 */
final class MemAccess {
    private static final ClassDesc CD_MEM = ClassDesc.of(MemOps.class.getName());
    private static final ClassDesc CD_MMU = ClassDesc.of(Mmu.class.getName());
    private static final ClassDesc CD_INTS = CD_int.arrayType();
    private static final ClassDesc CD_ARRAYS = ClassDesc.ofDescriptor("[[B");
    private static final MethodTypeDesc MTD_GET = MethodTypeDesc.of(CD_long, ClassDesc.ofDescriptor("[B"), CD_int);
    private static final MethodTypeDesc MTD_PUT = MethodTypeDesc.of(CD_void, ClassDesc.ofDescriptor("[B"), CD_int, CD_long);
    private static final MethodTypeDesc MTD_READ = MethodTypeDesc.of(CD_long, CD_int, CD_long, CD_int);
    private static final MethodTypeDesc MTD_WRITE = MethodTypeDesc.of(CD_void, CD_int, CD_long, CD_long, CD_int);

    private final RegLocals regs;
    private final boolean code64;
    /** Outside 64-bit code: the segments flat when the region was translated, which get the fast path. */
    private final int flatSegs;
    private CodeBuilder code;
    private Insn i;
    private boolean mayLeave;
    /** Where the current instruction's fast-path misses go, or null if it has none (see {@link #miss()}). */
    private Label miss;
    /** Whether the current instruction's code calls {@link Cpu#write}, whose slow path may hit this very region. */
    private boolean callsWrite;

    MemAccess(RegLocals regs, boolean code64, int flatSegs) {
        this.regs = regs;
        this.code64 = code64;
        this.flatSegs = flatSegs;
    }

    /** Starts the accesses of {@code insn}; {@code mayLeave}: a miss may leave the region (see {@link InlineOps#emit}). */
    void begin(CodeBuilder cb, Insn insn, boolean mayLeave) {
        code = cb;
        i = insn;
        this.mayLeave = mayLeave;
        miss = null;
        callsWrite = false;
    }

    /**
     * The label the current instruction's fast-path misses jump to, or null: there the
     * region must be left at that instruction, with nothing of it done yet, for the
     * interpreter to run it through the MMU's full path (a TLB fill, MMIO, a store into a
     * code page, a fault).
     */
    Label miss() {
        return miss;
    }

    /** Whether the current instruction's code calls {@link Cpu#write}, whose slow path may hit this very region. */
    boolean callsWrite() {
        return callsWrite;
    }

    /**
     * Whether accesses through {@code seg} get the fast path: every segment in 64-bit code
     * (FS and GS with their base added), elsewhere a segment flat at translation (checked
     * again at run time).
     */
    private boolean fast(int seg) {
        return code64 || (flatSegs & 1 << seg) != 0;
    }

    /** In 64-bit code, FS and GS: the linear address is the effective address plus the segment's base. */
    private boolean based(int seg) {
        return code64 && (seg == Cpu.FS || seg == Cpu.GS);
    }

    /**
     * Where a fast-path miss of the current instruction goes: the region's exit at the
     * instruction ({@link #miss()}) if it may leave, else a new label for the slow path in place.
     */
    private Label missTarget() {
        if (!mayLeave) {
            return code.newLabel();
        }
        if (miss == null) {
            miss = code.newLabel();
        }
        return miss;
    }

    /**
     * Pushes {@code size} bytes read at {@code seg} and the address in {@code eaSlot}: the
     * fast path inline ({@link #tlbHit}), a miss leaving the region at the instruction
     * ({@link #miss()}) or, at the region's entry, taking the slow path in place; on a
     * segment without the fast path, the slow path: the state in locals back to the CPU and
     * {@link Cpu#read}, which may fault with the CPU's state exact.
     */
    void read(int seg, int eaSlot, int size) {
        if (!fast(seg)) {
            slowRead(seg, eaSlot, size);
            return;
        }
        Label slow = missTarget();
        int lin = tlbHit(seg, eaSlot, size, "rTag", slow);
        tlbEntry("rArr", "rOff", lin);
        code.invokestatic(CD_MEM, "get" + size * 8, MTD_GET);
        if (!mayLeave) {
            Label done = code.newLabel();
            code.goto_(done).labelBinding(slow);
            slowRead(seg, eaSlot, size);
            code.labelBinding(done);
        }
    }

    private void slowRead(int seg, int eaSlot, int size) {
        regs.spill(code);
        code.aload(L_CPU).loadConstant(seg).lload(eaSlot).loadConstant(size).invokevirtual(CD_CPU, "read", MTD_READ);
    }

    /** As {@link #read} for a store, through the write TLB (plain RAM without code) or {@link Cpu#write}. */
    void write(int seg, int eaSlot, int size, int valueSlot) {
        if (!fast(seg)) {
            slowWrite(seg, eaSlot, size, valueSlot);
            return;
        }
        Label slow = missTarget();
        int lin = tlbHit(seg, eaSlot, size, "wTag", slow);
        tlbEntry("wArr", "wOff", lin);
        code.lload(valueSlot).invokestatic(CD_MEM, "put" + size * 8, MTD_PUT);
        if (!mayLeave) {
            Label done = code.newLabel();
            code.goto_(done).labelBinding(slow);
            slowWrite(seg, eaSlot, size, valueSlot);
            code.labelBinding(done);
        }
    }

    private void slowWrite(int seg, int eaSlot, int size, int valueSlot) {
        regs.spill(code);
        code.aload(L_CPU).loadConstant(seg).lload(eaSlot).lload(valueSlot).loadConstant(size)
                .invokevirtual(CD_CPU, "write", MTD_WRITE);
        callsWrite = true;
    }

    /**
     * Pushes the memory operand of a read-modify-write ({@code writes}; else a plain read): on
     * the fast path the write TLB is checked first, so a miss leaves before anything changed,
     * and the page's array and index are kept for {@link #update}. At the region's entry a
     * miss of the write TLB leaves the array null instead, and the update takes the slow path.
     */
    void readForUpdate(int size, boolean writes) {
        if (writes && fast(i.seg)) {
            Label slow = missTarget();
            int lin = tlbHit(i.seg, L_EA, size, "wTag", slow);
            tlbEntry("wArr", "wOff", lin);
            code.istore(RegLocals.L_WIDX).astore(RegLocals.L_WARR);
            if (!mayLeave) {
                Label done = code.newLabel();
                code.goto_(done).labelBinding(slow);
                code.aconst_null().astore(RegLocals.L_WARR).iconst_0().istore(RegLocals.L_WIDX);
                code.labelBinding(done);
            }
        }
        read(i.seg, L_EA, size);
    }

    /** Stores {@code L_R} into the operand {@link #readForUpdate} read. */
    void update(int size) {
        if (!fast(i.seg)) {
            write(i.seg, L_EA, size, L_R);
            return;
        }
        Label slow = mayLeave ? null : code.newLabel();
        if (!mayLeave) {
            code.aload(RegLocals.L_WARR).ifnull(slow);
        }
        code.aload(RegLocals.L_WARR).iload(RegLocals.L_WIDX).lload(L_R).invokestatic(CD_MEM, "put" + size * 8, MTD_PUT);
        if (!mayLeave) {
            Label done = code.newLabel();
            code.goto_(done).labelBinding(slow);
            slowWrite(i.seg, L_EA, size, L_R);
            code.labelBinding(done);
        }
    }

    /**
     * Goes to {@code slow} unless the TLB set {@code tags} maps the page of the access with
     * the access inside it, and outside 64-bit code the segment is flat at run time; returns
     * the slot holding the linear address: {@code eaSlot}, or in 64-bit code for FS and GS
     * {@code L_LIN}, the effective address plus the segment's base read from the CPU at this
     * access (WRMSR, SWAPGS, WRFSBASE and a selector load change it without ending the
     * region). In 64-bit code every other segment is flat by definition.
     */
    private int tlbHit(int seg, int eaSlot, int size, String tags, Label slow) {
        int lin = eaSlot;
        if (based(seg)) {
            lin = RegLocals.L_LIN;
            code.lload(eaSlot).aload(L_CPU).getfield(CD_CPU, "segBase", CD_LONGS).loadConstant(seg).laload().ladd()
                    .lstore(lin);
        } else if (!code64) {
            code.aload(L_CPU).getfield(CD_CPU, "flatSegs", CD_int).loadConstant(1 << seg).iand().ifeq(slow);
        }
        code.lload(lin).bipush(12).lushr().lstore(L_PAGE);
        code.aload(L_CPU).getfield(CD_CPU, "mmu", CD_MMU).getfield(CD_MMU, tags, CD_LONGS);
        tlbIndex();
        code.laload().lload(L_PAGE).lcmp().ifne(slow);
        if (size > 1) {
            code.lload(lin).l2i().sipush(0xFFF).iand().sipush(4096 - size).if_icmpgt(slow);
        }
        return lin;
    }

    /** Pushes the host array and the index in it of the address in {@code eaSlot}, from a TLB entry known to hit. */
    private void tlbEntry(String arrays, String offsets, int eaSlot) {
        code.aload(L_CPU).getfield(CD_CPU, "mmu", CD_MMU).getfield(CD_MMU, arrays, CD_ARRAYS);
        tlbIndex();
        code.aaload();
        code.aload(L_CPU).getfield(CD_CPU, "mmu", CD_MMU).getfield(CD_MMU, offsets, CD_INTS);
        tlbIndex();
        code.iaload().lload(eaSlot).l2i().sipush(0xFFF).iand().iadd();
    }

    private void tlbIndex() {
        code.lload(L_PAGE).l2i().sipush(Mmu.TLB_MASK).iand();
    }
}
