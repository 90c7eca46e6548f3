; A disk image's first 17 sectors: a boot sector that the BIOS loads at 0:7C00 and that
; loads the rest (the stage, sectors 1-16) with int 13h CHS, then the stage, which exercises
; the BIOS disk services on the IDE or virtio disks it finds and reports on COM1:
;
;   -DMODE_READ   reads through int 13h CHS (AH=02) and EDD (AH=42) from drive 80h, and 64
;                 sectors from drive 81h when there is one, printing checksums of what it read;
;   -DMODE_WRITE  writes sectors with CHS (AH=03) and EDD (AH=43), reads them back and
;                 compares, printing the BIOS status of each call;
;   -DMODE_IDEBENCH reads 64 MiB of drive 80h twice with its own ATA driver, not the BIOS:
;                 PIO (READ SECTORS, 128 sectors a command, REP INSW per sector) and bus-master
;                 DMA (READ DMA, one 64 KiB PRD), printing each pass's time and rate;
;   -DMODE_VIRTIOBENCH reads 64 MiB of the first virtio-blk disk with its own legacy virtio-pci
;                 driver, 8 requests of 32 KiB in flight, polling the used ring, printing the
;                 time, the rate and the mean request latency;
;   (no mode)     boots, prints its first line and "done": the boot-time benchmark;
;   -DMODE_DEMO   the demo: reads 16 MiB of drive 81h, writes 4 MiB to it and reads them back,
;                 reporting sizes, times (measured with the ACPI PM timer) and rates, then
;                 powers the machine off through ACPI (exit status 0) and halts: its last line
;                 is "powering off through ACPI", never "done".
;
; The data the READ mode sums is the test's pattern, byte x of the disk = (x / 512 * 7 +
; x % 512 * 13 + 0x5A) mod 256 (the test writes it; the stage's own sectors excepted). The
; WRITE mode writes byte i of sector k = (k * 3 + i * 5 + 0xC3) mod 256 for CHS sector 19
; onwards (8 sectors) and LBA 2048 onwards (64 sectors).
; Every line ends with a newline; the last is "done", and the guest leaves through
; isa-debug-exit at 0xF4 with 0x10 (exit status 33).

        bits 16
        org 0x7C00

STAGE_SECTORS   equ 16
BUF_SEG         equ 0x1000          ; 64 KiB transfer buffer at 0x10000

boot:
        cli
        xor ax, ax
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov sp, 0x7C00
        sti
        mov [boot_drive], dl
        mov ax, 0x0200 | STAGE_SECTORS   ; read STAGE_SECTORS sectors
        mov cx, 0x0002                    ; cylinder 0, sector 2
        xor dh, dh                        ; head 0
        mov bx, stage
        int 0x13
        jc .failed
        jmp stage
.failed:
        mov al, 0x7F                      ; exit status 255: the stage did not load
        out 0xF4, al
        cli
        hlt

boot_drive: db 0

        times 510 - ($ - $$) db 0
        dw 0xAA55

stage:
        mov si, s_hello
        call puts
        mov al, [boot_drive]
        mov cl, 2
        call puthex
        call newline
%ifdef MODE_READ
        call read_tests
%endif
%ifdef MODE_WRITE
        call write_tests
%endif
%ifdef MODE_DEMO
        call demo
%endif
%ifdef MODE_IDEBENCH
        call idebench
%endif
%ifdef MODE_VIRTIOBENCH
        call virtiobench
%endif
        mov si, s_done
        call puts
        mov al, 0x10
        call exit_with

; ---------------------------------------------------------------------------------------
; geometry: int 13h AH=08 for drive DL; prints "DRIVE geometry c= h= s= drives=" (the last
; cylinder, the last head, sectors per track, the number of hard disks) or "DRIVE absent ah=".
; CF set when absent.
geometry:
        mov [cur_drive], dl
        mov ah, 0x08
        xor di, di
        push es
        int 0x13
        pop es
        jc .absent
        mov [geo_cl], cl
        mov [geo_ch], ch
        mov [geo_heads], dh
        mov [geo_count], dl
        mov al, [cur_drive]
        mov cl, 2
        call puthex
        mov si, s_geometry
        call puts
        mov al, [geo_cl]                  ; the last cylinder: CL[7:6]:CH
        shr al, 6
        mov ah, al
        mov al, [geo_ch]
        mov si, l_c
        call putlabel
        mov cl, 3
        call puthex
        mov al, [geo_heads]
        mov si, l_h
        call putlabel
        mov cl, 2
        call puthex
        mov al, [geo_cl]
        and al, 0x3F
        mov si, l_s
        call putlabel
        call puthex
        mov al, [geo_count]
        mov si, l_drives
        call putlabel
        call puthex
        call newline
        clc
        ret
.absent:
        push ax
        mov al, [cur_drive]
        mov cl, 2
        call puthex
        mov si, s_absent
        call puts
        pop ax
        mov si, l_ah
        call status
        call newline
        stc
        ret

; sum: EAX = checksum of CX sectors at BUF_SEG:0: for each dword d in order,
; EAX = rol(EAX, 3) + d, starting from 0 (order-sensitive, so a misplaced sector shows).
sum:
        push ds
        push si
        push cx
        mov ax, BUF_SEG
        mov ds, ax
        xor si, si
        shl cx, 7                         ; dwords
        xor eax, eax
.loop:  rol eax, 3
        add eax, [si]
        add si, 4
        loop .loop
        pop cx
        pop si
        pop ds
        ret

; edd: int 13h extended read (AH=42h) or write (AH=43h) of [dap_count] sectors at LBA
; [dap_lba] of drive DL to/from BUF_SEG:0; AH = function. Returns the BIOS status in AH, CF.
edd:
        mov word [dap_buf], 0
        mov word [dap_buf + 2], BUF_SEG
        mov si, dap
        xor al, al
        int 0x13
        ret

; status: prints " LABEL=XX" with AH, the BIOS status.
status:
        push ax
        call putlabel
        mov al, ah
        mov cl, 2
        call puthex
        pop ax
        ret

%ifdef MODE_READ
read_tests:
        mov dl, 0x80
        call geometry
        jc .hdb
        ; CHS: 8 sectors from cylinder 0, head 1, sector 1 (LBA = sectors per track)
        mov ax, BUF_SEG
        mov es, ax
        xor bx, bx
        mov ax, 0x0208
        mov cx, 0x0001
        mov dx, 0x0180
        int 0x13
        mov si, s_chs
        mov cx, 8
        call read_result
        ; EDD presence and drive parameters
        mov ah, 0x41
        mov bx, 0x55AA
        mov dl, 0x80
        int 0x13
        mov si, s_edd
        call puts
        mov si, l_ah
        call status
        mov ax, bx
        mov si, l_bx
        call putlabel
        mov cl, 4
        call puthex
        mov word [params], 0x1A
        mov ah, 0x48
        mov dl, 0x80
        mov si, params
        int 0x13
        mov eax, [params + 0x10]
        mov si, l_sectors
        call putlabel
        mov cl, 8
        call puthex
        mov ax, [params + 0x18]
        mov si, l_bps
        call putlabel
        mov cl, 4
        call puthex
        call newline
        ; EDD read: 64 sectors from LBA 1000
        mov word [dap_count], 64
        mov dword [dap_lba], 1000
        mov ah, 0x42
        mov dl, 0x80
        call edd
        mov si, s_eddread
        mov cx, 64
        call read_result
.hdb:
        mov dl, 0x81
        call geometry
        jc .out
        mov word [dap_count], 64
        mov dword [dap_lba], 0
        mov ah, 0x42
        mov dl, 0x81
        call edd
        mov si, s_hdbread
        mov cx, 64
        call read_result
.out:   ret
%endif

%if %isdef(MODE_READ) || %isdef(MODE_WRITE)
; read_result: prints "LABEL ah=XX sum=XXXXXXXX" for the string at SI, the BIOS status in AH
; and the checksum of CX sectors at BUF_SEG:0.
read_result:
        push cx
        push ax
        call puts
        pop ax
        mov si, l_ah
        call status
        pop cx
        call sum
        mov si, l_sum
        call putlabel
        mov cl, 8
        call puthex
        call newline
        ret
%endif

%if %isdef(MODE_DEMO) || %isdef(MODE_IDEBENCH) || %isdef(MODE_VIRTIOBENCH)
PM_FREQ         equ 3579545             ; ACPI PM timer, Hz
%endif

%ifdef MODE_DEMO
DEMO_READ_KB    equ 16384
DEMO_WRITE_KB   equ 4096
CHUNK           equ 64                  ; sectors per EDD call (32 KiB)
%endif

%if %isdef(MODE_DEMO) || %isdef(MODE_IDEBENCH) || %isdef(MODE_VIRTIOBENCH)
; pm_now: EAX = the 24-bit PM timer.
pm_now:
        push dx
        mov dx, [pm_port]
        in eax, dx
        and eax, 0xFFFFFF
        pop dx
        ret

; pm_start / pm_add: [elapsed] accumulates PM ticks since pm_start across 24-bit wraps;
; pm_add is called at least every 4 s.
pm_start:
        call pm_now
        mov [pm_last], eax
        mov dword [elapsed], 0
        ret
pm_add:
        push ebx
        call pm_now
        mov ebx, eax
        sub eax, [pm_last]
        and eax, 0xFFFFFF
        add [elapsed], eax
        mov [pm_last], ebx
        pop ebx
        ret

; putdec: writes EAX in decimal.
putdec:
        pushad
        mov ebx, 10
        xor cx, cx
.div:   xor edx, edx
        div ebx
        push dx
        inc cx
        test eax, eax
        jnz .div
.out:   pop ax
        add al, '0'
        call putc
        loop .out
        popad
        ret

; putsdec: writes the string at SI, then EAX in decimal.
putsdec:
        call puts
        call putdec
        ret

; report: " in N ms, R KiB/s" for [kb] KiB in [elapsed] PM ticks.
report:
        mov si, s_in
        mov eax, [elapsed]
        mov ebx, 1000
        mul ebx
        mov ebx, PM_FREQ
        div ebx
        call putsdec
        mov si, s_ms
        mov eax, [kb]
        mov ebx, PM_FREQ
        mul ebx
        mov ecx, [elapsed]
        inc ecx
        div ecx
        call putsdec
        mov si, s_kbs
        call puts
        ret
%endif

%ifdef MODE_DEMO
; pass: CX chunks of CHUNK sectors from LBA 0 of drive 81h with EDD function AH_FN; sums each
; chunk into [checksum]; CF and AH on a failed call.
pass:
        mov dword [dap_lba], 0
        mov dword [checksum], 0
.chunk: push cx
        mov word [dap_count], CHUNK
        mov ah, [ah_fn]
        mov dl, 0x81
        call edd
        jc .fail
        mov cx, CHUNK
        call sum
        add [checksum], eax
        call pm_add
        add dword [dap_lba], CHUNK
        pop cx
        loop .chunk
        clc
        ret
.fail:  pop cx
        stc
        ret

demo:
        mov si, s_demo
        call puts
        ; the PM timer port: PIIX4 PM (00:01.3) base address register 0x40
        mov eax, 0x8000_0B40
        mov dx, 0xCF8
        out dx, eax
        mov dx, 0xCFC
        in eax, dx
        and ax, 0xFFC0
        mov [pm_base], ax
        add ax, 8
        mov [pm_port], ax
        mov dl, 0x81
        call geometry
        jc .off
        mov word [params], 0x1A
        mov ah, 0x48
        mov dl, 0x81
        mov si, params
        int 0x13
        mov eax, [params + 0x10]
        shr eax, 11
        mov si, s_size
        call putsdec
        mov si, s_mib
        call puts
        ; read
        mov byte [ah_fn], 0x42
        mov dword [kb], DEMO_READ_KB
        call pm_start
        mov cx, DEMO_READ_KB / (CHUNK / 2)
        call pass
        jc .error
        mov si, s_read
        mov eax, DEMO_READ_KB
        call putsdec
        call report
        mov si, s_checksum
        call putlabel
        mov eax, [checksum]
        mov cl, 8
        call puthex
        call newline
        ; write the WRITE pattern, then read back and compare checksums
        mov edx, 0
        mov cx, CHUNK
        call fill
        mov cx, CHUNK
        call sum
        mov [expected], eax
        mov byte [ah_fn], 0x43
        mov dword [kb], DEMO_WRITE_KB
        call pm_start
        mov cx, DEMO_WRITE_KB / (CHUNK / 2)
        call pass
        jc .error
        mov si, s_wrote
        mov eax, DEMO_WRITE_KB
        call putsdec
        call report
        call newline
        mov byte [ah_fn], 0x42
        call clear
        call pm_start
        mov cx, DEMO_WRITE_KB / (CHUNK / 2)
        call pass
        jc .error
        mov eax, [expected]
        imul eax, eax, DEMO_WRITE_KB / (CHUNK / 2)
        cmp eax, [checksum]
        jne .bad
        mov si, s_verified
        mov eax, DEMO_WRITE_KB
        call putsdec
        call report
        call newline
        jmp .off
.bad:   mov si, s_mismatch
        call puts
        jmp .off
.error: mov si, s_failed
        call puts
        mov al, ah
        mov cl, 2
        call puthex
        call newline
.off:   mov si, s_poweroff
        call puts
        ; ACPI S5: SLP_TYP 0 (the _S5 value of QEMU's and SeaBIOS's DSDT) with SLP_EN in PM1a control
        mov dx, [pm_base]
        add dx, 4
        mov ax, 0x2000
        out dx, ax
.halt:  cli                                 ; the power-off takes effect after the write: print nothing more
        hlt
        jmp .halt
%endif


%ifdef MODE_IDEBENCH
BENCH_KB        equ 65536
BENCH_CMDS      equ BENCH_KB / 64       ; 128 sectors (64 KiB) a command
PRD_TABLE       equ 0x6000
ATA_DATA        equ 0x1F0
ATA_STATUS      equ 0x1F7
ATA_CONTROL     equ 0x3F6

; ata_setup: waits for BSY clear, selects LBA [lba] of the master for 128 sectors, command AL.
ata_setup:
        push ax
.busy:  mov dx, ATA_STATUS
        in al, dx
        test al, 0x80
        jnz .busy
        mov eax, [lba]
        shr eax, 24
        and al, 0x0F
        or al, 0xE0
        mov dx, 0x1F6
        out dx, al
        mov dx, 0x1F2
        mov al, 128
        out dx, al
        mov eax, [lba]
        inc dx
        out dx, al
        shr eax, 8
        inc dx
        out dx, al
        shr eax, 8
        inc dx
        out dx, al
        pop ax
        mov dx, ATA_STATUS
        out dx, al
        ret

idebench:
        ; PIIX IDE (00:01.1): the bus-master base from BAR4, then I/O and bus-master enable
        mov eax, 0x8000_0920
        mov dx, 0xCF8
        out dx, eax
        mov dx, 0xCFC
        in eax, dx
        and ax, 0xFFFC
        mov [bm_base], ax
        mov eax, 0x8000_0904
        mov dx, 0xCF8
        out dx, eax
        mov dx, 0xCFC
        in ax, dx
        or ax, 0x0005
        out dx, ax
        mov eax, 0x8000_0B40                ; PIIX4 PM base, for the PM timer
        mov dx, 0xCF8
        out dx, eax
        mov dx, 0xCFC
        in eax, dx
        and ax, 0xFFC0
        add ax, 8
        mov [pm_port], ax
        mov dx, ATA_CONTROL                 ; nIEN: polled, no interrupts
        mov al, 0x02
        out dx, al
        mov dword [kb], BENCH_KB

        ; PIO
        call pm_start
        mov dword [lba], 0
        mov cx, BENCH_CMDS
.pio:   push cx
        mov al, 0x20                        ; READ SECTORS
        call ata_setup
        mov ax, BUF_SEG
        mov es, ax
        xor di, di
        mov bx, 128
.sector:
        mov dx, ATA_STATUS
.drq:   in al, dx
        test al, 0x80
        jnz .drq
        test al, 0x01
        jnz .error
        test al, 0x08
        jz .drq
        mov cx, 256
        mov dx, ATA_DATA
        rep insw
        dec bx
        jnz .sector
        call pm_add
        add dword [lba], 128
        pop cx
        loop .pio
        xor ax, ax
        mov es, ax
        mov si, s_pio
        mov eax, BENCH_KB
        call putsdec
        call report
        call newline

        ; bus-master DMA: one PRD of 64 KiB (byte count 0) at BUF_SEG:0, end of table
        mov dword [PRD_TABLE], BUF_SEG * 16
        mov dword [PRD_TABLE + 4], 0x8000_0000
        mov dx, [bm_base]
        add dx, 4
        mov eax, PRD_TABLE
        out dx, eax
        call pm_start
        mov dword [lba], 0
        mov cx, BENCH_CMDS
.dma:   push cx
        mov dx, [bm_base]
        mov al, 0x08                        ; direction: device to memory
        out dx, al
        mov al, 0xC8                        ; READ DMA
        call ata_setup
        mov dx, [bm_base]
        mov al, 0x09                        ; start
        out dx, al
        add dx, 2
.wait:  in al, dx                           ; nIEN keeps the interrupt bit clear: wait for active to drop
        test al, 0x02
        jnz .dmaerr
        test al, 0x01
        jnz .wait
        mov al, 0x06                        ; clear interrupt and error
        out dx, al
        sub dx, 2
        xor al, al
        out dx, al
        mov dx, ATA_STATUS
        in al, dx
        test al, 0x01
        jnz .dmaerr
        call pm_add
        add dword [lba], 128
        pop cx
        loop .dma
        mov si, s_dma
        mov eax, BENCH_KB
        call putsdec
        call report
        call newline
        ret
.error: pop cx
        xor ax, ax
        mov es, ax
        mov si, s_ataerr
        call puts
        ret
.dmaerr:
        pop cx
        mov si, s_ataerr
        call puts
        ret
%endif

%ifdef MODE_VIRTIOBENCH
VB_KB           equ 65536
VB_REQ_KB       equ 32
VB_REQS         equ VB_KB / VB_REQ_KB
VB_INFLIGHT     equ 8
VRING_SEG       equ 0x1000              ; the ring at 0x10000: descriptors, avail, used at +0x1000 * k
VB_BUF          equ 0x20000             ; VB_INFLIGHT buffers of 32 KiB
VB_HDR          equ 0x6000              ; per slot: 16-byte header, 1 status byte (32 bytes apart)
VIRTIO_VENDOR   equ 0x1AF4

; pci_read: EAX = config dword at the address in EAX (bus 0).
pci_read:
        mov dx, 0xCF8
        out dx, eax
        mov dx, 0xCFC
        in eax, dx
        ret

; vb_submit: puts slot BX's request for sector [vb_next] * 64 in the avail ring; 3 descriptors
; per slot (3 * BX ...).
vb_submit:
        pushad
        movzx ebx, bx
        ; header: type IN (0), reserved, sector
        mov edi, ebx
        shl edi, 5
        add edi, VB_HDR
        mov dword [edi], 0
        mov dword [edi + 4], 0
        mov eax, [vb_next]
        shl eax, 6                      ; 64 sectors per 32 KiB request
        mov [edi + 8], eax
        mov dword [edi + 12], 0
        mov byte [edi + 16], 0xFF
        ; descriptors 3*slot .. 3*slot+2 in the table at VRING_SEG:0
        push es
        mov ax, VRING_SEG
        mov es, ax
        mov esi, ebx
        imul esi, esi, 3 * 16
        ; header: read-only, next
        mov [es:si], edi
        mov dword [es:si + 4], 0
        mov dword [es:si + 8], 16
        mov word [es:si + 12], 1        ; NEXT
        lea eax, [ebx * 3 + 1]
        mov [es:si + 14], ax
        ; data: device-writable, next
        mov eax, ebx
        shl eax, 15
        add eax, VB_BUF
        mov [es:si + 16], eax
        mov dword [es:si + 20], 0
        mov dword [es:si + 24], VB_REQ_KB * 1024
        mov word [es:si + 28], 3        ; NEXT | WRITE
        lea eax, [ebx * 3 + 2]
        mov [es:si + 30], ax
        ; status: device-writable
        lea eax, [edi + 16]
        mov [es:si + 32], eax
        mov dword [es:si + 36], 0
        mov dword [es:si + 40], 1
        mov word [es:si + 44], 2        ; WRITE
        mov word [es:si + 46], 0
        ; avail ring at 0x1000 + queue size * 16: flags, idx, ring[]
        mov di, [vb_avail]
        mov ax, [es:di + 2]
        mov cx, [vb_qsize]
        dec cx
        and cx, ax
        shl cx, 1
        add di, cx
        lea ecx, [ebx * 3]
        mov [es:di + 4], cx
        mov di, [vb_avail]
        inc word [es:di + 2]
        pop es
        ; latency: remember when this slot went out
        call pm_now
        mov [vb_sent + ebx * 4], eax
        inc dword [vb_next]
        popad
        ret

virtiobench:
        ; find the first virtio-blk (1af4:1001) on bus 0
        mov ebx, 0x8000_0000
.scan:  mov eax, ebx
        call pci_read
        cmp eax, 0x1001_0000 | VIRTIO_VENDOR
        je .found
        add ebx, 0x800
        cmp ebx, 0x8001_0000
        jb .scan
        mov si, s_novirtio
        call puts
        ret
.found: mov eax, ebx
        or al, 0x10
        call pci_read
        and ax, 0xFFFC
        mov [vb_io], ax
        mov eax, ebx
        or al, 0x04
        mov dx, 0xCF8
        out dx, eax
        mov dx, 0xCFC
        in ax, dx
        or ax, 0x0005
        out dx, ax
        mov eax, 0x8000_0B40                ; PIIX4 PM base, for the PM timer
        call pci_read
        and ax, 0xFFC0
        add ax, 8
        mov [pm_port], ax
        cli
        ; reset, ACKNOWLEDGE | DRIVER, no features, queue 0
        mov dx, [vb_io]
        add dx, 0x12
        xor al, al
        out dx, al
        mov al, 3
        out dx, al
        mov dx, [vb_io]
        add dx, 4
        xor eax, eax
        out dx, eax
        mov dx, [vb_io]
        add dx, 0x0E
        xor ax, ax
        out dx, ax
        mov dx, [vb_io]
        add dx, 0x0C
        in ax, dx
        mov [vb_qsize], ax
        ; ring layout (legacy): descriptors, avail right after, used at the next 4 KiB
        shl ax, 4
        mov [vb_avail], ax
        mov cx, [vb_qsize]
        shl cx, 1
        add ax, cx
        add ax, 6 + 0xFFF
        and ax, 0xF000
        mov [vb_used], ax
        push es
        mov ax, VRING_SEG
        mov es, ax
        xor di, di
        xor ax, ax
        mov cx, 0x8000
        rep stosw
        pop es
        mov dx, [vb_io]
        add dx, 0x08
        mov eax, VRING_SEG * 16 >> 12
        out dx, eax
        mov dx, [vb_io]
        add dx, 0x12
        mov al, 7                           ; DRIVER_OK
        out dx, al
        mov dword [kb], VB_KB
        mov dword [vb_next], 0
        mov dword [vb_latency], 0
        mov word [vb_seen], 0
        call pm_start
        xor bx, bx
.fill:  call vb_submit
        inc bx
        cmp bx, VB_INFLIGHT
        jb .fill
        call vb_notify
        mov dword [vb_done], 0
.poll:  push es
        mov ax, VRING_SEG
        mov es, ax
        mov di, [vb_used]
        mov ax, [es:di + 2]
        cmp ax, [vb_seen]
        je .idle
        ; one completion: its head id / 3 is the slot
        mov cx, [vb_qsize]
        dec cx
        and cx, [vb_seen]
        shl cx, 3
        add di, cx
        mov eax, [es:di + 4]
        pop es
        inc word [vb_seen]
        xor edx, edx
        mov ecx, 3
        div ecx
        mov ebx, eax
        mov edi, ebx
        shl edi, 5
        cmp byte [VB_HDR + edi + 16], 0
        jne .ioerr
        call pm_now
        sub eax, [vb_sent + ebx * 4]
        and eax, 0xFFFFFF
        add [vb_latency], eax
        call pm_add
        inc dword [vb_done]
        mov eax, [vb_next]
        cmp eax, VB_REQS
        jae .nomore
        call vb_submit
        call vb_notify
.nomore:
        cmp dword [vb_done], VB_REQS
        jb .poll
        sti
        mov si, s_virtio
        mov eax, VB_KB
        call putsdec
        call report
        ; mean latency in microseconds: ticks * 1000000 / PM_FREQ / requests
        mov si, s_latency
        mov eax, [vb_latency]
        xor edx, edx
        mov ecx, VB_REQS
        div ecx
        mov ecx, 1000000
        mul ecx
        mov ecx, PM_FREQ
        div ecx
        call putsdec
        mov si, s_us
        call puts
        ret
.idle:  pop es
        call pm_add
        jmp .poll
.ioerr: sti
        mov si, s_vioerr
        call puts
        ret

vb_notify:
        mov dx, [vb_io]
        add dx, 0x10
        xor ax, ax
        out dx, ax
        ret
%endif

%if %isdef(MODE_WRITE) || %isdef(MODE_DEMO)
; fill: writes the WRITE pattern of CX sectors, the first being sector number EDX, at BUF_SEG:0.
fill:
        push es
        mov ax, BUF_SEG
        mov es, ax
        xor di, di
.sector:
        push cx
        mov bl, dl                        ; k * 3 + 0xC3
        imul bx, bx, 3
        add bl, 0xC3
        mov cx, 512
.byte:  mov [es:di], bl
        add bl, 5
        inc di
        loop .byte
        inc edx
        pop cx
        loop .sector
        pop es
        ret

; clear: zeroes 64 KiB at BUF_SEG:0.
clear:
        push es
        mov ax, BUF_SEG
        mov es, ax
        xor di, di
        xor ax, ax
        mov cx, 0x8000
        rep stosw
        pop es
        ret
%endif

%ifdef MODE_WRITE
write_tests:
        mov dl, 0x80
        call geometry
        ; CHS write: 8 sectors at cylinder 0, head 0, sector 20 (LBA 19)
        mov edx, 19
        mov cx, 8
        call fill
        mov ax, BUF_SEG
        mov es, ax
        xor bx, bx
        mov ax, 0x0308
        mov cx, 0x0014
        mov dx, 0x0080
        int 0x13
        push ax
        xor ax, ax
        mov es, ax
        mov si, s_chswrite
        call puts
        pop ax
        mov si, l_ah
        call status
        call newline
        ; EDD write: 64 sectors at LBA 2048, then read back and compare
        mov edx, 2048
        mov cx, 64
        call fill
        mov word [dap_count], 64
        mov dword [dap_lba], 2048
        mov ah, 0x43
        mov dl, 0x80
        call edd
        push ax
        mov si, s_eddwrite
        call puts
        pop ax
        mov si, l_ah
        call status
        call newline
        call clear
        mov word [dap_count], 64
        mov dword [dap_lba], 2048
        mov ah, 0x42
        mov dl, 0x80
        call edd
        mov si, s_readback
        mov cx, 64
        call read_result
        ret
%endif

%include "com1.inc"

s_hello:    db "diskboot: boot drive ", 0
s_geometry: db " geometry", 0
s_absent:   db " absent", 0
s_chs:      db "chs-read", 0
s_edd:      db "edd", 0
s_eddread:  db "edd-read", 0
s_hdbread:  db "hdb-read", 0
s_chswrite: db "chs-write", 0
s_eddwrite: db "edd-write", 0
s_readback: db "readback", 0
s_done:     db "done", 10, 0
l_c:        db "c", 0
l_h:        db "h", 0
l_s:        db "s", 0
l_ah:       db "ah", 0
l_bx:       db "bx", 0
l_sum:      db "sum", 0
l_sectors:  db "sectors", 0
l_bps:      db "bps", 0
l_drives:   db "drives", 0

cur_drive:  db 0
geo_cl:     db 0
geo_ch:     db 0
geo_heads:  db 0
geo_count:  db 0
            align 4
dap:        db 0x10, 0
dap_count:  dw 0
dap_buf:    dd 0
dap_lba:    dq 0
params:     times 0x1E db 0
%ifdef MODE_DEMO
s_demo:     db "jemu demo: SeaBIOS booted this disk from IDE; reading and writing the second disk", 10, 0
s_size:     db "drive 81h: ", 0
s_mib:      db " MiB", 10, 0
s_read:     db "read ", 0
s_wrote:    db "wrote ", 0
s_verified: db "read back and verified ", 0
s_checksum: db "checksum", 0
s_mismatch: db "read back: MISMATCH", 10, 0
s_failed:   db "disk error ah=", 0
s_poweroff: db "powering off through ACPI", 10, 0
pm_base:    dw 0
ah_fn:      db 0
            align 4
checksum:   dd 0
expected:   dd 0
%endif
%ifdef MODE_VIRTIOBENCH
s_virtio:   db "virtio read ", 0
s_latency:  db ", mean request latency ", 0
s_us:       db " us", 10, 0
s_novirtio: db "no virtio-blk device", 10, 0
s_vioerr:   db "virtio request failed", 10, 0
vb_io:      dw 0
vb_qsize:   dw 0
vb_avail:   dw 0
vb_used:    dw 0
vb_seen:    dw 0
            align 4
vb_next:    dd 0
vb_done:    dd 0
vb_latency: dd 0
vb_sent:    times VB_INFLIGHT dd 0
%endif
%ifdef MODE_IDEBENCH
s_pio:      db "pio read ", 0
s_dma:      db "dma read ", 0
s_ataerr:   db "ATA error", 10, 0
bm_base:    dw 0
            align 4
lba:        dd 0
%endif
%if %isdef(MODE_DEMO) || %isdef(MODE_IDEBENCH) || %isdef(MODE_VIRTIOBENCH)
s_in:       db " KiB in ", 0
s_ms:       db " ms: ", 0
s_kbs:      db " KiB/s", 0
pm_port:    dw 0
            align 4
pm_last:    dd 0
elapsed:    dd 0
kb:         dd 0
%endif

        times (STAGE_SECTORS + 1) * 512 - ($ - $$) db 0
