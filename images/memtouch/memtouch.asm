; memtouch: a multiboot kernel that writes one dword to every 4 KiB page of the 64 MiB from
; 16 MiB up, reads them back, prints "touched 64 MiB" on COM1 and exits through isa-debug-exit
; with status 85. A memory test of the emulator, not of the guest: the host's resident size
; after it says how much of a large guest's RAM the emulator committed.

%include "boot32.inc"
%include "com1.inc"

FIRST   equ 16 << 20
LAST    equ 80 << 20

main32:
        mov esp, STACK_TOP
        mov edi, FIRST
.write: mov [edi], edi
        add edi, 4096
        cmp edi, LAST
        jb .write
        mov edi, FIRST
.check: cmp [edi], edi
        jne .bad
        add edi, 4096
        cmp edi, LAST
        jb .check
        mov esi, msg_ok
        call puts
        mov al, EXIT_PASS
        call exit_with
.bad:   mov esi, msg_bad
        call puts
        mov al, EXIT_UNEXPECTED
        call exit_with

msg_ok:  db "touched 64 MiB", 10, 0
msg_bad: db "memory does not read back", 10, 0
image_end:
