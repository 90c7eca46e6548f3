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
