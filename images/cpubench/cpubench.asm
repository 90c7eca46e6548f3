; CPU benchmark guest (long mode): rounds of integer work - filling a buffer from an LCG,
; a Fletcher-style checksum, a qword memcpy loop, a sieve of Eratosthenes, data-dependent
; branches and recursive calls. It counts the guest instructions it executes by
; construction: every fixed-trip loop contributes trips x instructions per iteration
; (constants below, checked against the code), and the data-dependent sieve loops add
; their own length to R15 as they run. At the end it prints on COM1
;     cpubench rounds=N insns=I checksum=C
; and exits through isa-debug-exit. Assemble with -DROUNDS=N (default 500); ROUNDS=0
; gives an empty kernel for measuring start-up time.

%include "boot32.inc"
%include "boot64.inc"

%ifndef ROUNDS
%define ROUNDS 500
%endif

BUF_BYTES       equ 65536
SIEVE_N         equ 32768
BRANCH_ITERS    equ 65536
FIB_N           equ 20
BUF             equ 0xA00000                ; source buffer (10 MiB)
BUF2            equ 0xB00000                ; copy destination
SIEVE           equ 0xC00000 
LCG_MUL         equ 6364136223846793005
LCG_INC         equ 1442695040888963407

; Calls made by fib(FIB_N): internal nodes run 12 instructions, leaves 4.
%assign fa 1
%assign fb 1
%rep FIB_N - 1
%assign fc fa + fb
%assign fa fb
%assign fb fc
%endrep
FIB_LEAVES      equ fb                      ; fib(FIB_N + 1)
FIB_INTERNAL    equ fb - 1

; Instructions per round outside the sieve's counted loops (see each block's comment).
ROUND_FIXED     equ 4 + (BUF_BYTES / 8) * 6 \
                  + 4 + BUF_BYTES * 6 \
                  + 4 + (BUF_BYTES / 8) * 6 \
                  + 4 + (SIEVE_N / 8) * 4 \
                  + 3 \
                  + 3 + SIEVE_N * 6 \
                  + 2 + BRANCH_ITERS * 10 \
                  + 4 + FIB_INTERNAL * 12 + FIB_LEAVES * 4 \
                  + 2

main64:
        mov rbx, LCG_MUL
        mov rbp, LCG_INC
        xor r8d, r8d                        ; checksum sums
        xor r9d, r9d
        xor r10d, r10d                      ; primes found
        xor r11d, r11d                      ; LCG state
        xor r12d, r12d                      ; branch accumulator
        xor r13d, r13d                      ; fib results
        xor r15d, r15d                      ; instructions counted at run time
        mov r14, ROUNDS
        test r14, r14
        jz report

round:
        ; fill: 4 + iterations x 6
        mov rax, r11
        mov rdx, rbp
        mov rdi, BUF
        mov rcx, BUF_BYTES / 8
.fill:  imul rax, rbx
        add rax, rdx
        mov [rdi], rax
        add rdi, 8
        dec rcx
        jnz .fill
        ; checksum: 4 + iterations x 6
        mov r11, rax
        mov rsi, BUF
        mov rcx, BUF_BYTES
        xor eax, eax
.sum:   movzx eax, byte [rsi]
        add r8, rax
        add r9, r8
        inc rsi
        dec rcx
        jnz .sum
        ; memcpy: 4 + iterations x 6
        mov rsi, BUF
        mov rdi, BUF2
        mov rcx, BUF_BYTES / 8
        xor eax, eax
.copy:  mov rax, [rsi]
        mov [rdi], rax
        add rsi, 8
        add rdi, 8
        dec rcx
        jnz .copy
        ; sieve clear: 4 + iterations x 4
        mov rdi, SIEVE
        mov rcx, SIEVE_N / 8
        xor eax, eax
        mov rdx, rdi
.clear: mov [rdi], rax
        add rdi, 8
        dec rcx
        jnz .clear
        ; sieve marking: 3 fixed, then counted in R15 per block
        mov rbx, rdx
        mov rcx, 2
        jmp .outer
.outer: add r15, 4
        movzx eax, byte [rbx + rcx]
        test eax, eax
        jnz .next
        add r15, 3
        mov rdx, rcx
        imul rdx, rcx
.inner: add r15, 5
        mov byte [rbx + rdx], 1
        add rdx, rcx
        cmp rdx, SIEVE_N
        jb .inner
.next:  add r15, 6
        inc rcx
        mov rax, rcx
        imul rax, rcx
        cmp rax, SIEVE_N
        jb .outer
        ; count primes below SIEVE_N (0 and 1 count as prime here): 3 + iterations x 6
        mov rbx, LCG_MUL
        xor ecx, ecx
        xor eax, eax
.count: movzx eax, byte [SIEVE + rcx]
        xor eax, 1
        add r10, rax
        inc rcx
        cmp rcx, SIEVE_N
        jb .count
        ; branches: 2 + iterations x 10 (both paths have the same length)
        mov rdx, rbp
        mov rcx, BRANCH_ITERS
.branch:
        imul r11, rbx
        add r11, rdx
        mov rax, r11
        shr rax, 61
        cmp eax, 3
        ja .high
        add r12, rax
        jmp .join
.high:  sub r12, rax
        rol r12, 1
.join:  dec rcx
        jnz .branch
        ; calls: 4 + fib's own instructions
        mov edi, FIB_N
        call fib
        add r13, rax
        nop
        ; round loop: 2
        dec r14
        jnz round

report:
        mov rax, ROUND_FIXED * ROUNDS
        add rax, r15
        lea rsi, [rel str_rounds]
        call puts
        push rax
        mov rax, ROUNDS
        call putdec
        pop rax
        lea rsi, [rel str_insns]
        call puts
        call putdec
        lea rsi, [rel str_checksum]
        call puts
        mov rax, r8
        xor rax, r9
        add rax, r10
        xor rax, r12
        add rax, r13
        mov cl, 16
        call puthex
        call newline
        mov al, EXIT_PASS
        jmp exit_with

; fib: RAX = fib(RDI) by naive recursion. Internal nodes: 12 instructions, leaves: 4.
fib:
        cmp rdi, 2
        jb .leaf
        push rdi
        dec rdi
        call fib
        pop rdi
        push rax
        sub rdi, 2
        call fib
        pop rdx
        add rax, rdx
        ret
.leaf:  mov rax, rdi
        ret

; putdec: writes RAX in decimal.
putdec:
        push rax
        push rcx
        push rdx
        push rdi
        lea rdi, [rel decbuf + 20]
        mov byte [rdi], 0
        mov ecx, 10
.digit: xor edx, edx
        div rcx
        add dl, '0'
        dec rdi
        mov [rdi], dl
        test rax, rax
        jnz .digit
        mov rsi, rdi
        call puts
        pop rdi
        pop rdx
        pop rcx
        pop rax
        ret

%include "com1.inc"

str_rounds:     db 'cpubench rounds=', 0
str_insns:      db ' insns=', 0
str_checksum:   db ' checksum=', 0
decbuf:         times 21 db 0

image_end:
