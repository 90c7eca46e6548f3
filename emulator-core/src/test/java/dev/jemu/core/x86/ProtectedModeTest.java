package dev.jemu.core.x86;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Real mode to 32-bit protected mode, IDT exceptions with error codes, 2-level paging with
 * a 4 MiB PSE page and a page fault that the handler repairs, and a ring 3 task returning to
 * ring 0 through an interrupt gate with a TSS stack switch.
 */
class ProtectedModeTest {
    static final String PROGRAM = """
        BITS 16
        ORG 0x1000
        LOG equ 0x9000
            cli
            lgdt [gdt_desc]
            mov eax, cr0
            or eax, 1
            mov cr0, eax
            jmp 0x08:pm32
        BITS 32
        pm32:
            mov ax, 0x10
            mov ds, ax
            mov es, ax
            mov ss, ax
            mov esp, 0x80000
            lidt [idt_desc]
            mov cl, 0x8E
            mov eax, isr_ud
            mov ebx, 6
            call set_gate
            mov eax, isr_gp
            mov ebx, 13
            call set_gate
            mov eax, isr_pf
            mov ebx, 14
            call set_gate
            mov cl, 0xEE
            mov eax, isr_syscall
            mov ebx, 0x80
            call set_gate
            mov dx, 0xE9
            mov al, 'P'
            out dx, al
            ud2
            mov al, 'u'
            out dx, al
            mov ax, 0x50
            mov ds, ax
            mov al, 'g'
            out dx, al
            mov dword [0x20000], 0x00000087
            mov dword [0x20004], 0x00021007
            mov dword [0x21000], 0x00005007
            mov dword [0x21004], 0
            mov eax, cr4
            or eax, 0x10
            mov cr4, eax
            mov eax, 0x20000
            mov cr3, eax
            mov eax, cr0
            or eax, 0x80010000
            mov cr0, eax
            mov dword [0x400010], 0xCAFEBABE
            mov eax, [0x5010]
            mov [LOG+0], eax
            mov eax, [0x401234]
            mov [LOG+4], eax
            mov eax, [0x21000]
            mov [LOG+8], eax
            mov dword [tss+4], 0x70000
            mov word [tss+8], 0x10
            mov word [tss+0x66], 104
            mov ax, 0x28
            ltr ax
            push dword 0x23
            push dword 0x60000
            push dword 0x202
            push dword 0x1B
            push dword user
            iret
        user:
            mov ax, 0x23
            mov ds, ax
            mov eax, 0x1234
            int 0x80
            jmp $
        set_gate:
            lea edi, [idt + ebx*8]
            mov [edi], ax
            mov word [edi+2], 0x08
            mov byte [edi+4], 0
            mov [edi+5], cl
            shr eax, 16
            mov [edi+6], ax
            ret
        isr_ud:
            add dword [esp], 2
            mov byte [LOG+12], 1
            iret
        isr_gp:
            pop dword [LOG+16]
            add dword [esp], 2
            iret
        isr_pf:
            pop dword [LOG+20]
            push eax
            mov eax, cr2
            mov [LOG+24], eax
            mov dword [0x21004], 0x00006007
            mov dword [0x6234], 0x600DF00D
            invlpg [0x401000]
            pop eax
            iret
        isr_syscall:
            mov [LOG+28], eax
            mov eax, [esp+4]
            mov [LOG+32], eax
            mov eax, [esp+12]
            mov [LOG+36], eax
            mov [LOG+40], esp
            mov ax, ss
            mov [LOG+44], ax
            mov al, 'S'
            mov dx, 0xE9
            out dx, al
            hlt
        align 8
        gdt:
            dq 0
            dq 0x00CF9A000000FFFF
            dq 0x00CF92000000FFFF
            dq 0x00CFFA000000FFFF
            dq 0x00CFF2000000FFFF
            dw 103
            dw tss
            db 0
            db 0x89
            db 0
            db 0
        gdt_end:
        gdt_desc:
            dw gdt_end - gdt - 1
            dd gdt
        idt_desc:
            dw 256*8 - 1
            dd idt
        align 16
        tss: times 104 db 0
        align 8
        idt: times 256*8 db 0
        """;

    @Test
    void exceptionsPagingAndPrivilegeChangesBehaveAsSpecified() {
        CpuRig rig = new CpuRig().real(CpuRig.nasm(PROGRAM)).run();
        assertEquals("PugS", rig.output());
        long log = 0x9000;
        assertEquals(0xCAFEBABEL, rig.mem.read(log, 4), "write through a 4 KiB mapping reached its frame");
        assertEquals(0x600DF00DL, rig.mem.read(log + 4, 4), "faulting read retried after the handler mapped the page");
        assertEquals(0x5067, rig.mem.read(log + 8, 4), "PTE got accessed and dirty bits");
        assertEquals(1, rig.mem.read(log + 12, 1), "#UD handler ran");
        assertEquals(0x50, rig.mem.read(log + 16, 4), "#GP error code is the selector");
        assertEquals(0, rig.mem.read(log + 20, 4), "#PF error code: not present, read, supervisor");
        assertEquals(0x401234, rig.mem.read(log + 24, 4), "CR2");
        assertEquals(0x1234, rig.mem.read(log + 28, 4), "EAX passed to INT 80h");
        assertEquals(0x1B, rig.mem.read(log + 32, 4), "saved CS is the ring 3 selector");
        assertEquals(0x60000, rig.mem.read(log + 36, 4), "saved ESP is the user stack");
        assertEquals(0x70000 - 20, rig.mem.read(log + 40, 4), "kernel stack from TSS.ESP0 with five dwords pushed");
        assertEquals(0x10, rig.mem.read(log + 44, 2), "SS from TSS.SS0");
        assertEquals(0, rig.cpu.cpl());
    }
}
