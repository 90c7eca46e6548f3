package dev.jemu.core.x86;

import dev.jemu.core.memory.RamBlock;
import dev.jemu.core.x86.jit.Tier;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Decoded instructions and translated blocks kept per guest-physical code page, so that the
 * interpreter decodes an instruction once and then only runs it, and hot blocks run as
 * translations. A direct-mapped table of {@link CodePage}s is indexed by the page's offset in
 * its {@link RamBlock}; each page holds one reusable {@link Insn} per byte offset, allocated
 * the first time an instruction starts there and refilled in place afterwards, and, on the
 * translating tier, a {@link Translation} per block start with a heat counter per offset.
 *
 * <p>Validity: a page records the {@linkplain RamBlock#generation write generation} of its
 * guest page and the CPU's decode mode (64-bit code, default operand size) it was decoded
 * in. A guest write to the page (by the CPU, by DMA, by a loader) bumps the generation; a
 * different mode, or the slot being taken by another page, bumps the page's epoch, which
 * makes every instruction decoded and every block translated under the old epoch stale at
 * once. A page whose translations are invalidated by writes again and again (code and data
 * sharing a page) stops being translated until its slot is reclaimed. Pages are marked as
 * code pages in their block while they occupy a slot, which keeps the CPU's soft TLB from
 * mapping them for direct writes; a page leaving its slot is unmarked, so its stores take
 * the fast path again. Because the key is physical, paging changes need no invalidation
 * here: the CPU finds the page again through the TLB whenever its translation is flushed.
 *
 * <p>Threading: used only by its vCPU thread.
 */
final class CodeCache {
    private static final int SLOT_BITS = 9;
    private static final int SLOT_MASK = (1 << SLOT_BITS) - 1;
    /**
     * Executions of a block start, in the interpreter, before it is translated: 20, or the
     * system property {@value Tier#HOT_PROPERTY} (1 to 100; tests use 1 so that everything
     * they run is translated).
     */
    static final int HOT = Math.clamp(Integer.getInteger(Tier.HOT_PROPERTY, 20), 1, 100);
    /** Invalidations of a page holding translations after which it is no longer translated. */
    private static final int MAX_REWRITES = 8;
    private static final byte UNTRANSLATABLE = -1;

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
        /** Translated blocks by start offset (allocated on first use), valid when stamped with the epoch. */
        private Translation[] translations;
        /** Interpreted executions per offset since the last invalidation, or {@link #UNTRANSLATABLE}. */
        private byte[] heat;
        /** Whether a translation was made in the current epoch. */
        private boolean translated;
        /** Invalidations that found translations of the current slot occupant. */
        private int rewrites;

        /** Whether no write reached the page since it was validated. */
        boolean unwritten() {
            return generation == block.generation(offset);
        }

        /** Makes every decoded instruction and translation stale and takes the current generation. */
        void invalidate() {
            epoch++;
            generation = block.generation(offset);
            if (translated) {
                translated = false;
                rewrites++;
            }
            if (heat != null) {
                Arrays.fill(heat, (byte) 0);
            }
        }

        /** Forgets the translations and the heat of the previous occupant of the slot. */
        private void clearTranslations() {
            if (translations != null) {
                Arrays.fill(translations, null);
                Arrays.fill(heat, (byte) 0);
            }
            translated = false;
            rewrites = 0;
        }

        /** The valid translation of the block starting at {@code off} with RIP {@code rip}, or null. */
        Translation translation(int off, long rip) {
            Translation[] ts = translations;
            if (ts == null) {
                return null;
            }
            Translation t = ts[off];
            return t != null && t.stamp == epoch && t.rip == rip ? t : null;
        }

        /**
         * Counts one interpreted execution at {@code off}; whether the offset is now hot
         * enough to translate (and may be translated).
         */
        boolean hot(int off) {
            if (rewrites >= MAX_REWRITES) {
                return false;
            }
            if (heat == null) {
                heat = new byte[RamBlock.PAGE_SIZE];
                translations = new Translation[RamBlock.PAGE_SIZE];
            }
            int h = heat[off];
            if (h == UNTRANSLATABLE) {
                return false;
            }
            if (h + 1 < HOT) {
                heat[off] = (byte) (h + 1);
                return false;
            }
            return true;
        }

        /** Keeps {@code t} as the block starting at {@code off} in the current epoch. */
        void store(int off, Translation t) {
            t.stamp = epoch;
            t.page = this;
            translations[off] = t;
            heat[off] = 0;
            translated = true;
        }

        /** No block can be translated at {@code off} in the current epoch. */
        void untranslatable(int off) {
            heat[off] = UNTRANSLATABLE;
        }
    }

    private final CodePage[] slots = new CodePage[1 << SLOT_BITS];
    private final List<RamBlock> watched = new ArrayList<>();
    private final Mmu mmu;

    /** Creates a cache for the CPU of {@code mmu}, whose write TLB it keeps off code pages. */
    CodeCache(Mmu mmu) {
        this.mmu = mmu;
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
                block.addCodeListener(off -> mmu.flushWritesTo(block, off));
                watched.add(block);
            }
            if (p.block != null) {
                p.block.unmarkCode(p.offset);
            }
            block.markCode(offset);
            p.block = block;
            p.offset = offset;
            p.mode = mode;
            p.clearTranslations();
            p.invalidate();
        } else if (p.mode != mode || !p.unwritten()) {
            p.mode = mode;
            p.invalidate();
        }
        return p;
    }

    /** Drops every translation (the tier changed, or the translation cache is full). */
    void dropTranslations() {
        for (CodePage p : slots) {
            if (p != null) {
                p.clearTranslations();
            }
        }
    }
}
