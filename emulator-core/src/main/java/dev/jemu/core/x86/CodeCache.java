package dev.jemu.core.x86;

import dev.jemu.core.memory.RamBlock;

import java.util.ArrayList;
import java.util.List;

/**
 * Decoded instructions kept per guest-physical code page, so that the interpreter decodes an
 * instruction once and then only runs it. A direct-mapped table of {@link CodePage}s is
 * indexed by the page's offset in its {@link RamBlock}; each page holds one reusable
 * {@link Insn} per byte offset, allocated the first time an instruction starts there and
 * refilled in place afterwards.
 *
 * <p>Validity: a page records the {@linkplain RamBlock#generation write generation} of its
 * guest page and the CPU's decode mode (64-bit code, default operand size) it was decoded
 * in. A guest write to the page (by the CPU, by DMA, by a loader) bumps the generation; a
 * different mode, or the slot being taken by another page, bumps the page's epoch, which
 * makes every instruction decoded under the old epoch stale at once. Pages are marked as
 * code pages in their block, which keeps the CPU's soft TLB from mapping them for direct
 * writes. Because the key is physical, paging changes need no invalidation here: the CPU
 * finds the page again through the TLB whenever its translation is flushed.
 *
 * <p>Threading: used only by its vCPU thread.
 */
final class CodeCache {
    private static final int SLOT_BITS = 9;
    private static final int SLOT_MASK = (1 << SLOT_BITS) - 1;

    /** The decoded instructions of one guest page. */
    static final class CodePage {
        RamBlock block;
        long offset = -1;
        /** The block's write generation of the page when it was last validated. */
        int generation;
        /** The decode mode (see {@link Cpu#decodeMode}) its instructions were decoded in. */
        int mode;
        /** Instructions whose {@link Insn#stamp} differs from this are stale. */
        int epoch = 1;
        final Insn[] insns = new Insn[RamBlock.PAGE_SIZE];

        /** Whether no write reached the page since it was validated. */
        boolean unwritten() {
            return generation == block.generation(offset);
        }

        /** Makes every decoded instruction stale and takes the current generation. */
        void invalidate() {
            epoch++;
            generation = block.generation(offset);
        }
    }

    private final CodePage[] slots = new CodePage[1 << SLOT_BITS];
    private final List<RamBlock> watched = new ArrayList<>();
    private final Runnable onNewCodePage;

    /** Creates a cache that runs {@code onNewCodePage} whenever a page becomes a code page. */
    CodeCache(Runnable onNewCodePage) {
        this.onNewCodePage = onNewCodePage;
    }

    /**
     * The code page for the 4 KiB page at {@code offset} of {@code block}, valid for decode
     * mode {@code mode}: reused if the slot already holds it unchanged, else (re)claimed with
     * every previously decoded instruction stale.
     */
    CodePage page(RamBlock block, long offset, int mode) {
        int idx = (int) (offset >>> RamBlock.PAGE_SHIFT) & SLOT_MASK;
        CodePage p = slots[idx];
        if (p == null) {
            p = new CodePage();
            slots[idx] = p;
        }
        if (p.block != block || p.offset != offset) {
            if (!watched.contains(block)) {
                block.addCodeListener(onNewCodePage);
                watched.add(block);
            }
            block.markCode(offset);
            p.block = block;
            p.offset = offset;
            p.mode = mode;
            p.invalidate();
        } else if (p.mode != mode || !p.unwritten()) {
            p.mode = mode;
            p.invalidate();
        }
        return p;
    }
}
