; Protected-mode test kernel: the shared instruction tests, segment-load faults and paging
; faults, with 2-level paging (4 KiB pages and 4 MiB PSE pages), or with PAE (2 MiB pages,
; NX) when assembled with -DPAE.
;
; Page map (identity unless noted) used by the paging tests:
;   0x3F0000  not present          0x3F3000  maps physical 0x3F4000
;   0x3F1000  read-only            0x3F5000  no-execute (PAE only)
;   0x3F2000  ordinary (A/D bits)  0x800000  large page mapping physical 0x400000
;   0x3F7000  supervisor only; every other page is user-accessible (for the ring-3 tests)

%include "boot32.inc"

CR0_PG          equ 0x80000000
CR0_WP          equ 0x00010000
CR4_PSE         equ 0x10
CR4_PAE         equ 0x20
MSR_EFER        equ 0xC0000080
EFER_NXE        equ 0x800
PAGE_TABLES     equ 0x300000

%ifdef PAE
PDPT            equ PAGE_TABLES
PD              equ PAGE_TABLES + 0x1000
PT              equ PAGE_TABLES + 0x2000        ; maps 2 MiB .. 4 MiB
PT_BASE         equ 0x200000
PTE_SIZE        equ 8
%else
PD              equ PAGE_TABLES
PT              equ PAGE_TABLES + 0x1000        ; maps 0 .. 4 MiB
PT_BASE         equ 0
PTE_SIZE        equ 4
%endif

%define PTE(va) (PT + ((va) - PT_BASE) / 0x1000 * PTE_SIZE)

%include "com1.inc"
%include "test32.inc"
%include "data_tests.inc"

main32:
        call idt32_install
        call tss32_install
        call paging_on
%include "alu_tests.inc"
%include "pmode_tests.inc"
%include "user32_tests.inc"
%include "system32_tests.inc"
        jmp finish32

%ifdef PAE
paging_on:
        mov edi, PAGE_TABLES
        mov ecx, 3 * 0x1000 / 4
        xor eax, eax
        rep stosd
        mov dword [PDPT], PD | 1
        mov dword [PD + 0 * 8], 0x000000 | 0x87
        mov dword [PD + 1 * 8], PT | 7
        mov dword [PD + 2 * 8], 0x400000 | 0x87
        mov dword [PD + 3 * 8], 0x600000 | 0x87
        mov dword [PD + 4 * 8], 0x400000 | 0x87
        mov edi, PT
        mov eax, PT_BASE | 7
        mov ecx, 512
.pte:   mov [edi], eax
        add eax, 0x1000
        add edi, 8
        loop .pte
        call special_pages
        mov dword [PTE(0x3F5000) + 4], 0x80000000
        mov ecx, MSR_EFER
        rdmsr
        or eax, EFER_NXE
        wrmsr
        mov eax, cr4
        or eax, CR4_PAE
        mov cr4, eax
        mov eax, PDPT
        mov cr3, eax
        mov eax, cr0
        or eax, CR0_PG | CR0_WP
        mov cr0, eax
        ret
%else
paging_on:
        mov edi, PAGE_TABLES
        mov ecx, 2 * 0x1000 / 4
        xor eax, eax
        rep stosd
        mov dword [PD + 0 * 4], PT | 7
        mov dword [PD + 1 * 4], 0x400000 | 0x87
        mov dword [PD + 2 * 4], 0x400000 | 0x87
        mov edi, PT
        mov eax, 7
        mov ecx, 1024
.pte:   mov [edi], eax
        add eax, 0x1000
        add edi, 4
        loop .pte
        call special_pages
        mov eax, cr4
        or eax, CR4_PSE
        mov cr4, eax
        mov eax, PD
        mov cr3, eax
        mov eax, cr0
        or eax, CR0_PG | CR0_WP
        mov cr0, eax
        ret
%endif

special_pages:
        mov dword [PTE(0x3F0000)], 0
        mov dword [PTE(0x3F1000)], 0x3F1000 | 5
        mov dword [PTE(0x3F3000)], 0x3F4000 | 7
        mov dword [PTE(0x3F7000)], 0x3F7000 | 3
        ret

image_end:
