; The guest of the gdb stub's test: a multiboot kernel in ELF with symbols, so that gdb can
; break at a name. It enters long mode, counts RCX from 1 to 5 storing each value in
; `counter`, passing `tick` once per value, then writes `exit_code` to isa-debug-exit
; (port 0xf4: the process exits with status exit_code * 2 + 1).
;
; Build (from the repository root): nasm -f elf32 -i images/gdb/ -o gdbguest.o images/gdb/gdbguest.asm && ld -m elf_i386 -N --no-warn-rwx-segments -Ttext=0x100000 -o gdbguest.elf gdbguest.o
; gdb reads the symbols from an x86-64 copy: objcopy -O elf64-x86-64 gdbguest.elf gdbguest64.elf

%include "longmode.inc"

        section .text
        bits 32
        MULTIBOOT_HEADER

        global _start
_start:
        mov esp, stack_top
        ENTER_LONG_MODE
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
        PAGE_TABLES
