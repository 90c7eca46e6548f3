; -cpu max test kernel (long mode): what jemu's max model adds to qemu64, run with -cpu max on
; QEMU and jemu alike: SSSE3 on XMM and MMX registers, LZCNT, RDTSCP with TSC_AUX,
; RDFSBASE/RDGSBASE/WRFSBASE/WRGSBASE and their #UD without CR4.FSGSBASE, XSAVE/XRSTOR/
; XGETBV/XSETBV with the x87 and SSE components and their faults, UMIP, and the CPUID bits
; that announce them. (A non-canonical WRFSBASE is #GP(0) by the SDM and on jemu; QEMU 7.2
; TCG takes it without a fault, so it is a unit test, not a line here; so are PCID and
; INVPCID, which QEMU 7.2's TCG does not have.)

%include "boot32.inc"
%include "boot64.inc"
%include "com1.inc"
%include "test64.inc"
%include "testsse.inc"

CR0_EM          equ 0x04
CR0_TS          equ 0x08
CR0_MP          equ 0x02
CR0_NE          equ 0x20
CR4_FSGSBASE    equ 0x10000
CR4_OSXSAVE     equ 0x40000
CR4_UMIP        equ 0x800
MSR_TSC_AUX     equ 0xC0000103
MSR_FS_BASE     equ 0xC0000100

        align 16
shuf_mask:      db 0x0F, 0x80, 0x03, 0x03, 0x10, 0x8F, 0x07, 0x00
                db 0x01, 0x0E, 0x82, 0x05, 0x0C, 0x1D, 0x09, 0x04
words_mixed:    dw 0x7FFF, 0x8000, 0x0001, 0xFFFF, 0x4000, 0xC000, 0x1234, 0x8001
bytes_mixed:    db 0x80, 0x7F, 0x00, 0xFF, 0x01, 0xFE, 0x40, 0xC0
                db 0x10, 0xF0, 0x22, 0xDD, 0x7E, 0x81, 0x05, 0xFB
mmx_a:          dq 0x8001FFFF7FFF0102
mmx_b:          dq 0x07830001FF8040C0
saved_fs:       dq 0
        align 16
table_image:    times 10 db 0
        align 64
xarea:          times 576 db 0

main64:
        call idt64_install
        call tss64_install
        mov rax, cr0
        and rax, ~(CR0_EM | CR0_TS)
        or rax, CR0_MP | CR0_NE
        mov cr0, rax
        fninit

; ---- SSSE3 on XMM registers
XTEST "pshufb"
        movdqa xmm0, xmm4
        pshufb xmm0, [rel shuf_mask]
        movdqa xmm1, xmm5
        pshufb xmm1, xmm6
ENDX
XTEST "phaddw_phaddd_phaddsw_phsubsw"
        movdqa xmm0, xmm4
        phaddw xmm0, xmm5
        movdqa xmm1, xmm5
        phaddd xmm1, xmm6
        movdqa xmm2, [rel words_mixed]
        phaddsw xmm2, xmm2
        movdqa xmm3, xmm7
        phsubsw xmm3, [rel words_mixed]
ENDX
XTEST "phsubw_phsubd_pmaddubsw_pmulhrsw"
        movdqa xmm0, xmm6
        phsubw xmm0, xmm4
        movdqa xmm1, xmm7
        phsubd xmm1, xmm5
        movdqa xmm2, [rel bytes_mixed]
        pmaddubsw xmm2, xmm6
        movdqa xmm3, [rel words_mixed]
        pmulhrsw xmm3, xmm5
ENDX
XTEST "psign_pabs"
        movdqa xmm0, xmm4
        psignb xmm0, [rel bytes_mixed]
        movdqa xmm1, xmm5
        psignw xmm1, [rel words_mixed]
        movdqa xmm2, xmm6
        psignd xmm2, xmm7
        pabsb xmm3, [rel bytes_mixed]
ENDX
XTEST "pabsw_pabsd"
        pabsw xmm0, [rel words_mixed]
        pabsd xmm1, xmm6
        pabsd xmm2, [rel words_mixed]
ENDX
XTEST "palignr"
        movdqa xmm0, xmm4
        palignr xmm0, xmm5, 5
        movdqa xmm1, xmm5
        palignr xmm1, xmm6, 16
        movdqa xmm2, xmm6
        palignr xmm2, xmm7, 31
        movdqa xmm3, xmm7
        palignr xmm3, xmm4, 32
ENDX

; ---- SSSE3 on MMX registers (results moved to general registers)
TEST "ssse3_mmx", FL_NONE
        movq mm0, [rel mmx_a]
        pshufb mm0, [rel mmx_b]
        movq rax, mm0
        movq mm1, [rel mmx_a]
        phaddw mm1, [rel mmx_b]
        movq rbx, mm1
        movq mm2, [rel mmx_a]
        palignr mm2, [rel mmx_b], 3
        movq rcx, mm2
        movq mm3, [rel mmx_b]
        pabsb mm3, mm3
        movq rdx, mm3
        movq mm4, [rel mmx_a]
        pmaddubsw mm4, [rel mmx_b]
        movq rsi, mm4
        movq mm5, [rel mmx_a]
        psignw mm5, [rel mmx_b]
        movq rdi, mm5
        emms
ENDT

; ---- LZCNT
TEST "lzcnt_values", FL_CF | FL_ZF
        mov eax, 0xF0
        lzcnt ebx, eax
        lzcnt rcx, rax
        mov ax, 1
        lzcnt dx, ax
        mov rsi, 0x8000000000000000
        lzcnt rdi, rsi
ENDT
TEST "lzcnt_zero_sets_cf", FL_CF | FL_ZF
        xor eax, eax
        lzcnt ebx, eax
ENDT
TEST "lzcnt_top_bit_sets_zf", FL_CF | FL_ZF
        mov eax, 0x80000000
        lzcnt ebx, eax
ENDT

; ---- RDTSCP reads TSC_AUX into ECX (the counter itself is not compared)
TEST "rdtscp_tsc_aux", FL_NONE
        mov ecx, MSR_TSC_AUX
        mov eax, 0x12345
        xor edx, edx
        wrmsr
        rdtscp
        xor eax, eax
        xor edx, edx
ENDT

; ---- FSGSBASE
TEST "fsgsbase_read_write", FL_NONE
        mov rax, cr4
        or rax, CR4_FSGSBASE
        mov cr4, rax
        rdfsbase rax
        mov [rel saved_fs], rax
        mov rax, 0x00007654321ABCDE
        wrfsbase rax
        rdfsbase rbx
        rdfsbase r9d
        mov ecx, MSR_FS_BASE
        rdmsr
        mov esi, eax
        mov edi, edx
        mov eax, 0xFFFFFFFF
        wrfsbase eax
        rdfsbase r8
        mov rax, [rel saved_fs]
        wrfsbase rax
        xor eax, eax
        xor edx, edx
ENDT
FTEST "rdgsbase_without_cr4_ud"
        mov rax, cr4
        and rax, ~CR4_FSGSBASE
        mov cr4, rax
        rdgsbase rax
ENDF

; ---- XSAVE with the x87 and SSE components
XTEST "xsetbv_xgetbv_xsave"
        mov rax, cr4
        or rax, CR4_OSXSAVE
        mov cr4, rax
        xor ecx, ecx
        mov eax, 3
        xor edx, edx
        xsetbv
        xor ecx, ecx
        xgetbv
        mov rbx, rax
        mov eax, 3
        xor edx, edx
        xsave [rel xarea]
        movdqa xmm0, [rel xarea + 160 + 7 * 16]
        movdqa xmm1, [rel xarea + 512]
        movd xmm2, [rel xarea + 24]
        movd xmm3, [rel xarea]
        mov rax, rbx
ENDX
XTEST "xrstor_initialises_sse"
        mov qword [rel xarea + 512], 1
        mov dword [rel xarea + 24], 0x3F80
        mov eax, 3
        xor edx, edx
        xrstor [rel xarea]
ENDX
XTEST "xrstor_loads_sse"
        mov qword [rel xarea + 512], 3
        mov dword [rel xarea + 24], 0x1F80
        mov eax, 2
        xor edx, edx
        xrstor [rel xarea]
ENDX
FTEST "xrstor_xcomp_bv_gp"
        mov qword [rel xarea + 520], 1
        mov eax, 3
        xor edx, edx
        xrstor [rel xarea]
ENDF
FTEST "xsave_misaligned_gp"
        mov qword [rel xarea + 520], 0
        mov eax, 3
        xor edx, edx
        xsave [rel xarea + 16]
ENDF
FTEST "xsetbv_without_x87_gp"
        xor ecx, ecx
        mov eax, 2
        xor edx, edx
        xsetbv
ENDF

; ---- UMIP
TEST "umip_kernel_sgdt_smsw", FL_NONE
        mov rax, cr4
        or rax, CR4_UMIP
        mov cr4, rax
        sgdt [rel table_image]
        movzx eax, word [rel table_image]
        smsw rbx
ENDT
UTEST "umip_user_sgdt_gp"
        sgdt [rel table_image]
ENDU
UTEST "umip_user_smsw_gp"
        smsw eax
ENDU
UTEST "umip_user_str_gp"
        str eax
ENDU
TEST "umip_off_user_allowed_later", FL_NONE
        mov rax, cr4
        and rax, ~CR4_UMIP
        mov cr4, rax
ENDT
UTEST "no_umip_user_smsw_runs"
        smsw eax
ENDU

; ---- CPUID announces them
TEST "cpuid_bits", FL_NONE
        mov eax, 1
        cpuid
        and ecx, 1 << 9
        mov r8d, ecx
        mov eax, 7
        xor ecx, ecx
        cpuid
        and ebx, 1
        mov r9d, ebx
        mov eax, 0x80000001
        cpuid
        and ecx, 1 << 5
        and edx, 1 << 27
        mov r10d, ecx
        mov r11d, edx
        mov eax, 1
        cpuid
        and ecx, 3 << 26
        mov r12d, ecx
        mov eax, 0xD
        xor ecx, ecx
        cpuid
        mov r13d, ebx
        mov eax, 7
        xor ecx, ecx
        cpuid
        and ecx, 1 << 2
        mov r14d, ecx
        xor eax, eax
        xor ebx, ebx
        xor ecx, ecx
        xor edx, edx
ENDT
        jmp finish64

image_end:
