package dev.jemu.core.x86;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * SSE4.1 and SSE4.2 exist on {@code max} and not on {@code qemu64} (QEMU's {@code qemu64}
 * lacks them, so QEMU raises #UD there): every SSE4.1 and SSE4.2 instruction is #UD on
 * {@code qemu64} and runs on {@code max}, and CPUID.01H:ECX bits 19 and 20 say so. CRC32 is
 * a general-purpose instruction (SDM vol. 2: no #UD for CR4.OSFXSR, no #NM). PCMPESTRI with
 * REX.W takes its lengths from RAX and RDX (SDM vol. 2, PCMPESTRI), which QEMU 7.2 reads as
 * EAX and EDX, so that case is checked here against the SDM. Results are compared with QEMU
 * {@code -cpu max} by the {@code cpumax} kernel of the tests module.
 */
class Sse4ModelTest {
    /** One of each SSE4.1 instruction, register and memory forms (RBX points at 16 aligned bytes). */
    private static final List<String> SSE41 = List.of(
            "pblendvb xmm1, xmm2", "blendvps xmm1, [rbx]", "blendvpd xmm1, xmm2",
            "blendps xmm1, xmm2, 3", "blendpd xmm1, [rbx], 1", "pblendw xmm1, xmm2, 0x55",
            "ptest xmm1, xmm2", "pmovsxbw xmm1, [rbx]", "pmovsxbd xmm1, xmm2", "pmovsxbq xmm1, xmm2",
            "pmovsxwd xmm1, xmm2", "pmovsxwq xmm1, xmm2", "pmovsxdq xmm1, xmm2", "pmovzxbw xmm1, xmm2",
            "pmovzxbd xmm1, xmm2", "pmovzxbq xmm1, [rbx]", "pmovzxwd xmm1, xmm2", "pmovzxwq xmm1, xmm2",
            "pmovzxdq xmm1, xmm2", "pmuldq xmm1, xmm2", "pcmpeqq xmm1, xmm2", "movntdqa xmm1, [rbx]",
            "packusdw xmm1, xmm2", "pminsb xmm1, xmm2", "pminsd xmm1, xmm2", "pminuw xmm1, xmm2",
            "pminud xmm1, xmm2", "pmaxsb xmm1, xmm2", "pmaxsd xmm1, xmm2", "pmaxuw xmm1, xmm2",
            "pmaxud xmm1, xmm2", "pmulld xmm1, xmm2", "phminposuw xmm1, xmm2", "roundps xmm1, xmm2, 0",
            "roundpd xmm1, xmm2, 1", "roundss xmm1, [rbx], 2", "roundsd xmm1, xmm2, 3", "dpps xmm1, xmm2, 0xFF",
            "dppd xmm1, xmm2, 0x33", "insertps xmm1, xmm2, 0x10", "extractps eax, xmm2, 1",
            "pinsrb xmm1, eax, 3", "pinsrd xmm1, [rbx], 1", "pinsrq xmm1, rax, 1", "pextrb [rbx], xmm1, 2",
            "pextrw [rbx], xmm1, 2", "pextrd eax, xmm1, 2", "pextrq rax, xmm1, 1", "mpsadbw xmm1, xmm2, 5",
            "pcmpgtq xmm1, xmm2", "crc32 eax, byte [rbx]", "crc32 eax, cx", "crc32 eax, ecx", "crc32 rax, qword [rbx]",
            "pcmpestri xmm1, xmm2, 0", "pcmpestrm xmm1, [rbx], 0x40", "pcmpistri xmm1, xmm2, 0x0C",
            "pcmpistrm xmm1, xmm2, 0x04");

    /** {@link CpuRig#runFaultProbe} with RBX pointing at scratch memory (0x5000) for memory operands. */
    private static CpuRig run(CpuModel model, String body) {
        return CpuRig.runFaultProbe(model, "mov ebx, 0x5000\n" + body);
    }

    @Test
    void sse4IsUdOnQemu64AndRunsOnMax() {
        for (String insn : SSE41) {
            assertEquals(6, run(CpuModel.QEMU64, insn).reg(15), insn + " on qemu64");
            assertEquals(-1, run(CpuModel.MAX, insn).reg(15), insn + " on max");
        }
    }

    @Test
    void cpuidAnnouncesSse4OnMaxOnly() {
        String probe = "mov eax, 1\ncpuid\nmov r8d, ecx";
        assertEquals(0, run(CpuModel.QEMU64, probe).reg(8) & (3 << 19));
        assertEquals(3 << 19, run(CpuModel.MAX, probe).reg(8) & (3 << 19));
    }

    @Test
    void crc32IgnoresTheSseState() {
        String noFxsr = "mov rax, cr4\nbtr rax, 9\nmov cr4, rax\n";
        CpuRig rig = run(CpuModel.MAX, noFxsr + "mov eax, -1\nmov ecx, 0x61\ncrc32 eax, cl");
        assertEquals(-1, rig.reg(15));
        // CRC-32C of "a" with the conventional initial and final inversion is 0xC1D04330
        assertEquals(~0xC1D04330L & 0xFFFF_FFFFL, rig.reg(Cpu.RAX));
        assertEquals(6, run(CpuModel.MAX, noFxsr + "pcmpgtq xmm1, xmm2").reg(15), "an SSE instruction without OSFXSR");
    }

    /**
     * Equal each, most significant index, on "aeAZ09" and "He": with lengths 16 and 2 only
     * element 1 matches (index 1); with 3 and 2 the elements past both ends match too (15).
     */
    @Test
    void pcmpestriTakes64BitLengthsWithRexW() {
        String strings = "mov rax, 'aeAZ09'\nmovq xmm1, rax\nmov rax, 'Hello Wo'\nmovq xmm2, rax\n"
                + "mov rax, 0x100000003\nmov rdx, -2\n";
        assertEquals(1, run(CpuModel.MAX, strings + "db 0x66, 0x48, 0x0F, 0x3A, 0x61, 0xCA, 0x48").reg(Cpu.RCX));
        assertEquals(15, run(CpuModel.MAX, strings + "pcmpestri xmm1, xmm2, 0x48").reg(Cpu.RCX));
    }
}
