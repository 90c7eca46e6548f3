; Long-mode test kernel: enters 64-bit mode through 4-level paging and runs 64-bit
; instruction tests (REX registers, 64-bit arithmetic, zero extension, RIP-relative
; addressing, CMPXCHG16B, SYSCALL, SWAPGS, FS base) and faults (#GP for non-canonical
; addresses, #PF with 64-bit CR2 and NX, #UD for opcodes removed from 64-bit mode, #DE).

%include "boot32.inc"
%include "boot64.inc"

MSR_FS_BASE             equ 0xC0000100
MSR_GS_BASE             equ 0xC0000101
MSR_KERNEL_GS_BASE      equ 0xC0000102
MSR_STAR                equ 0xC0000081
MSR_LSTAR               equ 0xC0000082
MSR_SFMASK              equ 0xC0000084

%include "com1.inc"
%include "test64.inc"

        align 16
scratch:        times 32 db 0
src_buf:        db 0x01, 0x12, 0x23, 0x34, 0x45, 0x56, 0x67, 0x78
                db 0x89, 0x9A, 0xAB, 0xBC, 0xCD, 0xDE, 0xEF, 0xF0
                db 0x0F, 0x1E, 0x2D, 0x3C, 0x4B, 0x5A, 0x69, 0x78
                db 0x87, 0x96, 0xA5, 0xB4, 0xC3, 0xD2, 0xE1, 0xF0
dst_buf:        times 32 db 0xEE
str_a:          db 'parallel'

main64:
        call idt64_install
        call tss64_install
%include "lmode_tests.inc"
%include "user64_tests.inc"
        jmp finish64

image_end:
