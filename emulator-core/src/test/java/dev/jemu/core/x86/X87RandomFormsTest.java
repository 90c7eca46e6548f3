package dev.jemu.core.x86;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Random differential vectors: 32 operand pairs (random significands, nearby and distant
 * exponents, zeros, infinities, QNaNs and SNaNs, unnormals, denormals, extremes) with a random
 * precision and rounding control each and a 16- and a 32-bit integer, generated once from
 * seed 5, put through the reversed (FSUBR, FDIVR), register-destination (DC), popping (DE),
 * m32/m64 real and m16/m32 integer operand forms, FISTP m16, FXTRACT, FCOMI, FXAM and FSQRT
 * under Debian's QEMU 7.2 (TCG); its output is kept here and jemu must reproduce it bit for
 * bit (C1 and DE masked, see {@link X87VectorsTest}).
 */
class X87RandomFormsTest {
    /** The program: for each table entry (a: m80, b: m80, control word, m16 int, m32 int), each operation. */
    private static final String PROGRAM = """
                    mov esp, 0x80000
                    mov ebx, table
            next:
                    cmp ebx, table_end
                    jae done
                    fninit
                    fldcw [ebx + 22]
                    fld tword [ebx + 12]
                    fld tword [ebx]
                    fsubr st0, st1
                    call dump
                    fninit
                    fldcw [ebx + 22]
                    fld tword [ebx + 12]
                    fld tword [ebx]
                    fdivr st0, st1
                    call dump
                    fninit
                    fldcw [ebx + 22]
                    fld tword [ebx + 12]
                    fld tword [ebx]
                    fsub st1, st0
                    fstp st0
                    call dump
                    fninit
                    fldcw [ebx + 22]
                    fld tword [ebx + 12]
                    fld tword [ebx]
                    fdivr st1, st0
                    fstp st0
                    call dump
                    fninit
                    fldcw [ebx + 22]
                    fld tword [ebx + 12]
                    fld tword [ebx]
                    fsubp st1, st0
                    call dump
                    fninit
                    fldcw [ebx + 22]
                    fld tword [ebx + 12]
                    fld tword [ebx]
                    fdivrp st1, st0
                    call dump
                    fninit
                    fldcw [ebx + 22]
                    fld tword [ebx + 12]
                    fstp dword [tmp]
                    fnclex
                    fld tword [ebx]
                    fadd dword [tmp]
                    call dump
                    fninit
                    fldcw [ebx + 22]
                    fld tword [ebx + 12]
                    fstp qword [tmp]
                    call fullprec
                    fld tword [ebx]
                    fdiv qword [tmp]
                    call dump
                    fninit
                    fldcw [ebx + 22]
                    fld tword [ebx]
                    fisub word [ebx + 24]
                    call dump
                    fninit
                    fldcw [ebx + 22]
                    fld tword [ebx]
                    fidivr dword [ebx + 28]
                    call dump
                    fninit
                    fldcw [ebx + 22]
                    fld tword [ebx]
                    fimul word [ebx + 24]
                    call dump
                    fninit
                    fldcw [ebx + 22]
                    fld tword [ebx]
                    fistp word [res]
                    call dumpmem
                    fninit
                    fldcw [ebx + 22]
                    fld tword [ebx]
                    fxtract
                    call dump
                    call dump
                    fninit
                    fldcw [ebx + 22]
                    fld tword [ebx + 12]
                    fld tword [ebx]
                    fcomi st0, st1
                    pushfd
                    pop dword [res]
                    call dumpmem
                    fninit
                    fldcw [ebx + 22]
                    fld tword [ebx]
                    fxam
                    call dump
                    fninit
                    fldcw [ebx + 22]
                    fld tword [ebx]
                    fld st0
                    fstp tword [res]
                    fld tword [res]
                    fsqrt
                    call dump
                    add ebx, 32
                    jmp next
            ; QEMU 7.2 rounds m64 operands to the precision control when loading them, real x87s do not:
            ; divide by one under 64-bit precision and the entry's rounding control
            fullprec:
                    mov ax, [ebx + 22]
                    or ax, 0x300
                    mov [cw], ax
                    fninit
                    fldcw [cw]
                    ret
            """ + X87DumpRoutines.NASM + """
            res:    dq 0, 0
            tmp:    dq 0, 0
            cw:     dw 0
                    align 8
            table:
                    dq 0xd8608fefcb91ce37
                    dw 0x401b, 0
                    dq 0xaf96ecbf1cfb10f6
                    dw 0xc01b, 0x0e7f, 0x0000, 0
                    dd 0x00000003
                    dq 0x800000deea959c21
                    dw 0xffff, 0
                    dq 0x0000000000000000
                    dw 0x0000, 0x067f, 0x7fff, 0
                    dd 0x00000000
                    dq 0xffffffffffffffff
                    dw 0x4001, 0
                    dq 0x13d659c910e6d8e7
                    dw 0x0000, 0x027f, 0x0000, 0
                    dd 0xf3001cee
                    dq 0xe4d49bd38c8f95ef
                    dw 0xc00e, 0
                    dq 0x97285ea7b52fa53c
                    dw 0x400e, 0x047f, 0xffff, 0
                    dd 0xfffffff9
                    dq 0x8dd4ad2a767d5274
                    dw 0xc005, 0
                    dq 0x8000000000000000
                    dw 0x7fff, 0x027f, 0xaff8, 0
                    dd 0xfffffff9
                    dq 0xffffffffffffffff
                    dw 0x3fea, 0
                    dq 0xdeca980000000000
                    dw 0xbfaa, 0x0f7f, 0x0001, 0
                    dd 0x0e42d43c
                    dq 0x17df31766f3f0241
                    dw 0xbfff, 0
                    dq 0xbe7bfe7bf5cb2afc
                    dw 0xfffe, 0x0f7f, 0xffff, 0
                    dd 0x7fffffff
                    dq 0xe939180000000000
                    dw 0x401f, 0
                    dq 0xe419329783e2c328
                    dw 0xc020, 0x087f, 0x908a, 0
                    dd 0xfffffff9
                    dq 0xeae8e5e847e5eb8d
                    dw 0xc001, 0
                    dq 0xd3291cca570f0cbe
                    dw 0x4040, 0x0c7f, 0xffff, 0
                    dd 0x536e816b
                    dq 0xd2df36b58016e14d
                    dw 0xc00c, 0
                    dq 0x96139882d7c6f4e2
                    dw 0xbfcc, 0x0b7f, 0x0001, 0
                    dd 0x00000003
                    dq 0xe3e337a99de552dd
                    dw 0x8001, 0
                    dq 0x9909622707123c8d
                    dw 0x0040, 0x077f, 0xd3e5, 0
                    dd 0x2e376b8b
                    dq 0x9cf58472fad18c6a
                    dw 0x3fe6, 0
                    dq 0x98c006107b8fba72
                    dw 0x4026, 0x0f7f, 0x7fff, 0
                    dd 0x80000000
                    dq 0x800000005fbf2e17
                    dw 0x7fff, 0
                    dq 0xc5c9c80000000000
                    dw 0xc03e, 0x0b7f, 0x7fff, 0
                    dd 0x80000000
                    dq 0x941137ce24617bfa
                    dw 0xc01d, 0
                    dq 0xd4b13a07e4ba40d5
                    dw 0x401e, 0x037f, 0x8000, 0
                    dd 0x80000000
                    dq 0xf2158573e06248b4
                    dw 0xc016, 0
                    dq 0xdaa986c7f8f2c944
                    dw 0xc006, 0x077f, 0x8000, 0
                    dd 0x4283de5c
                    dq 0x828496fe6a5daa44
                    dw 0xc007, 0
                    dq 0xd47ccee81f33ebee
                    dw 0xc006, 0x0a7f, 0x0001, 0
                    dd 0x7fffffff
                    dq 0x8000000000000000
                    dw 0xbfff, 0
                    dq 0x9021d00000000000
                    dw 0xc000, 0x0b7f, 0xfbb9, 0
                    dd 0x00000000
                    dq 0xe8048543beb9722b
                    dw 0x3fe4, 0
                    dq 0x8000000000000000
                    dw 0xbfff, 0x0f7f, 0x7fff, 0
                    dd 0xaead0f80
                    dq 0x0034dcb9d6165b4f
                    dw 0x8000, 0
                    dq 0x32ac0a5315cf6af5
                    dw 0xbfff, 0x007f, 0x0e45, 0
                    dd 0x00000000
                    dq 0x8fcac0be0c843f2b
                    dw 0x3ffc, 0
                    dq 0xff3d21b72276d780
                    dw 0xbffd, 0x077f, 0x8000, 0
                    dd 0x7fffffff
                    dq 0x9b48200000000000
                    dw 0x3fed, 0
                    dq 0xc9a1faad9233d3f6
                    dw 0x3fee, 0x077f, 0x7fff, 0
                    dd 0xfffffff9
                    dq 0xf82203775a789cbb
                    dw 0xbfe7, 0
                    dq 0x3a445ce34a4cf15f
                    dw 0x0000, 0x077f, 0xffff, 0
                    dd 0x740df956
                    dq 0x8264780000000000
                    dw 0xbfea, 0
                    dq 0xcc07593981a7d2f4
                    dw 0xbfeb, 0x0e7f, 0x7fff, 0
                    dd 0xfffffff9
                    dq 0x8000000000000000
                    dw 0x3fff, 0
                    dq 0xcff9580000000000
                    dw 0xc001, 0x077f, 0xffff, 0
                    dd 0x80000000
                    dq 0x9176633f60cdb5d6
                    dw 0xc005, 0
                    dq 0xff1cf4d497b663f0
                    dw 0x4045, 0x0e7f, 0x0000, 0
                    dd 0x00000000
                    dq 0x8000007befe6f29b
                    dw 0x7fff, 0
                    dq 0xffffffffffffffff
                    dw 0x4000, 0x087f, 0x7fff, 0
                    dd 0x80000000
                    dq 0xe00c0dfe295a8513
                    dw 0xbffe, 0
                    dq 0x0000000000000000
                    dw 0x8000, 0x0b7f, 0x4c22, 0
                    dd 0x3d6d4c22
                    dq 0xdb7ec80000000000
                    dw 0x3ffd, 0
                    dq 0xae9fd886b4eb1afa
                    dw 0xbfbd, 0x0e7f, 0xffff, 0
                    dd 0x111ef5da
                    dq 0x9ec9ca6bc69d944e
                    dw 0x3ffa, 0
                    dq 0x80cd8b1a454d554f
                    dw 0xbfba, 0x0c7f, 0x0001, 0
                    dd 0x00000000
                    dq 0xc8587ea184d93fce
                    dw 0xbfec, 0
                    dq 0xbc52680000000000
                    dw 0x3fdd, 0x027f, 0x7fff, 0
                    dd 0x00000000
                    dq 0x981250076700e717
                    dw 0xfffe, 0
                    dq 0xdd75480000000000
                    dw 0x0001, 0x0f7f, 0x7fff, 0
                    dd 0x85b6846b
                    dq 0x0000000000000000
                    dw 0x8000, 0
                    dq 0x9f573ae578bb6b3d
                    dw 0x3ffe, 0x077f, 0x0000, 0
                    dd 0x7e1efbc0
            table_end:
            """;

    /** Output of PROGRAM under qemu-system-x86_64 7.2. */
    private static final String QEMU_OUTPUT = """
            3020 c01c c3fbbe5774466800
            3020 bffe cfbe4c8a1864d800
            3820 c01c c3fbbe5774466800
            3820 bfff 9dbbab5a4f092800
            3820 c01c c3fbbe5774466800
            3820 bfff 9dbbab5a4f092800
            3820 4019 a3268fbf2e473800
            3820 bfff 9dbbab5a4f092ea4
            3820 401b d8608fefcb91c800
            3820 3fe3 e328abe26c693000
            3800 0000 0000000000000000
            0001 0000000000008000
            3000 3fff d8608fefcb91ce37
            3800 4003 e000000000000000
            3000 e000000000000002
            3c00 401b d8608fefcb91ce37
            3020 400d a66c0800e1c42000
            3001 ffff c00000deea959c21
            3001 ffff c00000deea959c21
            3801 ffff c00000deea959c21
            3801 ffff c00000deea959c21
            3801 ffff c00000deea959c21
            3801 ffff c00000deea959c21
            3801 ffff c00000deea959c21
            3801 ffff c00000deea959c21
            3801 ffff c00000deea959c21
            3801 ffff c00000deea959c21
            3801 ffff c00000deea959c21
            0001 c00000deea958000
            3001 ffff c00000deea959c21
            3801 ffff c00000deea959c21
            3001 c00000de00000047
            3b00 ffff 800000deea959c21
            3401 ffff c00000deea959c21
            3020 c002 8000000000000000
            3030 0000 027acb39221cd800
            3820 c002 8000000000000000
            3828 7fff 8000000000000000
            3820 c002 8000000000000000
            3828 7fff 8000000000000000
            3820 4002 8000000000000000
            3804 7fff 8000000000000000
            3820 4002 8000000000000000
            3820 c017 cffe312000000000
            3800 0000 0000000000000000
            0020 0000000000000008
            3000 3fff ffffffffffffffff
            3800 4000 8000000000000000
            3000 8000000000000002
            3c00 4001 ffffffffffffffff
            3020 4000 b504f333f9de6800
            3020 400f bdfe7d0000000000
            3020 bffe a91ade0000000000
            3820 400f bdfe7d0000000000
            3820 bfff c1c5ee0000000000
            3820 400f bdfe7d0000000000
            3820 bfff c1c5ee0000000000
            3820 c00d 9b587c0000000000
            3820 bfff c1c5eded50a7965c
            3820 c00e e4d39c0000000000
            3820 3ff1 fa98900000000000
            3820 400e e4d49b0000000000
            0001 e4d49b0000008000
            3000 bfff e4d49bd38c8f95ef
            3800 4002 f000000000000000
            3000 f000000000000003
            3e00 c00e e4d49bd38c8f95ef
            3401 ffff c000000000000000
            3000 7fff 8000000000000000
            3000 ffff 8000000000000000
            3800 7fff 8000000000000000
            3800 8000 0000000000000000
            3800 7fff 8000000000000000
            3800 8000 0000000000000000
            3800 7fff 8000000000000000
            3800 8000 0000000000000000
            3820 400d 9f822b52d5898000
            3820 3ffb ca280b10c8991000
            3820 4013 b15b930ab96b7800
            0020 b15b930ab96bffb9
            3000 bfff 8dd4ad2a767d5274
            3800 4001 c000000000000000
            3000 c000000000000003
            3e00 c005 8dd4ad2a767d5274
            3401 ffff c000000000000000
            3020 bfea ffffffffffffffff
            3020 bfbe deca980000000000
            3820 bfea ffffffffffffffff
            3820 c03f 93144cdc988fbad0
            3820 bfea ffffffffffffffff
            3820 c03f 93144cdc988fbad0
            3820 3fea fffffffffffffffe
            3820 c03f 93144cdc988fbad0
            3820 bffe fffff00000000000
            3820 402e e42d43c000000000
            3800 3fea ffffffffffffffff
            0020 ffffffffffff0000
            3000 3fff ffffffffffffffff
            3800 c003 a800000000000000
            3000 a800000000000002
            3c00 3fea ffffffffffffffff
            3020 3ff4 ffffffffffffffff
            3001 ffff c000000000000000
            3001 ffff c000000000000000
            3801 ffff c000000000000000
            3801 ffff c000000000000000
            3801 ffff c000000000000000
            3801 ffff c000000000000000
            3801 ffff c000000000000000
            3801 ffff c000000000000000
            3801 ffff c000000000000000
            3801 ffff c000000000000000
            3801 ffff c000000000000000
            0001 c000000000008000
            3001 ffff c000000000000000
            3801 ffff c000000000000000
            3001 c000000000000047
            3a00 bfff 17df31766f3f0241
            3401 ffff c000000000000000
            3020 c021 ac5adf0000000000
            3020 bfff fa5ffb0000000000
            3820 c021 ac5adf0000000000
            3820 bffe 82e02f0000000000
            3820 c021 ac5adf0000000000
            3820 bffe 82e02f0000000000
            3800 c01f def94c0000000000
            3820 bffe 82e02f6e2c25ac35
            3820 401f e939500000000000
            3820 bfe0 f5e0510000000000
            3820 c02e cb16830000000000
            0001 cb16830000008000
            3000 3fff e939180000000000
            3800 4004 8000000000000000
            3000 8000000000000002
            3c00 401f e939180000000000
            3020 400f acc7660000000000
            3020 4040 d3291c0000000000
            3020 c03d e61e5e0000000000
            3820 4040 d3291c0000000000
            3820 bfc0 8e65670000000000
            3820 4040 d3291c0000000000
            3820 bfc0 8e65670000000000
            3820 4040 d3291b0000000000
            3820 bfc0 8e6567f9bfdcdffe
            3820 c001 cae8e50000000000
            3820 c01a b5d8260000000000
            3820 4001 eae8e50000000000
            0020 eae8e5000000fff9
            3000 bfff eae8e5e847e5eb8d
            3800 4000 8000000000000000
            3000 8000000000000003
            3e00 c001 eae8e5e847e5eb8d
            3401 ffff c000000000000000
            3020 400c d2df36b58016e14d
            3020 3fbe b631a89da41b556e
            3820 400c d2df36b58016e14d
            3820 403f b3da2e1b1187eb58
            3820 400c d2df36b58016e14d
            3820 403f b3da2e1b1187eb58
            3820 c00c d2df36b58016e14d
            3820 403f b3da2e1b1187f132
            3800 c00c d2e336b58016e14d
            3820 bff2 e916df67ff5f8e17
            3800 c00c d2df36b58016e14d
            0020 d2df36b58016cb49
            3000 bfff d2df36b58016e14d
            3800 4002 d000000000000000
            3000 d000000000000003
            3e00 c00c d2df36b58016e14d
            3401 ffff c000000000000000
            3020 0040 9909622707123c8e
            3020 c03d abea57effc366dec
            3820 0040 9909622707123c8e
            3820 bfc0 be9af9d08cbb6863
            3820 0040 9909622707123c8e
            3820 bfc0 be9af9d08cbb6863
            3800 8001 e3e337a99de552dd
            3804 ffff 8000000000000000
            3820 400c b06bffffffffffff
            3828 ffff 8000000000000000
            3820 000f 9d0c5a20181c45b6
            0020 9d0c5a20181cffff
            3000 bfff e3e337a99de552dd
            3800 c00c fff8000000000000
            3000 fff8000000000003
            3e00 8001 e3e337a99de552dd
            3401 ffff c000000000000000
            3020 4026 98c006107b8fba71
            3020 403e f9229bf891a27617
            3820 4026 98c006107b8fba71
            3820 3fbf 8386e84cdba1cc08
            3820 4026 98c006107b8fba71
            3820 3fbf 8386e84cdba1cc08
            3820 4026 98c0060000000000
            3820 3fbf 8386e84cdba1ce23
            3820 c00d fffdfffffec614f7
            3820 c036 d0c49032ac6f3ec7
            3820 3ff5 9cf44a87f1eb96c6
            0020 9cf44a87f1eb0000
            3000 3fff 9cf58472fad18c6a
            3800 c003 c800000000000000
            3000 c800000000000003
            3c00 3fe6 9cf58472fad18c6a
            3020 3ff2 c8740a24fb74f6ac
            3001 7fff c00000005fbf2e17
            3001 7fff c00000005fbf2e17
            3801 7fff c00000005fbf2e17
            3801 7fff c00000005fbf2e17
            3801 7fff c00000005fbf2e17
            3801 7fff c00000005fbf2e17
            3801 7fff c00000005fbf2e17
            3801 7fff c00000005fbf2e17
            3801 7fff c00000005fbf2e17
            3801 7fff c00000005fbf2e17
            3801 7fff c00000005fbf2e17
            0001 c00000005fbf8000
            3001 7fff c00000005fbf2e17
            3801 7fff c00000005fbf2e17
            3001 c000000000000047
            3900 7fff 800000005fbf2e17
            3001 7fff c00000005fbf2e17
            3000 401f 8f5ceaf77b757f69
            3020 c000 b7ddd51bcfbbf3a6
            3800 401f 8f5ceaf77b757f69
            3820 bffd b2375aba6a7f00f2
            3800 401f 8f5ceaf77b757f69
            3820 bffd b2375aba6a7f00f2
            3800 401e 8aa89e18edcf4203
            3820 bffd b2375aba6a7f01a5
            3800 c01d 941037ce24617bfa
            3820 3fff dd4e09a4ff862f42
            3800 402c 941137ce24617bfa
            0001 941137ce24618000
            3000 bfff 941137ce24617bfa
            3800 4003 f000000000000000
            3000 f000000000000003
            3e00 c01d 941137ce24617bfa
            3401 ffff c000000000000000
            3020 4016 f214aaca599a4fc1
            3020 3fee e73b5505d38a12aa
            3820 4016 f214aaca599a4fc1
            3820 400f 8db5ec0f7a5968bb
            3820 4016 f214aaca599a4fc1
            3820 400f 8db5ec0f7a5968bb
            3800 c016 f216601d676248b4
            3820 400f 8db5ec0f7a59645d
            3800 c016 f1958573e06248b4
            3820 c005 8cad64aa4bacd216
            3800 4025 f2158573e06248b4
            0001 f2158573e0628000
            3000 bfff f2158573e06248b4
            3800 4003 b800000000000000
            3000 b800000000000003
            3e00 c016 f2158573e06248b4
            3401 ffff c000000000000000
            3020 4004 c2317c52d61da800
            3020 3ffe d06365014410c800
            3820 4004 c2317c52d61da800
            3820 3fff 9d3eb490ce692000
            3820 4004 c2317c52d61da800
            3820 3fff 9d3eb490ce692000
            3820 c007 ecc2fdfe6a5da800
            3820 3fff 9d3eb490ce691d2e
            3820 c007 830496fe6a5da800
            3820 c015 fb0fb0e2a4a64800
            3820 c007 828496fe6a5da800
            0020 828496fe6a5dfefb
            3000 bfff 828496fe6a5daa44
            3800 4002 8000000000000000
            3000 8000000000000003
            3e00 c007 828496fe6a5daa44
            3401 ffff c000000000000000
            3000 bfff a043a00000000000
            3000 4000 9021d00000000000
            3800 bfff a043a00000000000
            3820 3ffd e358d6ce734d25ff
            3800 bfff a043a00000000000
            3820 3ffd e358d6ce734d25ff
            3800 c000 d021d00000000000
            3820 3ffd e358d6ce734d25ff
            3800 4009 88c0000000000000
            3800 8000 0000000000000000
            3800 4009 88e0000000000000
            0000 88e000000000ffff
            3000 bfff 8000000000000000
            3800 0000 0000000000000000
            3000 0000000000000002
            3e00 bfff 8000000000000000
            3401 ffff c000000000000000
            3020 bfff 8000001d0090a877
            3020 c019 8d3b0a8be75a46f3
            3820 bfff 8000001d0090a877
            3800 bfe4 e8048543beb9722b
            3820 bfff 8000001d0090a877
            3800 bfe4 e8048543beb9722b
            3820 bffe ffffffc5fedeaf10
            3800 bfe4 e8048543beb9722b
            3820 c00d fffdffffff8bfdbd
            3820 c037 b375bfb671b068d8
            3820 3ff3 e802b53ab431f4b8
            0020 e802b53ab4310000
            3000 3fff e8048543beb9722b
            3800 c003 d800000000000000
            3000 d800000000000002
            3c00 3fe4 e8048543beb9722b
            3020 3ff1 f3b6c99d35f1836e
            3001 ffff c000000000000000
            3001 ffff c000000000000000
            3801 ffff c000000000000000
            3801 ffff c000000000000000
            3801 ffff c000000000000000
            3801 ffff c000000000000000
            3800 ffff c000000000000000
            3800 ffff c000000000000000
            3820 c00a e450000000000000
            3800 8000 0000000000000000
            3820 8003 bc946a0000000000
            0020 bc946a0000000000
            3002 bfff d372e758596d3c00
            3802 c00d 8010000000000000
            3001 8010000000000047
            7e00 8000 0034dcb9d6165b4f
            3401 ffff c000000000000000
            3020 bffe a391410b145c7b8b
            3020 c000 e335054b1a08883e
            3820 bffe a391410b145c7b8b
            3820 bffd 903888cfcd569c7f
            3820 bffe a391410b145c7b8b
            3820 bffd 903888cfcd569c7f
            3820 bffd b757c1a0f9bde06b
            3820 bffd 903888cfcd569c36
            3820 400e 800023f2b02f8321
            3820 4020 e3e27ccb2ab4c0cb
            3800 c00b 8fcac0be0c843f2b
            0020 8fcac0be0c840000
            3000 3fff 8fcac0be0c843f2b
            3800 c000 c000000000000000
            3000 c000000000000002
            3c00 3ffc 8fcac0be0c843f2b
            3020 3ffd bfdc7d36044fc6aa
            3000 3fed f7fbd55b2467a7ec
            3020 4000 a6351ec20e55440f
            3800 3fed f7fbd55b2467a7ec
            3820 3ffd c526b1d08284a564
            3800 3fed f7fbd55b2467a7ec
            3820 3ffd c526b1d08284a564
            3800 3fef 8ba3050000000000
            3820 3ffd c526b1d08284a943
            3800 c00d fffdffff64b7e000
            3820 c013 b8a5202b74dcd23b
            3800 3ffc 9b46e96fc0000000
            0020 9b46e96fc0000000
            3000 3fff 9b48200000000000
            3800 c003 9000000000000000
            3000 9000000000000003
            3c00 3fed 9b48200000000000
            3020 3ff6 8cfb8477bec209d9
            3020 3fe7 f82203775a789cbb
            3020 8016 f0752a0c7c8010d2
            3820 3fe7 f82203775a789cbb
            3820 ffe7 884601babfcc4f96
            3820 3fe7 f82203775a789cbb
            3820 ffe7 884601babfcc4f96
            3800 bfe7 f82203775a789cbb
            3804 ffff 8000000000000000
            3820 3ffe fffffe0fbbf9114b
            3820 c034 ef77e08653cb505a
            3800 3fe7 f82203775a789cbb
            0020 f82203775a78ffff
            3000 bfff f82203775a789cbb
            3800 c003 c000000000000000
            3000 c000000000000003
            3e00 bfe7 f82203775a789cbb
            3401 ffff c000000000000000
            3020 bfeb 8ad51d3981a7d000
            3020 4000 c849006b11588000
            3820 bfeb 8ad51d3981a7d000
            3820 3ffd a39b527c3a547800
            3820 bfeb 8ad51d3981a7d000
            3820 3ffd a39b527c3a547800
            3800 bfec 869cca8000000000
            3820 3ffd a39b527c3a547fea
            3820 c00d fffe0000104c8800
            3820 4016 dbe3d8776a1cb000
            3800 bff9 8263733710000000
            0020 8263733710000000
            3000 bfff 8264780000000000
            3800 c003 a800000000000000
            3000 a800000000000002
            3e00 bfea 8264780000000000
            3401 ffff c000000000000000
            3000 c001 eff9580000000000
            3000 c001 cff9580000000000
            3800 c001 eff9580000000000
            3820 bffc 9d8ee3615a762a04
            3800 c001 eff9580000000000
            3820 bffc 9d8ee3615a762a04
            3800 c001 aff9580000000000
            3820 bffc 9d8ee3615a762a04
            3800 4000 8000000000000000
            3800 c01e 8000000000000000
            3800 bfff 8000000000000000
            0000 8000000000000001
            3000 3fff 8000000000000000
            3800 0000 0000000000000000
            3000 0000000000000002
            3c00 3fff 8000000000000000
            3000 3fff 8000000000000000
            3020 4045 ff1cf4d497b66000
            3020 c03f e07cc1fe54c57800
            3820 4045 ff1cf4d497b66000
            3820 bfbe 91f7d862a6abb800
            3820 4045 ff1cf4d497b66000
            3820 bfbe 91f7d862a6abb800
            3820 4045 ff1cf3fffffff800
            3820 bfbe 91f7d862a6abc0ac
            3820 c005 9176633f60cdb000
            3800 8000 0000000000000000
            3800 8000 0000000000000000
            0020 000000000000ffb8
            3000 bfff 9176633f60cdb5d6
            3800 4001 c000000000000000
            3000 c000000000000003
            3e00 c005 9176633f60cdb5d6
            3401 ffff c000000000000000
            3001 7fff c000007befe6f29b
            3001 7fff c000007befe6f29b
            3801 7fff c000007befe6f29b
            3801 7fff c000007befe6f29b
            3801 7fff c000007befe6f29b
            3801 7fff c000007befe6f29b
            3801 7fff c000007befe6f29b
            3801 7fff c000007befe6f29b
            3801 7fff c000007befe6f29b
            3801 7fff c000007befe6f29b
            3801 7fff c000007befe6f29b
            0001 c000007befe68000
            3001 7fff c000007befe6f29b
            3801 7fff c000007befe6f29b
            3001 c000007b00000047
            3900 7fff 8000007befe6f29b
            3001 7fff c000007befe6f29b
            3000 3ffe e00c0dfe295a8513
            3000 0000 0000000000000000
            3800 3ffe e00c0dfe295a8513
            3804 7fff 8000000000000000
            3800 3ffe e00c0dfe295a8513
            3804 7fff 8000000000000000
            3800 bffe e00c0dfe295a8513
            3804 7fff 8000000000000000
            3820 c00d 9845c0181bfc52b5
            3820 c01d 8c5ffb891b4deb58
            3820 c00d 8542ab82a010bb0e
            0020 8542ab82a0100000
            3000 bfff e00c0dfe295a8513
            3800 bfff 8000000000000000
            3000 8000000000000003
            3e00 bffe e00c0dfe295a8513
            3401 ffff c000000000000000
            3020 bffd db7ec80000000000
            3020 bfbe cbaaa550af67b800
            3820 bffd db7ec80000000000
            3820 c03f a0e3f1cacb0ef800
            3820 bffd db7ec80000000000
            3820 c03f a0e3f1cacb0ef800
            3820 3ffd db7ec7fffffff800
            3820 c03f a0e3f1cacb0efcde
            3800 3fff b6dfb20000000000
            3820 401c 9fbf347cd43a7800
            3800 bffd db7ec80000000000
            0020 db7ec80000000000
            3000 3fff db7ec80000000000
            3800 c000 8000000000000000
            3000 8000000000000002
            3c00 3ffd db7ec80000000000
            3020 3ffe a79de667eb6ea000
            3020 bffa 9ec9ca0000000000
            3020 bfbe cfa8460000000000
            3820 bffa 9ec9ca0000000000
            3820 c03f 9dcc650000000000
            3820 bffa 9ec9ca0000000000
            3820 c03f 9dcc650000000000
            3820 3ffa 9ec9ca0000000000
            3820 c03f 9dcc6594bd230447
            3820 bffe f613630000000000
            3800 0000 0000000000000000
            3820 3ffa 9ec9ca0000000000
            0020 9ec9ca0000000000
            3000 3fff 9ec9ca6bc69d944e
            3800 c001 a000000000000000
            3000 a000000000000002
            3c00 3ffa 9ec9ca6bc69d944e
            3020 3ffc c99e300000000000
            3020 3fec c859f74654d94000
            3020 bfef f0a2d84eef80c800
            3820 3fec c859f74654d94000
            3820 c00e 882c2335db0e6800
            3820 3fec c859f74654d94000
            3820 c00e 882c2335db0e6800
            3820 bfec c85705fcb4d94000
            3820 c00e 882c2335db0e67e5
            3820 c00d fffe0000642c4000
            3800 8000 0000000000000000
            3820 bffb c856edf087963800
            0020 c856edf087960000
            3000 bfff c8587ea184d93fce
            3800 c003 9800000000000000
            3000 9800000000000003
            3e00 bfec c8587ea184d93fce
            3401 ffff c000000000000000
            3020 7ffe 981250076700e717
            3030 8000 0000000000000000
            3820 7ffe 981250076700e717
            3828 fffe ffffffffffffffff
            3820 7ffe 981250076700e717
            3828 fffe ffffffffffffffff
            3800 fffe 981250076700e717
            3804 ffff 8000000000000000
            3820 fffe 981250076700e717
            3820 001e cddc38d49a016deb
            3828 fffe ffffffffffffffff
            0001 ffffffffffff8000
            3000 bfff 981250076700e717
            3800 400c fffc000000000000
            3000 fffc000000000003
            3e00 fffe 981250076700e717
            3401 ffff c000000000000000
            3000 3ffe 9f573ae578bb6b3d
            3004 ffff 8000000000000000
            3800 3ffe 9f573ae578bb6b3d
            3800 8000 0000000000000000
            3800 3ffe 9f573ae578bb6b3d
            3800 8000 0000000000000000
            3800 3ffe 9f573a0000000000
            3800 8000 0000000000000000
            3800 8000 0000000000000000
            3804 ffff 8000000000000000
            3800 8000 0000000000000000
            0000 0000000000000000
            3004 8000 0000000000000000
            3804 ffff 8000000000000000
            3000 8000000000000003
            7a00 8000 0000000000000000
            3400 8000 0000000000000000
            """;

    @Test
    void reversedPoppingIntegerAndMemoryOperandFormsMatchQemuBitForBit() {
        CpuRig rig = new CpuRig().prot32(CpuRig.nasm("BITS 32\nORG 0x1000\n" + PROGRAM + "done:\nhlt\n")).run();
        assertEquals(X87VectorsTest.maskQemuGaps(QEMU_OUTPUT), X87VectorsTest.maskQemuGaps(rig.output()));
    }
}
