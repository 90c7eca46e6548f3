; SSE test kernel (long mode): SSE2 integer and floating-point instructions, conversions under
; each MXCSR rounding mode, compare flags, MXCSR exception flags, SSE3, MMX, x87 control words,
; FXSAVE/FXRSTOR, and the faults of misaligned MOVDQA and of CR0.TS (#NM).

%include "boot32.inc"
%include "boot64.inc"
%include "com1.inc"
%include "test64.inc"
%include "testsse.inc"

CR0_MP          equ 0x02
CR0_EM          equ 0x04
CR0_TS          equ 0x08
CR0_NE          equ 0x20

        align 16
ints_a:         dw 0x7000, 0x8001, 0x0100, 0xFFFF, 0x0002, 0x7FFF, 0x8000, 0x0003
bytes_b:        db 0xFF, 0x01, 0x80, 0x7F, 0xF0, 0xE0, 0xD0, 0xC0
                db 0x02, 0xFE, 0x7F, 0x82, 0x00, 0xAB, 0x56, 0x3D
doubles:        dq 2.5, -2.5
doubles_big:    dq 1.0e300, 3.5
floats_frac:    dd 1.5, -1.5, 2.5, -0.5
one_third:      dq 1.0, 3.0
zero_pair:      dq 0.0, 0.0
qnan_pair:      dq 0x7FF8000000000000, 1.0
fx_area:        times 512 db 0
        align 16
        db 0                            ; puts the next label off 16-byte alignment
unaligned:      times 32 db 0x5A
mmx_a:          dw 0x7FFF, 0x0001, 0x8000, 0xFFFF
control_word:   dw 0

main64:
        call idt64_install
        call tss64_install
        mov rax, cr0
        and rax, ~(CR0_EM | CR0_TS)
        or rax, CR0_MP | CR0_NE
        mov cr0, rax
        fninit
%include "sse_tests.inc"
        jmp finish64

image_end:
