package dev.jemu.core.x86;

import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;
import java.util.HashMap;
import java.lang.constant.ConstantDescs;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static dev.jemu.core.x86.BlockTranslator.CD_CPU;
import static dev.jemu.core.x86.BlockTranslator.CD_EXEC;
import static dev.jemu.core.x86.BlockTranslator.CD_FAULT;
import static dev.jemu.core.x86.BlockTranslator.CD_INSN;
import static dev.jemu.core.x86.BlockTranslator.L_CPU;
import static dev.jemu.core.x86.BlockTranslator.L_DONE;
import static dev.jemu.core.x86.BlockTranslator.L_START;
import static dev.jemu.core.x86.RegLocals.L_EXIT_LINK;
import static dev.jemu.core.x86.RegLocals.L_EXIT_RIP;
import static dev.jemu.core.x86.BlockTranslator.branchTarget;
import static dev.jemu.core.x86.BlockTranslator.classData;
import static dev.jemu.core.x86.BlockTranslator.continues;
import static dev.jemu.core.x86.BlockTranslator.directBranch;
import static java.lang.constant.ConstantDescs.CD_boolean;
import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_long;
import static java.lang.constant.ConstantDescs.CD_void;

/**
 * Emits the {@code run} method of one translated region (see {@link BlockTranslator}). The
 * region's instructions are laid out in address order, each behind a label; fall-through
 * is straight-line code, and direct branches inside the region are JVM jumps, so C2 sees
 * the guest's loops as loops. Every backward branch checks, before it jumps, that nothing
 * is pending ({@code attention}), that the budget ({@code icountLimit}) allows a full pass
 * through the region, and that the page is unchanged (DMA included); otherwise it exits.
 * Everything that leaves the region (a branch outside it, an instruction that ends a block,
 * a store that took the slow path) stores RIP and the instruction count and returns; an exit
 * to a constant RIP (a branch or fall-through out of the region, a 64-bit CALL) returns its
 * chain link (see {@link Translation}), every other exit null. With chaining off ({@link Cpu#noChain}) every
 * taken branch leaves the region, even to an instruction inside it.
 *
 * <p>A Jcc that only the instruction before it reaches (no jump targets it) and that follows
 * an inlined CMP, SUB, TEST or logical operation tests that instruction's operands directly
 * ({@link InlineOps#emitFusedBranch}), so the JIT compiler sees a compare and a branch rather
 * than a condition recomputed from the flag locals, which are still written for later readers.
 *
 * <p>The guest registers and flags live in locals ({@link RegLocals}), stored back before
 * anything that may fault (a handler call, which may also change them, so they are reloaded
 * after it; the slow path of a memory access; a jump whose limit check fails) and at every
 * exit, so a guest exception finds the CPU's state exact.
 *
 * <p>The instruction count lives in a local ({@code done}, the instructions completed since
 * it was last added to {@code icount}) and RIP is stored only where it can be observed:
 * before a handler call, at an exit, and in the fault handler, which adds {@code done} and
 * sets RIP to the faulting instruction's (kept in a local per instruction).
 *
 * <p>Threading: one per translation, on the vCPU thread.
 */
final class BlockEmitter {
    private static final ClassDesc CD_TRANSLATION = ClassDesc.of(Translation.class.getName());
    private static final ClassDesc CD_CONTROL = ClassDesc.of(ControlOps.class.getName());
    private static final MethodTypeDesc MTD_EXEC = MethodTypeDesc.of(CD_void, CD_CPU, CD_INSN);
    private static final MethodTypeDesc MTD_JMP = MethodTypeDesc.of(CD_void, CD_CPU, CD_long, CD_int);
    private static final ClassDesc CD_SEGMENT = ClassDesc.of(Segment.class.getName());
    private static final ClassDesc CD_SEGS = CD_SEGMENT.arrayType();
    private static final MethodTypeDesc MTD_CMPU = MethodTypeDesc.of(CD_int, CD_long, CD_long);

    private final TreeMap<Integer, Insn> region;
    private final int entry;
    private final long entryRip;
    private final boolean code64;
    private final boolean noChain;
    /** Constant-RIP exits emitted so far: the size of {@link Translation#links}. */
    private int chainExits;
    private final Map<Integer, Label> labels = new HashMap<>();
    /** Offsets some path reaches by a jump rather than by falling through from the one before. */
    private final Set<Integer> jumpedTo = new HashSet<>();
    private final RegLocals regs;
    private final InlineOps inline;
    /** Fast-path misses of the memory accesses: where each jumps, and the RIP of its instruction, left there. */
    private final Map<Label, Long> misses = new LinkedHashMap<>();
    /** The common exit ({@link #emitExit}), and its entry for exits that set RIP themselves. */
    private Label exit;
    private Label exitKeepingRip;
    /** Whether the instruction emitted last was inlined and read at most memory (a Jcc after it may fuse with it). */
    private boolean lastInline;

    BlockEmitter(TreeMap<Integer, Insn> region, int entry, long entryRip, boolean code64, boolean noChain,
            RegLocals regs, int flatSegs) {
        this.region = region;
        this.regs = regs;
        this.inline = new InlineOps(regs, code64, flatSegs);
        this.noChain = noChain;
        this.entry = entry;
        this.entryRip = entryRip;
        this.code64 = code64;
        jumpedTo.add(entry);
        Integer prevEnd = null;
        for (Map.Entry<Integer, Insn> e : region.entrySet()) {
            int off = e.getKey();
            Insn i = e.getValue();
            if (prevEnd == null || prevEnd != off) {
                jumpedTo.add(off);
            }
            if (directBranch(i)) {
                jumpedTo.add(offsetOf(branchTarget(i)));
            }
            Integer after = region.higherKey(off);
            int next = off + i.length;
            if (after == null || after != next) {
                jumpedTo.add(next);
            }
            prevEnd = next;
        }
    }

    private int offsetOf(long rip) {
        return (int) (entry + (rip - entryRip));
    }

    /** The number of constant-RIP exits of the emitted method. */
    int chainExits() {
        return chainExits;
    }

    private Label label(CodeBuilder code, int off) {
        return labels.computeIfAbsent(off, k -> code.newLabel());
    }

    void emitRun(CodeBuilder code) {
        Label tryStart = code.newLabel();
        Label tryEnd = code.newLabel();
        Label handler = code.newLabel();
        exit = code.newLabel();
        exitKeepingRip = code.newLabel();
        regs.enter(code);
        if (!code64) {
            code.aload(L_CPU).getfield(CD_CPU, "stackMask", CD_long).lstore(RegLocals.L_SMASK);
        }
        code.lconst_0().lstore(L_START);
        code.iconst_0().istore(L_DONE);
        code.labelBinding(tryStart);
        if (region.firstKey() != entry) {
            code.goto_(label(code, entry));
        }
        for (Map.Entry<Integer, Insn> e : region.entrySet()) {
            int off = e.getKey();
            Insn i = e.getValue();
            code.labelBinding(label(code, off));
            code.loadConstant(i.startRip).lstore(L_START);
            emitInsn(code, off, i);
        }
        code.labelBinding(tryEnd);
        for (Map.Entry<Label, Long> m : misses.entrySet()) {
            code.labelBinding(m.getKey());
            leave(code, m.getValue(), -1);
        }
        emitExit(code);
        // A guest exception: count the instructions completed, RIP back to the faulting one.
        code.labelBinding(handler);
        addDone(code);
        code.aload(L_CPU).lload(L_START).putfield(CD_CPU, "rip", CD_long);
        code.athrow();
        code.exceptionCatch(tryStart, tryEnd, handler, CD_FAULT);
    }

    private void emitInsn(CodeBuilder code, int off, Insn i) {
        long next = i.startRip + i.length;
        int nextOff = off + i.length;
        if (directBranch(i)) {
            long target = branchTarget(i);
            // only the instruction before reaches a branch that no jump targets; after a Jcc
            // so reached, the next Jcc still sees that instruction's operands
            lastInline &= !jumpedTo.contains(off);
            if (i.op != 0xEB && i.op != 0xE9) {
                Label notTaken = code.newLabel();
                if (!(lastInline && inline.emitFusedBranch(i.op & 15, notTaken))) {
                    InlineOps.emitCondition(code, i.op & 15);
                    code.ifeq(notTaken);
                }
                branch(code, off, target, i.opSize);
                code.labelBinding(notTaken);
                code.iinc(L_DONE, 1);
                flowTo(code, off, nextOff, next);
            } else {
                branch(code, off, target, i.opSize);
            }
            return;
        }
        int kind = inline.emit(code, i, next, off != entry);
        lastInline = kind == InlineOps.DONE;
        if (inline.miss() != null) {
            misses.put(inline.miss(), i.startRip);
        }
        if (kind == InlineOps.NONE) {
            regs.spill(code);
            addDone(code);
            code.iconst_0().istore(L_DONE);
            code.aload(L_CPU).loadConstant(next).putfield(CD_CPU, "rip", CD_long);
            code.aload(L_CPU).loadConstant(i.rex ? 1 : 0).putfield(CD_CPU, "rexPrefix", CD_boolean);
            emitHandlerCall(code, i, 2 * ordinal(off), next);
            kind = continues(i) ? InlineOps.WRITES : InlineOps.BRANCHES;
            if (kind == InlineOps.WRITES) {
                regs.reload(code);
            }
            code.iinc(L_DONE, 1);
            if (kind == InlineOps.BRANCHES) {
                addDone(code);
                unchained(code);
                return;
            }
        } else {
            code.iinc(L_DONE, 1);
            if (kind == InlineOps.BRANCHES) {
                code.iconst_m1().istore(L_EXIT_LINK).goto_(exitKeepingRip);
                return;
            }
            if (kind == InlineOps.CALLS) {
                leave(code, inline.callTarget(), chainExits++);
                return;
            }
        }
        if (kind == InlineOps.WRITES) {
            Label go = code.newLabel();
            code.aload(L_CPU).getfield(CD_CPU, "slowWrite", CD_boolean).ifeq(go);
            leave(code, next, -1);
            code.labelBinding(go);
        }
        flowTo(code, off, nextOff, next);
    }

    /** The index of the instruction at {@code off} in address order (its class-data slot pair). */
    private int ordinal(int off) {
        return region.headMap(off).size();
    }

    /**
     * A taken direct branch from {@code off} to {@code target}: outside 64-bit code the
     * target is checked against the CS limit as the interpreter does; inside the region a
     * backward branch checks the loop conditions; outside it the region exits.
     */
    private void branch(CodeBuilder code, int off, long target, int size) {
        if (!code64) {
            // The CS limit check of ControlOps.jump, which raises #GP in protected mode.
            Label within = code.newLabel();
            code.loadConstant(target).aload(L_CPU).getfield(CD_CPU, "segs", CD_SEGS).iconst_1().aaload()
                    .getfield(CD_SEGMENT, "limit", CD_long).invokestatic(ConstantDescs.CD_Long, "compareUnsigned", MTD_CMPU)
                    .ifle(within);
            regs.spill(code);
            code.aload(L_CPU).loadConstant(target).loadConstant(size).invokestatic(CD_CONTROL, "jump", MTD_JMP);
            code.labelBinding(within);
        }
        code.iinc(L_DONE, 1);
        int t = offsetOf(target);
        if (noChain || !region.containsKey(t) || target != region.get(t).startRip) {
            leave(code, target, chainExits++);
            return;
        }
        if (t <= off) {
            Label out = code.newLabel();
            code.aload(L_CPU).getfield(CD_CPU, "attention", CD_int).ifne(out);
            code.aload(L_CPU).getfield(CD_CPU, "icount", CD_long).iload(L_DONE).i2l().ladd()
                    .loadConstant((long) region.size()).ladd()
                    .aload(L_CPU).getfield(CD_CPU, "icountLimit", CD_long).lcmp().ifgt(out);
            code.aload(0).invokevirtual(CD_TRANSLATION, "valid", MethodTypeDesc.of(CD_boolean)).ifeq(out);
            code.goto_(label(code, t));
            code.labelBinding(out);
            leave(code, target, -1);
        } else {
            code.goto_(label(code, t));
        }
    }

    /** Goes on at the next instruction: falls through, jumps to it, or exits if it is not in the region. */
    private void flowTo(CodeBuilder code, int off, int nextOff, long next) {
        if (!region.containsKey(nextOff)) {
            leave(code, next, chainExits++);
            return;
        }
        Integer after = region.higherKey(off);
        if (after == null || after != nextOff) {
            code.goto_(label(code, nextOff));
        }
    }

    /** Leaves the region with RIP = {@code rip} through the common exit, returning chain link {@code link} (-1: none). */
    private void leave(CodeBuilder code, long rip, int link) {
        code.loadConstant(rip).lstore(L_EXIT_RIP).loadConstant(link).istore(L_EXIT_LINK).goto_(exit);
    }

    /**
     * The common exit of the region (one copy, so that the stores of the state in locals are
     * not repeated per exit): RIP from {@code L_EXIT_RIP} (at {@link #exitKeepingRip}, RIP is
     * already set), the state back to the CPU, the count, and the chain link.
     */
    private void emitExit(CodeBuilder code) {
        Label none = code.newLabel();
        code.labelBinding(exit);
        code.aload(L_CPU).lload(L_EXIT_RIP).putfield(CD_CPU, "rip", CD_long);
        code.labelBinding(exitKeepingRip);
        regs.spill(code);
        addDone(code);
        code.aload(L_CPU).iload(L_EXIT_LINK).putfield(CD_CPU, "chainExit", CD_int);
        code.iload(L_EXIT_LINK).iflt(none);
        code.aload(0).getfield(CD_TRANSLATION, "links", CD_TRANSLATION.arrayType())
                .iload(L_EXIT_LINK).aaload().areturn();
        code.labelBinding(none);
        code.aconst_null().areturn();
    }

    /** Returns null after an exit that does not chain, with the state already in the CPU. */
    private static void unchained(CodeBuilder code) {
        code.aload(L_CPU).iconst_m1().putfield(CD_CPU, "chainExit", CD_int);
        code.aconst_null().areturn();
    }

    /** Emits {@code icount += done}. */
    private static void addDone(CodeBuilder code) {
        code.aload(L_CPU).dup().getfield(CD_CPU, "icount", CD_long).iload(L_DONE).i2l().ladd()
                .putfield(CD_CPU, "icount", CD_long);
    }

    /**
     * Emits a call of the handler of {@code i} (class-data entries {@code data} and
     * {@code data + 1} are the handler and the {@code Insn}), with the effective address
     * stored in the {@code Insn} first as {@link Decoder#execute} does.
     */
    private void emitHandlerCall(CodeBuilder code, Insn i, int data, long next) {
        if (i.isMem) {
            code.ldc(classData(CD_INSN, data + 1));
            inline.pushEa(code, i, next);
            code.putfield(CD_INSN, "ea", CD_long);
        }
        code.ldc(classData(CD_EXEC, data)).aload(L_CPU).ldc(classData(CD_INSN, data + 1))
                .invokeinterface(CD_EXEC, "exec", MTD_EXEC);
    }
}
