package dev.jemu.core.x86;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Long mode's compatibility mode entered by SYSRET (32-bit form): the selectors SYSRET takes
 * from STAR, and a single-step #DB taken at CPL 3 in compatibility mode through a 64-bit IDT
 * gate onto TSS.RSP0 (SDM Vol. 3A 6.14: the frame is five quadwords on a 16-byte-aligned
 * 64-bit stack, SS becomes a null selector with RPL 0). Test thread only.
 */
class CompatibilityModeTest {
    private static final String PROGRAM = IdtPrelude.long64() + """
            lgdt [rel gdt_desc]
            GATE 1, db_handler
            mov rax, 0x70008
            mov [rel tss+4], rax
            mov ax, 0x38
            ltr ax
            mov ecx, 0xC0000081
            xor eax, eax
            mov edx, 0x002B0018
            wrmsr
            mov rsp, 0x60000
            mov ecx, user32
            mov r11d, R11_FLAGS
            sysret
        BITS 32
        user32:
            mov esp, 0x50000
            pushfd
            or dword [esp], 0x100
            popfd
            nop
        after_nop:
            hlt
        BITS 64
        db_handler:
            mov [0x9000], rsp
            mov rax, [rsp]
            mov [0x9008], rax
            mov rax, [rsp + 8]
            mov [0x9010], rax
            mov rax, [rsp + 16]
            mov [0x9018], rax
            mov rax, [rsp + 24]
            mov [0x9020], rax
            mov rax, [rsp + 32]
            mov [0x9028], rax
            mov ax, ss
            mov [0x9030], ax
            mov qword [0x9038], after_nop
            mov qword [0x9040], user32
            hlt
        align 8
        gdt:
            dq 0
            dq 0x00CF9A000000FFFF
            dq 0x00CF92000000FFFF
            dq 0x00AF9A000000FFFF
            dq 0
            dq 0x00CFFA000000FFFF
            dq 0x00CFF2000000FFFF
            dw 103
            dw tss
            db 0
            db 0x89
            db 0
            db 0
            dq 0
        gdt_end:
        gdt_desc:
            dw gdt_end - gdt - 1
            dq gdt
        align 16
        tss: times 104 db 0
        """;

    private static CpuRig run(int r11Flags) {
        return new CpuRig().long64(CpuRig.nasm(PROGRAM.replace("R11_FLAGS", Integer.toString(r11Flags)))).run();
    }

    @Test
    void singleStepTrapInCompatibilityModeIsDeliveredOnTheRing0StackOfTheTss() {
        CpuRig rig = run(0x002);
        long log = 0x9000;
        assertEquals(0x70000 - 40, rig.mem.read(log, 8), "RSP0 aligned down to 16 bytes, then SS, RSP, RFLAGS, CS, RIP");
        assertEquals(rig.mem.read(log + 0x38, 8), rig.mem.read(log + 8, 8), "RIP: the instruction after the NOP");
        assertEquals(0x2B, rig.mem.read(log + 0x10, 8), "CS: STAR[63:48] | 3");
        assertEquals(0x102, rig.mem.read(log + 0x18, 8) & 0x3FFFFF, "RFLAGS: TF still set in the pushed image");
        assertEquals(0x50000, rig.mem.read(log + 0x20, 8), "RSP of the interrupted code");
        assertEquals(0x33, rig.mem.read(log + 0x28, 8), "SS: STAR[63:48] + 8, RPL 3");
        assertEquals(0, rig.mem.read(log + 0x30, 2), "SS in the handler: null selector with RPL 0");
        assertEquals(0, rig.cpu.cpl);
    }

    /**
     * SYSRET that sets TF from R11 while TF was clear as it began traps at its end (SDM Vol. 3B
     * 18.3.1.4, and the kvm-unit-tests syscall test): the #DB's RIP is SYSRET's target.
     */
    @Test
    void sysretThatSetsTfTrapsBeforeTheFirstUserInstruction() {
        CpuRig rig = run(0x102);
        long log = 0x9000;
        assertEquals(rig.mem.read(log + 0x40, 8), rig.mem.read(log + 8, 8), "RIP: the SYSRET target");
        assertEquals(0x2B, rig.mem.read(log + 0x10, 8), "CS: STAR[63:48] | 3");
        assertEquals(0x60000, rig.mem.read(log + 0x20, 8), "RSP: SYSRET leaves it alone");
        assertEquals(DebugRegisters.DR6_BS, rig.cpu.dr[6] & DebugRegisters.DR6_BS, "DR6.BS");
    }
}
