package dev.jemu.core.x86;

import dev.jemu.core.log.Log;
import dev.jemu.core.log.LogCategory;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * MSRs jemu does not model behave as on QEMU 7.2 {@code -cpu qemu64} under TCG, probed with a
 * multiboot kernel doing RDMSR/WRMSR under a #GP handler: no #GP for any MSR of 0-0xFFF,
 * 0xC0000000-0xC00001FF, 0xC0010000-0xC00102FF, 0xC0011000-0xC00110FF, 0x40000000-0x400000FF
 * or 0x12340-0x1234F; AMD's performance counters 0xC0010000-0xC0010007 and unknown MSRs such
 * as 0x12345 read as zero, also after a WRMSR of 0xAB_12345678.
 */
class MsrsTest {
    @Test
    void unknownAndPerformanceCounterMsrsReadZeroAndIgnoreWrites() {
        ByteArrayOutputStream logged = new ByteArrayOutputStream();
        Log.setOutput(new PrintStream(logged, true, StandardCharsets.UTF_8));
        Log.enable(LogCategory.UNIMP);
        try {
            CpuRig rig = new CpuRig().prot32(CpuRig.nasm(IdtPrelude.prot32() + """
                    GATE 13, gp
                    xor esi, esi
                    mov edi, 0x4000
                    mov ebx, 0xC0010000
                read:
                    mov ecx, ebx
                    mov eax, 0x55555555
                    mov edx, eax
                    rdmsr
                    mov [edi], eax
                    mov [edi + 4], edx
                    add edi, 8
                    inc ebx
                    cmp ebx, 0xC0010008
                    jne read
                    mov ecx, 0xC0010004
                    mov eax, 0x12345678
                    mov edx, 0xAB
                    wrmsr
                    rdmsr
                    mov [0x4100], eax
                    mov [0x4104], edx
                    mov ecx, 0x12345
                    mov eax, 0x12345678
                    wrmsr
                    wrmsr
                    rdmsr
                    mov [0x4108], eax
                    mov [0x410C], edx
                    hlt
                gp:
                    inc esi
                    hlt
                    """)).run();
            assertEquals(0, rig.reg(Cpu.RSI), "no #GP");
            for (int k = 0; k < 8; k++) {
                assertEquals(0, rig.mem.read(0x4000 + 8L * k, 8), "PERF_CTL/PERF_CTR MSR 0xc001000" + k);
            }
            assertEquals(0, rig.mem.read(0x4100, 8), "a write to a performance counter is ignored");
            assertEquals(0, rig.mem.read(0x4108, 8), "an unknown MSR reads as zero after a write");
            String text = logged.toString(StandardCharsets.UTF_8);
            assertEquals(1, text.lines().filter(l -> l.equals(
                    "unimplemented MSR write 0x12345 (reads as zero, writes are ignored)")).count(), text);
        } finally {
            Log.disableAll();
            Log.setOutput(System.err);
        }
    }

    @Test
    void modelledMsrsStillCheckTheirValues() {
        // SDM: WRMSR of a non-canonical address to IA32_LSTAR raises #GP(0).
        CpuRig rig = new CpuRig().prot32(CpuRig.nasm(IdtPrelude.prot32() + """
                GATE 13, gp
                xor esi, esi
                mov ecx, 0xC0000082
                xor eax, eax
                mov edx, 0x00800000
                wrmsr
                hlt
            gp:
                pop edi
                inc esi
                hlt
                """)).run();
        assertEquals(1, rig.reg(Cpu.RSI), "#GP");
        assertEquals(0, rig.reg(Cpu.RDI), "error code 0");
    }
}
