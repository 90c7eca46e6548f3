package dev.jemu.core.x86;

import dev.jemu.core.x86.jit.Tier;
import java.lang.management.ManagementFactory;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A translating CPU's first translation puts HotSpot's directive that keeps translations out of C2 in force, read
 * back through the JDK's own {@code Compiler.directives_print} command, and its pattern names
 * the class the translator defines its hidden classes under.
 */
class CompilerDirectivesTest {
    @Test
    void theFirstTranslationExcludesTranslationsFromC2() throws Exception {
        CpuRig rig = new CpuRig();
        rig.cpu.setTier(Tier.TRANSLATE);
        rig.long64(CpuRig.nasm("""
            BITS 64
            ORG 0x1000
                mov ecx, 1000
            loop:
                add rax, rcx
                dec ecx
                jnz loop
                hlt
            """)).run();
        assertTrue(rig.cpu.translations().translations() > 0, "the loop was translated");
        String print = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "compilerDirectivesPrint",
                new Object[] {new String[0]}, new String[] {String[].class.getName()});
        int at = print.indexOf("matching: dev/jemu/core/x86/Block*.run\n");
        assertTrue(at >= 0, print);
        int c2 = print.indexOf("c2 directives:", at);
        int next = print.indexOf("Directive:", at);
        assertTrue(c2 > at && (next < 0 || c2 < next), print);
        assertTrue(print.substring(c2, next < 0 ? print.length() : next).contains("Exclude:true"), print);
        assertEquals("dev/jemu/core/x86/Block*.run", BlockTranslator.RUN_PATTERN);
    }
}
