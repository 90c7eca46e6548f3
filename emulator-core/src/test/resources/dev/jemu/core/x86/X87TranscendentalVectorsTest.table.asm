res:    dq 0, 0
        align 8
f2xm1_table:
        dq 0xf9c597fe80a4df5a
        dw 0xbffe, 0
        dq 0x8000000000000000
        dw 0x3fff, 0x037f
        dq 0xf9fa4924dc28ff90
        dw 0x3ffb, 0
        dq 0x8000000000000000
        dw 0x3fff, 0x077f
        dq 0xf2890a4139292d22
        dw 0xbff8, 0
        dq 0x8000000000000000
        dw 0x3fff, 0x0b7f
        dq 0xb5d6b5f18e7aa6e9
        dw 0x3ff5, 0
        dq 0x8000000000000000
        dw 0x3fff, 0x0f7f
        dq 0xebd3d1e68c3d5f16
        dw 0x3ff2, 0
        dq 0x8000000000000000
        dw 0x3fff, 0x037f
        dq 0xbed5f494c4a334bf
        dw 0x3fef, 0
        dq 0x8000000000000000
        dw 0x3fff, 0x077f
        dq 0xb875cd0596263ae6
        dw 0x3fec, 0
        dq 0x8000000000000000
        dw 0x3fff, 0x0b7f
        dq 0x8a5527389d3c7dec
        dw 0xbfe9, 0
        dq 0x8000000000000000
        dw 0x3fff, 0x0f7f
        dq 0x8c8cf49dd11745ad
        dw 0xbfe6, 0
        dq 0x8000000000000000
        dw 0x3fff, 0x037f
        dq 0xf20b1903d0944996
        dw 0xbfe3, 0
        dq 0x8000000000000000
        dw 0x3fff, 0x077f
        dq 0xa838ca87adec6f11
        dw 0x3fe0, 0
        dq 0x8000000000000000
        dw 0x3fff, 0x0b7f
        dq 0xac800d64406329bc
        dw 0xbfdd, 0
        dq 0x8000000000000000
        dw 0x3fff, 0x0f7f
        dq 0xada64009ede7bd0c
        dw 0x3fda, 0
        dq 0x8000000000000000
        dw 0x3fff, 0x037f
        dq 0xdf7bf134ffe976ab
        dw 0x3fd7, 0
        dq 0x8000000000000000
        dw 0x3fff, 0x077f
        dq 0xdc8eeeec1389b372
        dw 0x3ffc, 0
        dq 0x8000000000000000
        dw 0x3fff, 0x0b7f
        dq 0xc4df4e0e8eb5140f
        dw 0xbff9, 0
        dq 0x8000000000000000
        dw 0x3fff, 0x0f7f
        dq 0x9208a12c751b4c83
        dw 0xbff6, 0
        dq 0x8000000000000000
        dw 0x3fff, 0x037f
        dq 0xdbb37f88b437bdb5
        dw 0x3ff3, 0
        dq 0x8000000000000000
        dw 0x3fff, 0x077f
        dq 0xec8485c406555096
        dw 0x3ff0, 0
        dq 0x8000000000000000
        dw 0x3fff, 0x0b7f
        dq 0xbb046ca15d111a9d
        dw 0x3fed, 0
        dq 0x8000000000000000
        dw 0x3fff, 0x0f7f
        dq 0xf20b436666160227
        dw 0xbfea, 0
        dq 0x8000000000000000
        dw 0x3fff, 0x037f
        dq 0xef013cf07f9ac098
        dw 0x3fe7, 0
        dq 0x8000000000000000
        dw 0x3fff, 0x077f
        dq 0xe6b9ef0081a0ba05
        dw 0xbfe4, 0
        dq 0x8000000000000000
        dw 0x3fff, 0x0b7f
        dq 0xf00e341f99a46df0
        dw 0x3fe1, 0
        dq 0x8000000000000000
        dw 0x3fff, 0x0f7f
f2xm1_end:
fyl2x_table:
        dq 0xf558374d65ed0de4
        dw 0x4002, 0
        dq 0xc83127f16b82e6c9
        dw 0xc001, 0x037f
        dq 0xc24d67da8350a73f
        dw 0x4002, 0
        dq 0xe20698da397a7623
        dw 0xc005, 0x077f
        dq 0x8641f3c3d1711cbd
        dw 0x3ff7, 0
        dq 0x8d21390faba4c70e
        dw 0x4004, 0x0b7f
        dq 0xb6f6e4359f4fb02b
        dw 0x4009, 0
        dq 0x9d4d7d1ce261e34a
        dw 0xc000, 0x0f7f
        dq 0xd9b0c70ea06d7a69
        dw 0x3ff6, 0
        dq 0xf6f8b2edb6eafff5
        dw 0x4000, 0x037f
        dq 0xc7a765a74041f5ee
        dw 0x4004, 0
        dq 0xc629bb2f4ec0a954
        dw 0x3fff, 0x077f
        dq 0xd962aa91807c7e30
        dw 0x4007, 0
        dq 0xb76ebbec66e61127
        dw 0x4000, 0x0b7f
        dq 0xea79cc774b5c1a95
        dw 0x3ff9, 0
        dq 0xd3ec19a8265c28ea
        dw 0xbffd, 0x0f7f
        dq 0xbaa7327af5ee8c72
        dw 0x4006, 0
        dq 0xae1260d77d510557
        dw 0x4005, 0x037f
        dq 0xd8a8afff42969a50
        dw 0x3ff9, 0
        dq 0xe9c00db9c446ab8c
        dw 0xc000, 0x077f
        dq 0xb794d4f8ced66b44
        dw 0x4002, 0
        dq 0xea6b693c089b5123
        dw 0x4001, 0x0b7f
        dq 0xba94753c511070a7
        dw 0x3ffc, 0
        dq 0xdbb6e061b07822db
        dw 0xc005, 0x0f7f
        dq 0xb9f94e354242c225
        dw 0x4003, 0
        dq 0xdd2e43aed7aa2208
        dw 0x3ffb, 0x037f
        dq 0x883ad2d8f0acdebe
        dw 0x4002, 0
        dq 0xaf6061307f9880a6
        dw 0xc003, 0x077f
        dq 0xdfafc2f131d06d9c
        dw 0x3ff6, 0
        dq 0x81cbd18eea9e7ab5
        dw 0xbfff, 0x0b7f
        dq 0xb9c1ea4b000e05d0
        dw 0x3ff5, 0
        dq 0x8aa1e477d61b5e08
        dw 0x4002, 0x0f7f
        dq 0x997201a6cb348cea
        dw 0x4006, 0
        dq 0xe03cc8ea0b6ec6f3
        dw 0xbffc, 0x037f
        dq 0xa25f66e7f4d475ec
        dw 0x4004, 0
        dq 0x93cf34995b74c718
        dw 0x4003, 0x077f
        dq 0xd511003c503dc86b
        dw 0x3ff3, 0
        dq 0xf9977d01ed1ba5c8
        dw 0x4002, 0x0b7f
        dq 0xdc387270b093e3b4
        dw 0x4002, 0
        dq 0xcb41703a791572d5
        dw 0x3ffb, 0x0f7f
        dq 0xcc8fbbe4f551abfd
        dw 0x3ff7, 0
        dq 0xb579c7b6159d6a38
        dw 0x4004, 0x037f
        dq 0xf7afe98e28fdb92d
        dw 0x4008, 0
        dq 0xcb030128ea3e7f73
        dw 0x3ffb, 0x077f
        dq 0xb4bdb2e581f8c04a
        dw 0x3ffc, 0
        dq 0xe748c1048520bf0c
        dw 0x3fff, 0x0b7f
        dq 0x81cf12bd6041f10e
        dw 0x3ff9, 0
        dq 0x869377d012cc86e3
        dw 0xbffa, 0x0f7f
fyl2x_end:
fyl2xp1_table:
        dq 0xad3c4d99a5721c6a
        dw 0x3ffc, 0
        dq 0xc1546389068c8f90
        dw 0x4005, 0x037f
        dq 0xa6deb701aecb9e68
        dw 0xbffa, 0
        dq 0xbfb05cfd1f124a78
        dw 0xc000, 0x077f
        dq 0xcf2e7b7492559248
        dw 0x3ff8, 0
        dq 0xc282b3e1975cef7a
        dw 0xc005, 0x0b7f
        dq 0xab0fc5ff9f93693f
        dw 0xbff6, 0
        dq 0xdafe3425adb21095
        dw 0x4000, 0x0f7f
        dq 0x845f1d83662f286b
        dw 0xbff4, 0
        dq 0x85ca500a2c6193cc
        dw 0x3ffc, 0x037f
        dq 0xeb63b4e5ee532f03
        dw 0x3ff2, 0
        dq 0xd207765ac134a79b
        dw 0xbff9, 0x077f
        dq 0xd6dd7f68b600860c
        dw 0xbff0, 0
        dq 0x9bff21f587a9ec13
        dw 0xbff9, 0x0b7f
        dq 0xf282c452845074a1
        dw 0x3fee, 0
        dq 0x97cf04e4d828f123
        dw 0xbffb, 0x0f7f
        dq 0xc439b39b6ce4048f
        dw 0xbfec, 0
        dq 0xa707444b62186f4b
        dw 0x3fff, 0x037f
        dq 0xa1b885d72cb8cefc
        dw 0xbfea, 0
        dq 0xe851b93ec7be5613
        dw 0xc000, 0x077f
        dq 0x96a6b33077bb3654
        dw 0xbfe8, 0
        dq 0x8f5f9ef571d02f51
        dw 0x3ffe, 0x0b7f
        dq 0xe5faa8a68652ab69
        dw 0x3fe6, 0
        dq 0x9b6f32a4d90e013a
        dw 0x3ffd, 0x0f7f
        dq 0x8beb57c7f423f8be
        dw 0xbfe4, 0
        dq 0xc5c487f66872d96b
        dw 0x4000, 0x037f
        dq 0xec5749fdd978673a
        dw 0x3fe2, 0
        dq 0xad0cb3e806f594cf
        dw 0xc003, 0x077f
        dq 0xc7efb30a5a091fd6
        dw 0x3fe0, 0
        dq 0x9bb7a9b289d33078
        dw 0x4003, 0x0b7f
        dq 0xa3e683fbb74c990a
        dw 0xbfde, 0
        dq 0x9b729b92bb20e1d5
        dw 0x4001, 0x0f7f
        dq 0xa2511fb29015b7c2
        dw 0x3fdc, 0
        dq 0xe409831b19f900d3
        dw 0x4003, 0x037f
        dq 0xb7d094a3f472bb69
        dw 0xbfda, 0
        dq 0xe12a9b2c0f7815f2
        dw 0xbffb, 0x077f
        dq 0x97be4e63cd64a752
        dw 0xbfd8, 0
        dq 0xa8226fae81b2499e
        dw 0x4003, 0x0b7f
        dq 0x882e5e29d65f45b6
        dw 0xbfd6, 0
        dq 0xa163ce0e2950e9ae
        dw 0x3ffd, 0x0f7f
        dq 0xb4b0b229038d04fb
        dw 0xbffc, 0
        dq 0x81f99c28f72699ec
        dw 0xc005, 0x037f
        dq 0x82f0eefd3c37bb01
        dw 0xbffa, 0
        dq 0xc7d4b068af925385
        dw 0xbffd, 0x077f
        dq 0xedc09f12efa4f9f1
        dw 0x3ff8, 0
        dq 0xcdba88a874bf589b
        dw 0xbffe, 0x0b7f
        dq 0xcebd10e5b6d6e11f
        dw 0x3ff6, 0
        dq 0xcdcbeb9550e98d6d
        dw 0x3ff9, 0x0f7f
fyl2xp1_end:
fpatan_table:
        dq 0xfd538bb76d1675c1
        dw 0x3ffb, 0
        dq 0xc029589edc7e351e
        dw 0x3ff8, 0x037f
        dq 0xe88d6a4ef272c2ef
        dw 0xbffd, 0
        dq 0xb7e72404b7158e9c
        dw 0xc000, 0x077f
        dq 0xa5102934549ecc0a
        dw 0xbff5, 0
        dq 0xa8d124776aa8b0b5
        dw 0xbff8, 0x0b7f
        dq 0xfa7818fe8acaca45
        dw 0x4007, 0
        dq 0xdc5ff3bd0e5f8755
        dw 0xbfff, 0x0f7f
        dq 0x8f23e5531f684c50
        dw 0xbff8, 0
        dq 0xcc68f1825aa26879
        dw 0xbff6, 0x037f
        dq 0x83af870e4d5fad71
        dw 0x4009, 0
        dq 0xb5287cfe5b20f1e6
        dw 0x4002, 0x077f
        dq 0xb5e2d9d9c6cf381a
        dw 0xc001, 0
        dq 0xc57ea2572ef7b374
        dw 0x3ffc, 0x0b7f
        dq 0xc54a5377ef463c53
        dw 0x3ff5, 0
        dq 0xe4af78e84145ff00
        dw 0xc006, 0x0f7f
        dq 0xa36f3777043f9f5b
        dw 0xbff9, 0
        dq 0xfaaf702a438973ec
        dw 0xc006, 0x037f
        dq 0xcbfcbd6ba07481bd
        dw 0xbfff, 0
        dq 0x84dd790e8d903c66
        dw 0x3ff7, 0x077f
        dq 0xc1cc4866d2e38779
        dw 0x4009, 0
        dq 0xe09480be853c2409
        dw 0xbffd, 0x0b7f
        dq 0x8175dc6cd734fc4a
        dw 0xbfff, 0
        dq 0x877645fc7875a42b
        dw 0x4009, 0x0f7f
        dq 0x934ef2e8dcb30d7d
        dw 0x3ffc, 0
        dq 0xf9ba5d635c2472e5
        dw 0x4001, 0x037f
        dq 0xabfdf775469855d2
        dw 0x3ffc, 0
        dq 0xd18996eb759291d6
        dw 0xbffb, 0x077f
        dq 0xf2d1a03c795c2b9b
        dw 0x4003, 0
        dq 0xd062d9062885f868
        dw 0xc007, 0x0b7f
        dq 0x80ae0eaee4cfed0e
        dw 0xc002, 0
        dq 0xc2f91fd0d5c67ee3
        dw 0x4000, 0x0f7f
        dq 0x9616dd4ea39d2086
        dw 0x4002, 0
        dq 0xdd91adf18bf6237b
        dw 0xbff7, 0x037f
        dq 0x8ce56d34bd513018
        dw 0xbffd, 0
        dq 0xeca295d0d98d4098
        dw 0x3ff5, 0x077f
        dq 0xfa4f39670b6dba44
        dw 0xc007, 0
        dq 0xfc4c9b30f6908f31
        dw 0xc001, 0x0b7f
        dq 0x943ac8aca969bd91
        dw 0x4005, 0
        dq 0xddc50c4024530e4c
        dw 0xc005, 0x0f7f
        dq 0xa7bbd5dc42edffa9
        dw 0xc001, 0
        dq 0xe4c467eaa98a33d1
        dw 0x3ff6, 0x037f
        dq 0xa5cc1f854afc59d6
        dw 0xbffb, 0
        dq 0xfc8334cf224e229f
        dw 0xc006, 0x077f
        dq 0xd09ddc3dbf3b9167
        dw 0xc001, 0
        dq 0xbd71095aa5d50dd0
        dw 0x3ff5, 0x0b7f
        dq 0xf378e7afc5ba0cf1
        dw 0xc002, 0
        dq 0x83c7132484250d88
        dw 0xc006, 0x0f7f
fpatan_end:
