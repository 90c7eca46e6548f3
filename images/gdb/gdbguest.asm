; The guest of the gdb stub's test: a multiboot kernel in ELF with symbols, so that gdb can
; break at a name. It enters long mode, counts RCX from 1 to 5 storing each value in
; `counter`, passing `tick` once per value, then writes `exit_code` to isa-debug-exit
; (port 0xf4: the process exits with status exit_code * 2 + 1).
;
; Build: nasm -f elf32 -o gdbguest.o gdbguest.asm && ld -m elf_i386 -N --no-warn-rwx-segments -Ttext=0x100000 -o gdbguest.elf gdbguest.o
; gdb reads the symbols from an x86-64 copy: objcopy -O elf64-x86-64 gdbguest.elf gdbguest64.elf

MB_MAGIC        equ 0x1BADB002
EFER            equ 0xC0000080
EFER_LME        equ 0x100
CR0_PE_PG       equ 0x80000001
CR4_PAE         equ 0x20
PAGE_RW_P       equ 3
PAGE_2M         equ 0x83

        section .text
        bits 32
        align 4
mb_header:
        dd MB_MAGIC, 0, -MB_MAGIC

        global _start
_start:
        mov esp, stack_top
        mov dword [pml4], pdpt + PAGE_RW_P
        mov dword [pdpt], pd + PAGE_RW_P
        mov dword [pd], PAGE_2M
        mov dword [pd + 8], 0x200000 + PAGE_2M
        mov eax, pml4
        mov cr3, eax
        mov eax, cr4
        or eax, CR4_PAE
        mov cr4, eax
        mov ecx, EFER
        rdmsr
        or eax, EFER_LME
        wrmsr
        mov eax, cr0
        or eax, CR0_PE_PG
        mov cr0, eax
        lgdt [gdt_desc]
        jmp 0x08:long_start

        bits 64
long_start:
        mov ax, 0x10
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov esp, stack_top              ; zero-extended into RSP
        xor ecx, ecx
        global count_loop, tick, done
count_loop:
        inc rcx
        mov [counter], rcx
tick:
        cmp rcx, 5
        jne count_loop
        mov rax, 0x1122334455667788
done:
        mov dx, 0xf4
        mov al, [exit_code]
        out dx, al
        hlt
        jmp done

        section .data
        align 8
        global counter, exit_code
counter:
        dq 0
exit_code:
        db 0x10
        align 8
gdt:
        dq 0
        dq 0x00209A0000000000           ; 64-bit code
        dq 0x00CF92000000FFFF           ; data
gdt_desc:
        dw gdt_desc - gdt - 1
        dd gdt

        section .bss
        alignb 4096
pml4:   resb 4096
pdpt:   resb 4096
pd:     resb 4096
        resb 4096
stack_top:
