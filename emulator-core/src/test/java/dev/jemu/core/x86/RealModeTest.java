package dev.jemu.core.x86;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RealModeTest {
    private static final String PROGRAM = """
        BITS 16
        ORG 0x1000
            mov word [0x40*4], int40
            mov word [0x40*4+2], 0
            mov ax, 0x1234
            int 0x40
            mov si, msg
            mov di, 0x3000
            mov cx, msglen
            cld
            rep movsb
            mov si, 0x3000
            mov cx, msglen
            mov dx, 0xE9
            rep outsb
            mov word [0], de_handler
            mov word [2], 0
            xor cx, cx
            mov ax, 5
            div cl
            call 0x0100:(farproc - 0x1000)
            mov ax, 0x0200
            mov es, ax
            mov word [es:0x10], 0xBEEF
            mov dx, [0x2010]
            push word 0x5678
            pop word [0x2020]
            hlt
        int40:
            mov bx, ax
            inc bx
            iret
        de_handler:
            mov bp, sp
            add word [bp], 2
            mov di, 0xDEAD
            iret
        farproc:
            mov cx, cs
            retf
        msg: db "real!"
        msglen equ $ - msg
        """;

    @Test
    void runsInterruptsStringOpsFarCallsAndDivideErrorThroughTheIvt() {
        CpuRig rig = new CpuRig().real(CpuRig.nasm(PROGRAM)).run();
        assertEquals("real!", rig.output());
        assertEquals(0x1235, rig.reg(Cpu.RBX) & 0xFFFF, "BX set by the INT 40h handler");
        assertEquals(0xDEAD, rig.reg(Cpu.RDI) & 0xFFFF, "#DE handler ran and resumed after DIV");
        assertEquals(0x0100, rig.reg(Cpu.RCX) & 0xFFFF, "CS inside the far procedure");
        assertEquals(0xBEEF, rig.reg(Cpu.RDX) & 0xFFFF, "ES:0x10 with ES = 0x200 is linear 0x2010");
        assertEquals(0x5678, rig.mem.read(0x2020, 2));
        assertEquals(0x8000, rig.reg(Cpu.RSP) & 0xFFFF, "stack balanced");
    }

    @Test
    void interruptThroughAnEmptyIvtEndsInTripleFault() {
        byte[] code = CpuRig.nasm("""
            BITS 16
            ORG 0x1000
                lidt [idt]
                int3
                hlt
            idt: dw 0
                 dd 0
            """);
        CpuRig rig = new CpuRig().real(code);
        assertEquals(Cpu.StopReason.TRIPLE_FAULT, rig.cpu.run(100));
    }

    @Test
    void resetStartsAtTheResetVector() {
        CpuRig rig = new CpuRig();
        assertEquals(0xFFF0, rig.cpu.rip());
        assertEquals(0xF000, rig.cpu.segment(Cpu.CS).selector());
        assertEquals(0xFFFF_0000L, rig.cpu.segment(Cpu.CS).base());
        assertEquals(Cpuid.SIGNATURE, rig.reg(Cpu.RDX));
    }
}
