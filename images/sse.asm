; SSE test kernel (long mode): SSE2 integer and floating-point instructions, conversions under
; each MXCSR rounding mode, arithmetic under each rounding mode and DAZ/FTZ, compare flags, MXCSR
; exception flags, SSE3, MMX, x87 control words and last-instruction pointers,
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
        align 16
; Operands of the rounding-control, DAZ and FTZ tests.
rc_one_tiny:    dq 1.0, 0x3C30000000000000          ; 1.0 and 2^-60
rc_thirds:      dq 1.0, -3.0
rc_two:         dq 2.0, 0x8000000000000001          ; 2.0 and the negative smallest denormal
rc_sub_a:       dq 0x0010000000000003, 0x3FE0000000000001   ; just above 2^-1022, just above 0.5
rc_big:         dq 1.0e300, -1.0e300
rc_max:         dq 0x7FEFFFFFFFFFFFFF, 0x3CA0000000000001   ; DBL_MAX, just above 2^-53
rc_floats:      dd 1.0, 0x33800000, 0x3F800001, 0x7F7FFFFF ; 1.0, 2^-24, 1 + 2^-23, FLT_MAX
rc_floats_b:    dd 3.0, -7.0, 0x33800000, 2.0       ; lane 2 sums to a halfway case
rc_denormal:    dd 0x00400001, 0, 0, 0
rc_ints:        dd 0x7FFFFFFF, 0x80000001, 16777217, -16777219
rc_long:        dq 0x7FFFFFFFFFFFFDFF

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
