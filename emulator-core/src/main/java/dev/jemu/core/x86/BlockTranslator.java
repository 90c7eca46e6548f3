package dev.jemu.core.x86;

import dev.jemu.core.x86.jit.HiddenClassCache;

import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.DynamicConstantDesc;
import java.lang.constant.MethodTypeDesc;
import java.lang.invoke.MethodHandles;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

import static java.lang.constant.ConstantDescs.CD_long;
import static java.lang.constant.ConstantDescs.CD_void;

/**
 * Translates hot guest code into a {@link Translation}: decodes the region entered at a
 * start RIP (with the interpreter's {@link Decoder}, into {@link Insn}s of its own) — every
 * instruction reached from it by falling through or by a direct JMP or Jcc inside the same
 * page, each path ending at an instruction that ends a block — and has {@link BlockEmitter}
 * emit one JVM method for it, defined as a hidden class in this package through
 * {@link HiddenClassCache}. Each instruction becomes code with its decoded fields as
 * constants: an inline form of a frequent operation ({@link InlineOps}) or a call of the
 * interpreter's own handler on a constant receiver. A region stays inside one 4 KiB page and
 * its instructions start at least {@value #PAGE_TAIL} bytes before the page end, so decoding
 * never touches another page; it holds at most {@value #MAX_INSNS} instructions, the bound on
 * the instructions run between two checks for interrupts. Translating is split in two:
 * {@link #decode}, which reads guest memory and the CPU's mode, and {@link #finish}, which
 * works only on what decoding produced, so that a {@link TranslationWorker} can run it on a
 * thread of its own while the vCPU goes on interpreting.
 *
 * <p>Threading: {@link #decode} on its vCPU thread only; {@link #finish} on one thread at a
 * time, the vCPU's or its translation thread's.
 */
final class BlockTranslator {
    /** The most instructions in one region: the bound on those run between two checks for interrupts. */
    static final int MAX_INSNS = 32;
    /** Instructions starting this close to the page end are left to the interpreter. */
    static final int PAGE_TAIL = 15;

    static final ClassDesc CD_CPU = desc(Cpu.class);
    static final ClassDesc CD_INSN = desc(Insn.class);
    static final ClassDesc CD_EXEC = desc(Exec.class);
    static final ClassDesc CD_FAULT = desc(CpuFault.class);
    static final ClassDesc CD_LONGS = CD_long.arrayType();
    private static final ClassDesc CD_TRANSLATION = desc(Translation.class);
    private static final ClassDesc CD_BLOCK = ClassDesc.of(Cpu.class.getPackageName() + ".Block");
    private static final MethodTypeDesc MTD_RUN = MethodTypeDesc.of(CD_TRANSLATION, CD_CPU);
    private static final MethodTypeDesc MTD_INIT = MethodTypeDesc.of(CD_void);
    private static final ClassDesc CD_OBJECTS = ConstantDescs.CD_Object.arrayType();

    /** Local variable slots of the generated {@code run}. */
    static final int L_CPU = 1;
    static final int L_START = 2;
    static final int L_REGS = 4;
    static final int L_DONE = 5;

    /** The opcodes after which a block may go on (see {@link #continues}). */
    private static final boolean[] CONTINUES = new boolean[4 * 256];

    static {
        int[][] ranges = {
            {0x00, 0x05}, {0x08, 0x0D}, {0x10, 0x15}, {0x18, 0x1D}, {0x20, 0x25}, {0x27, 0x2D},
            {0x2F, 0x35}, {0x37, 0x3D}, {0x3F, 0x61}, {0x63, 0x63}, {0x68, 0x6B}, {0x80, 0x8D},
            {0x8F, 0x99}, {0x9B, 0x9B}, {0x9E, 0xAF}, {0xB0, 0xC1}, {0xC6, 0xC9}, {0xD0, 0xDF},
            {0xF5, 0xF7}, {0xF8, 0xF9}, {0xFC, 0xFF},
            {0x110, 0x11F}, {0x128, 0x12F}, {0x140, 0x17F}, {0x190, 0x19F}, {0x1A3, 0x1A5},
            {0x1AB, 0x1AF}, {0x1B0, 0x1B1}, {0x1B3, 0x1B3}, {0x1B6, 0x1BF}, {0x1C0, 0x1FF},
            {0x200, 0x3FF},
        };
        for (int[] r : ranges) {
            for (int op = r[0]; op <= r[1]; op++) {
                CONTINUES[op] = true;
            }
        }
    }

    private final Cpu cpu;
    private final HiddenClassCache classes;
    private final ClassFile classFile = ClassFile.of(ClassFile.ClassHierarchyResolverOption.of(
            ClassHierarchyResolver.defaultResolver().orElse(
                    ClassHierarchyResolver.ofClassLoading(MethodHandles.lookup()))));

    BlockTranslator(Cpu cpu, HiddenClassCache classes) {
        this.cpu = cpu;
        this.classes = classes;
    }

    private static ClassDesc desc(Class<?> c) {
        return ClassDesc.of(c.getName());
    }

    /**
     * Whether a block may continue after {@code i}: it neither transfers control nor changes
     * anything the following instructions' translation or the interrupt check depends on
     * (mode, CS, CPL, paging, EFLAGS.IF/TF, the interrupt shadow). Everything else ends the
     * block as its last instruction.
     */
    static boolean continues(Insn i) {
        int op = i.op;
        if (!CONTINUES[op]) {
            return false;
        }
        return switch (op) {
            case 0xA4, 0xA5, 0xA6, 0xA7, 0xAA, 0xAB, 0xAC, 0xAD, 0xAE, 0xAF -> i.rep == 0;
            case 0xFF -> (i.reg & 7) == 0 || (i.reg & 7) == 1 || (i.reg & 7) == 6;
            default -> true;
        };
    }

    /**
     * A block being translated: the region decoded on the vCPU thread with the CPU state the
     * emitter depends on, then, once {@link #finish}ed (on the vCPU or the translation
     * thread), the translation or what went wrong; and, for the CPU, where it goes.
     *
     * <p>Threading: filled by the vCPU thread, finished by one thread, then read by the vCPU
     * thread; the hand-offs between them are the {@link TranslationWorker}'s rings.
     */
    static final class Pending {
        final long rip;
        final int pageOffset;
        final TreeMap<Integer, Insn> region;
        final boolean code64;
        final boolean noChain;
        final int flatSegs;
        /** When decoding began. */
        final long startNanos;
        /** The code page the block lies in, and its epoch when the block was decoded. */
        CodeCache.CodePage page;
        int epoch;
        /** Nanoseconds of translation work: decoding, generating and defining. */
        long nanos;
        /** The translation, once finished, or null if it failed. */
        Translation result;
        /** The size of its class file. */
        int classBytes;
        /** What the translation threw instead (see {@link Cpu#translationFailed}). */
        Throwable failure;

        private Pending(long rip, int pageOffset, TreeMap<Integer, Insn> region, Cpu cpu, long startNanos) {
            this.rip = rip;
            this.pageOffset = pageOffset;
            this.region = region;
            this.code64 = cpu.code64;
            this.noChain = cpu.noChain;
            this.flatSegs = cpu.flatSegs;
            this.startNanos = startNanos;
        }
    }

    /**
     * Decodes the region entered at {@code rip}, {@code pageOffset} bytes into the current
     * code page, for {@link #finish}; null when not even its first instruction can be
     * translated (it starts in the page's last bytes, or does not decode). Decoding faults
     * are not raised: the region ends before the instruction, which the interpreter then
     * runs and faults on. Reads guest memory and the CPU's mode: vCPU thread only.
     */
    Pending decode(long rip, int pageOffset) {
        long t0 = System.nanoTime();
        TreeMap<Integer, Insn> region = decodeRegion(rip, pageOffset);
        if (region.isEmpty()) {
            return null;
        }
        Pending p = new Pending(rip, pageOffset, region, cpu, t0);
        p.nanos = System.nanoTime() - t0;
        return p;
    }

    /**
     * Emits, builds and defines the translation of the region {@code p} holds, storing it (or
     * what went wrong) in {@code p}; touches no CPU state, so any one thread at a time may
     * call it. The instance counts for nothing in the class cache until the vCPU
     * {@linkplain HiddenClassCache#added adds} it.
     */
    void finish(Pending p) {
        long t0 = System.nanoTime();
        try {
            List<Object> data = new ArrayList<>(p.region.size() * 2 + 1);
            for (Insn i : p.region.values()) {
                data.add(i.exec);
                data.add(i);
            }
            data.add(new Object[1]);
            int named = RegLocals.named(p.region.values());
            RegLocals regs = new RegLocals(named, named);
            BlockEmitter emitter = new BlockEmitter(p.region, p.pageOffset, p.rip, p.code64, p.noChain, regs, p.flatSegs);
            byte[] bytes = build(emitter, data.size() - 1);
            regs.check();
            Translation t = (Translation) classes.define(bytes, data);
            t.rip = p.rip;
            t.pageRip = p.rip - p.pageOffset;
            t.links = new Translation[emitter.chainExits()];
            t.count = p.region.size();
            p.result = t;
            p.classBytes = bytes.length;
        } catch (Throwable e) {
            p.failure = e;
        }
        p.nanos += System.nanoTime() - t0;
    }

    /**
     * The class file of a translation whose {@code run} {@code emitter} emits; its class
     * initializer stores its one instance in the {@code Object[1]} at index {@code holder}
     * of the class data, as {@link HiddenClassCache#define} expects, which spares the
     * lookup and call of a constructor handle per class.
     */
    private byte[] build(BlockEmitter emitter, int holder) {
        return classFile.build(CD_BLOCK, cb -> {
            cb.withFlags(ClassFile.ACC_FINAL | ClassFile.ACC_SUPER);
            cb.withSuperclass(CD_TRANSLATION);
            cb.withMethodBody(ConstantDescs.INIT_NAME, MTD_INIT, 0, code -> code
                    .aload(0)
                    .invokespecial(CD_TRANSLATION, ConstantDescs.INIT_NAME, MTD_INIT)
                    .return_());
            cb.withMethodBody(ConstantDescs.CLASS_INIT_NAME, MTD_INIT, ClassFile.ACC_STATIC, code -> code
                    .ldc(classData(CD_OBJECTS, holder))
                    .iconst_0()
                    .new_(CD_BLOCK)
                    .dup()
                    .invokespecial(CD_BLOCK, ConstantDescs.INIT_NAME, MTD_INIT)
                    .aastore()
                    .return_());
            cb.withMethodBody("run", MTD_RUN, ClassFile.ACC_FINAL, emitter::emitRun);
        });
    }

    /**
     * Decodes the region: from the entry, every instruction reached by falling through or
     * by a direct JMP or Jcc whose target lies in the same page, up to {@value #MAX_INSNS}
     * instructions; an instruction that ends a block ends its path, and with
     * {@link Cpu#noChain} so does every direct branch (a region is then one block). Keyed by
     * page offset.
     */
    private TreeMap<Integer, Insn> decodeRegion(long rip, int pageOffset) {
        TreeMap<Integer, Insn> region = new TreeMap<>();
        ArrayDeque<Integer> work = new ArrayDeque<>();
        work.push(pageOffset);
        long saved = cpu.rip;
        cpu.translating = true;
        try {
            while (!work.isEmpty() && region.size() < MAX_INSNS) {
                int off = work.pop();
                if (!inPage(off) || region.containsKey(off)) {
                    continue;
                }
                Insn i = new Insn();
                cpu.rip = rip + (off - pageOffset);
                try {
                    Decoder.decode(cpu, i);
                } catch (CpuFault f) {
                    continue;
                }
                region.put(off, i);
                int next = off + i.length;
                if (directBranch(i) && cpu.noChain) {
                    continue;
                }
                if (directBranch(i)) {
                    int target = (int) (pageOffset + (branchTarget(i) - rip));
                    if (i.op != 0xEB && i.op != 0xE9) {
                        work.push(next);
                    }
                    work.push(target);
                } else if (continues(i)) {
                    work.push(next);
                }
            }
        } finally {
            cpu.rip = saved;
            cpu.translating = false;
        }
        return region;
    }

    /** Whether an instruction may start at page offset {@code off} of a region. */
    static boolean inPage(long off) {
        return off >= 0 && off + PAGE_TAIL <= 4096;
    }

    /** Whether {@code i} is a JMP or Jcc with a relative displacement. */
    static boolean directBranch(Insn i) {
        int op = i.op;
        return op == 0xEB || op == 0xE9 || (op >= 0x70 && op < 0x80) || (op >= 0x180 && op < 0x190);
    }

    /** The RIP a direct branch goes to, truncated to its operand size as {@link ControlOps#jump} does. */
    static long branchTarget(Insn i) {
        long t = i.startRip + i.length + i.imm;
        return i.opSize == 8 ? t : i.opSize == 4 ? t & 0xFFFF_FFFFL : t & 0xFFFF;
    }

    static DynamicConstantDesc<Object> classData(ClassDesc type, int index) {
        return DynamicConstantDesc.ofNamed(ConstantDescs.BSM_CLASS_DATA_AT, ConstantDescs.DEFAULT_NAME, type, index);
    }
}
