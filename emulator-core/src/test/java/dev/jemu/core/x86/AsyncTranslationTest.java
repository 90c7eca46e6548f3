package dev.jemu.core.x86;

import dev.jemu.core.x86.jit.HiddenClassCache;
import dev.jemu.core.x86.jit.Tier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Translation on the CPU's translation thread: a hot block is decoded and handed over, the
 * vCPU goes on interpreting, and the finished translation is installed at the vCPU's next
 * lookup, unless its page was written in between, in which case it is released and the new
 * code runs. The block at {@link CpuRig#CODE} is visited one instruction at a time (a run of
 * one instruction looks it up once), so the test knows when it is handed over and when the
 * vCPU next looks.
 */
class AsyncTranslationTest {
    /** Sums 1000 + 999 + ... + 1 into EAX; the ADD is at CODE + 7. */
    static final String PROGRAM = """
        BITS 64
        ORG 0x1000
            xor eax, eax
            mov ecx, 1000
        again:
            add eax, ecx
            dec ecx
            jnz again
            hlt
        """;
    private static final long WAIT = TimeUnit.SECONDS.toNanos(30);

    private CpuRig rig;

    @BeforeEach
    void handTheHotBlockOver() {
        rig = new CpuRig();
        rig.cpu.setTier(Tier.TRANSLATE);
        rig.cpu.setTranslateAsync(true);
        rig.long64(CpuRig.nasm(PROGRAM));
        // the first visit fills the fetch TLB (no lookup before that), the next ones heat the entry
        for (int k = 0; k <= CodeCache.HOT; k++) {
            lookUpAndStepTheEntry();
        }
        assertTrue(rig.cpu.awaitTranslations(WAIT), "the translation thread finished the block");
        assertEquals(0, rig.cpu.translations().translations(), "translations installed before the vCPU looked again");
    }

    private void lookUpAndStepTheEntry() {
        rig.cpu.halted = false;
        rig.cpu.rip = CpuRig.CODE;
        assertEquals(Cpu.StopReason.BUDGET, rig.cpu.run(1));
    }

    private Translation translationAtEntry() {
        CodeCache.CodePage p = rig.cpu.codeCache.page(rig.ram.block(), CpuRig.CODE, rig.cpu.decodeMode);
        return p.translation((int) CpuRig.CODE & 0xFFF, CpuRig.CODE);
    }

    @Test
    void theFinishedTranslationIsInstalledAtTheNextLookupAndRuns() {
        for (int k = 0; k < 3; k++) {
            lookUpAndStepTheEntry();
        }
        HiddenClassCache classes = rig.cpu.translations();
        assertEquals(1, classes.translations(), "translations of a block handed over once");
        assertEquals(1, classes.liveClasses());
        Translation t = translationAtEntry();
        assertNotNull(t, "translation installed at the entry");
        assertTrue(t.getClass().isHidden());
        rig.cpu.rip = CpuRig.CODE;
        rig.cpu.halted = false;
        rig.run();
        assertEquals(500_500, rig.reg(Cpu.RAX));
    }

    @Test
    void aWriteToThePageBeforeInstallationDropsTheStaleTranslation() {
        // add eax, ecx (01 C8) becomes sub eax, ecx (29 C8)
        rig.load(CpuRig.CODE + 7, CpuRig.bytes(0x29));
        rig.cpu.rip = CpuRig.CODE;
        rig.cpu.halted = false;
        rig.run();
        assertEquals(-500_500L & 0xFFFF_FFFFL, rig.reg(Cpu.RAX), "EAX after the rewritten loop");
        HiddenClassCache classes = rig.cpu.translations();
        assertEquals(1, classes.releases(), "stale translations released");
        assertEquals(classes.translations() - 1, classes.liveClasses(), "live translations");
    }
}
