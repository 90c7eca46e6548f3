package dev.jemu.core.x86;

/**
 * One translated guest basic block: a hidden class made by {@link BlockTranslator} whose
 * {@link #run} executes the block's instructions as straight-line JVM code. A translation
 * belongs to one guest-physical code page and one start RIP; it is valid while its
 * {@link #stamp} equals its {@link CodeCache.CodePage}'s epoch (the page's bytes and the
 * decode mode unchanged) and it is entered only at {@link #rip}.
 *
 * <p>Contract of {@link #run}: it executes one to {@link #count} instructions. Before each
 * it sets RIP past the instruction (as the interpreter does before calling a handler) and
 * after each it counts it in {@code icount}; the last one (a control transfer, or anything
 * that may change the mode) leaves RIP as its handler set it. It returns early, with RIP at
 * the next instruction, when a store went through the slow write path (the store may have
 * hit this block's own code). A block that branches back to its own start loops inside
 * {@code run} while nothing is pending, its page is unchanged and the budget
 * ({@code icountLimit}) allows. A guest exception leaves RIP at the faulting instruction and
 * propagates as the {@link CpuFault}, so the caller delivers it exactly as the interpreter
 * would.
 *
 * <p>Threading: used only by its vCPU thread.
 */
abstract class Translation {
    /** The guest RIP of the first instruction. */
    long rip;
    /** The {@link CodeCache.CodePage#epoch} the translation was made in. */
    int stamp;
    /** The number of guest instructions in the block (at least one). */
    int count;
    /** The code page holding the block. */
    CodeCache.CodePage page;

    /** Whether the block may still run: its page is unwritten and still in the epoch it was translated in. */
    final boolean valid() {
        CodeCache.CodePage p = page;
        return p.epoch == stamp && p.unwritten();
    }

    /** Runs the block on {@code c}. */
    abstract void run(Cpu c);
}
