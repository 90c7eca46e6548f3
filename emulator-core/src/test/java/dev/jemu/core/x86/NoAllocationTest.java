package dev.jemu.core.x86;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The interpreter loop allocates nothing per instruction. */
class NoAllocationTest {
    @Test
    void interpreterLoopAllocatesNothing() {
        byte[] code = CpuRig.nasm("""
            BITS 64
            ORG 0x1000
            again:
                mov ecx, 1000
                lea rsi, [rel buf]
            body:
                add eax, ecx
                xor eax, [rsi]
                mov [rsi+8], eax
                imul ebx, eax, 7
                call sub1
                paddd xmm0, xmm1
                movdqu [rsi+16], xmm0
                push rcx
                pop rcx
                dec ecx
                jnz body
                jmp again
            sub1:
                shl rbx, 3
                bsf rdx, rbx
                ret
            align 16
            buf: times 64 db 0
            """);
        CpuRig rig = new CpuRig().long64(code);
        rig.cpu.cr4 |= Cpu.CR4_OSFXSR;
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertEquals(Cpu.StopReason.BUDGET, rig.cpu.run(200_000));
        long before = mx.getCurrentThreadAllocatedBytes();
        assertEquals(Cpu.StopReason.BUDGET, rig.cpu.run(2_000_000));
        long after = mx.getCurrentThreadAllocatedBytes();
        assertEquals(0, after - before, "bytes allocated while running two million instructions");
    }
}
