package dev.jemu.core.x86;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The type checks of memory accesses through segment registers in protected mode (SDM Vol. 3A
 * 5.4, 5.5 and the #GP conditions of MOV): a write to a read-only data segment or a code
 * segment, a read of an execute-only code segment, and any access through a null selector
 * raise #GP(0). The #GP handler logs its error code and the faulting EIP. Test thread only.
 */
class SegmentAccessTest {
    private static CpuRig run(String body) {
        return new CpuRig().prot32(CpuRig.nasm(IdtPrelude.prot32() + """
                GATE 13, gp
                mov dword [0x508 + 32], 0x0000FFFF
                mov dword [0x50C + 32], 0x00CF9000
                mov dword [0x508 + 40], 0x0000FFFF
                mov dword [0x50C + 40], 0x00CF9800
                mov word [0x5F0], 55
                mov dword [0x5F2], 0x500
                lgdt [0x5F0]
                mov dword [0x9000], 0xFFFF
                mov dword [0x4000], 0x5A5A
                mov dword [0x900C], here
            """ + body + "\n" + """
                hlt
            gp:
                pop eax
                mov [0x9000], eax
                pop eax
                mov [0x9004], eax
                hlt
            """)).run();
    }

    private static void assertGp0AtHere(CpuRig rig) {
        assertEquals(0, rig.mem.read(0x9000, 4), "#GP(0)");
        assertEquals(rig.mem.read(0x900C, 4), rig.mem.read(0x9004, 4), "EIP of the faulting instruction");
    }

    @Test
    void writeToAReadOnlyDataSegmentIsGp() {
        CpuRig rig = run("mov ax, 0x28\nmov es, ax\nmov eax, [es:0x4000]\nmov ebx, eax\nhere:\nmov [es:0x4000], ecx");
        assertEquals(0x5A5A, rig.reg(Cpu.RBX), "reading it is allowed");
        assertGp0AtHere(rig);
    }

    @Test
    void writeThroughACodeSegmentIsGp() {
        assertGp0AtHere(run("here:\nmov [cs:0x4000], eax"));
    }

    @Test
    void readOfAnExecuteOnlyCodeSegmentIsGp() {
        assertGp0AtHere(run("jmp 0x30:xonly\nxonly:\nhere:\nmov eax, [cs:0x4000]"));
    }

    @Test
    void accessThroughANullSelectorIsGp() {
        assertGp0AtHere(run("xor ax, ax\nmov gs, ax\nhere:\nmov eax, [gs:0x4000]"));
    }
}
