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
