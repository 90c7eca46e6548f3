package dev.jemu.core.x86;

import dev.jemu.core.memory.RamBlock;
import dev.jemu.core.x86.jit.HiddenClassCache;
import dev.jemu.core.x86.jit.Tier;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Decoded instructions and translated blocks kept per guest-physical code page, so that the
 * interpreter decodes an instruction once and then only runs it, and hot blocks run as
 * translations. A set-associative table of {@link CodePage}s ({@value #WAYS} ways, the set
 * chosen by the page's offset in its {@link RamBlock}, the least recently opened way of the
 * set given to a new page) holds the pages of up to 16 MiB of code, as much as a Linux
 * kernel's text with its modules, so that code in use keeps its decoded instructions and
 * translations; each page holds one reusable {@link Insn} per byte offset, allocated the first
 * time an instruction starts there and refilled in place afterwards, and, on the translating
 * tier, a {@link Translation} per block start with a heat counter per offset.
 *
 * <p>Validity: a page records the {@linkplain RamBlock#generation write generation} of its
 * guest page and the CPU's decode mode (64-bit code, default operand size) it was decoded
 * in. A guest write to the page (by the CPU, by DMA, by a loader) bumps the generation; a
 * different mode, or the slot being taken by another page, bumps the page's epoch, which
 * makes every instruction decoded and every block translated under the old epoch stale at
 * once. The translations a page drops are {@linkplain HiddenClassCache#released released},
 * so that only those still in use count against the translation cache's bounds; when they
 * reach them, the pages opened longest ago give up their translations first. A page whose
 * translations are invalidated by writes again and again (code and data sharing a page)
 * stops being translated until its slot is reclaimed. Pages are marked as
 * code pages in their block while they occupy a slot, which keeps the CPU's soft TLB from
 * mapping them for direct writes; a page leaving its slot is unmarked, so its stores take
 * the fast path again. Because the key is physical, paging changes need no invalidation
 * here: the CPU finds the page again through the TLB whenever its translation is flushed.
 *
 * <p>Translations are made on the CPU's translation thread ({@link TranslationWorker}) unless
 * the CPU translates in place; a block handed over is {@linkplain CodePage#queued marked} so
 * it is not handed over again, and its translation is installed only if its page is still
 * {@linkplain CodePage#current current}, else released.
 *
 * <p>Threading: used only by its vCPU thread.
 */
final class CodeCache {
    private static final int SET_BITS = 10;
    private static final int SET_MASK = (1 << SET_BITS) - 1;
    /** Pages per set. */
    static final int WAYS = 4;
    /** The highest threshold a heat counter holds. */
    static final int MAX_HOT = Short.MAX_VALUE;
    /**
     * Executions of a block start, in the interpreter, before it is translated: 3,000, or the
     * system property {@value Tier#HOT_PROPERTY} (1 to {@value #MAX_HOT}; tests use 1 so that
     * everything they run is translated). A translation costs about a millisecond (a tenth of
     * it decoding on the vCPU thread, the rest on the {@link TranslationWorker}'s thread), the
     * time of tens of thousands of interpreted instructions, and HotSpot then compiles it:
     * code that runs only a few thousand times, as much of a kernel's boot does, is cheaper
     * to interpret. Measured on a default-board Linux boot (BENCHMARKS.md): 100 makes about
     * 40,000 translations in place and, on the translation thread, fills the class cache
     * (blocks keep being interpreted while their translation is made, so more of them become
     * hot); 1,000 makes about 30,000 and 3,000 about 20,000, with the least process CPU time.
     */
    static final int HOT = Math.clamp(Integer.getInteger(Tier.HOT_PROPERTY, 3000), 1, MAX_HOT);
    /** Invalidations of a page holding translations after which it is no longer translated. */
    private static final int MAX_REWRITES = 8;
    private static final short UNTRANSLATABLE = -1;
    /** The heat of a block start handed to the translation thread and not yet installed. */
    private static final short QUEUED = -2;

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
        /** Interpreted executions per offset since the last invalidation, or {@link #UNTRANSLATABLE} or {@link #QUEUED}. */
        private short[] heat;
        /** Whether a translation was made in the current epoch. */
        private boolean translated;
        /** Whether a block was handed to the translation thread in the current epoch. */
        private boolean handedOver;
        /** Invalidations that found translations of the current slot occupant. */
        private int rewrites;
        /** When the CPU last opened the page ({@link CodeCache#page}'s clock), for the choice of a victim. */
        private long used;
        /** Where dropped translations are released. */
        private final HiddenClassCache classes;

        CodePage(HiddenClassCache classes) {
            this.classes = classes;
        }

        /** Whether no write reached the page since it was validated. */
        boolean unwritten() {
            return generation == block.generation(offset);
        }

        /** Makes every decoded instruction and translation stale and takes the current generation. */
        void invalidate() {
            epoch++;
            generation = block.generation(offset);
            if (translated || handedOver) {
                // blocks in flight are dropped when they come back: a page rewritten before
                // its translations could be installed counts as rewritten too
                rewrites++;
                handedOver = false;
            }
            if (translated) {
                releaseTranslations();
            }
            if (heat != null) {
                Arrays.fill(heat, (short) 0);
            }
        }

        /**
         * Forgets the translations and the heat of the previous occupant of the slot, except
         * that blocks in flight stay {@link #QUEUED} (their translations are installed if the
         * epoch is unchanged; {@link #invalidate} forgets them).
         */
        private void clearTranslations() {
            if (translated) {
                releaseTranslations();
            }
            if (heat != null) {
                for (int off = 0; off < heat.length; off++) {
                    if (heat[off] != QUEUED) {
                        heat[off] = 0;
                    }
                }
            }
            rewrites = 0;
        }

        /** Drops every translation held, releasing each. */
        private void releaseTranslations() {
            Translation[] ts = translations;
            for (int off = 0; off < ts.length; off++) {
                if (ts[off] != null) {
                    classes.released(ts[off]);
                    ts[off] = null;
                }
            }
            translated = false;
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
                heat = new short[RamBlock.PAGE_SIZE];
                translations = new Translation[RamBlock.PAGE_SIZE];
            }
            int h = heat[off];
            if (h < 0) {
                return false;
            }
            if (h + 1 < HOT) {
                heat[off] = (short) (h + 1);
                return false;
            }
            return true;
        }

        /** The block starting at {@code off} was handed to the translation thread: it is not handed over again in this epoch. */
        void queued(int off) {
            heat[off] = QUEUED;
            handedOver = true;
        }

        /**
         * Whether a block decoded in epoch {@code epoch} may be installed now:
         * the page is still in that epoch (same page, same mode, not rewritten since) and no
         * write reached it since it was last validated.
         */
        boolean current(int epoch) {
            return this.epoch == epoch && unwritten();
        }

        /** Keeps {@code t} as the block starting at {@code off} in the current epoch. */
        void store(int off, Translation t) {
            if (translations[off] != null) {
                classes.released(translations[off]);
            }
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

    /** The sets, {@value #WAYS} consecutive slots each. */
    private final CodePage[] slots = new CodePage[WAYS << SET_BITS];
    private final List<RamBlock> watched = new ArrayList<>();
    private final Mmu mmu;
    private final HiddenClassCache classes;
    /** Counts the openings of pages: a page's {@link CodePage#used} is the count at its last one. */
    private long clock;
    /** Pages that took a slot from another page since creation. */
    private long evictions;

    /**
     * Creates a cache for the CPU of {@code mmu}, whose write TLB it keeps off code pages,
     * releasing the translations it drops to {@code classes}.
     */
    CodeCache(Mmu mmu, HiddenClassCache classes) {
        this.mmu = mmu;
        this.classes = classes;
    }

    /**
     * The code page for the 4 KiB page at {@code offset} of {@code block}, valid for decode
     * mode {@code mode}: reused if its set already holds it unchanged, else (re)claimed, in
     * the set's free or least recently opened slot, with every previously decoded
     * instruction stale.
     */
    CodePage page(RamBlock block, long offset, int mode) {
        int first = ((int) (offset >>> RamBlock.PAGE_SHIFT) & SET_MASK) * WAYS;
        CodePage p = null;
        CodePage victim = null;
        for (int i = first; i < first + WAYS; i++) {
            CodePage q = slots[i];
            if (q == null) {
                q = new CodePage(classes);
                slots[i] = q;
            }
            if (q.block == block && q.offset == offset) {
                p = q;
                break;
            }
            if (victim == null || q.used < victim.used) {
                victim = q;
            }
        }
        if (p == null) {
            p = victim;
            if (!watched.contains(block)) {
                block.addCodeListener(off -> mmu.flushWritesTo(block, off));
                watched.add(block);
            }
            if (p.block != null) {
                p.block.unmarkCode(p.offset);
                evictions++;
            }
            block.markCode(offset);
            p.block = block;
            p.offset = offset;
            p.mode = mode;
            p.invalidate();
            p.clearTranslations();
        } else if (p.mode != mode || !p.unwritten()) {
            p.mode = mode;
            p.invalidate();
        }
        p.used = ++clock;
        return p;
    }

    /** Pages that took a slot from another page since creation. */
    long evictions() {
        return evictions;
    }

    /**
     * Makes room in a full translation cache: drops the translations of the least recently
     * opened half of the pages that hold some, keeping those of the code in use.
     */
    void dropColdTranslations() {
        long[] used = new long[slots.length];
        int n = 0;
        for (CodePage p : slots) {
            if (p != null && p.translated) {
                used[n++] = p.used;
            }
        }
        Arrays.sort(used, 0, n);
        long median = used[n / 2];
        for (CodePage p : slots) {
            if (p != null && p.translated && p.used < median) {
                p.clearTranslations();
            }
        }
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
