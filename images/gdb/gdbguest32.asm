; The 32-bit guest of the gdb stub's test: a multiboot kernel in ELF with symbols that runs in
; 32-bit protected mode (passing `tick32` with distinct values in the eight legacy
; registers), then enters long mode (passing `tick64` with RAX, RBX and R8 holding 64-bit
; values) and goes on in a 32-bit code segment of long mode, compatibility mode (passing
; `tick_compat` with those registers unchanged), where gdb sees 32-bit registers; it ends
; by writing `exit_code` to isa-debug-exit (port 0xf4: status exit_code * 2 + 1).
;
; Build (from the repository root): nasm -f elf32 -i images/gdb/ -o gdbguest32.o images/gdb/gdbguest32.asm && ld -m elf_i386 -N --no-warn-rwx-segments -Ttext=0x100000 -o gdbguest32.elf gdbguest32.o
; gdb takes the 32-bit ELF with `set architecture i386:x86-64`, as with qemu-system-x86_64.

%include "longmode.inc"

SEL_CODE32      equ 0x08
SEL_DATA        equ 0x10
SEL_CODE64      equ 0x18

        section .text
        bits 32
        MULTIBOOT_HEADER

        global _start, tick32, tick64, tick_compat
_start:
        mov esp, stack_top
        lgdt [gdt_desc]
        jmp SEL_CODE32:protected
protected:
        mov ax, SEL_DATA
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov eax, 0xAAAA5555
        mov ebx, 0xBBBB0000
        mov ecx, 1
        mov edx, 0xD0D0D0D0
        mov esi, 0x12345678
        mov edi, 0x9ABCDEF0
        mov ebp, 0x0BADF00D
        mov [counter], ecx
        cmp ecx, 1                      ; known flags at tick32: ZF and PF
tick32:
        inc ecx
        mov [counter], ecx
        ENTER_LONG_MODE
        jmp SEL_CODE64:long64

        bits 64
long64:
        mov rax, 0x1122334455667788
        mov rbx, 0xFFFFFFFF80000000
        mov r8, 0x8888
tick64:
        jmp dword far [compat_ptr]     ; m16:32 (REX.W would read an m16:64)

        bits 32
compat:
        mov ecx, 3
        mov [counter], ecx
tick_compat:
        nop
        mov dx, 0xf4
        mov al, [exit_code]
        out dx, al
        hlt
        jmp tick_compat

        section .data
        align 8
        global counter, exit_code
counter:
        dd 0
exit_code:
        db 0x10
        align 8
compat_ptr:
        dd compat
        dw SEL_CODE32
        align 8
gdt:
        dq 0
        dq 0x00CF9A000000FFFF           ; 32-bit code (compatibility mode in long mode)
        dq 0x00CF92000000FFFF           ; data
        dq 0x00209A0000000000           ; 64-bit code
gdt_desc:
        dw gdt_desc - gdt - 1
        dd gdt

        section .bss
        PAGE_TABLES
