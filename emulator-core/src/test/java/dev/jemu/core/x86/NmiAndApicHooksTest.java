package dev.jemu.core.x86;

import dev.jemu.core.memory.AccessSizes;
import dev.jemu.core.memory.MmioOps;
import dev.jemu.core.memory.MmioRegion;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The CPU's NMI input and its local-APIC hooks. Expected behaviour from the Intel SDM vol. 3A:
 * an NMI is taken through vector 2 whatever IF says, and further NMIs are blocked from its
 * delivery until the next IRET (6.7.1 "Handling Multiple NMIs"); CR8 is TPR bits 7:4 (10.8.6);
 * CPUID.1:EDX bit 9 reports a globally enabled APIC (10.4.3).
 */
class NmiAndApicHooksTest {

    /** A rig whose port 0x80 raises an NMI when written. */
    private static CpuRig rigWithNmiPort(byte[] code) {
        CpuRig rig = new CpuRig();
        rig.io.root().addSubregion(0x80, new MmioRegion("nmi-button", 1, new MmioOps() {
            @Override
            public long read(long offset, int size) {
                return 0;
            }

            @Override
            public void write(long offset, long value, int size) {
                rig.cpu.raiseNmi();
            }
        }, AccessSizes.BYTE));
        return rig.real(code);
    }

    @Test
    void nmiIgnoresIfAndIsBlockedUntilIret() {
        CpuRig rig = rigWithNmiPort(CpuRig.nasm("""
            BITS 16
            ORG 0x1000
                cli
                mov word [2*4], nmi
                mov word [2*4+2], 0
                out 0x80, al
                nop
                hlt
            nmi:
                inc bx
                cmp bx, 1
                jne .done
                out 0x80, al
                nop
                mov cx, bx
            .done:
                iret
            """));
        rig.run();
        assertEquals(2, rig.reg(Cpu.RBX), "both NMIs were taken with IF=0");
        assertEquals(1, rig.reg(Cpu.RCX), "the second waited for IRET");
    }

    /** A fake APIC that records what the CPU asks of it. */
    private static final class FakeApic implements LocalApicAccess {
        long base = 0xFEE0_0900L;
        int tprClass;

        @Override
        public long readApicBase() {
            return base;
        }

        @Override
        public boolean writeApicBase(long value) {
            if ((value & 0x6FF) != 0) {
                return false;
            }
            base = value;
            return true;
        }

        @Override
        public boolean globallyEnabled() {
            return (base & 0x800) != 0;
        }

        @Override
        public int readTprClass() {
            return tprClass;
        }

        @Override
        public void writeTprClass(int c) {
            tprClass = c;
        }
    }

    @Test
    void cr8ApicBaseAndCpuidGoThroughTheApic() {
        CpuRig rig = new CpuRig().long64(CpuRig.nasm("""
            BITS 64
            ORG 0x1000
                mov eax, 1
                cpuid
                mov r8d, edx
                mov rax, 7
                mov cr8, rax
                mov ecx, 0x1B
                rdmsr
                mov r9d, eax
                and eax, ~0x800
                wrmsr
                mov eax, 1
                cpuid
                mov r10d, edx
                hlt
            """));
        FakeApic apic = new FakeApic();
        rig.cpu.attachLocalApic(apic);
        rig.run();
        assertEquals(1 << 9, rig.reg(8) & (1 << 9), "CPUID.1:EDX.APIC while enabled");
        assertEquals(7, apic.tprClass);
        assertEquals(0xFEE0_0900L, rig.reg(9));
        assertEquals(0xFEE0_0100L, apic.base);
        assertEquals(0, rig.reg(10) & (1 << 9), "no APIC bit once globally disabled");
    }
}
