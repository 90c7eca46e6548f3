package dev.jemu.core.x86;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Random differential vectors: 48 operand pairs (random significands, nearby and distant
 * exponents, zeros, infinities, QNaNs and SNaNs, unnormals, denormals, extremes) with a random
 * precision and rounding control each, generated once from seed 87, put through fourteen x87
 * operations under Debian's QEMU 7.2 (TCG); its output is kept here and jemu must reproduce
 * it bit for bit (C1 and DE masked, see {@link X87VectorsTest}).
 */
class X87RandomVectorsTest {
    /** The program: for each table entry (a: m80, b: m80, control word), each operation on ST0 = a, ST1 = b. */
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
                    fadd st0, st1
                    call dump
                    fninit
                    fldcw [ebx + 22]
                    fld tword [ebx + 12]
                    fld tword [ebx]
                    fsub st0, st1
                    call dump
                    fninit
                    fldcw [ebx + 22]
                    fld tword [ebx + 12]
                    fld tword [ebx]
                    fmul st0, st1
                    call dump
                    fninit
                    fldcw [ebx + 22]
                    fld tword [ebx + 12]
                    fld tword [ebx]
                    fdiv st0, st1
                    call dump
                    fninit
                    fldcw [ebx + 22]
                    fld tword [ebx + 12]
                    fld tword [ebx]
                    fsqrt
                    call dump
                    fninit
                    call fullprec
                    fld tword [ebx + 12]
                    fld tword [ebx]
                    fprem
                    call dump
                    fninit
                    call fullprec
                    fld tword [ebx + 12]
                    fld tword [ebx]
                    fprem1
                    call clearcc
                    call dump
                    fninit
                    call fullprec
                    fld tword [ebx + 12]
                    fld tword [ebx]
                    frndint
                    call dump
                    fninit
                    fldcw [ebx + 22]
                    fld tword [ebx + 12]
                    fld tword [ebx]
                    fscale
                    call dump
                    fninit
                    fldcw [ebx + 22]
                    fld tword [ebx + 12]
                    fld tword [ebx]
                    fst dword [res]
                    call dumpmem
                    fninit
                    fldcw [ebx + 22]
                    fld tword [ebx + 12]
                    fld tword [ebx]
                    fst qword [res]
                    call dumpmem
                    fninit
                    fldcw [ebx + 22]
                    fld tword [ebx + 12]
                    fld tword [ebx]
                    fist dword [res]
                    call dumpmem
                    fninit
                    fldcw [ebx + 22]
                    fld tword [ebx + 12]
                    fld tword [ebx]
                    fcom st1
                    call dump
                    fninit
                    fldcw [ebx + 22]
                    fld tword [ebx + 12]
                    fld tword [ebx]
                    fucomi st0, st1
                    pushfd
                    pop dword [res]
                    call dumpmem
                    add ebx, 24
                    jmp next
            ; FPREM, FPREM1 and FRNDINT ignore the precision control on real x87s but not in QEMU 7.2:
            ; run them with 64-bit precision and the entry's rounding control
            fullprec:
                    mov ax, [ebx + 22]
                    or ax, 0x300
                    mov [cw], ax
                    fldcw [cw]
                    ret
            ; FPREM1 quotient bits: QEMU 7.2 does not report them; clear C0-C3 through the environment
            clearcc:
                    fnstenv [env]
                    and word [env + 4], 0xb8ff
                    fldenv [env]
                    ret
            """ + X87DumpRoutines.NASM + """
            res:    dq 0, 0
            cw:     dw 0
            env:    times 28 db 0
                    align 8
            table:
                    dq 0x800000a555deee51
                    dw 0x7fff, 0
                    dq 0xd64b2e77c2da1dd6
                    dw 0x3fbf, 0x077f
                    dq 0x83a38e514e4020ba
                    dw 0xc02b, 0
                    dq 0x9a79290b736a6d6d
                    dw 0xc02b, 0x0e7f
                    dq 0xf6d6c669091fe43d
                    dw 0xbfda, 0
                    dq 0xfa40d46c9859758e
                    dw 0x3fd5, 0x007f
                    dq 0xf8792e904e942b94
                    dw 0xbff3, 0
                    dq 0x9058a2e8e4852d5b
                    dw 0xbfb3, 0x0b7f
                    dq 0xedc645f93b02f6eb
                    dw 0xbffe, 0
                    dq 0x9bf422865e4fafd7
                    dw 0x3ffe, 0x0b7f
                    dq 0x8000000000000000
                    dw 0x3fff, 0
                    dq 0x8000000000000000
                    dw 0x3fff, 0x0b7f
                    dq 0x8594c019939bd5a4
                    dw 0xc02f, 0
                    dq 0xffffffffffffffff
                    dw 0x4033, 0x0b7f
                    dq 0xbc85a863ef7dfc8f
                    dw 0x3fe7, 0
                    dq 0x9693da91a1c90e37
                    dw 0x3fdc, 0x037f
                    dq 0xca60500000000000
                    dw 0xc02e, 0
                    dq 0x816a1507e151a578
                    dw 0x402e, 0x067f
                    dq 0x800000eb5af402ed
                    dw 0x7fff, 0
                    dq 0xc80e49086a9282c1
                    dw 0xbffe, 0x087f
                    dq 0xd4c2de55e6b36578
                    dw 0x4021, 0
                    dq 0xc000001469fd4553
                    dw 0x7fff, 0x0a7f
                    dq 0xffffffffffffffff
                    dw 0x4027, 0
                    dq 0x8000000000000000
                    dw 0xbfff, 0x0c7f
                    dq 0xc388c412b0550e69
                    dw 0x4039, 0
                    dq 0x8dded9754e8d9d59
                    dw 0x407a, 0x027f
                    dq 0xffffffffffffffff
                    dw 0x402a, 0
                    dq 0x0de7a3882a4ae1f5
                    dw 0x0000, 0x087f
                    dq 0xf8708e4aa30feba5
                    dw 0xbfe6, 0
                    dq 0xef96680000000000
                    dw 0xbfe8, 0x037f
                    dq 0xe3d8400000000000
                    dw 0xc00f, 0
                    dq 0x80fb97fb599c1f4f
                    dw 0xc011, 0x077f
                    dq 0xb956b85c95a9f5b1
                    dw 0x4000, 0
                    dq 0xb4662e69cb96d3cc
                    dw 0xc000, 0x0c7f
                    dq 0x8926eb8164824dde
                    dw 0x4005, 0
                    dq 0x827c9d5d4f3f2695
                    dw 0x4005, 0x087f
                    dq 0x8483a94dec92402b
                    dw 0xc026, 0
                    dq 0x9e3dbd151f38dd25
                    dw 0xc026, 0x007f
                    dq 0xf67ee5bbdc019caf
                    dw 0xc02b, 0
                    dq 0x8bf235ed9176e083
                    dw 0x402c, 0x0f7f
                    dq 0xc6ab9b3520a565f3
                    dw 0x3ff1, 0
                    dq 0x0000000000000000
                    dw 0x8000, 0x027f
                    dq 0xe43e2aeb59542d72
                    dw 0xbfea, 0
                    dq 0xfc72465c2560193d
                    dw 0x4029, 0x0f7f
                    dq 0xa9c6000000000000
                    dw 0xc000, 0
                    dq 0x93db259d326f8b48
                    dw 0xc001, 0x0a7f
                    dq 0xc5ffb4191de9ea65
                    dw 0x7ffe, 0
                    dq 0xae4891531786dc5e
                    dw 0xffb1, 0x0f7f
                    dq 0xc548e302b1e7dfeb
                    dw 0x3fda, 0
                    dq 0x8ae9b23a616ab279
                    dw 0x401a, 0x077f
                    dq 0x81aa7349d50fa5d7
                    dw 0x4025, 0
                    dq 0xba357431821917dc
                    dw 0xc024, 0x077f
                    dq 0x8aca2c7b5ec07727
                    dw 0x4000, 0
                    dq 0x8000000000000000
                    dw 0xbfff, 0x047f
                    dq 0x0000000000000000
                    dw 0x0000, 0
                    dq 0xa7f2e80000000000
                    dw 0x3fea, 0x0b7f
                    dq 0x80000003e42b862f
                    dw 0xffff, 0
                    dq 0xa0986eb512b51fda
                    dw 0x4000, 0x0e7f
                    dq 0xc248898d3919f385
                    dw 0x3fed, 0
                    dq 0xf8bcb3a53eba0740
                    dw 0xbfad, 0x0b7f
                    dq 0x8000000000000000
                    dw 0x7fff, 0
                    dq 0xa0bdd42810c76771
                    dw 0xbfd7, 0x0f7f
                    dq 0x80a6eab72008a9b2
                    dw 0xc003, 0
                    dq 0x0000000000000000
                    dw 0x8000, 0x007f
                    dq 0x93b9f3996867eee0
                    dw 0x400f, 0
                    dq 0xa8fe2e501ad731d6
                    dw 0xbfd3, 0x077f
                    dq 0xa3e5000000000000
                    dw 0x4036, 0
                    dq 0xd17a4747fd892f08
                    dw 0x4075, 0x047f
                    dq 0xffffffffffffffff
                    dw 0xbfe7, 0
                    dq 0xcceb466bbc538437
                    dw 0x3fe6, 0x0a7f
                    dq 0xee30707ebb054b94
                    dw 0x4023, 0
                    dq 0xd82756742632466c
                    dw 0xbfe3, 0x0f7f
                    dq 0xe04bdade373cd72a
                    dw 0x3fdd, 0
                    dq 0xa06303413d7f1a11
                    dw 0xfffe, 0x077f
                    dq 0x9cae28ddf4810aee
                    dw 0xbfd6, 0
                    dq 0xdac643de3695f53a
                    dw 0x3fd6, 0x077f
                    dq 0xf61f309533fb2a8e
                    dw 0x3fde, 0
                    dq 0xf61f309533fb2a8e
                    dw 0xc01d, 0x0c7f
                    dq 0x8490cfa488d10514
                    dw 0xbfd9, 0
                    dq 0x800000db38e82501
                    dw 0x7fff, 0x087f
                    dq 0xe164aefd748d7e34
                    dw 0x3fc3, 0
                    dq 0xf0ab080000000000
                    dw 0xbfc3, 0x0f7f
                    dq 0x8000000000000000
                    dw 0xffff, 0
                    dq 0x8000000000000000
                    dw 0x7fff, 0x027f
                    dq 0x1521334d582ece83
                    dw 0x3fff, 0
                    dq 0xdfcac2ef1bd79751
                    dw 0x3fff, 0x067f
                    dq 0xe33ff80000000000
                    dw 0xbfe9, 0
                    dq 0xb02028ec73de22c6
                    dw 0x3feb, 0x0b7f
                    dq 0xffa853bbfef47cd4
                    dw 0x7ffe, 0
                    dq 0xf492bb45ce6ab345
                    dw 0x7ffe, 0x0f7f
                    dq 0xd038580000000000
                    dw 0xbfd9, 0
                    dq 0xaa39480000000000
                    dw 0xc00a, 0x087f
                    dq 0x96f9160d76913c2f
                    dw 0x3fc0, 0
                    dq 0xb873c918336aac3c
                    dw 0xbf86, 0x0a7f
                    dq 0xb377e185dcc41871
                    dw 0xbfcf, 0
                    dq 0xffffffffffffffff
                    dw 0xbfca, 0x077f
            table_end:
            """;

    /** Output of PROGRAM under qemu-system-x86_64 7.2. */
    private static final String QEMU_OUTPUT = """
            3001 7fff c00000a555deee51
            3001 7fff c00000a555deee51
            3001 7fff c00000a555deee51
            3001 7fff c00000a555deee51
            3001 7fff c00000a555deee51
            3001 7fff c00000a555deee51
            3001 7fff c00000a555deee51
            3001 7fff c00000a555deee51
            3001 7fff c00000a555deee51
            3001 c00000a57fc00000
            3001 7ff8000014aabbdd
            3001 0000000080000000
            7501 7fff 800000a555deee51
            3001 800000a500000047
            3020 c02c 8f0e5bae60d54000
            3020 4028 b6acd5d129526000
            3020 4057 9edd620c8557c800
            3020 3ffe da286777f927a800
            3401 ffff c000000000000000
            3000 c02b 83a38e514e4020ba
            3000 4028 b6acd5d129526598
            3020 c02b 83a38e514e400000
            3030 8000 0000000000000000
            3020 00000000d583a38e
            3020 c2b07471ca29c804
            3001 0000000080000000
            3000 c02b 83a38e514e4020ba
            3000 83a38e5100000002
            3020 bfda ef04c00000000000
            3020 bfda fea8cd0000000000
            3020 bfb1 f14c400000000000
            3020 c003 fc81e00000000000
            3401 ffff c000000000000000
            7300 bfd5 8cff13fab1274b6e
            3000 3fd4 da8380e3ce645440
            3020 8000 0000000000000000
            3000 bfda f6d6c669091fe43d
            3020 f6d6c669ad76d6c6
            3020 bdaedad8cd2123fd
            3020 0000000000000000
            3100 bfda f6d6c669091fe43d
            3000 f6d6c66900000003
            3020 bff3 f8792e904e942b94
            3020 bff3 f8792e904e942b93
            3020 3fa8 8c1a31f7e8e51067
            3020 403f dc55df32eabc155b
            3401 ffff c000000000000000
            3400 bfd2 f0bb025a98052232
            3000 bfd2 f0bb025a98052232
            3020 8000 0000000000000000
            3000 bff3 f8792e904e942b94
            3020 f8792e90b9f8792e
            3020 bf3f0f25d209d285
            3020 0000000000000000
            3100 bff3 f8792e904e942b94
            3000 f8792e9000000003
            3000 bffd a3a446e5b9668e28
            3000 bfff c4dd343fcca95361
            3020 bffe 90d9cd69baf395d2
            3020 bfff c327aed095fcb269
            3401 ffff c000000000000000
            3200 bffd a3a446e5b9668e28
            3000 3ffd 9443fe270338d186
            3020 8000 0000000000000000
            3000 bffe edc645f93b02f6eb
            3020 edc645f9bf6dc645
            3020 bfedb8c8bf27605e
            3020 0000000000000000
            3100 bffe edc645f93b02f6eb
            3000 edc645f900000003
            3000 4000 8000000000000000
            3000 0000 0000000000000000
            3000 3fff 8000000000000000
            3000 3fff 8000000000000000
            3000 3fff 8000000000000000
            3200 0000 0000000000000000
            3000 0000 0000000000000000
            3000 3fff 8000000000000000
            3000 4000 8000000000000000
            3000 800000003f800000
            3000 3ff0000000000000
            3000 0000000000000001
            7000 3fff 8000000000000000
            3000 8000000000000042
            3020 4033 f7a6b3fe66c642a5
            3020 c034 842ca600cc9cdeac
            3020 c064 8594c019939bd5a3
            3020 bffa 8594c019939bd5a4
            3401 ffff c000000000000000
            3000 c02f 8594c019939bd5a4
            3000 c02f 8594c019939bd5a4
            3020 c02f 8594c019939b8000
            3028 fffe ffffffffffffffff
            3020 ffffffffd78594c0
            3020 c2f0b2980332737a
            3001 0000000080000000
            3100 c02f 8594c019939bd5a4
            3000 8594c01900000003
            3020 3fe7 bc987adf41b235b1
            3020 3fe7 bc72d5e89d49c36d
            3020 3fc4 ddc664be9fe7e05f
            3020 400a a04151b0405850df
            3020 3ff3 9b574c53684c5d8b
            3100 3fd8 c6a04e38e3219240
            3000 3fd8 c6a04e38e3219240
            3020 0000 0000000000000000
            3000 3fe7 bc85a863ef7dfc8f
            3020 bc85a86333bc85a8
            3020 3e7790b50c7defc0
            3020 0000000000000000
            3000 3fe7 bc85a863ef7dfc8f
            3000 bc85a86300000002
            3020 c02d 91ec75f03d5cb800
            3020 c02f a5e53283f0a8d800
            3020 c05d cc9cc9a282a2c800
            3020 bfff c82a1810b6233000
            3401 ffff c000000000000000
            3200 c02d 91ec75f03d5cb510
            3000 402c e1cf683f0a8d2bc0
            3000 c02e ca60500000000000
            3028 ffff 8000000000000000
            3000 80000000d74a6050
            3000 c2e94c0a00000000
            3001 0000000080000000
            3100 c02e ca60500000000000
            3000 ca60500000000003
            3001 7fff c00000eb5af402ed
            3001 7fff c00000eb5af402ed
            3001 7fff c00000eb5af402ed
            3001 7fff c00000eb5af402ed
            3001 7fff c00000eb5af402ed
            3001 7fff c00000eb5af402ed
            3001 7fff c00000eb5af402ed
            3001 7fff c00000eb5af402ed
            3001 7fff c00000eb5af402ed
            3001 c00000eb7fc00000
            3001 7ff800001d6b5e80
            3001 0000000080000000
            7501 7fff 800000eb5af402ed
            3001 800000eb00000047
            3000 7fff c000001469fd4553
            3000 7fff c000001469fd4553
            3000 7fff c000001469fd4553
            3000 7fff c000001469fd4553
            3020 4010 a5068adc6debf800
            3000 7fff c000001469fd4553
            3000 7fff c000001469fd4553
            3020 4021 d4c2de5600000000
            3000 7fff c000001469fd4553
            3020 c000001450d4c2df
            3020 421a985bcabcd66d
            3001 0000000080000000
            7501 4021 d4c2de55e6b36578
            3000 d4c2de5500000047
            3020 4027 ffffff0000000000
            3020 4028 8000000000000000
            3020 c027 ffffff0000000000
            3020 c027 ffffff0000000000
            3020 4013 b504f30000000000
            7300 3ffe fffffe0000000000
            3000 bfe8 8000000000000000
            3020 4027 ffffffffff800000
            3000 4026 ffffffffffffffff
            3020 ffffffff53ffffff
            3020 427fffffffffffff
            3001 0000000080000000
            3000 4027 ffffffffffffffff
            3000 ffffffff00000002
            3020 407a 8dded9754e8da000
            3020 c07a 8dded9754e8da000
            3020 40b4 d8b91561b6121800
            3020 3fbe b06ac6f5f037b800
            3020 401c 9e341ff015967800
            3000 4039 c388c412b0550e69
            3000 4039 c388c412b0550e69
            3020 4039 c388c412b0550e60
            3028 7fff 8000000000000000
            3020 800000005cc388c4
            3020 4398711882560aa2
            3001 0000000080000000
            3100 4039 c388c412b0550e69
            3000 c388c41200000003
            3020 402b 8000000000000000
            3020 402b 8000000000000000
            3020 0029 de7a390000000000
            3028 7fff 8000000000000000
            3020 4015 8000000000000000
            3400 3ffd d9be4a9e0da9a5a0
            3000 3ffd d9be4a9e0da9a5a0
            3020 402b 8000000000000000
            3000 402a ffffffffffffffff
            3020 ffffffff55800000
            3020 42b0000000000000
            3001 0000000080000000
            3000 402a ffffffffffffffff
            3000 ffffffff00000002
            3020 bfe9 96d945c95461fd75
            3020 3fe8 b17a446d573c0517
            3020 3fd0 e8830bb8c7c5ba92
            3020 3ffd 84bab1a1178af2fa
            3401 ffff c000000000000000
            3000 bfe6 f8708e4aa30feba5
            3000 bfe6 f8708e4aa30feba5
            3020 8000 0000000000000000
            3000 bfe6 f8708e4aa30feba5
            3020 f8708e4ab378708e
            3020 be6f0e11c95461fd
            3020 0000000000000000
            3000 bfe6 f8708e4aa30feba5
            3000 f8708e4a00000002
            3000 c011 b9f1a7fb599c1f4f
            3000 4010 900b0ff6b3383e9e
            3020 4021 e5981896050fc3c8
            3020 3ffd e21bd0fb61aef833
            3401 ffff c000000000000000
            3000 c00f e3d8400000000000
            3000 c00f e3d8400000000000
            3020 c00f e3d8800000000000
            3030 8000 0000000000000001
            3000 00000000c7e3d840
            3000 c0fc7b0800000000
            3020 00000000fffe384f
            3000 c00f e3d8400000000000
            3000 e3d8400000000002
            3020 3ffb 9e113e0000000000
            3020 4001 b6de730000000000
            3020 c002 829af30000000000
            3020 bfff 83813c0000000000
            3020 3fff d9d29b0000000000
            3200 3ffb 9e113e5942643ca0
            3000 3ffb 9e113e5942643ca0
            3020 4000 8000000000000000
            3000 3ffe b956b85c95a9f5b1
            3020 b956b85c403956b8
            3020 40072ad70b92b53e
            3020 0000000000000002
            3000 4000 b956b85c95a9f5b1
            3000 b956b85c00000002
            3020 4006 85d1c50000000000
            3020 4000 d549c50000000000
            3020 400b 8bd10e0000000000
            3020 3fff 8689ca0000000000
            3020 4002 847f3d0000000000
            3200 4000 d549c482a864e920
            3000 4000 d549c482a864e920
            3020 4005 8a00000000000000
            3000 4046 8926eb8164824dde
            3020 8926eb81428926ec
            3020 405124dd702c904a
            3020 0000000000000045
            3000 4005 8926eb8164824dde
            3000 8926eb8100000002
            3020 c027 9160b30000000000
            3020 4023 cdd09e0000000000
            3020 404d a3d26f0000000000
            3020 3ffe d661270000000000
            3401 ffff c000000000000000
            3000 c026 8483a94dec92402b
            3000 4023 cdd09e399534e7d0
            3020 c026 8483a94ded000000
            3030 8000 0000000000000000
            3020 00000000d30483a9
            3020 c260907529bd9248
            3001 0000000080000000
            3000 c026 8483a94dec92402b
            3000 8483a94d00000002
            3000 4029 8596187d1bb0915c
            3020 c02d 8398d465bfbbd76d
            3020 c059 86c01e9f3125c3da
            3020 bffe e17448a7827d2788
            3401 ffff c000000000000000
            3000 c02b f67ee5bbdc019caf
            3000 4029 8596187d1bb0915c
            3020 c02b f67ee5bbdc000000
            3028 fffe ffffffffffffffff
            3020 ffffffffd5f67ee5
            3020 c2becfdcb77b8033
            3001 0000000080000000
            3100 c02b f67ee5bbdc019caf
            3000 f67ee5bb00000003
            3020 3ff1 c6ab9b3520a56800
            3020 3ff1 c6ab9b3520a56800
            3000 8000 0000000000000000
            3004 ffff 8000000000000000
            3020 3ff8 9f779d8e414a3800
            3001 ffff c000000000000000
            3001 ffff c000000000000000
            3020 0000 0000000000000000
            3000 3ff1 c6ab9b3520a565f3
            3020 c6ab9b3538c6ab9b
            3020 3f18d57366a414ad
            3020 0000000000000000
            3000 3ff1 c6ab9b3520a565f3
            3000 c6ab9b3500000002
            3020 4029 fc72465c2560193b
            3020 c029 fc72465c2560193e
            3020 c015 e11314a9f023153e
            3020 bfbf e774ac09acf5c6e6
            3401 ffff c000000000000000
            3000 bfea e43e2aeb59542d72
            3000 bfea e43e2aeb59542d72
            3020 8000 0000000000000000
            3028 fffe ffffffffffffffff
            3020 ffffffffb5643e2a
            3020 beac87c55d6b2a85
            3020 0000000000000000
            3100 bfea e43e2aeb59542d72
            3000 e43e2aeb00000003
            3020 c001 e8be259d326f8800
            3020 3fff fbe09674c9be3000
            3020 4002 c41c0ea7bbc15000
            3020 3ffe 92f95ab70b2e5800
            3401 ffff c000000000000000
            3000 c000 a9c6000000000000
            3000 3fff fbe09674c9be2d20
            3020 c000 8000000000000000
            3000 bffc a9c6000000000000
            3000 a9c60000c029c600
            3000 c00538c000000000
            3020 00000000fffffffe
            3000 c000 a9c6000000000000
            3000 a9c6000000000002
            3020 7ffe c5ffb4191de9ea64
            3020 7ffe c5ffb4191de9ea65
            3028 fffe ffffffffffffffff
            3020 c04c 916adbdf9fa79385
            3020 5ffe e123a908cb9a86d6
            3400 7fd1 9bd21c4f72b69c72
            3000 7fd1 9bd21c4f72b69c72
            3000 7ffe c5ffb4191de9ea65
            3030 0000 0000000000000000
            3028 000000007f7fffff
            3028 7fefffffffffffff
            3001 0000000080000000
            3000 7ffe c5ffb4191de9ea65
            3000 c5ffb41900000002
            3020 401a 8ae9b23a616ab279
            3020 c01a 8ae9b23a616ab279
            3020 3ff5 d61ac61f79922195
            3020 3fbf b5c94431dd737274
            3020 3fec e0bba0da7588357a
            3000 3fda c548e302b1e7dfeb
            3000 3fda c548e302b1e7dfeb
            3020 0000 0000000000000000
            3028 7ffe ffffffffffffffff
            3020 ffffffff2d4548e3
            3020 3da8a91c60563cfb
            3020 0000000000000000
            3100 3fda c548e302b1e7dfeb
            3000 c548e30200000003
            3000 4023 923ee4c4500c67a4
            3000 4025 dec52d62961c31c5
            3020 c04a bca1d5cfa5b2895e
            3020 bfff b243c12b949249ba
            3020 4012 80d48931672f0315
            3200 4023 923ee4c4500c67a4
            3000 4023 923ee4c4500c67a4
            3020 4025 81aa7349d4000000
            3030 0000 0000000000000000
            3020 000000005281aa73
            3020 4250354e693aa1f4
            3001 0000000080000000
            3000 4025 81aa7349d50fa5d7
            3000 81aa734900000002
            3020 3fff 9594580000000000
            3020 4000 caca2c0000000000
            3020 c000 8aca2d0000000000
            3020 c000 8aca2d0000000000
            3020 3fff bc7e970000000000
            7000 3ffc aca2c7b5ec077270
            3000 3ffc aca2c7b5ec077270
            3020 4000 8000000000000000
            3000 3fff 8aca2c7b5ec07727
            3020 8aca2c7b400aca2c
            3020 400159458f6bd80e
            3020 0000000000000002
            3000 4000 8aca2c7b5ec07727
            3000 8aca2c7b00000002
            3000 3fea a7f2e80000000000
            3000 bfea a7f2e80000000000
            3000 0000 0000000000000000
            3000 0000 0000000000000000
            3000 0000 0000000000000000
            3000 0000 0000000000000000
            3000 0000 0000000000000000
            3000 0000 0000000000000000
            3000 0000 0000000000000000
            3000 0000000000000000
            3000 0000000000000000
            3000 0000000000000000
            3100 0000 0000000000000000
            3000 0000000000000003
            3001 ffff c0000003e42b862f
            3001 ffff c0000003e42b862f
            3001 ffff c0000003e42b862f
            3001 ffff c0000003e42b862f
            3401 ffff c0000003e42b862f
            3001 ffff c0000003e42b862f
            3001 ffff c0000003e42b862f
            3001 ffff c0000003e42b862f
            3001 ffff c0000003e42b862f
            3001 c0000003ffc00000
            3001 fff80000007c8570
            3001 0000000080000000
            7501 ffff 80000003e42b862f
            3001 8000000300000047
            3020 3fed c248898d3919f385
            3020 3fed c248898d3919f386
            3020 bf9c bcc57adbf390396f
            3020 c03e c7f4cbd4f40b3739
            3020 3ff6 9db25ef9cd65dd5c
            3400 3fcd ed1ec0fde1323f00
            3000 3fcd ed1ec0fde1323f00
            3020 3fff 8000000000000000
            3000 3fed c248898d3919f385
            3020 c248898d36c2488a
            3020 3ed8491131a7233f
            3020 0000000000000001
            3000 3fed c248898d3919f385
            3000 c248898d00000002
            3000 7fff 8000000000000000
            3000 7fff 8000000000000000
            3000 ffff 8000000000000000
            3000 ffff 8000000000000000
            3000 7fff 8000000000000000
            3001 ffff c000000000000000
            3001 ffff c000000000000000
            3000 7fff 8000000000000000
            3000 7fff 8000000000000000
            3000 800000007f800000
            3000 7ff0000000000000
            3001 0000000080000000
            3000 7fff 8000000000000000
            3000 8000000000000002
            3020 c003 80a6eb0000000000
            3020 c003 80a6eb0000000000
            3000 0000 0000000000000000
            3004 7fff 8000000000000000
            3401 ffff c000000000000000
            3001 ffff c000000000000000
            3001 ffff c000000000000000
            3020 c003 8000000000000000
            3000 c003 80a6eab72008a9b2
            3020 80a6eab7c180a6eb
            3020 c03014dd56e40115
            3020 00000000fffffff0
            3100 c003 80a6eab72008a9b2
            3000 80a6eab700000003
            3020 400f 93b9f3996867eed5
            3020 400f 93b9f3996867eeea
            3020 bfe3 c3096a2c04311a82
            3020 c03a dfc8c5f52cc1aedf
            3020 4007 8982899089cbad4d
            3300 3fd3 99c82541092f20e2
            3000 bfcf f36090f11a810f40
            3020 400f 93b9800000000000
            3000 400f 93b9f3996867eee0
            3020 93b9f3994793b9f3
            3020 40f2773e732d0cfd
            3020 0000000000012773
            3000 400f 93b9f3996867eee0
            3000 93b9f39900000002
            3020 4075 d17a470000000000
            3020 c075 d17a480000000000
            3020 40ad 861c3d0000000000
            3020 3fbf c84b1f0000000000
            3020 401a ccd5860000000000
            3000 4036 a3e5000000000000
            3000 4036 a3e5000000000000
            3000 4036 a3e5000000000000
            3028 7ffe ffffffffffffffff
            3000 ffffffff5b23e500
            3000 43647ca000000000
            3001 0000000080000000
            3100 4036 a3e5000000000000
            3000 a3e5000000000003
            3020 bfe7 998a5cca21d63800
            3020 bfe8 b33ad19aef14e000
            3020 bfcf cceb466bbc538000
            3020 c000 9fe8348644a2a800
            3401 ffff c000000000000000
            7000 bfe5 cc52e6510eb1ef20
            3000 bfe5 cc52e6510eb1ef20
            3020 8000 0000000000000000
            3000 bfe7 ffffffffffffffff
            3020 ffffffffb3ffffff
            3020 be7fffffffffffff
            3020 0000000000000000
            3100 bfe7 ffffffffffffffff
            3000 ffffffff00000003
            3020 4023 ee30707ebb054b93
            3020 4023 ee30707ebb054b94
            3020 c008 c91d78bc68627982
            3020 c03f 8d0c7fa7f817bbe2
            3020 4011 ae9bd7d1267970b9
            3400 4003 caccf5669036b0ac
            3000 4003 caccf5669036b0ac
            3020 4023 ee30707eb8000000
            3000 4023 ee30707ebb054b94
            3020 ee30707e51ee3070
            3020 423dc60e0fd760a9
            3001 0000000080000000
            3000 4023 ee30707ebb054b94
            3000 ee30707e00000002
            3020 fffe a06303413d7f1a11
            3020 7ffe a06303413d7f1a11
            3020 ffdd 8c8628fa9329ffb3
            3030 8000 000000001660238c
            3020 3fee a970a6860a9cccd3
            3000 3fdd e04bdade373cd72a
            3000 3fdd e04bdade373cd72a
            3020 0000 0000000000000000
            3030 0000 0000000000000000
            3020 000000002ee04bda
            3020 3ddc097b5bc6e79a
            3020 0000000000000000
            3000 3fdd e04bdade373cd72a
            3000 e04bdade00000002
            3000 3fd4 f8606c010853a930
            3000 bfd7 bbba365e158b8014
            3020 bfae 85e5a70a33030aa8
            3020 bffe b757188a9c7aefcb
            3401 ffff c000000000000000
            3000 bfd6 9cae28ddf4810aee
            3000 3fd4 f8606c010853a930
            3020 bfff 8000000000000000
            3000 bfd6 9cae28ddf4810aee
            3020 9cae28ddab1cae29
            3020 bd6395c51bbe9022
            3020 00000000ffffffff
            3100 bfd6 9cae28ddf4810aee
            3000 9cae28dd00000003
            3020 c01d f61f300000000000
            3020 401d f61f300000000000
            3020 bffd ec9ff50000000000
            3000 bfc0 8000000000000000
            3020 3fee fb03280000000000
            3000 3fde f61f309533fb2a8e
            3000 3fde f61f309533fb2a8e
            3020 0000 0000000000000000
            3030 0000 0000000000000000
            3020 000000002f761f30
            3020 3deec3e612a67f65
            3020 0000000000000000
            3000 3fde f61f309533fb2a8e
            3000 f61f309500000002
            3001 7fff c00000db38e82501
            3001 7fff c00000db38e82501
            3001 7fff c00000db38e82501
            3001 7fff c00000db38e82501
            3401 ffff c000000000000000
            3001 7fff c00000db38e82501
            3001 7fff c00000db38e82501
            3020 8000 0000000000000000
            3001 7fff c00000db38e82501
            3020 c00000dbac8490cf
            3020 bd909219f4911a20
            3020 0000000000000000
            7501 bfd9 8490cfa488d10514
            3001 8490cfa400000047
            3000 bfbf f4659028b7281cc0
            3000 3fc4 e907db7eba46bf1a
            3020 bf88 d3e4f959a6096c78
            3020 bffe efc08a8b9ee442f3
            3020 3fe1 a9da981dc44f8f2a
            3000 3fc3 e164aefd748d7e34
            3000 bfbf f4659028b7281cc0
            3020 0000 0000000000000000
            3000 3fc3 e164aefd748d7e34
            3020 e164aefd21e164ae
            3020 3c3c2c95dfae91af
            3020 0000000000000000
            3000 3fc3 e164aefd748d7e34
            3000 e164aefd00000002
            3001 ffff c000000000000000
            3000 ffff 8000000000000000
            3000 ffff 8000000000000000
            3001 ffff c000000000000000
            3401 ffff c000000000000000
            3001 ffff c000000000000000
            3001 ffff c000000000000000
            3000 ffff 8000000000000000
            3000 ffff 8000000000000000
            3000 80000000ff800000
            3000 fff0000000000000
            3001 0000000080000000
            3100 ffff 8000000000000000
            3000 8000000000000003
            3001 ffff c000000000000000
            3001 ffff c000000000000000
            3001 ffff c000000000000000
            3001 ffff c000000000000000
            3001 ffff c000000000000000
            3001 ffff c000000000000000
            3001 ffff c000000000000000
            3001 ffff c000000000000000
            3001 ffff c000000000000000
            3001 c0000000ffc00000
            3001 fff8000000000000
            3001 0000000080000000
            7501 3fff 1521334d582ece83
            3001 1521334d00000047
            3000 3fea eea055d8e7bc458c
            3000 bfeb e8f026ec73de22c6
            3020 bfd6 9c5886d2e4938cbf
            3020 bffd a5279e080469516b
            3401 ffff c000000000000000
            3000 bfe9 e33ff80000000000
            3000 bfe9 e33ff80000000000
            3020 8000 0000000000000000
            3000 bfe9 e33ff80000000000
            3000 e33ff800b4e33ff8
            3000 be9c67ff00000000
            3020 0000000000000000
            3100 bfe9 e33ff80000000000
            3000 e33ff80000000003
            3028 7ffe ffffffffffffffff
            3000 7ffa b1598763089c98f0
            3028 7ffe ffffffffffffffff
            3020 3fff 85cd160ed1930ba6
            3020 5ffe ffd4261c898ba468
            3200 7ffa b1598763089c98f0
            3000 7ffa b1598763089c98f0
            3000 7ffe ffa853bbfef47cd4
            3028 7ffe ffffffffffffffff
            3028 ffffffff7f7fffff
            3028 7fefffffffffffff
            3001 0000000080000000
            3000 7ffe ffa853bbfef47cd4
            3000 ffa853bb00000002
            3020 c00a aa39480000000000
            3020 400a aa39480000000000
            3020 3fe5 8a74020000000000
            3020 3fce 9c92480000000000
            3401 ffff c000000000000000
            3000 bfd9 d038580000000000
            3000 bfd9 d038580000000000
            3020 8000 0000000000000000
            3000 b536 d038580000000000
            3000 d0385800acd03858
            3000 bd9a070b00000000
            3020 0000000000000000
            3000 bfd9 d038580000000000
            3000 d038580000000002
            3020 3fc0 96f9160d76914000
            3020 3fc0 96f9160d76914000
            3020 bf47 d98ea0acda83a000
            3020 c038 d188c9c0de117800
            3020 3fdf c497fd4461868800
            3300 3f84 f358eb466973fa50
            3000 3f84 f358eb466973fa50
            3020 3fff 8000000000000000
            3000 3fc0 96f9160d76913c2f
            3020 96f9160d2016f917
            3020 3c02df22c1aed228
            3020 0000000000000001
            3000 3fc0 96f9160d76913c2f
            3000 96f9160d00000002
            3020 bfcf bb77e185dcc41871
            3020 bfcf ab77e185dcc41872
            3020 3f9b b377e185dcc41870
            3020 4003 b377e185dcc41871
            3401 ffff c000000000000000
            7100 bfc9 ddf8617731061c6c
            3000 bfc9 ddf8617731061c6c
            3020 bfff 8000000000000000
            3000 bfcf b377e185dcc41871
            3020 b377e185a7b377e2
            3020 bcf66efc30bb9884
            3020 00000000ffffffff
            3100 bfcf b377e185dcc41871
            3000 b377e18500000003
            """;

    @Test
    void randomOperandsInAllPrecisionsAndRoundingModesMatchQemuBitForBit() {
        CpuRig rig = new CpuRig().prot32(CpuRig.nasm("BITS 32\nORG 0x1000\n" + PROGRAM + "done:\nhlt\n")).run();
        assertEquals(X87VectorsTest.maskQemuGaps(QEMU_OUTPUT), X87VectorsTest.maskQemuGaps(rig.output()));
    }
}
