package dev.jemu.core.x86;

import dev.jemu.core.log.Log;
import dev.jemu.core.log.LogCategory;
import dev.jemu.core.memory.AddressSpace;
import dev.jemu.core.memory.IrqLine;
import dev.jemu.core.x86.jit.HiddenClassCache;
import dev.jemu.core.x86.jit.Tier;

import java.lang.invoke.MethodHandles;

import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * One x86-64 vCPU: architectural state and the run loop, with two tiers (see {@link Tier}).
 * Instructions are decoded
 * once into {@link Insn}s kept by the {@link CodeCache} (per guest-physical page, checked
 * against the page's write generation and the decode mode) and then run from there; code
 * outside RAM is decoded into a scratch {@code Insn} every time. Guest exceptions
 * unwind to the instruction boundary as the CPU's single {@link CpuFault} and are delivered
 * through the IVT or IDT by {@link Interrupts}. On the translating tier, a block start that
 * has run often enough is translated by {@link BlockTranslator} into a {@link Translation}
 * kept beside the decoded instructions of its page, and run from then on whenever RIP is
 * there. Nothing is allocated per instruction.
 *
 * <p>Threading: {@link #run} and every state accessor are called on the vCPU's thread only;
 * {@link #intrPin()} and {@link #requestStop()} may be used from any thread.
 */
public final class Cpu {
    /** Why {@link #run} returned. */
    public enum StopReason {
        /** The instruction budget is used up. */
        BUDGET,
        /** HLT with nothing to wake the CPU. */
        HALTED,
        /** {@link #requestStop()} was called. */
        STOP_REQUESTED,
        /** A triple fault: the machine must reset (or shut down with {@code -no-reboot}). */
        TRIPLE_FAULT,
        /** A host debugger's breakpoint or watchpoint was hit ({@link HostDebug}). */
        DEBUG
    }

    public static final int RAX = 0;
    public static final int RCX = 1;
    public static final int RDX = 2;
    public static final int RBX = 3;
    public static final int RSP = 4;
    public static final int RBP = 5;
    public static final int RSI = 6;
    public static final int RDI = 7;
    public static final int R11 = 11;

    public static final int ES = 0;
    public static final int CS = 1;
    public static final int SS = 2;
    public static final int DS = 3;
    public static final int FS = 4;
    public static final int GS = 5;

    static final long CR0_PE = 1;
    static final long CR0_MP = 2;
    static final long CR0_EM = 4;
    static final long CR0_TS = 8;
    static final long CR0_ET = 0x10;
    static final long CR0_NE = 0x20;
    static final long CR0_WP = 1L << 16;
    static final long CR0_AM = 1L << 18;
    static final long CR0_NW = 1L << 29;
    static final long CR0_CD = 1L << 30;
    static final long CR0_PG = 1L << 31;
    static final long CR4_DE = 1 << 3;
    static final long CR4_PSE = 1 << 4;
    static final long CR4_PAE = 1 << 5;
    static final long CR4_PGE = 1 << 7;
    static final long CR4_OSFXSR = 1 << 9;
    static final long CR4_OSXMMEXCPT = 1 << 10;
    static final long CR4_UMIP = 1 << 11;
    static final long CR4_FSGSBASE = 1 << 16;
    static final long CR4_PCIDE = 1 << 17;
    static final long CR4_OSXSAVE = 1 << 18;
    static final long CR4_SMEP = 1 << 20;
    static final long CR4_SMAP = 1 << 21;
    static final long EFER_SCE = 1;
    static final long EFER_LME = 1 << 8;
    static final long EFER_LMA = 1 << 10;
    static final long EFER_NXE = 1 << 11;

    private static final int ATTENTION_INTR = 1;
    private static final int ATTENTION_STOP = 2;
    private static final int ATTENTION_NMI = 4;
    private static final int ATTENTION_DEBUG = 8;

    // ---- architectural state (package-private: the op classes are the CPU) ----
    final long[] regs = new long[16];
    long rip;
    final Segment[] segs = {new Segment(), new Segment(), new Segment(), new Segment(), new Segment(), new Segment()};
    final Segment ldtr = new Segment();
    final Segment tr = new Segment();
    long gdtBase;
    int gdtLimit;
    long idtBase;
    int idtLimit;
    long cr0;
    long cr2;
    long cr3;
    long cr4;
    long cr8;
    final long[] dr = new long[8];
    long efer;
    final LazyFlags flags = new LazyFlags();
    /** EFLAGS bits other than the six arithmetic ones. */
    int eflagsRest;
    int cpl;
    final Msrs msrs = new Msrs();
    final X87Control fpu = new X87Control();
    /** The model: what CPUID reports and which extensions exist. */
    CpuModel model = CpuModel.QEMU64;

    // ---- derived mode state, recomputed by updateMode() ----
    boolean code64;
    int defaultSize;
    /** What decoding depends on besides the bytes: {@code code64} and {@code defaultSize}. */
    int decodeMode;
    long stackMask;
    long linearMask;
    final long[] segBase = new long[6];
    final long[] segLimit = new long[6];
    /** The segment may not be read: null, or an execute-only code segment (protected mode, not 64-bit). */
    final boolean[] segNoRead = new boolean[6];
    /** The segment may not be written: null, code, or read-only data (protected mode, not 64-bit). */
    final boolean[] segNoWrite = new boolean[6];
    /**
     * Bit {@code 1 << seg} set while segment {@code seg} is flat for data: base 0, readable and
     * writable, no limit below 4 GiB; translated code then goes from an effective address
     * straight to the TLB ({@link MemOps}).
     */
    int flatSegs;

    // ---- machinery ----
    final Mmu mmu;
    final AddressSpace io;
    final CpuFault fault = new CpuFault();
    /**
     * Whether the instruction being executed has a REX prefix (byte registers 4-7 are then
     * SPL..DIL instead of AH..BH). A primitive copy rather than a reference to the
     * {@code Insn}, so the per-instruction store needs no GC barrier.
     */
    boolean rexPrefix;
    /** Set by every store that takes the MMU's slow path: a translated block then ends. */
    boolean slowWrite;
    /** Set while {@link BlockTranslator} decodes: unknown opcodes are not logged then. */
    boolean translating;
    /**
     * No chaining (set by {@link #run} once {@code -d nochain} is on, or by a test): translations
     * are entered only through the lookup, and a region is one block (every branch leaves it).
     */
    boolean noChain;
    /** Set by every exit of a translation: the index of its chain link, or -1 (see {@link Translation}). */
    int chainExit;
    /** Translations entered through a chain link rather than the lookup. */
    private long chainedEntries;
    private final Insn scratch = new Insn();
    final CodeCache codeCache;
    /**
     * The translations: at most 32,768 classes of 128 MiB of class bytes (a Linux boot makes
     * about 36,000 translations of 2 KiB each, 29,000 of them live at its end).
     */
    private final HiddenClassCache classes = new HiddenClassCache(MethodHandles.lookup(), 32_768, 128L << 20);
    /** The execution log ({@code -d in_asm,exec,cpu}), made when first wanted. */
    private ExecLog execLog;
    /** The translator of hot blocks, or null on the interpreter-only tier. */
    BlockTranslator translator;
    /** Whether a failed translation was reported (see {@link #translationFailed}). */
    private boolean translationFailureReported;
    /**
     * Whether blocks are translated on a translation thread: the system property
     * {@value Tier#ASYNC_PROPERTY} (default true), unless every block is translated on its
     * first run ({@value Tier#HOT_PROPERTY}=1).
     */
    private boolean translateAsync = CodeCache.HOT > 1
            && Boolean.parseBoolean(System.getProperty(Tier.ASYNC_PROPERTY, "true"));
    /** The translation thread, or null when blocks are translated in place (or only interpreted). */
    private TranslationWorker worker;
    /** The code page under RIP, or null; valid for RIPs in [codeLo, codeLo + 4096). */
    private CodeCache.CodePage codePage;
    private long codeLo;
    final Interrupts interrupts = new Interrupts(this);
    /** The opcodes {@code -d unimp} has reported for this CPU (each once: {@link Decoder}). */
    final boolean[] unimpLogged = new boolean[Decoder.OPCODES];
    final DebugRegisters debug = new DebugRegisters(this);
    /** Pending stop, NMI or INTR bits; read by translated blocks at their back edges. */
    volatile int attention;
    private IntSupplier interruptAcknowledge = () -> 0;
    private final IrqLine.Sink intrPin = this::setIntr;
    private volatile Runnable wakeup = () -> { };
    /** The local APIC, or null on a board without one. */
    LocalApicAccess apic;
    /** NMIs are blocked from the delivery of one until the next IRET. */
    boolean nmiBlocked;
    boolean halted;
    boolean tripleFault;
    long icount;
    /** The instruction count a translated block must not run past (the end of {@link #run}'s budget). */
    long icountLimit;
    long inhibitInterruptsAt = -1;
    long tscOffset;
    private LongSupplier tscNanos;
    private byte[] fetchArr;
    private long fetchLo = 1;
    private long fetchHi;
    private long fetchDelta;

    /** Creates a CPU in the reset state that accesses {@code memory} and the port space {@code io}. */
    public Cpu(AddressSpace memory, AddressSpace io) {
        this.mmu = new Mmu(this, memory);
        this.codeCache = new CodeCache(mmu, classes);
        this.io = io;
        setTier(Tier.fromSystemProperty());
        reset();
    }

    /** Chooses the execution tier; called while the vCPU is not running. */
    public void setTier(Tier tier) {
        translator = tier == Tier.TRANSLATE ? new BlockTranslator(this, classes) : null;
        worker = translator != null && translateAsync ? new TranslationWorker(translator) : null;
        codeCache.dropTranslations();
    }

    /**
     * Chooses whether blocks are translated on a translation thread or in place; called while
     * the vCPU is not running (tests). Blocks in flight are installed first.
     */
    void setTranslateAsync(boolean async) {
        installFinished(true);
        translateAsync = async;
        worker = translator != null && async ? new TranslationWorker(translator) : null;
    }

    /**
     * Waits until the translation thread has finished every block handed to it, which the
     * vCPU then installs at its next lookup, at most {@code timeoutNanos}; whether it has
     * (tests).
     */
    boolean awaitTranslations(long timeoutNanos) {
        return worker == null || worker.awaitFinished(timeoutNanos);
    }

    /** CPU time the translation thread has spent since creation, in nanoseconds (0 when blocks are translated in place). */
    public long translationThreadCpuNanos() {
        return worker != null ? worker.cpuNanos() : 0;
    }

    /** Translations entered through a chain link, without a lookup, since creation. */
    public long chainedEntries() {
        return chainedEntries;
    }

    /** Code pages that took the slot of another page in the code cache since creation. */
    public long codeCacheEvictions() {
        return codeCache.evictions();
    }

    /** The statistics of translated code: translations made, their cost, flushes. */
    public HiddenClassCache translations() {
        return classes;
    }

    /** Puts the CPU in its power-on state: real mode at F000:FFF0. */
    public void reset() {
        java.util.Arrays.fill(regs, 0);
        regs[RDX] = Cpuid.SIGNATURE;
        for (Segment s : segs) {
            s.set(0, 0, 0xFFFF, 0x93);
        }
        segs[CS].set(0xF000, 0xFFFF_0000L, 0xFFFF, 0x9B);
        ldtr.set(0, 0, 0xFFFF, 0x82);
        tr.set(0, 0, 0xFFFF, 0x8B);
        rip = 0xFFF0;
        gdtBase = 0;
        gdtLimit = 0xFFFF;
        idtBase = 0;
        idtLimit = 0xFFFF;
        cr0 = CR0_ET | CR0_CD | CR0_NW;
        cr2 = 0;
        cr3 = 0;
        cr4 = 0;
        cr8 = 0;
        debug.reset();
        efer = 0;
        flags.load(0);
        eflagsRest = Eflags.FIXED1;
        cpl = 0;
        msrs.reset();
        fpu.reset();
        halted = false;
        tripleFault = false;
        nmiBlocked = false;
        synchronized (this) {
            attention &= ~ATTENTION_NMI;
        }
        inhibitInterruptsAt = -1;
        updateMode();
        mmu.flush();
        if (Log.enabled(LogCategory.CPU_RESET)) {
            Log.log(LogCategory.CPU_RESET, "CPU Reset");
        }
    }

    // ------------------------------------------------------------------ public API

    /** The interrupt-request input (INTR), driven by the interrupt controller. */
    public IrqLine.Sink intrPin() {
        return intrPin;
    }

    /** Sets the interrupt acknowledge cycle: called when INTR is taken, returns the vector. */
    public void setInterruptAcknowledge(IntSupplier acknowledge) {
        this.interruptAcknowledge = acknowledge;
    }

    /**
     * Gives the CPU a local APIC: IA32_APIC_BASE and CR8 go to it and CPUID reports the APIC
     * while it is globally enabled. Called once while the board is built.
     */
    public void attachLocalApic(LocalApicAccess localApic) {
        this.apic = localApic;
    }

    /**
     * Raises an NMI (edge): delivered through vector 2 at the next instruction boundary,
     * regardless of IF, unless an earlier NMI's handler has not yet executed IRET. Any thread.
     */
    public void raiseNmi() {
        synchronized (this) {
            attention |= ATTENTION_NMI;
        }
        wakeup.run();
    }

    /** Makes {@link #run} return {@link StopReason#STOP_REQUESTED} soon. Any thread. */
    public void requestStop() {
        synchronized (this) {
            attention |= ATTENTION_STOP;
        }
    }

    /** A host debugger's breakpoint or watchpoint was hit: {@link #run} returns {@link StopReason#DEBUG}. */
    void hostStop() {
        synchronized (this) {
            attention |= ATTENTION_DEBUG;
        }
    }

    /** Drops a pending {@link StopReason#DEBUG} (the debugger stopped the CPU anyway). */
    void clearHostStop() {
        synchronized (this) {
            attention &= ~ATTENTION_DEBUG;
        }
    }

    /** Chooses the CPU model ({@code -cpu}); called while the board is built. */
    public void setModel(CpuModel model) {
        this.model = model;
    }

    /** Sets what wakes the thread of a halted CPU when INTR is raised (the machine loop's kick). */
    public void setWakeup(Runnable wakeup) {
        this.wakeup = wakeup;
    }

    private void setIntr(boolean level) {
        synchronized (this) {
            attention = level ? attention | ATTENTION_INTR : attention & ~ATTENTION_INTR;
        }
        if (level) {
            wakeup.run();
        }
    }

    /** Whether INTR is asserted and enabled, or an NMI is pending and not blocked: either wakes a halted CPU. */
    public boolean interruptPending() {
        int a = attention;
        return ((a & ATTENTION_INTR) != 0 && (eflagsRest & Eflags.IF) != 0)
                || ((a & ATTENTION_NMI) != 0 && !nmiBlocked);
    }

    /**
     * Executes up to {@code budget} instructions. Interrupts, NMIs and stop requests are
     * taken between instructions, or between translated blocks (at most
     * {@link BlockTranslator#MAX_INSNS} instructions apart).
     */
    public StopReason run(long budget) {
        int logging = Log.enabledMask();
        if ((logging & ExecLog.CATEGORIES) != 0) {
            if (execLog == null) {
                execLog = new ExecLog(this);
            }
            return execLog.run(budget);
        }
        if ((logging & LogCategory.NOCHAIN.bit()) != 0) {
            noChain = true;
        }
        // The translation that just ran and left by a constant-RIP exit, and what it linked there.
        Translation from = null;
        Translation linked = null;
        for (long n = 0; n < budget; ) {
            if (attention != 0) {
                linked = null;
                from = null;
            }
            StopReason r = poll();
            if (r != null) {
                return r;
            }
            Translation t = linked;
            if (t != null && t.valid()) {
                chainedEntries++;
            } else {
                t = translator != null ? translation() : null;
                if (t != null && from != null && t.page == from.page && t.pageRip == from.pageRip) {
                    from.links[chainExit] = t;
                }
            }
            from = null;
            linked = null;
            if (t != null && t.count <= budget - n) {
                long before = icount;
                icountLimit = before + budget - n;
                slowWrite = false;
                try {
                    linked = t.run(this);
                    if (chainExit >= 0 && !noChain) {
                        from = t;
                    } else {
                        linked = null;
                    }
                } catch (CpuFault f) {
                    faulted(rip, f);
                }
                n += icount - before;
            } else {
                step();
                n++;
            }
            if (tripleFault) {
                return StopReason.TRIPLE_FAULT;
            }
        }
        return StopReason.BUDGET;
    }

    /** What to do between instructions or blocks: a pending stop, NMI or interrupt, or a halt; null to go on. */
    StopReason poll() {
        if (attention != 0) {
            StopReason r = attend();
            if (r != null) {
                return r;
            }
        }
        return halted ? StopReason.HALTED : null;
    }

    /** Takes a pending stop request, NMI or interrupt; returns why to stop, or null to go on. */
    private StopReason attend() {
        if ((attention & ATTENTION_DEBUG) != 0) {
            synchronized (this) {
                attention &= ~ATTENTION_DEBUG;
            }
            return StopReason.DEBUG;
        }
        if ((attention & ATTENTION_STOP) != 0) {
            synchronized (this) {
                attention &= ~ATTENTION_STOP;
            }
            return StopReason.STOP_REQUESTED;
        }
        if ((attention & ATTENTION_NMI) != 0 && !nmiBlocked && icount != inhibitInterruptsAt) {
            synchronized (this) {
                attention &= ~ATTENTION_NMI;
            }
            halted = false;
            nmiBlocked = true;
            interrupts.deliverNmi();
            return tripleFault ? StopReason.TRIPLE_FAULT : null;
        }
        if ((attention & ATTENTION_INTR) != 0 && (eflagsRest & Eflags.IF) != 0
                && icount != inhibitInterruptsAt) {
            halted = false;
            interrupts.deliverExternal(interruptAcknowledge.getAsInt());
            return tripleFault ? StopReason.TRIPLE_FAULT : null;
        }
        return null;
    }

    /**
     * The translation of the block at RIP, or null when the interpreter must run the next
     * instruction: debug exceptions are armed, it is the one instruction in an interrupt
     * shadow (after STI or MOV SS), the page is not in the fetch TLB or not RAM, the address
     * is not yet hot, its block cannot be translated, or its translation is being made on
     * the translation thread (the block is decoded here and handed over, and installed by a
     * later call once finished; in place, it is made now).
     */
    private Translation translation() {
        if (debug.armed || (eflagsRest & (Eflags.TF | Eflags.RF)) != 0 || icount == inhibitInterruptsAt) {
            return null;
        }
        TranslationWorker w = worker;
        if (w != null && w.hasFinished()) {
            installFinished(false);
        }
        long r = rip;
        CodeCache.CodePage p = codePage;
        if (p == null || ((r - codeLo) >>> 12) != 0 || !p.unwritten()) {
            long lin = (segBase[CS] + r) & linearMask;
            if (mmu.fetchArray(lin) == null) {
                return null;
            }
            p = openCodePage(r);
        }
        int off = (int) (r - codeLo);
        Translation t = p.translation(off, r);
        if (t != null || !p.hot(off) || (w != null && w.full())) {
            return t;
        }
        BlockTranslator.Pending block = translator.decode(r, off);
        if (block == null) {
            p.untranslatable(off);
            return null;
        }
        block.page = p;
        block.epoch = p.epoch;
        if (w != null) {
            p.queued(off);
            w.submit(block);
            return null;
        }
        translator.finish(block);
        return install(block);
    }

    /**
     * Installs the blocks the translation thread has finished (all of them, waiting for
     * those in flight, if {@code all}), each in its page if the page is still current.
     */
    private void installFinished(boolean all) {
        TranslationWorker w = worker;
        if (w == null || (all && !w.awaitFinished(Long.MAX_VALUE))) {
            return;
        }
        for (BlockTranslator.Pending block = w.takeFinished(); block != null; block = w.takeFinished()) {
            install(block);
        }
    }

    /**
     * Installs the finished translation of {@code block} in its page, making room in the
     * class cache first if it is full; returns it, or null if its page changed since the
     * block was decoded (the translation is then released) or the translation failed.
     * Threading: the vCPU thread.
     */
    Translation install(BlockTranslator.Pending block) {
        if (block.failure != null) {
            translationFailed(block);
            return null;
        }
        Translation t = block.result;
        if (classes.full()) {
            codeCache.dropColdTranslations();
            if (classes.full()) {
                codeCache.dropTranslations();
                classes.flushed();
            }
        }
        classes.added(t, block.classBytes, block.nanos);
        CodeCache.CodePage p = block.page;
        if (!p.current(block.epoch)) {
            classes.released(t);
            return null;
        }
        p.store(block.pageOffset, t);
        return t;
    }

    /**
     * A block whose translation failed — jemu's code generator made a class the JVM refused,
     * or threw — stays with the interpreter, which runs it exactly; the CPU's first such
     * failure is reported as a warning. An error of the JVM itself (out of memory) is raised.
     */
    private void translationFailed(BlockTranslator.Pending block) {
        if (block.failure instanceof VirtualMachineError e) {
            throw e;
        }
        if (block.page.current(block.epoch)) {
            block.page.untranslatable(block.pageOffset);
        }
        if (!translationFailureReported) {
            translationFailureReported = true;
            Log.warn(String.format("jemu: warning: translating the block at RIP 0x%x failed (%s); the interpreter runs it",
                    block.rip, block.failure));
        }
    }

    /**
     * Executes one instruction, delivering any exception it raises; takes {@link #stepDebug}
     * while breakpoints are armed or EFLAGS.TF or RF is set.
     */
    void step() {
        if (debug.armed || (eflagsRest & (Eflags.TF | Eflags.RF)) != 0) {
            stepDebug();
            return;
        }
        long start = rip;
        try {
            Insn i = nextInsn(start);
            rexPrefix = i.rex;
            Decoder.execute(this, i);
            icount++;
        } catch (CpuFault f) {
            faulted(start, f);
        }
    }

    /**
     * One instruction with debug exceptions: an instruction breakpoint (unless RF is set)
     * raises #DB before it runs; RF is cleared as it starts; data breakpoints and
     * single-step raise #DB after it completes.
     */
    private void stepDebug() {
        long start = rip;
        int rest = eflagsRest;
        if (debug.hostBreakpoint((segBase[CS] + start) & linearMask)) {
            hostStop();
            return;
        }
        if ((rest & Eflags.RF) == 0 && debug.armed
                && debug.instructionBreakpoint((segBase[CS] + start) & linearMask)) {
            interrupts.deliverException(Vectors.DB, 0, false, false);
            return;
        }
        eflagsRest = rest & ~Eflags.RF;
        debug.dataHits = 0;
        debug.noSingleStep = false;
        debug.singleStepAtEnd = false;
        debug.onDebugPath = true;
        try {
            Insn i = nextInsn(start);
            rexPrefix = i.rex;
            Decoder.execute(this, i);
            icount++;
        } catch (CpuFault f) {
            debug.onDebugPath = false;
            debug.instructionFaulted();
            faulted(start, f);
            return;
        }
        debug.onDebugPath = false;
        debug.afterInstruction((rest & Eflags.TF) != 0);
    }

    /** The instruction at {@code start} raised {@code f}: delivers it as a fault (RF set in the pushed RFLAGS). */
    private void faulted(long start, CpuFault f) {
        rip = start;
        icount++;
        interrupts.deliverException(f.vector, f.errorCode, f.hasErrorCode, true);
    }

    /**
     * The decoded instruction at {@code r} (= RIP), from the code cache when possible, with
     * RIP advanced past it.
     */
    private Insn nextInsn(long r) {
        CodeCache.CodePage p = codePage;
        if (p == null || ((r - codeLo) >>> 12) != 0 || !p.unwritten()) {
            p = openCodePage(r);
            if (p == null) {
                Decoder.decode(this, scratch);
                return scratch;
            }
        }
        int off = (int) (r - codeLo);
        Insn i = p.insns[off];
        if (i != null && i.stamp == p.epoch) {
            i.startRip = r;
            rip = r + i.length;
            return i;
        }
        return decodeInto(p, off);
    }

    /**
     * Opens the code-page window on the page under {@code r}, found through the fetch TLB
     * (raising the fetch's fault if it cannot be fetched); null if the page is not RAM.
     */
    private CodeCache.CodePage openCodePage(long r) {
        long lin = (segBase[CS] + r) & linearMask;
        if (mmu.fetchArray(lin) == null) {
            mmu.fetch(lin);
            if (mmu.fetchArray(lin) == null) {
                codePage = null;
                return null;
            }
        }
        CodeCache.CodePage p = codeCache.page(mmu.lastFetchBlock, mmu.lastFetchBlockOffset, decodeMode);
        codePage = p;
        codeLo = r - (lin & 0xFFF);
        return p;
    }

    private Insn decodeInto(CodeCache.CodePage p, int off) {
        Insn i = p.insns[off];
        if (i == null) {
            i = new Insn();
            p.insns[off] = i;
        }
        Decoder.decode(this, i);
        if (off + i.length <= 4096 && p.unwritten()) {
            i.stamp = p.epoch;
        }
        return i;
    }

    /** Instructions executed since creation. */
    public long instructionCount() {
        return icount;
    }

    /** Register {@code index} (0 = RAX ... 15 = R15). */
    public long reg(int index) {
        return regs[index];
    }

    /** Sets register {@code index}. */
    public void setReg(int index, long value) {
        regs[index] = value;
    }

    /** The instruction pointer. */
    public long rip() {
        return rip;
    }

    /** Sets the instruction pointer. */
    public void setRip(long value) {
        rip = value;
    }

    /** The full RFLAGS value. */
    public long rflags() {
        return eflags();
    }

    /** Sets RFLAGS (all writable bits). */
    public void setRflags(long value) {
        setEflags((int) value, Eflags.WRITABLE);
    }

    /** Segment register {@code index} (ES, CS, SS, DS, FS, GS). */
    public Segment segment(int index) {
        return segs[index];
    }

    /** Control register 0, 2, 3, 4 or 8. */
    public long cr(int n) {
        return switch (n) {
            case 0 -> cr0;
            case 2 -> cr2;
            case 3 -> cr3;
            case 4 -> cr4;
            case 8 -> apic != null ? apic.readTprClass() : cr8;
            default -> throw new IllegalArgumentException("no CR" + n);
        };
    }

    /** The EFER MSR. */
    public long efer() {
        return efer;
    }

    /** The current privilege level. */
    public int cpl() {
        return cpl;
    }

    /** Whether HLT stopped the CPU. */
    public boolean isHalted() {
        return halted;
    }

    /**
     * Loads a flat 32-bit protected-mode state as a multiboot loader leaves it: CS a 4 GiB
     * code segment (selector 0x08), the data segments 4 GiB data (0x10), paging off, caches
     * enabled (CR0.CD and NW clear, as SeaBIOS leaves them when it starts a kernel on QEMU).
     */
    public void enterFlatProtectedMode() {
        enterFlatProtectedMode(0x08, 0x10);
    }

    /**
     * Loads a flat 32-bit protected-mode state with the given selectors for the 4 GiB code
     * segment and the data segments (the Linux 32-bit boot protocol wants 0x10 and 0x18).
     */
    public void enterFlatProtectedMode(int codeSelector, int dataSelector) {
        cr0 = (cr0 & ~(CR0_CD | CR0_NW)) | CR0_PE;
        segs[CS].set(codeSelector, 0, 0xFFFF_FFFFL, 0xC09B);
        for (int s : new int[] {ES, SS, DS, FS, GS}) {
            segs[s].set(dataSelector, 0, 0xFFFF_FFFFL, 0xC093);
        }
        cpl = 0;
        updateMode();
        mmu.flush();
    }

    /** Sets GDTR (LGDT done by a loader on the guest's behalf). */
    public void setGdtr(long base, int limit) {
        gdtBase = base;
        gdtLimit = limit;
    }

    // ------------------------------------------------------------------ faults

    CpuFault fault(int vector, int errorCode) {
        return fault.set(vector, errorCode, true);
    }

    CpuFault fault(int vector) {
        return fault.set(vector, 0, false);
    }

    CpuFault gp(int errorCode) {
        return fault(Vectors.GP, errorCode);
    }

    CpuFault ud() {
        return fault(Vectors.UD);
    }

    // ------------------------------------------------------------------ flags

    int eflags() {
        return eflagsRest | flags.get() | Eflags.FIXED1;
    }

    /** Writes the bits of {@code value} selected by {@code mask}. */
    void setEflags(int value, int mask) {
        int old = eflags();
        int v = (old & ~mask) | (value & mask);
        flags.load(v & Eflags.ARITH);
        eflagsRest = (v & ~Eflags.ARITH & (Eflags.WRITABLE | Eflags.FIXED1)) | Eflags.FIXED1;
    }

    boolean df() {
        return (eflagsRest & Eflags.DF) != 0;
    }

    int iopl() {
        return (eflagsRest >> Eflags.IOPL_SHIFT) & 3;
    }

    boolean protectedMode() {
        return (cr0 & CR0_PE) != 0;
    }

    boolean longMode() {
        return (efer & EFER_LMA) != 0;
    }

    // ------------------------------------------------------------------ registers

    long getReg(int idx, int size) {
        return switch (size) {
            case 1 -> getReg8(idx);
            case 2 -> regs[idx] & 0xFFFF;
            case 4 -> regs[idx] & 0xFFFF_FFFFL;
            default -> regs[idx];
        };
    }

    void setReg(int idx, int size, long v) {
        switch (size) {
            case 1 -> setReg8(idx, v);
            case 2 -> regs[idx] = (regs[idx] & ~0xFFFFL) | (v & 0xFFFF);
            case 4 -> regs[idx] = v & 0xFFFF_FFFFL;
            default -> regs[idx] = v;
        }
    }

    private long getReg8(int idx) {
        if (idx >= 4 && idx < 8 && !rexPrefix) {
            return (regs[idx - 4] >>> 8) & 0xFF;
        }
        return regs[idx] & 0xFF;
    }

    private void setReg8(int idx, long v) {
        if (idx >= 4 && idx < 8 && !rexPrefix) {
            regs[idx - 4] = (regs[idx - 4] & ~0xFF00L) | ((v & 0xFF) << 8);
        } else {
            regs[idx] = (regs[idx] & ~0xFFL) | (v & 0xFF);
        }
    }

    // ------------------------------------------------------------------ memory through segments

    /**
     * The linear address of {@code size} bytes at {@code seg:ea}: #GP(0), or #SS(0) for the
     * stack segment, past the segment limit or, in long mode, when the access is not canonical.
     */
    long linear(int seg, long ea, int size) {
        if (Long.compareUnsigned(ea + size - 1, segLimit[seg]) > 0) {
            throw seg == SS ? fault(Vectors.SS, 0) : gp(0);
        }
        long lin = (segBase[seg] + ea) & linearMask;
        if (linearMask == -1L && !(isCanonical(lin) && isCanonical(lin + size - 1))) {
            throw seg == SS ? fault(Vectors.SS, 0) : gp(0);
        }
        return lin;
    }

    /** Bits 63..47 all equal: the address is canonical for 48-bit linear addresses. */
    static boolean isCanonical(long linear) {
        return (linear << 16) >> 16 == linear;
    }

    long read(int seg, long ea, int size) {
        if (segNoRead[seg]) {
            throw segmentFault(seg);
        }
        return mmu.read(linear(seg, ea, size), size);
    }

    void write(int seg, long ea, long v, int size) {
        if (segNoWrite[seg]) {
            throw segmentFault(seg);
        }
        mmu.write(linear(seg, ea, size), v, size);
    }

    private CpuFault segmentFault(int seg) {
        return seg == SS ? fault(Vectors.SS, 0) : gp(0);
    }

    /**
     * Fetches the instruction byte at CS:RIP and advances RIP. The RIP range of the current
     * code page is kept as a window onto its host array, so most fetches are a range check
     * and an array load; the window closes whenever CS's base, the CPL or a translation
     * changes.
     */
    int fetch8() {
        long r = rip;
        if (r >= fetchLo && r < fetchHi) {
            rip = r + 1;
            return fetchArr[(int) (r + fetchDelta)] & 0xFF;
        }
        long lin = (segBase[CS] + r) & linearMask;
        int b = mmu.fetch(lin);
        byte[] arr = mmu.fetchArray(lin);
        if (arr != null) {
            long lo = r - (lin & 0xFFF);
            fetchArr = arr;
            fetchLo = lo;
            fetchHi = lo + 4096;
            fetchDelta = mmu.lastFetchOffset - lo;
        }
        rip = r + 1;
        return b;
    }

    /** Closes the fetch window and the code-page window (CS base, CPL, mode or translations changed). */
    void invalidateFetchWindow() {
        fetchLo = 1;
        fetchHi = 0;
        codePage = null;
    }

    long maskAddr(long ea, int addrSize) {
        return addrSize == 8 ? ea : addrSize == 4 ? ea & 0xFFFF_FFFFL : ea & 0xFFFF;
    }

    // ------------------------------------------------------------------ stack

    void push(long v, int size) {
        long sp = (regs[RSP] - size) & stackMask;
        write(SS, sp, v, size);
        regs[RSP] = (regs[RSP] & ~stackMask) | sp;
    }

    long pop(int size) {
        long sp = regs[RSP] & stackMask;
        long v = read(SS, sp, size);
        regs[RSP] = (regs[RSP] & ~stackMask) | ((sp + size) & stackMask);
        return v;
    }

    /** Reads the stack {@code offset} bytes above the top without popping. */
    long peek(long offset, int size) {
        return read(SS, (regs[RSP] + offset) & stackMask, size);
    }

    // ------------------------------------------------------------------ mode

    /** Recomputes the derived mode state after CS, SS, CR0, EFER or EFLAGS.VM changed. */
    void updateMode() {
        code64 = longMode() && (segs[CS].attr & Segment.ATTR_L) != 0;
        defaultSize = code64 ? 4 : (segs[CS].attr & Segment.ATTR_DB) != 0 ? 4 : 2;
        stackMask = code64 ? -1L : (segs[SS].attr & Segment.ATTR_DB) != 0 ? 0xFFFF_FFFFL : 0xFFFF;
        linearMask = longMode() ? -1L : 0xFFFF_FFFFL;
        decodeMode = (code64 ? 8 : 0) | defaultSize;
        for (int i = 0; i < 6; i++) {
            refreshSegment(i);
        }
        mmu.setUser(cpl == 3);
    }

    void refreshSegment(int i) {
        if (i == CS) {
            invalidateFetchWindow();
        }
        Segment s = segs[i];
        if (code64) {
            segBase[i] = i >= FS ? s.base : 0;
            segLimit[i] = -1L;
        } else {
            segBase[i] = s.base;
            boolean expandDown = (s.attr & (Segment.TYPE_CODE | Segment.ATTR_S)) == Segment.ATTR_S
                    && (s.attr & Segment.TYPE_EXPAND_DOWN) != 0;
            segLimit[i] = expandDown ? 0xFFFF_FFFFL : s.limit;
        }
        boolean checked = !code64 && protectedMode() && (eflagsRest & Eflags.VM) == 0;
        int a = s.attr;
        boolean usable = !checked || (a & Segment.ATTR_P) != 0;
        boolean code = (a & Segment.TYPE_CODE) != 0;
        segNoRead[i] = !usable || (checked && code && (a & Segment.TYPE_READABLE) == 0);
        segNoWrite[i] = !usable || (checked && (code || (a & Segment.TYPE_WRITABLE) == 0));
        boolean flat = segBase[i] == 0 && !segNoRead[i] && !segNoWrite[i]
                && (segLimit[i] == -1L || segLimit[i] == 0xFFFF_FFFFL);
        flatSegs = flat ? flatSegs | 1 << i : flatSegs & ~(1 << i);
    }

    void setCpl(int newCpl) {
        cpl = newCpl;
        mmu.setUser(newCpl == 3);
    }

    /**
     * Makes the time-stamp counter count guest time at 1 GHz ({@code guestNanos}, the guest
     * clock's nanoseconds), as a TSC counts time on hardware and under QEMU; without it the
     * TSC counts retired instructions. Keeps the counter's current value. Called while the
     * vCPU is not running.
     */
    public void setTscClock(LongSupplier guestNanos) {
        long now = readTsc();
        tscNanos = guestNanos;
        tscOffset = now - tscBase();
    }

    /** What the TSC counts: guest nanoseconds, or retired instructions without a clock. */
    long tscBase() {
        return tscNanos == null ? icount : tscNanos.getAsLong();
    }

    long readTsc() {
        return tscBase() + tscOffset;
    }
}
