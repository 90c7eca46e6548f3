; Clock guest: programs the PIT for 100 Hz on IRQ0 (the 8259 remapped to vector 0x20), then
; ROUNDS times halts until the next tick and prints the tick count, the TSC, PIT channel 0's
; latched count and the RTC's seconds; leaves through isa-debug-exit with 0x10 (status 33).
; Under -icount every value depends only on the instructions executed and the clock jumps
; of the idle CPU, so every run prints the same lines; with host time they vary.
;
;   jemu -m 64M -display none -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
;        -icount shift=3 -rtc base=2024-01-01T00:00:00 -kernel clockread.bin

%include "boot32.inc"
%include "com1.inc"

%ifndef ROUNDS
ROUNDS          equ 5
%endif
VEC_IRQ0        equ 0x20
PIT_DIVISOR     equ 11932               ; 1193182 Hz / 11932 = 100 Hz

main32:
        mov edi, idt + VEC_IRQ0 * 8     ; interrupt gate, DPL 0, to tick
        mov eax, tick
        mov [edi], ax
        mov word [edi + 2], SEL_CODE32
        mov word [edi + 4], 0x8E00
        shr eax, 16
        mov [edi + 6], ax
        lidt [idt_desc]
        mov al, 0x11                    ; 8259s: ICW1 (edge, cascade, ICW4)
        out 0x20, al
        out 0xA0, al
        mov al, VEC_IRQ0                ; ICW2: vector bases
        out 0x21, al
        mov al, VEC_IRQ0 + 8
        out 0xA1, al
        mov al, 4                       ; ICW3: slave on IRQ2
        out 0x21, al
        mov al, 2
        out 0xA1, al
        mov al, 1                       ; ICW4: 8086 mode
        out 0x21, al
        out 0xA1, al
        mov al, 0xFE                    ; only IRQ0 unmasked
        out 0x21, al
        mov al, 0xFF
        out 0xA1, al
        mov al, 0x34                    ; PIT channel 0: lobyte/hibyte, mode 2
        out 0x43, al
        mov ax, PIT_DIVISOR
        out 0x40, al
        mov al, ah
        out 0x40, al
        mov esi, msg_start
        call puts
        call newline
        sti
        mov ebx, ROUNDS
.round: mov eax, [ticks]
.wait:  hlt
        cmp eax, [ticks]
        je .wait
        mov esi, lbl_tick
        call putlabel
        mov eax, [ticks]
        mov cl, 8
        call puthex
        mov esi, lbl_tsc
        call putlabel
        rdtsc
        push eax
        mov eax, edx
        call puthex
        pop eax
        call puthex
        mov esi, lbl_pit
        call putlabel
        mov al, 0x00                    ; latch channel 0's count
        out 0x43, al
        in al, 0x40
        mov ah, al
        in al, 0x40
        xchg al, ah
        movzx eax, ax
        mov cl, 4
        call puthex
        mov esi, lbl_rtc
        call putlabel
        mov al, 0                       ; CMOS register 0: seconds
        out 0x70, al
        in al, 0x71
        movzx eax, al
        mov cl, 2
        call puthex
        call newline
        dec ebx
        jnz .round
        mov esi, msg_done
        call puts
        call newline
        mov al, 0x10
        jmp exit_with

tick:
        push eax
        inc dword [ticks]
        mov al, 0x20                    ; non-specific EOI
        out 0x20, al
        pop eax
        iretd

msg_start:      db "clock guest", 0
msg_done:       db "done", 0
lbl_tick:       db "tick", 0
lbl_tsc:        db "tsc", 0
lbl_pit:        db "pit", 0
lbl_rtc:        db "rtc", 0
        align 4
ticks:          dd 0
idt_desc:       dw (VEC_IRQ0 + 1) * 8 - 1
                dd idt
        align 8
idt:            times (VEC_IRQ0 + 1) * 8 db 0
image_end:
