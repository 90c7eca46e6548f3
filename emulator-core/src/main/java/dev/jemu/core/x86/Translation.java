package dev.jemu.core.x86;

/**
 * One translated region of guest code: a hidden class made by {@link BlockTranslator} whose
 * {@link #run} executes the region's instructions as JVM code. A translation belongs to one
 * guest-physical code page and one entry RIP; it is valid while its {@link #stamp} equals
 * its {@link CodeCache.CodePage}'s epoch and the page is unwritten, and it is entered only at
 * {@link #rip}.
 *
 * <p>Chaining: each exit to a constant RIP (a direct branch or a fall-through out of the
 * region, a CALL in 64-bit code whose return address went to plain RAM) has a slot in
 * {@link #links}; the CPU fills it with the translation it found at
 * that RIP when that one lies in the same code page and the same linear page, and from then
 * on the exit returns it, so the CPU enters it without a lookup (checking only that it is
 * still valid, that nothing is pending, and the budget). Exits that may have changed the
 * mapping, the mode or the code (every other instruction that ends a block, a slow-path
 * store, a loop exit, a memory access that missed the fast path) return null.
 *
 * <p>Contract of {@link #run}: it executes instructions until one leaves the region (a
 * branch out of it, an instruction that ends a block, a store that went through the MMU's
 * slow path, which may have hit this very code) or a backward branch finds something
 * pending ({@code attention}), the page changed, or no room for {@link #count} more
 * instructions before {@code icountLimit}. It leaves RIP and {@code icount} exactly as the
 * interpreter would after the same instructions. A guest exception leaves RIP at the
 * faulting instruction, counts the instructions before it, and propagates as the
 * {@link CpuFault}, so the caller delivers it as the interpreter would.
 *
 * <p>Threading: used only by its vCPU thread.
 */
abstract class Translation {
    /** The guest RIP of the entry instruction. */
    long rip;
    /** The {@link CodeCache.CodePage#epoch} the translation was made in. */
    int stamp;
    /** The number of guest instructions in the region (at least one): the most run between two checks. */
    int count;
    /** The code page holding the region. */
    CodeCache.CodePage page;
    /** The RIP of the start of the linear page holding the region. */
    long pageRip;
    /** Per constant-RIP exit: the translation at its target, once the CPU found it (see the class comment). */
    Translation[] links;

    /** Whether the region may still run: its page is unwritten and still in the epoch it was translated in. */
    final boolean valid() {
        CodeCache.CodePage p = page;
        return p.epoch == stamp && p.unwritten();
    }

    /**
     * Runs the region on {@code c}; returns the linked translation at the exit taken, or
     * null. A constant-RIP exit stores its index in {@link Cpu#chainExit}, any other exit -1.
     */
    abstract Translation run(Cpu c);
}
