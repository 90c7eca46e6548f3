package dev.jemu.core.x86;

import dev.jemu.core.x86.jit.Tier;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The translating tier: hot code is translated (the statistics say so) and behaves exactly
 * as on the interpreter — results known from arithmetic, faults in the middle of a block,
 * code that rewrites its own block, exact instruction budgets — and everything each test
 * runs gives the same registers, flags and instruction count on both tiers.
 */
class TranslationTest {
    private static CpuRig on(Tier tier, String source) {
        CpuRig rig = new CpuRig();
        rig.cpu.setTier(tier);
        return rig.long64(CpuRig.nasm(source));
    }

    /** Runs {@code source} on both tiers to HLT; returns the translating rig after checking it matches the interpreter. */
    private static CpuRig onBoth(String source) {
        CpuRig interp = on(Tier.INTERP, source).run();
        CpuRig translated = on(Tier.TRANSLATE, source).run();
        for (int r = 0; r < 16; r++) {
            assertEquals(interp.reg(r), translated.reg(r), "register " + r);
        }
        assertEquals(interp.flags(), translated.flags(), "RFLAGS");
        assertEquals(interp.cpu.rip, translated.cpu.rip, "RIP");
        assertEquals(interp.cpu.instructionCount(), translated.cpu.instructionCount(), "instructions executed");
        assertEquals(0, interp.cpu.translations().translations(), "the interpreter tier translates nothing");
        assertTrue(translated.cpu.translations().translations() > 0, "hot code was translated");
        return translated;
    }

    @Test
    void hotLoopsComputeWhatTheInterpreterComputes() {
        // Sum of i for i = 1..1000, of i*i (through memory), and a byte checksum with a
        // data-dependent branch: 500500, 333833500.
        CpuRig rig = onBoth("""
            BITS 64
            ORG 0x1000
                xor eax, eax
                xor ebx, ebx
                xor r8d, r8d
                mov ecx, 1000
                mov rdi, 0x200000
            sum:
                add rax, rcx
                mov rdx, rcx
                imul rdx, rcx
                mov [rdi], rdx
                add rbx, [rdi]
                movzx esi, cl
                test esi, 1
                jz even
                add r8, rsi
                jmp next
            even:
                sub r8, 1
            next:
                dec ecx
                jnz sum
                call leaf
                hlt
            leaf:
                push rbx
                pop r9
                ret
            """);
        assertEquals(500500, rig.reg(Cpu.RAX));
        assertEquals(333833500L, rig.reg(Cpu.RBX));
        assertEquals(333833500L, rig.reg(9));
    }

    @Test
    void aFaultInTheMiddleOfATranslatedBlockLeavesTheStateOfTheFaultingInstruction() {
        // The block at 'body' runs 150 times (hot at any translation threshold, 1 to 100),
        // then faults on its second instruction (#GP: a non-canonical address): the handler
        // sees RIP of that instruction, EBX counted 151 times, EDX only 150.
        CpuRig rig = onBoth(IdtPrelude.long64() + """
                GATE 13, gp
                lea r10, [rel load]
                xor ebx, ebx
                xor edx, edx
                mov ecx, 151
                mov rsi, 0x200000
            again:
                cmp ecx, 1
                jne body
                mov rsi, 0x8000000000000000
            body:
                add ebx, 1
            load:
                mov eax, [rsi]
                add edx, 1
                dec ecx
                jnz again
                hlt
            gp:
                mov r8, [rsp]
                mov r9, [rsp + 8]
                hlt
            """);
        assertEquals(rig.reg(10), rig.reg(9), "pushed RIP is the faulting instruction's");
        assertEquals(0, rig.reg(8), "error code");
        assertEquals(151, rig.reg(Cpu.RBX));
        assertEquals(150, rig.reg(Cpu.RDX));
        assertEquals(1, rig.reg(Cpu.RCX));
    }

    @Test
    void aStoreIntoItsOwnBlockTakesEffectOnTheNextInstruction() {
        // The block at 'body' stores ECX to a data page for 250 passes (it is translated by
        // then, at any translation threshold), then into the immediate of its own next
        // instruction: the sum of 1..50 = 1275 only if the patched bytes are the ones executed
        // right after the store.
        CpuRig rig = onBoth("""
            BITS 64
            ORG 0x1000
                xor ebx, ebx
                mov ecx, 300
            again:
                mov edi, 0x200000
                cmp ecx, 50
                ja body
                lea rdi, [rel patch + 1]
            body:
                mov [rdi], ecx
            patch:
                mov eax, 0
                add ebx, eax
                dec ecx
                jnz again
                hlt
            """);
        assertEquals(1275, rig.reg(Cpu.RBX));
    }

    private static final String LONG_LOOP = """
        BITS 64
        ORG 0x1000
            xor eax, eax
            xor ebx, ebx
            mov ecx, 500
        again:
            %rep 20
            add eax, ecx
            xor ebx, eax
            %endrep
            dec ecx
            jnz again
            hlt
        """;

    @Test
    void theRegionsOfALoopLongerThanARegionAreChained() {
        // 42 instructions per pass, more than one region holds: every pass leaves a region by
        // a constant-RIP exit at least once, and after the first passes that exit is chained.
        CpuRig rig = onBoth(LONG_LOOP);
        long chained = rig.cpu.chainedEntries();
        assertTrue(chained >= 450, "entries through a chain link: " + chained);
        CpuRig plain = on(Tier.TRANSLATE, LONG_LOOP);
        plain.cpu.noChain = true;
        plain.run();
        assertEquals(0, plain.cpu.chainedEntries(), "no chaining with noChain");
        assertTrue(plain.cpu.translations().translations() > 0);
        for (int r = 0; r < 16; r++) {
            assertEquals(rig.reg(r), plain.reg(r), "register " + r);
        }
        assertEquals(rig.cpu.instructionCount(), plain.cpu.instructionCount());
    }

    @Test
    void aStopRequestEndsChainedRegions() {
        CpuRig rig = on(Tier.TRANSLATE, LONG_LOOP.replace("jnz again", "jmp again"));
        assertEquals(Cpu.StopReason.BUDGET, rig.cpu.run(100_000));
        assertTrue(rig.cpu.chainedEntries() > 0);
        rig.cpu.requestStop();
        assertEquals(Cpu.StopReason.STOP_REQUESTED, rig.cpu.run(1_000_000));
        assertEquals(100_000, rig.cpu.instructionCount());
    }

    @Test
    void theBudgetIsExactInsideALoopingBlock() {
        String source = """
            BITS 64
            ORG 0x1000
                xor eax, eax
            again:
                inc eax
                add ebx, 2
                jmp again
            """;
        CpuRig rig = on(Tier.TRANSLATE, source);
        assertEquals(Cpu.StopReason.BUDGET, rig.cpu.run(1001));
        assertEquals(1001, rig.cpu.instructionCount());
        assertEquals(Cpu.StopReason.BUDGET, rig.cpu.run(30_000));
        assertEquals(31_001, rig.cpu.instructionCount());
        // 1 + 3 * 10_333 + 1: the XOR, whole iterations, then the INC of the next.
        assertEquals(10_334, rig.reg(Cpu.RAX));
        assertEquals(2 * 10_333, rig.reg(Cpu.RBX));
        assertEquals(CpuRig.CODE + 2 + 2, rig.cpu.rip, "RIP at the ADD");
        assertTrue(rig.cpu.translations().translations() > 0);
    }

    @Test
    void aStopRequestEndsALoopingBlock() {
        CpuRig rig = on(Tier.TRANSLATE, """
            BITS 64
            ORG 0x1000
            again:
                inc eax
                jmp again
            """);
        assertEquals(Cpu.StopReason.BUDGET, rig.cpu.run(10_000));
        rig.cpu.requestStop();
        assertEquals(Cpu.StopReason.STOP_REQUESTED, rig.cpu.run(1_000_000));
        assertEquals(10_000, rig.cpu.instructionCount());
        assertTrue(rig.cpu.translations().translations() > 0);
    }

    @Test
    void translatedCodeAllocatesNothing() {
        CpuRig rig = on(Tier.TRANSLATE, """
            BITS 64
            ORG 0x1000
            again:
                mov ecx, 1000
                mov rsi, 0x200000
            body:
                add eax, ecx
                xor eax, [rsi]
                mov [rsi + 8], eax
                imul ebx, eax, 7
                call sub1
                push rcx
                pop rcx
                dec ecx
                jnz body
                jmp again
            sub1:
                shl rbx, 3
                ret
            """);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        // Warm up until HotSpot has compiled the translations (its deoptimisations allocate).
        for (int k = 0; k < 10; k++) {
            assertEquals(Cpu.StopReason.BUDGET, rig.cpu.run(2_000_000));
        }
        long translations = rig.cpu.translations().translations();
        assertTrue(translations > 0);
        long before = mx.getCurrentThreadAllocatedBytes();
        assertEquals(Cpu.StopReason.BUDGET, rig.cpu.run(2_000_000));
        long after = mx.getCurrentThreadAllocatedBytes();
        assertEquals(0, after - before, "bytes allocated while running two million translated instructions");
        assertEquals(translations, rig.cpu.translations().translations(), "nothing translated in steady state");
    }
}
