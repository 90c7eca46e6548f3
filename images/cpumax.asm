; -cpu max test kernel (long mode): what jemu's max model adds to qemu64, run with -cpu max on
; QEMU and jemu alike: SSSE3 on XMM and MMX registers, SSE4.1 (every instruction, with
; saturation, NaN and infinity, out-of-range selectors and MXCSR flags), SSE4.2 (PCMPGTQ,
; CRC32 in every form, and PCMPESTRI/PCMPISTRI with every imm8 on two data sets each, the
; mask forms on chosen ones), LZCNT, TZCNT, RDTSCP with TSC_AUX, RDRAND's flags and widths,
; RDFSBASE/RDGSBASE/WRFSBASE/WRGSBASE and their #UD without CR4.FSGSBASE, XSAVE/XSAVEOPT/
; XRSTOR/XGETBV/XSETBV with the x87 and SSE components and their faults, UMIP, CLFLUSHOPT,
; CLWB, CMPXCHG16B's alignment fault, 1 GiB pages, SMEP and SMAP (with STAC/CLAC, POPF's AC,
; an implicit LDT read, and their #PF error codes), and the CPUID bits that announce them.
; (A non-canonical WRFSBASE is #GP(0) by the SDM and on jemu; QEMU 7.2 TCG takes it without
; a fault, so it is a unit test, not a line here; so are a non-canonical CLWB, which QEMU
; does not check either, an implicit supervisor access under SMAP with EFLAGS.AC set, which
; QEMU lets through at CPL 0, the reserved-bit #PF of a 1 GiB page, which QEMU reports with
; P clear, PCID and INVPCID, which QEMU 7.2's TCG does not have, and PCMPESTRI/M's 64-bit
; lengths with REX.W, which QEMU 7.2 reads as 32-bit ones.)

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
CR4_SMEP        equ 1 << 20
CR4_SMAP        equ 1 << 21
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
s41_bytes:      db 0x80, 0x7F, 0x00, 0xFF, 0x01, 0xFE, 0x40, 0xC0
                db 0x10, 0xF0, 0x22, 0xDD, 0x7E, 0x81, 0x05, 0xFB
s41_dwords:     dd 0x00012345, 0xFFFF8000, 0x7FFFFFFF, 0x80000000
s41_qwords:     dq 0x0123456789ABCDEF, 0x1111111111111111
s41_words_eq:   dw 0x0005, 0x0003, 0x0003, 0x0009, 0x0003, 0x0004, 0x0005, 0x0003
round_ps_a:     dd 2.5, -1.5, 0.49999997, -0.3
round_ps_b:     dd 0x7F800001, 0xFFC00001, 0x7F800000, 16777215.0
round_pd:       dq 2.5, -0.5
round_pd_nan:   dq 0x7FF0000000000001, 0xFFF0000000000000
dp_order:       dd 1.0e20, 1.0, -1.0e20, 1.0
dp_ones:        dd 1.0, 1.0, 1.0, 1.0
dp_special:     dd 0x7F800000, 2.0, 0x7FC00005, 3.0
dp_zero_inf:    dd 0.0, 0x7F800000, 1.5, 0x7FA00000
dpd_a:          dq 1.0e300, -3.0
dpd_b:          dq 1.0e10, 0x7FF8000000000123
s41_scalar:     dd 7.75
mxcsr_down:     dd 0x1F80 | (1 << 13)
mxcsr_up:       dd 0x1F80 | (2 << 13)
s41_store:      dq 0, 0
        align 16
s42_set1_a:     db "aeAZ09", 0, "qqqqqqqqq"
s42_set1_b:     db "Hello World 9!", 0, 0xC1
s42_set2_a:     db 0x80, 0xFF, 0x20, 0x7E, "lo", 0x90, 0xFF, "abcdefgh"
                db 0x55
s42_set2_b:     db "ab", 0x90, 0xFF, 0x05, "Z", 0x7F, 0x80, "lo", 0, 0, "lo", 0x20, 0x7E
        align 16
s42_gtq:        dq 0x8000000000000000, 0x7FFFFFFFFFFFFFFF
crc_data:       dq 0x0123456789ABCDEF, 0x8000000000000001
        align 16
s42_table:      times 256 db 0
        align 16
table_image:    times 10 db 0
        align 64
xarea:          times 576 db 0
        align 16
smap_gdt:       times GDT_LIMIT + 1 + 16 db 0
smap_gdt_desc:  dw GDT_LIMIT + 16
                dq smap_gdt

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
XTEST "xsaveopt_saves_x87_sse"
        mov qword [rel xarea + 512], 0
        mov dword [rel xarea + 24], 0
        movdqa xmm0, [rel s41_qwords]
        mov eax, 3
        xor edx, edx
        xsaveopt [rel xarea]
        movdqa xmm1, [rel xarea + 160]
        movdqa xmm2, [rel xarea + 512]
        movd xmm3, [rel xarea + 24]
ENDX
FTEST "xsaveopt_misaligned_gp"
        mov eax, 3
        xor edx, edx
        xsaveopt [rel xarea + 16]
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

; ---- SSE4.1
%macro FLAGS_INTO_RAX 0
        pushfq
        pop rcx
        and ecx, FL_ARITH
        shl rax, 12
        or rax, rcx
%endmacro
XTEST "pblendvb_blendvps_blendvpd"
        movdqa xmm0, xmm4
        movdqa xmm1, xmm5
        pblendvb xmm1, xmm6
        movdqa xmm2, xmm5
        blendvps xmm2, xmm7
        movdqa xmm3, xmm6
        blendvpd xmm3, [rel s41_qwords]
ENDX
XTEST "blendps_blendpd_pblendw"
        movdqa xmm0, xmm4
        blendps xmm0, xmm5, 0x5
        movdqa xmm1, xmm6
        blendpd xmm1, xmm7, 0xFE
        movdqa xmm2, xmm5
        pblendw xmm2, xmm6, 0xA5
        movdqa xmm3, xmm7
        blendps xmm3, [rel s41_dwords], 0xF3
ENDX
XTEST "ptest_flags", FL_ARITH
        xor eax, eax
        ptest xmm4, xmm5
        FLAGS_INTO_RAX
        pxor xmm0, xmm0
        ptest xmm0, xmm4
        FLAGS_INTO_RAX
        ptest xmm4, xmm0
        FLAGS_INTO_RAX
        pcmpeqd xmm1, xmm1
        ptest xmm1, [rel s41_dwords]
        FLAGS_INTO_RAX
        sub eax, 1
        ptest xmm6, xmm6
ENDX
XTEST "pmovsx_bw_bd_bq_wd"
        pmovsxbw xmm0, xmm4
        pmovsxbd xmm1, [rel s41_bytes]
        pmovsxbq xmm2, xmm4
        pmovsxwd xmm3, [rel words_mixed]
ENDX
XTEST "pmovsx_wq_dq_pmovzx_bw_bd"
        pmovsxwq xmm0, xmm5
        pmovsxdq xmm1, [rel s41_dwords + 8]
        pmovzxbw xmm2, [rel s41_bytes + 8]
        pmovzxbd xmm3, xmm4
ENDX
XTEST "pmovzx_bq_wd_wq_dq"
        pmovzxbq xmm0, [rel s41_bytes + 2]
        pmovzxwd xmm1, xmm5
        pmovzxwq xmm2, [rel words_mixed + 2]
        pmovzxdq xmm3, xmm6
ENDX
XTEST "pmuldq_pcmpeqq_packusdw_pmulld"
        movdqa xmm0, xmm6
        pmuldq xmm0, [rel s41_dwords]
        movdqa xmm1, xmm7
        pcmpeqq xmm1, [rel s41_qwords]
        movdqa xmm2, xmm6
        packusdw xmm2, [rel s41_dwords]
        movdqa xmm3, xmm6
        pmulld xmm3, [rel s41_dwords]
ENDX
XTEST "pminsb_pminsd_pminuw_pminud"
        movdqa xmm0, xmm4
        pminsb xmm0, [rel s41_bytes]
        movdqa xmm1, xmm6
        pminsd xmm1, [rel s41_dwords]
        movdqa xmm2, xmm5
        pminuw xmm2, [rel words_mixed]
        movdqa xmm3, xmm6
        pminud xmm3, [rel s41_dwords]
ENDX
XTEST "pmaxsb_pmaxsd_pmaxuw_pmaxud"
        movdqa xmm0, xmm4
        pmaxsb xmm0, [rel s41_bytes]
        movdqa xmm1, xmm6
        pmaxsd xmm1, [rel s41_dwords]
        movdqa xmm2, xmm5
        pmaxuw xmm2, [rel words_mixed]
        movdqa xmm3, xmm6
        pmaxud xmm3, [rel s41_dwords]
ENDX
XTEST "phminposuw_movntdqa"
        phminposuw xmm0, xmm5
        phminposuw xmm1, [rel s41_words_eq]
        pcmpeqd xmm2, xmm2
        phminposuw xmm2, xmm2
        movntdqa xmm3, [rel s41_qwords]
ENDX
FTEST "movntdqa_misaligned_gp"
        movntdqa xmm3, [rel s41_qwords + 8]
ENDF
FTEST "movntdqa_register_ud"
        db 0x66, 0x0F, 0x38, 0x2A, 0xC1
ENDF
XTEST "roundps_modes"
        roundps xmm0, [rel round_ps_a], 0
        roundps xmm1, [rel round_ps_a], 1
        roundps xmm2, [rel round_ps_a], 2
        roundps xmm3, [rel round_ps_a], 3
ENDX
XTEST "roundps_nan_inf_suppressed"
        roundps xmm0, [rel round_ps_b], 0
        movdqa xmm1, xmm2
        roundps xmm1, xmm1, 8 | 2
ENDX
XTEST "roundps_mxcsr_rc"
        ldmxcsr [rel mxcsr_down]
        roundps xmm0, [rel round_ps_a], 4
        ldmxcsr [rel mxcsr_up]
        roundps xmm1, [rel round_ps_a], 4 | 1
ENDX
XTEST "roundpd_roundsd_roundss"
        roundpd xmm0, [rel round_pd], 0
        roundpd xmm1, [rel round_pd_nan], 3
        roundsd xmm2, [rel round_pd + 8], 2
        roundss xmm3, [rel s41_scalar], 1
ENDX
XTEST "roundss_roundsd_registers_suppressed"
        roundss xmm2, xmm3, 8
        roundsd xmm0, xmm1, 8 | 1
ENDX
XTEST "dpps_order_broadcast"
        movdqa xmm0, [rel dp_order]
        dpps xmm0, [rel dp_ones], 0xF5
        movdqa xmm1, [rel dp_order]
        dpps xmm1, [rel dp_ones], 0x7A
        movdqa xmm2, xmm2
        dpps xmm2, xmm3, 0xFF
        movdqa xmm3, [rel dp_ones]
        dpps xmm3, [rel dp_order], 0xA3
ENDX
XTEST "dpps_nan_infinity"
        movdqa xmm0, [rel dp_special]
        dpps xmm0, [rel dp_ones], 0xF1
        movdqa xmm1, [rel dp_zero_inf]
        dpps xmm1, [rel dp_special], 0x3F
        movdqa xmm2, [rel dp_zero_inf]
        dpps xmm2, [rel dp_ones], 0xCF
        movdqa xmm3, [rel dp_special]
        dpps xmm3, [rel dp_special], 0x0F
ENDX
XTEST "dppd"
        dppd xmm0, xmm1, 0x31
        movdqa xmm1, [rel dpd_a]
        dppd xmm1, [rel dpd_b], 0x13
        movdqa xmm2, [rel dpd_a]
        dppd xmm2, [rel dpd_b], 0x32
        movdqa xmm3, [rel dpd_a]
        dppd xmm3, [rel dpd_a], 0xFF
ENDX
XTEST "insertps_extractps"
        movdqa xmm0, xmm2
        insertps xmm0, xmm3, 0xD5
        movdqa xmm1, xmm3
        insertps xmm1, [rel s41_scalar], 0xE0
        extractps eax, xmm2, 3
        extractps [rel s41_store], xmm3, 6
        movq xmm2, [rel s41_store]
        extractps rcx, xmm3, 1
        shl rax, 32
        or rax, rcx
ENDX
XTEST "pinsrb_pinsrd_pinsrq"
        mov ecx, 0x1234ABCD
        movdqa xmm0, xmm5
        pinsrb xmm0, ecx, 0x13
        pinsrb xmm0, [rel s41_bytes + 3], 0
        movdqa xmm1, xmm6
        pinsrd xmm1, ecx, 6
        pinsrd xmm1, [rel s41_dwords + 4], 0
        mov rdx, 0xFEDCBA9876543210
        movdqa xmm2, xmm7
        pinsrq xmm2, rdx, 3
        movdqa xmm3, xmm4
        pinsrq xmm3, [rel s41_qwords], 0
ENDX
TEST "pextrb_pextrw_pextrd_pextrq", FL_NONE
        movdqa xmm4, [rel s41_bytes]
        pextrb eax, xmm4, 0x1D
        pextrb rbx, xmm4, 9
        pextrb [rel s41_store], xmm4, 1
        db 0x66, 0x0F, 0x3A, 0x15, 0xE1, 0x0B
        pextrw [rel s41_store + 2], xmm4, 2
        pextrd edx, xmm4, 7
        pextrd [rel s41_store + 4], xmm4, 2
        pextrq rsi, xmm4, 3
        pextrq [rel s41_store + 8], xmm4, 0
        mov rdi, [rel s41_store]
        mov r8, [rel s41_store + 8]
ENDT
XTEST "mpsadbw"
        movdqa xmm0, xmm4
        mpsadbw xmm0, [rel s41_bytes], 0
        movdqa xmm1, xmm4
        mpsadbw xmm1, [rel s41_bytes], 5
        movdqa xmm2, [rel s41_bytes]
        mpsadbw xmm2, xmm4, 7
        movdqa xmm3, xmm4
        mpsadbw xmm3, xmm4, 0xFA
ENDX

; ---- SSE4.2
; STRI_ALL insn, source 2, EAX, EDX: runs "insn xmm1, source 2, k" for every imm8 k from 0 to
; 127 and stores ECX | OF << 5 | (the flags LAHF loads) << 8 as word k of s42_table.
%macro STRI_ALL 4
%assign k 0
%rep 128
        mov eax, %3
        mov edx, %4
        %1 xmm1, %2, k
        lahf
        seto al
        shl al, 5
        or al, cl
        mov [rel s42_table + 2 * k], ax
%assign k k + 1
%endrep
%endmacro
; STRI_DUMP n: xmm0-3 := the n-th 64 bytes of s42_table
%macro STRI_DUMP 1
        movdqa xmm0, [rel s42_table + 64 * %1]
        movdqa xmm1, [rel s42_table + 64 * %1 + 16]
        movdqa xmm2, [rel s42_table + 64 * %1 + 32]
        movdqa xmm3, [rel s42_table + 64 * %1 + 48]
%endmacro
; STRI_GROUP name0, name1, name2, name3, insn, source 1, source 2 (xmm2 holds it too),
; its label, EAX, EDX
%macro STRI_GROUP 10
XTEST %1
        movdqa xmm1, [rel %6]
        movdqu xmm2, [rel %8]
        STRI_ALL %5, %7, %9, %10
        STRI_DUMP 0
ENDX
XTEST %2
        STRI_DUMP 1
ENDX
XTEST %3
        STRI_DUMP 2
ENDX
XTEST %4
        STRI_DUMP 3
ENDX
%endmacro
STRI_GROUP "pcmpistri_set1_imm00", "pcmpistri_set1_imm20", "pcmpistri_set1_imm40", "pcmpistri_set1_imm60", pcmpistri, s42_set1_a, xmm2, s42_set1_b, 0, 0
STRI_GROUP "pcmpistri_set2_imm00", "pcmpistri_set2_imm20", "pcmpistri_set2_imm40", "pcmpistri_set2_imm60", pcmpistri, s42_set2_a, [rel s42_set2_b], s42_set2_b, 0, 0
STRI_GROUP "pcmpestri_set1_imm00", "pcmpestri_set1_imm20", "pcmpestri_set1_imm40", "pcmpestri_set1_imm60", pcmpestri, s42_set1_a, xmm2, s42_set1_b, 6, -13
STRI_GROUP "pcmpestri_set2_imm00", "pcmpestri_set2_imm20", "pcmpestri_set2_imm40", "pcmpestri_set2_imm60", pcmpestri, s42_set2_a, [rel s42_set2_b], s42_set2_b, 20, 5
XTEST "pcmpistrm_masks", FL_ARITH
        movdqa xmm4, [rel s42_set1_a]
        movdqa xmm5, [rel s42_set1_b]
        pcmpistrm xmm4, xmm5, 0x04
        movdqa xmm1, xmm0
        pcmpistrm xmm4, xmm5, 0x44
        movdqa xmm2, xmm0
        pcmpistrm xmm4, xmm5, 0x4D
        movdqa xmm3, xmm0
        pcmpistrm xmm4, xmm5, 0x78
ENDX
XTEST "pcmpestrm_masks", FL_ARITH
        movdqa xmm4, [rel s42_set2_a]
        movdqu xmm5, [rel s42_set2_b]
        mov eax, 7
        mov edx, -16
        pcmpestrm xmm4, xmm5, 0x34
        movdqa xmm1, xmm0
        mov eax, 0
        pcmpestrm xmm4, xmm5, 0x47
        movdqa xmm2, xmm0
        mov eax, 9
        mov edx, 3
        pcmpestrm xmm4, [rel s42_set2_b], 0x4E
        movdqa xmm3, xmm0
        mov eax, 4
        pcmpestrm xmm4, xmm5, 0x09
ENDX
TEST "pcmpestri_lengths", FL_ARITH
        movdqa xmm1, [rel s42_set1_a]
        movdqa xmm2, [rel s42_set1_b]
        mov eax, 3
        mov edx, 2
        pcmpestri xmm1, xmm2, 0x48
        mov r8, rcx
        mov eax, -20
        mov edx, 0x7FFFFFFF
        pcmpestri xmm1, xmm2, 0x48
        mov r9, rcx
        mov eax, 0x80000000
        mov edx, -1
        pcmpestri xmm1, xmm2, 0x18
ENDT
XTEST "pcmpgtq"
        movdqa xmm0, [rel s42_gtq]
        pcmpgtq xmm0, xmm7
        movdqa xmm1, xmm7
        pcmpgtq xmm1, [rel s42_gtq]
        movdqa xmm2, xmm7
        pcmpgtq xmm2, xmm7
        movdqa xmm3, [rel s42_gtq]
        pshufd xmm3, xmm3, 0x4E
        pcmpgtq xmm3, [rel s42_gtq]
ENDX
TEST "crc32_forms", FL_ARITH
        mov eax, 0xFFFFFFFF
        crc32 eax, byte [rel crc_data]
        mov ebx, 0x12345678
        mov cx, 0xBEEF
        crc32 ebx, cx
        mov rcx, 0xAAAAAAAA00000000
        crc32 ecx, dword [rel crc_data + 4]
        mov rdx, 0x5555555512345678
        crc32 rdx, qword [rel crc_data]
        mov esi, 0x1020
        crc32 esi, sil
        mov edi, 0xFFFFFFFF
        mov r8d, 0x9B00
        crc32 edi, ch
        crc32 r8, r9b
        crc32 r10, qword [rel crc_data + 8]
        crc32 r11d, word [rel crc_data + 6]
        movbe r12, [rel crc_data]
        movbe r13w, [rel crc_data + 2]
ENDT
FTEST "movbe_f3_ud"
        db 0xF3, 0x0F, 0x38, 0xF0, 0x05
        dd crc_data - $ - 4
ENDF

; ---- TZCNT (BMI1 on QEMU's max; jemu runs it with max)
TEST "tzcnt_values", FL_CF | FL_ZF
        mov eax, 0xF0
        tzcnt ebx, eax
        tzcnt rcx, rax
        mov ax, 0x8000
        tzcnt dx, ax
        mov rsi, 0x8000000000000000
        tzcnt rdi, rsi
        tzcnt r8d, [rel crc_data + 4]
        tzcnt r9w, [rel crc_data + 2]
ENDT
TEST "tzcnt_zero_sets_cf", FL_CF | FL_ZF
        xor eax, eax
        tzcnt ebx, eax
        tzcnt cx, ax
        tzcnt rdx, rax
ENDT
TEST "tzcnt_bit0_sets_zf", FL_CF | FL_ZF
        mov eax, 0x80000001
        tzcnt ebx, eax
ENDT

; ---- RDRAND: CF set, the other flags clear; the number itself is not compared, its width is
TEST "rdrand_flags_and_width"
        rdrand cx
        rdrand eax
        rdrand rbx
        pushfq
        mov cx, 0
        shr rax, 32
        xor ebx, ebx
        popfq
ENDT
FTEST "rdrand_memory_ud"
        db 0x0F, 0xC7, 0x30
ENDF

; ---- CLFLUSHOPT and CLWB: only the access is checked
TEST "clflushopt_clwb", FL_NONE
        clflushopt [rel crc_data]
        clwb [rel crc_data + 8]
ENDT

; ---- CMPXCHG16B wants a 16-byte aligned operand
FTEST "cmpxchg16b_misaligned_gp"
        lea rsi, [rel crc_data + 8]
        cmpxchg16b [rsi]
ENDF

; ---- 1 GiB pages (PDPE1GB): PDPT entry 1 maps physical 0 .. 1 GiB at 1 GiB
TEST "page_1g_reads", FL_NONE
        mov qword [PDPT + 8], 0x87
        mov rax, cr3
        mov cr3, rax
        mov eax, [0x40100000]
        mov ebx, [0x40000000 + PD]
ENDT
TEST "page_1g_unmapped", FL_NONE
        mov qword [PDPT + 8], 0
        mov rax, cr3
        mov cr3, rax
ENDT

; ---- STAC and CLAC are #UD at CPL 3
UTEST "stac_user_ud"
        stac
ENDU
UTEST "clac_user_ud"
        clac
ENDU

; ---- SMEP and SMAP. The kernel's first 2 MiB (code, data, stacks, tables) become a
; supervisor page; 0x3F2000 and 0x3F6000 stay user pages, 0x3F1000 a read-only user page.
SMAP_USER       equ 0x3F2000
SMAP_LDT        equ 0x3F6000
SMAP_USER_RO    equ 0x3F1000
TEST "cr4_smep_smap_set", FL_NONE
        mov byte [SMAP_USER], 0xC3                 ; ret
        mov dword [SMAP_USER + 8], 0x5A5A1234
        mov rax, 0x00CF92000000FFFF
        mov [SMAP_LDT], rax                        ; LDT entry 0: a flat data segment
        and byte [PD], ~4
        mov rax, cr3
        mov cr3, rax
        mov rax, cr4
        or rax, CR4_SMEP | CR4_SMAP
        mov cr4, rax
        mov rbx, cr4
        and ebx, CR4_SMEP | CR4_SMAP
        xor eax, eax
ENDT
TEST "smap_stac_allows_user_data", FL_NONE
        stac
        pushfq
        pop rdx
        and edx, 1 << 18
        mov eax, [SMAP_USER + 8]
        mov [SMAP_USER + 12], eax
        mov ecx, [SMAP_USER + 12]
        clac
        pushfq
        pop rsi
        and esi, 1 << 18
ENDT
FTEST "smap_read_after_clac_pf"
        stac
        mov eax, [SMAP_USER + 8]
        clac
        mov eax, [SMAP_USER + 8]
ENDF
FTEST "smap_write_pf"
        mov [SMAP_USER + 16], eax
ENDF
TEST "smap_popf_ac_allows", FL_NONE
        push qword 0x40002
        popfq
        mov eax, [SMAP_USER + 8]
        push qword 2
        popfq
ENDT
FTEST "smap_ac_read_only_user_page_pf"
        stac
        mov [SMAP_USER_RO], eax
ENDF
FTEST "smap_implicit_ldt_read_pf"
        clac
        lea rsi, [rel gdt]
        lea rdi, [rel smap_gdt]
        mov ecx, GDT_LIMIT + 1
        rep movsb
        mov word [rel smap_gdt + 0x70], 0xFFFF
        mov dword [rel smap_gdt + 0x72], SMAP_LDT & 0xFFFFFF
        mov byte [rel smap_gdt + 0x75], 0x82
        lgdt [rel smap_gdt_desc]
        mov ax, 0x70
        lldt ax
        mov ax, 0x04
        mov fs, ax
ENDF
FTEST "smep_fetch_pf"
        clac
        mov eax, SMAP_USER
        call rax
ENDF
TEST "smep_smap_off", FL_NONE
        xor eax, eax
        lldt ax
        mov fs, ax
        lgdt [rel gdt_desc]
        mov rax, cr4
        and rax, ~(CR4_SMEP | CR4_SMAP)
        mov cr4, rax
        or byte [PD], 4
        mov rax, cr3
        mov cr3, rax
        mov eax, [SMAP_USER + 12]
ENDT

; ---- CPUID announces them
TEST "cpuid_bits_max_rest", FL_NONE
        mov eax, 1
        cpuid
        and ecx, 1 << 30
        mov r8d, ecx
        mov eax, 7
        xor ecx, ecx
        cpuid
        and ebx, (1 << 7) | (1 << 20) | (1 << 23) | (1 << 24)
        mov r9d, ebx
        mov eax, 0x80000001
        cpuid
        and edx, 1 << 26
        mov r10d, edx
        mov eax, 0xD
        mov ecx, 1
        cpuid
        and eax, 1
        mov r11d, eax
        xor eax, eax
        xor ebx, ebx
        xor ecx, ecx
        xor edx, edx
ENDT
; ---- CPUID announces the earlier ones
TEST "cpuid_bits", FL_NONE
        mov eax, 1
        cpuid
        and ecx, (1 << 9) | (1 << 19) | (1 << 20)
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
