package dev.jemu.core.x86;

import dev.jemu.core.x86.jit.HiddenClassCache;
import dev.jemu.core.x86.jit.Tier;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Decoded instructions are reused only while their bytes, their decode mode and their
 * physical location are unchanged: each test runs code once (so it is cached), changes one
 * of those, and runs it again. Code pages in use keep their slots, and translations the cache
 * drops stop counting against its bounds.
 */
class CodeCacheTest {
    @Test
    void runsAnInstructionAgainAfterTheGuestRewroteIt() {
        CpuRig rig = new CpuRig().long64(CpuRig.nasm("""
            BITS 64
            ORG 0x1000
                xor ebx, ebx
                mov ecx, 3
            again:
            patch:
                mov eax, 1
                add ebx, eax
                mov dword [rel patch + 1], 100
                dec ecx
                jnz again
                hlt
            """)).run();
        assertEquals(201, rig.reg(Cpu.RBX));
    }

    @Test
    void seesCodeWrittenThroughTheMemoryApiBetweenRuns() {
        CpuRig rig = new CpuRig().prot32(CpuRig.bytes(0xB8, 1, 0, 0, 0, 0xF4)).run();
        assertEquals(1, rig.reg(Cpu.RAX));
        rig.load(CpuRig.CODE + 1, CpuRig.bytes(7));
        restart(rig, CpuRig.CODE);
        rig.run();
        assertEquals(7, rig.reg(Cpu.RAX));
    }

    @Test
    void decodesTheSameBytesAgainWhenTheCodeSegmentBecomes16Bit() {
        // 32-bit: mov eax, 0x1234; hlt.  16-bit: mov ax, 0x1234; add [bx+si], al; hlt.
        CpuRig rig = new CpuRig().prot32(CpuRig.bytes(0xB8, 0x34, 0x12, 0, 0, 0xF4)).run();
        assertEquals(0x1234, rig.reg(Cpu.RAX));
        rig.cpu.segs[Cpu.CS].set(0x08, 0, 0xFFFF, 0x9B);
        rig.cpu.updateMode();
        rig.cpu.regs[Cpu.RAX] = 0xFFFF_0000L;
        rig.cpu.regs[Cpu.RBX] = 0x2000;
        rig.cpu.regs[Cpu.RSI] = 0;
        restart(rig, CpuRig.CODE);
        rig.run();
        assertEquals(0xFFFF_1234L, rig.reg(Cpu.RAX));
        assertEquals(0x34, rig.mem.read(0x2000, 1));
    }

    @Test
    void followsALinearPageRemappedToOtherCode() {
        CpuRig rig = new CpuRig().long64(CpuRig.bytes(0xB8, 1, 0, 0, 0, 0xF4)).run();
        assertEquals(1, rig.reg(Cpu.RAX));
        rig.load(0x20_0000 + CpuRig.CODE, CpuRig.bytes(0xB8, 2, 0, 0, 0, 0xF4));
        rig.mem.write(0x102000, 0x20_0000 | 0x87, 8);
        rig.cpu.mmu.flush();
        restart(rig, CpuRig.CODE);
        rig.run();
        assertEquals(2, rig.reg(Cpu.RAX));
    }

    @Test
    void rereadsAnInstructionThatCrossesIntoARewrittenPage() {
        CpuRig rig = new CpuRig().prot32(CpuRig.bytes(0xF4));
        rig.load(0x1FFD, CpuRig.bytes(0xB8, 0x11, 0x22, 0x33, 0x44, 0xF4));
        restart(rig, 0x1FFD);
        rig.run();
        assertEquals(0x4433_2211L, rig.reg(Cpu.RAX));
        rig.load(0x2001, CpuRig.bytes(0x55));
        restart(rig, 0x1FFD);
        rig.run();
        assertEquals(0x5533_2211L, rig.reg(Cpu.RAX));
    }

    private static void restart(CpuRig rig, long rip) {
        rig.cpu.halted = false;
        rig.cpu.rip = rip;
    }

    /** Where {@link #withHighRam} maps a second RAM block of 16 MiB. */
    private static final long HIGH = 0x100_0000;
    /** Bytes between two pages of one set of the code cache (CodeCache.WAYS ways of 1024 sets). */
    private static final long SET_STRIDE = 0x40_0000;

    /**
     * Adds 16 MiB of RAM at {@link #HIGH} (inside long64's identity map): its pages at offsets
     * {@link #SET_STRIDE} apart fall into one set of the code cache.
     */
    private static CpuRig withHighRam(CpuRig rig) {
        rig.mem.root().addSubregion(HIGH, dev.jemu.core.memory.RamRegion.ram("high", 16 << 20));
        return rig;
    }

    @Test
    void aPageThatLeftTheCacheIsWrittenOnTheFastPathAgain() {
        // Code at 0x1000 runs, then code on as many pages of its set as the set has ways: the
        // first page is the least recently used one and leaves the cache, so it holds no
        // decoded code any more and after one TLB fill its stores are fast.
        CpuRig rig = withHighRam(new CpuRig().long64(CpuRig.bytes(0xF4))).run();
        assertTrue(rig.ram.block().isCode(CpuRig.CODE));
        for (int k = 0; k < CodeCache.WAYS; k++) {
            long page = HIGH + CpuRig.CODE + k * SET_STRIDE;
            rig.load(page, CpuRig.bytes(0xF4));
            restart(rig, page);
            rig.run();
            assertTrue(rig.ram.block().isCode(CpuRig.CODE) == (k < CodeCache.WAYS - 1), "code page after " + (k + 1));
        }
        long before = rig.cpu.mmu.slowWrites();
        for (int k = 0; k < 100; k++) {
            rig.cpu.mmu.write(CpuRig.CODE + 8 * k, k, 8);
        }
        assertEquals(1, rig.cpu.mmu.slowWrites() - before, "stores through the slow path");
    }

    @Test
    void codePagesSharingASetKeepTheirTranslationsWhileInUse() {
        // A loop at 0x1000 calls one function on each of four pages 4 MiB apart (one set of
        // the cache, as a kernel's text and its modules may be), for ever. All five pages stay
        // cached, so once the loop is translated it runs on without another translation.
        CpuRig rig = withHighRam(new CpuRig());
        rig.cpu.setTier(Tier.TRANSLATE);
        rig.long64(CpuRig.nasm("""
            BITS 64
            ORG 0x1000
            again:
                mov rdx, 0x1002000
                call rdx
                mov rdx, 0x1402000
                call rdx
                mov rdx, 0x1802000
                call rdx
                mov rdx, 0x1C02000
                call rdx
                jmp again
            """));
        for (int k = 0; k < 4; k++) {
            // add eax, k + 1; ret
            rig.load(HIGH + 0x2000 + k * SET_STRIDE, CpuRig.bytes(0x05, k + 1, 0, 0, 0, 0xC3));
        }
        // a round is 17 instructions (four of mov, call, add, ret, and the jmp) and adds 10;
        // two runs warm up (one to translate, one to translate what starts where a run ended)
        for (int run = 1; run <= 2; run++) {
            assertEquals(Cpu.StopReason.BUDGET, rig.cpu.run(170_000));
        }
        assertEquals(200_000, rig.reg(Cpu.RAX), "EAX after 20,000 rounds");
        long translations = rig.cpu.translations().translations();
        assertTrue(translations > 0, "the loop and the functions were translated");
        assertEquals(Cpu.StopReason.BUDGET, rig.cpu.run(170_000));
        assertEquals(300_000, rig.reg(Cpu.RAX), "EAX after 30,000 rounds");
        assertEquals(translations, rig.cpu.translations().translations(), "translations made by the third run");
        assertEquals(0, rig.cpu.codeCacheEvictions(), "pages that lost their slot");
    }

    @Test
    void translationsDroppedByARewriteNoLongerCountAgainstTheCache() {
        // A loop is translated; a write to its page (data beside the code) makes its
        // translations stale: the next run translates the same blocks again, and only those
        // count as live, the first run's are released.
        CpuRig rig = new CpuRig();
        rig.cpu.setTier(Tier.TRANSLATE);
        rig.long64(CpuRig.nasm("""
            BITS 64
            ORG 0x1000
                xor eax, eax
                mov ecx, 100
            again:
                add eax, ecx
                dec ecx
                jnz again
                hlt
            """)).run();
        assertEquals(5050, rig.reg(Cpu.RAX));
        HiddenClassCache classes = rig.cpu.translations();
        long first = classes.translations();
        assertTrue(first > 0, "the loop was translated");
        assertEquals(first, classes.liveClasses());
        rig.load(CpuRig.CODE + 0x800, CpuRig.bytes(1));
        restart(rig, CpuRig.CODE);
        rig.run();
        assertEquals(5050, rig.reg(Cpu.RAX));
        assertEquals(2 * first, classes.translations(), "the second run translated the same blocks");
        assertEquals(first, classes.liveClasses(), "live translations");
        assertEquals(first, classes.releases(), "translations released");
    }

    @Test
    void makingRoomDropsTheTranslationsOfTheLeastRecentlyUsedPages() {
        // Two loops, on pages 0x1000 and 0x3000, run one after the other (twice, so that the
        // entries of both pages are translated too); room made in the translation cache is
        // taken from the page used longest ago: the second loop runs again without a
        // translation, the first is translated again.
        CpuRig rig = new CpuRig();
        rig.cpu.setTier(Tier.TRANSLATE);
        rig.long64(CpuRig.nasm("""
            BITS 64
            ORG 0x1000
                mov ecx, 100
            a:  add eax, ecx
                dec ecx
                jnz a
                mov rdx, 0x3000
                jmp rdx
                times 0x2000 - ($ - $$) db 0
                mov ecx, 100
            b:  add ebx, ecx
                dec ecx
                jnz b
                hlt
            """)).run();
        restart(rig, CpuRig.CODE);
        rig.run();
        assertEquals(2 * 5050, rig.reg(Cpu.RAX));
        assertEquals(2 * 5050, rig.reg(Cpu.RBX));
        HiddenClassCache classes = rig.cpu.translations();
        long made = classes.translations();
        rig.cpu.codeCache.dropColdTranslations();
        assertTrue(classes.releases() > 0, "the first page's translations were released");
        assertTrue(classes.liveClasses() > 0, "the second page's translations stay");
        assertEquals(made, classes.liveClasses() + classes.releases());
        restart(rig, 0x3000);
        rig.run();
        assertEquals(3 * 5050, rig.reg(Cpu.RBX));
        assertEquals(made, classes.translations(), "translations made to run the second loop again");
        restart(rig, CpuRig.CODE);
        rig.run();
        assertEquals(3 * 5050, rig.reg(Cpu.RAX));
        assertTrue(classes.translations() > made, "the first loop is translated again");
    }

    @Test
    void aNewCodePageKeepsTheWriteMappingsOfOtherPages() {
        CpuRig rig = new CpuRig().long64(CpuRig.bytes(0xF4)).run();
        rig.cpu.mmu.write(0x5000, 1, 8);
        long before = rig.cpu.mmu.slowWrites();
        rig.load(0x7000, CpuRig.bytes(0xF4));
        restart(rig, 0x7000);
        rig.run();
        assertTrue(rig.ram.block().isCode(0x7000));
        rig.cpu.mmu.write(0x5008, 2, 8);
        assertEquals(before, rig.cpu.mmu.slowWrites(), "the store to 0x5000's page stayed on the fast path");
        rig.cpu.mmu.write(0x7008, 3, 8);
        assertEquals(before + 1, rig.cpu.mmu.slowWrites(), "a store to the new code page takes the slow path");
        assertEquals(3, rig.mem.read(0x7008, 8));
    }
}
