package dev.jemu.core.x86;

import dev.jemu.core.log.Log;
import dev.jemu.core.x86.jit.Tier;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * A translation that fails (the JVM refuses the class jemu generated, or the generator throws)
 * leaves its block to the interpreter: the CPU warns once, never hands the block over again,
 * and the guest computes what it would have computed.
 */
class TranslationFailureTest {
    @Test
    void aBlockWhoseTranslationFailsRunsInTheInterpreterAfterOneWarning() {
        ByteArrayOutputStream logged = new ByteArrayOutputStream();
        Log.bind(new Log.Scope(new PrintStream(logged, true, StandardCharsets.UTF_8)));
        try {
            CpuRig rig = new CpuRig();
            rig.cpu.setTier(Tier.TRANSLATE);
            rig.cpu.setTranslateAsync(false);
            rig.long64(CpuRig.nasm(AsyncTranslationTest.PROGRAM));
            CodeCache.CodePage page = rig.cpu.codeCache.page(rig.ram.block(), CpuRig.CODE, rig.cpu.decodeMode);
            int off = (int) CpuRig.CODE & 0xFFF;
            for (int k = 0; k < 2; k++) {
                page.hot(off); // counted by the CPU's lookup before it decodes the block
                BlockTranslator.Pending block = rig.cpu.translator.decode(CpuRig.CODE, off);
                block.page = page;
                block.epoch = page.epoch;
                block.failure = new VerifyError("Bad type on operand stack");
                assertNull(rig.cpu.install(block), "a failed translation installs nothing");
            }
            assertEquals("jemu: warning: translating the block at RIP 0x1000 failed (java.lang.VerifyError: "
                    + "Bad type on operand stack); the interpreter runs it\n", logged.toString(StandardCharsets.UTF_8),
                    "one warning for two failures");
            rig.cpu.rip = CpuRig.CODE;
            rig.run();
            assertEquals(500_500, rig.reg(Cpu.RAX));
            assertNull(page.translation(off, CpuRig.CODE), "the failed block is not translated again");
            assertFalse(page.hot(off), "the failed block never becomes hot again");
        } finally {
            Log.unbind();
        }
    }
}
