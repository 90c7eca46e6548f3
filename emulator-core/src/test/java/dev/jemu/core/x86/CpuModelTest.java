package dev.jemu.core.x86;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What the {@code -cpu} model decides (expected values from the Intel SDM vol. 2 and from
 * QEMU's {@code qemu64}, which lacks SSSE3, ABM, RDTSCP, FSGSBASE and XSAVE): on {@code qemu64}
 * SSSE3, RDTSCP and the FSGSBASE instructions are #UD, F3 0F BD runs as BSR, and CPUID does
 * not announce them; on {@code max} they run, and a non-canonical WRFSBASE is #GP(0) (QEMU
 * 7.2 TCG takes it, the SDM faults). The instructions' results are compared with QEMU
 * {@code -cpu max} by the {@code cpumax} kernel of the tests module.
 */
class CpuModelTest {
    /**
     * Runs {@code body} in 64-bit mode with CR4.OSFXSR set, RAX holding CR4 | FSGSBASE (so
     * that {@code mov cr4, rax} turns it on), and #UD and #GP handlers that put the vector in
     * R15 and halt.
     */
    private static CpuRig run(CpuModel model, String body) {
        return CpuRig.runFaultProbe(model, "or rax, 0x10000\n" + body);
    }

    @Test
    void qemu64RaisesUdForSsse3RdtscpAndFsgsbase() {
        assertEquals(6, run(CpuModel.QEMU64, "pshufb xmm0, xmm1").reg(15));
        assertEquals(6, run(CpuModel.QEMU64, "palignr mm0, mm1, 3").reg(15));
        assertEquals(6, run(CpuModel.QEMU64, "rdtscp").reg(15));
        // CR4.FSGSBASE is reserved on qemu64: setting it is #GP(0)
        assertEquals(13, run(CpuModel.QEMU64, "mov cr4, rax").reg(15));
        // no XSAVE: CR4.OSXSAVE is reserved and XGETBV is #UD
        assertEquals(13, run(CpuModel.QEMU64, "mov rax, cr4\nbts rax, 18\nmov cr4, rax").reg(15));
        assertEquals(6, run(CpuModel.QEMU64, "xor ecx, ecx\nxgetbv").reg(15));
    }

    @Test
    void xsetbvRefusesUnsupportedComponentsAndUserMode() {
        String enable = "mov rax, cr4\nbts rax, 18\nmov cr4, rax\nxor ecx, ecx\nxor edx, edx\n";
        assertEquals(-1, run(CpuModel.MAX, enable + "mov eax, 3\nxsetbv").reg(15));
        // bit 2 (AVX) is a component jemu does not have
        assertEquals(13, run(CpuModel.MAX, enable + "mov eax, 7\nxsetbv").reg(15));
        assertEquals(13, run(CpuModel.MAX, enable + "mov ecx, 1\nmov eax, 3\nxsetbv").reg(15));
    }

    @Test
    void maxRunsThem() {
        assertEquals(-1, run(CpuModel.MAX, "pshufb xmm0, xmm1").reg(15));
        assertEquals(-1, run(CpuModel.MAX, "rdtscp").reg(15));
        CpuRig rig = run(CpuModel.MAX, "mov cr4, rax\nmov rbx, 0x1234\nwrfsbase rbx\nrdfsbase rcx");
        assertEquals(-1, rig.reg(15));
        assertEquals(0x1234, rig.reg(Cpu.RCX));
        assertEquals(0x1234, rig.cpu.segs[Cpu.FS].base);
    }

    @Test
    void lzcntIsBsrOnQemu64() {
        CpuRig q = run(CpuModel.QEMU64, "mov eax, 0xF0\nlzcnt ebx, eax");
        assertEquals(7, q.reg(Cpu.RBX), "BSR: index of the highest set bit");
        CpuRig m = run(CpuModel.MAX, "mov eax, 0xF0\nlzcnt ebx, eax");
        assertEquals(24, m.reg(Cpu.RBX), "LZCNT: 24 leading zeros in 0x000000F0");
    }

    @Test
    void nonCanonicalWrfsbaseIsGp() {
        CpuRig rig = run(CpuModel.MAX, "mov cr4, rax\nmov rbx, 0x0000800000000000\nwrfsbase rbx");
        assertEquals(13, rig.reg(15));
    }

    @Test
    void wrfsbaseWithoutCr4BitIsUd() {
        assertEquals(6, run(CpuModel.MAX, "wrfsbase rbx").reg(15));
    }

    @Test
    void cpuidAnnouncesTheModel() {
        String probe = "mov eax, 1\ncpuid\nmov r8d, ecx\nmov eax, 0x80000001\ncpuid\nmov r9d, ecx\nmov r10d, edx\n"
                + "xor eax, eax\ncpuid\nmov r11d, eax";
        CpuRig q = run(CpuModel.QEMU64, probe);
        assertEquals(0, q.reg(8) & (1 << 9), "no SSSE3");
        assertEquals(0, q.reg(9) & (1 << 5), "no ABM");
        assertEquals(0, q.reg(10) & (1 << 27), "no RDTSCP");
        assertEquals(1, q.reg(11), "highest basic leaf");
        CpuRig m = run(CpuModel.MAX, probe);
        assertEquals(1 << 9, m.reg(8) & (1 << 9));
        assertEquals(1 << 5, m.reg(9) & (1 << 5));
        assertEquals(1 << 27, m.reg(10) & (1 << 27));
        assertEquals(0xD, m.reg(11), "highest basic leaf: XSAVE's 0xD");
    }

    /**
     * PCID (SDM vol. 3A 4.10.1, vol. 2 MOV to CR3 and INVPCID), which QEMU 7.2's TCG lacks:
     * with CR4.PCIDE, CR3's low 12 bits are the PCID and bit 63 of a MOV to CR3 is not
     * stored; PCIDE cannot be set while CR3's low bits are nonzero; INVPCID faults on a
     * type above 3 and on reserved descriptor bits.
     */
    @Test
    void pcidAndInvpcid() {
        String pcide = "mov rbx, cr4\nbts rbx, 17\nmov cr4, rbx\n";
        CpuRig rig = run(CpuModel.MAX, pcide + "mov rax, cr3\nmov rdx, rax\nor rax, 5\nbts rax, 63\nmov cr3, rax\n"
                + "mov rcx, cr3");
        assertEquals(-1, rig.reg(15));
        assertEquals(rig.reg(Cpu.RDX) | 5, rig.reg(Cpu.RCX), "PCID 5 in CR3, bit 63 not stored");
        assertEquals(13, run(CpuModel.MAX, "mov rax, cr3\nor rax, 8\nmov cr3, rax\n" + pcide).reg(15),
                "PCIDE with CR3[11:0] != 0");
        assertEquals(13, run(CpuModel.QEMU64, pcide).reg(15), "no PCID on qemu64");
        String descriptor = "mov qword [0x5000], 0\nmov qword [0x5008], 0x2000\n";
        assertEquals(-1, run(CpuModel.MAX, descriptor + "mov eax, 2\ninvpcid rax, [0x5000]").reg(15));
        assertEquals(13, run(CpuModel.MAX, descriptor + "mov eax, 4\ninvpcid rax, [0x5000]").reg(15));
        assertEquals(13, run(CpuModel.MAX, descriptor + "mov qword [0x5000], 0x1000\nmov eax, 2\ninvpcid rax, [0x5000]")
                .reg(15), "descriptor bits 63:12 are reserved");
        assertEquals(13, run(CpuModel.MAX, descriptor + "mov qword [0x5000], 1\nmov eax, 1\ninvpcid rax, [0x5000]")
                .reg(15), "a nonzero PCID while CR4.PCIDE is clear");
        assertEquals(6, run(CpuModel.QEMU64, descriptor + "mov eax, 2\ninvpcid rax, [0x5000]").reg(15));
    }
}
