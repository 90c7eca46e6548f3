package dev.jemu.core.x86;

import dev.jemu.core.log.Log;
import dev.jemu.core.log.LogCategory;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real mode through protected mode into long mode with 4-level paging; an NX page fault
 * delivered on an IST stack; SYSRET to ring 3 and SYSCALL back.
 */
class LongModeTest {
    static final String PROGRAM = """
        BITS 16
        ORG 0x1000
        LOG equ 0x9000
            cli
            lgdt [gdt_desc]
            mov eax, cr0
            or al, 1
            mov cr0, eax
            jmp 0x08:pm32
        BITS 32
        pm32:
            mov ax, 0x10
            mov ds, ax
            mov es, ax
            mov ss, ax
            mov esp, 0x80000
            mov edi, 0x20000
            mov ecx, 4096
            xor eax, eax
            rep stosd
            mov dword [0x20000], 0x21007
            mov dword [0x21000], 0x22007
            mov dword [0x22000], 0x23007
            mov dword [0x22008], 0x200087
            mov edi, 0x23000
            mov eax, 7
            mov ecx, 512
        fill:
            mov [edi], eax
            mov dword [edi+4], 0
            add eax, 0x1000
            add edi, 8
            loop fill
            mov dword [0x23000 + 7*8 + 4], 0x80000000
            mov eax, cr4
            or eax, 0x20
            mov cr4, eax
            mov eax, 0x20000
            mov cr3, eax
            mov ecx, 0xC0000080
            rdmsr
            or eax, 0x901
            wrmsr
            mov eax, cr0
            or eax, 0x80000000
            mov cr0, eax
            jmp 0x18:lm64
        BITS 64
        lm64:
            mov ax, 0x20
            mov ds, ax
            mov ss, ax
            mov rsp, 0x80000
            lidt [rel idt_desc]
            lea rax, [rel isr_pf]
            mov ebx, 14
            call set_gate64
            mov rax, 0x70000
            mov [rel tss+4], rax
            mov rax, 0x78000
            mov [rel tss+0x24], rax
            mov ax, 0x40
            ltr ax
            mov dx, 0xE9
            mov al, 'L'
            out dx, al
            mov rax, 0x123456789
            mov [LOG], rax
            mov byte [0x7000], 0xC3
            mov rax, 0x7000
            call rax
            mov dx, 0xE9
            mov al, 'x'
            out dx, al
            mov ecx, 0xC0000081
            xor eax, eax
            mov edx, 0x00280018
            wrmsr
            mov ecx, 0xC0000082
            lea rax, [rel sys_entry]
            mov rdx, rax
            shr rdx, 32
            wrmsr
            mov ecx, 0xC0000084
            mov eax, 0x200
            xor edx, edx
            wrmsr
            lea rcx, [rel user64]
            mov r11, 0x202
            o64 sysret
        user64:
            mov rbx, 0x5555
            syscall
        after_syscall:
            jmp $
        sys_entry:
            mov [LOG+8], rcx
            mov [LOG+16], r11
            mov ax, cs
            mov [LOG+24], ax
            pushfq
            pop rax
            mov [LOG+48], rax
            mov al, 'Y'
            mov dx, 0xE9
            out dx, al
            hlt
        isr_pf:
            pop rax
            mov [LOG+32], rax
            mov rax, cr2
            mov [LOG+40], rax
            mov [LOG+56], rsp
            btr qword [0x23000 + 7*8], 63
            invlpg [0x7000]
            iretq
        set_gate64:
            shl rbx, 4
            lea rdi, [rel idt]
            add rdi, rbx
            mov [rdi], ax
            mov word [rdi+2], 0x18
            mov byte [rdi+4], 1
            mov byte [rdi+5], 0x8E
            shr rax, 16
            mov [rdi+6], ax
            shr rax, 16
            mov [rdi+8], eax
            mov dword [rdi+12], 0
            ret
        align 8
        gdt:
            dq 0
            dq 0x00CF9A000000FFFF
            dq 0x00CF92000000FFFF
            dq 0x00AF9A000000FFFF
            dq 0x00CF92000000FFFF
            dq 0x00CFFA000000FFFF
            dq 0x00CFF2000000FFFF
            dq 0x00AFFA000000FFFF
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
            dd gdt
        idt_desc:
            dw 256*16 - 1
            dq idt
        align 16
        tss: times 104 db 0
        align 16
        idt: times 256*16 db 0
        """;

    @Test
    void entersLongModeTakesNxFaultOnIstAndRoundTripsThroughSyscall() {
        CpuRig rig = new CpuRig().real(CpuRig.nasm(PROGRAM)).run();
        assertEquals("LxY", rig.output());
        long log = 0x9000;
        assertEquals(0x123456789L, rig.mem.read(log, 8));
        long userRip = rig.mem.read(log + 8, 8);
        assertEquals(0x202, rig.mem.read(log + 16, 8) & 0x2FF, "R11 holds the user RFLAGS");
        assertEquals(0x18, rig.mem.read(log + 24, 2), "SYSCALL loads CS from STAR[47:32]");
        assertEquals(0x11, rig.mem.read(log + 32, 8), "#PF error code: present, instruction fetch");
        assertEquals(0x7000, rig.mem.read(log + 40, 8), "CR2");
        assertEquals(0, rig.mem.read(log + 48, 8) & Eflags.IF, "SFMASK cleared IF on SYSCALL");
        assertEquals(0x78000 - 40, rig.mem.read(log + 56, 8), "handler ran on the IST1 stack");
        assertTrue(userRip > 0x1000 && userRip < 0x2000, "RCX is the return address after SYSCALL");
        assertEquals(0x050F, rig.mem.read(userRip - 2, 2), "RCX points just after the SYSCALL instruction");
        assertEquals(0xFEEB, rig.mem.read(userRip, 2), "... at the JMP $ that follows it");
    }

    @Test
    void unimplementedOpcodeRaisesUdInTheGuestAndIsLoggedOnce() {
        ByteArrayOutputStream logged = new ByteArrayOutputStream();
        Log.setOutput(new PrintStream(logged, true));
        Log.enable(LogCategory.UNIMP);
        try {
            byte[] code = CpuRig.nasm("""
                BITS 64
                ORG 0x1000
                    lea rax, [rel ud_handler]
                    mov [0x3000 + 6*16], ax
                    mov word [0x3000 + 6*16 + 2], 0x18
                    mov word [0x3000 + 6*16 + 4], 0x8E00
                    shr rax, 16
                    mov [0x3000 + 6*16 + 6], ax
                    shr rax, 16
                    mov [0x3000 + 6*16 + 8], rax
                    lidt [rel idtr]
                    mov ecx, 2
                again:
                    getsec
                    loop again
                    hlt
                ud_handler:
                    inc rbx
                    add qword [rsp], 2
                    iretq
                idtr: dw 16*32-1
                      dq 0x3000
                """);
            CpuRig rig = new CpuRig().long64(code);
            rig.cpu.regs[Cpu.RBX] = 0;
            rig.run();
            assertEquals(2, rig.reg(Cpu.RBX), "#UD handler ran for both executions");
            String text = logged.toString();
            assertEquals(1, text.lines().filter(l -> l.contains("unimplemented instruction")).count(), text);
            assertTrue(text.contains("0f 37"), text);
        } finally {
            Log.disableAll();
            Log.setOutput(System.err);
        }
    }
}
