; Entry of the compiled-C benchmark guest (cbench.c): a multiboot v1 header with the a.out
; kludge (the addresses come from link.ld), a stack, the call of cmain, and the exit
; through isa-debug-exit with the status cmain returns (0x2a: exit status 85).
; Assembled with nasm -f elf32 and linked with the C objects by link.ld.

        bits 32

MB_MAGIC        equ 0x1BADB002
MB_FLAGS        equ 0x00010000          ; bit 16: the address fields below are valid

        extern cmain, image_load_end, image_bss_end
        global start

        section .multiboot
mb_header:
        dd MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)
        dd mb_header                    ; header_addr
        dd mb_header                    ; load_addr: the image starts with this header
        dd image_load_end               ; load_end_addr
        dd image_bss_end                ; bss_end_addr: the loader zeroes the .bss
        dd start                        ; entry_addr

        section .text
start:
        mov esp, stack_top
        cld
        call cmain
        mov dx, 0xF4
        out dx, al
.halt:  cli
        hlt
        jmp .halt

        section .bss
        align 16
        resb 65536
stack_top:

        section .note.GNU-stack noalloc noexec nowrite progbits
