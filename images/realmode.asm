; Real-mode test kernel: starts as a multiboot kernel in 32-bit protected mode, copies its
; 16-bit part below 1 MiB, drops to real mode through a 16-bit protected-mode segment, and
; runs the shared instruction tests and real-mode tests (segment arithmetic, 16-bit
; addressing, IVT interrupts, big real mode) with the IVT at 0 and the stack at 0:7000.

%include "boot32.inc"
%include "boot16.inc"
%include "com1.inc"
%include "test16.inc"
%include "data_tests.inc"

main16:
        mov word [0x40 * 4], int40_handler
        mov word [0x40 * 4 + 2], 0
%include "alu_tests.inc"
%include "rmode_tests.inc"
        jmp finish16

; int40_handler: returns its IRET frame (IP, CS, FLAGS) in AX, BX, CX.
int40_handler:
        mov bp, sp
        mov ax, [bp]
        mov bx, [bp + 2]
        mov cx, [bp + 4]
        mov dx, 0x4040
        iret

rm_end:
