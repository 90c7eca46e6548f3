package dev.jemu.core.x86.disas;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The disassembler against QEMU 7.2's own {@code -d in_asm} text: every instruction of a
 * real log (SeaBIOS, the option ROM and a jemu test kernel in 16-, 32- and 64-bit code), and
 * single encodings of each operand form with the text QEMU's disassembler (Capstone, as
 * Debian's QEMU links it) prints.
 */
class DisassemblerTest {
    private static String dis(int bits, long address, String hex) {
        byte[] b = HexFormat.of().parseHex(hex);
        Disassembler.Insn i = Disassembler.disassemble(b, 0, b.length, address, bits);
        return i == null ? null : i.length() + " " + i.text();
    }

    @Test
    void agreesWithEveryInstructionOfQemusLog() throws Exception {
        List<String> wrong = new ArrayList<>();
        int n = 0;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                DisassemblerTest.class.getResourceAsStream("qemu-in_asm-longmode.tsv"), StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split("\t");
                n++;
                String got = dis(Integer.parseInt(f[0]), Long.parseLong(f[4], 16), f[1]);
                String want = f[2] + " " + f[3];
                if (!want.equals(got)) {
                    wrong.add(f[1] + ": want [" + want + "] got [" + got + "]");
                }
            }
        }
        assertEquals(15271, n);
        assertEquals(List.of(), wrong.subList(0, Math.min(20, wrong.size())));
    }

    @Test
    void integerFormsAsQemuPrintsThem() {
        assertEquals("7 leaq -0x6ff(%rip), %rsi", dis(64, 0x100ab8, "488d3501f9ffff"));
        assertEquals("5 ljmpw $0xf000:$0xe05b", dis(16, 0xfffffff0L, "ea5be000f0"));
        assertEquals("4 jne 0xd09c", dis(16, 0xfe062, "0f8536f0"));
        assertEquals("7 cmpl $0, %cs:0x61c8", dis(16, 0xfe05b, "2e66833ec86100"));
        assertEquals("4 addq $-0x10, %rax", dis(64, 0, "4883c0f0"));
        assertEquals("4 andq $0xfffffffffffffff0, %rax", dis(64, 0, "4883e0f0"));
        assertEquals("3 andl $0xfffffff0, %eax", dis(64, 0, "83e0f0"));
        assertEquals("10 movabsq $0xfffffffffffffff0, %rax", dis(64, 0, "48b8f0ffffffffffffff"));
        assertEquals("6 testq $-0x10, %rax", dis(64, 0, "48a9f0ffffff"));
        assertEquals("4 enter $0x10, $1", dis(64, 0, "c8100001"));
        assertEquals("2 shll $1, %eax", dis(64, 0, "d1e0"));
        assertEquals("3 rep movsq (%rsi), (%rdi)", dis(64, 0, "f348a5"));
        assertEquals("2 repne scasb (%rdi), %al", dis(64, 0, "f2ae"));
        assertEquals("1 movsb (%si), %es:(%di)", dis(16, 0, "a4"));
        assertEquals("2 movsb %ds:(%esi), %es:(%edi)", dis(32, 0, "3ea4"));
        assertEquals("4 movsbq %al, %rax", dis(64, 0, "480fbec0"));
        assertEquals("3 movslq %eax, %rax", dis(64, 0, "4863c0"));
        assertEquals("2 cltq", dis(64, 0, "4898"));
        assertEquals("2 jmpq *%rax", dis(64, 0, "ffe0"));
        assertEquals("2 ljmpl *(%rax)", dis(64, 0, "ff28"));
        assertEquals("5 callq 5", dis(64, 0, "e800000000"));
        assertEquals("3 callw 3", dis(16, 0, "e80000"));
        assertEquals("7 lcalll $0x8:$0x0", dis(32, 0, "9a000000000800"));
        assertEquals("4 movl 8(%ebp, %ecx, 8), %eax", dis(32, 0, "8b44cd08"));
        assertEquals("7 movl (, %ecx, 8), %eax", dis(32, 0, "8b04cd00000000"));
        assertEquals("7 movl 0xfffffffffffffff5, %eax", dis(64, 0, "8b0425f5ffffff"));
        assertEquals("9 movabsl 0xfffffffffffffff0, %eax", dis(64, 0, "a1f0ffffffffffffff"));
        assertEquals("8 movl %fs:0, %eax", dis(64, 0, "648b042500000000"));
        assertEquals("4 movl (%rax, %r12, 8), %eax", dis(64, 0, "428b04e0"));
        assertEquals("3 movb %dil, %al", dis(64, 0, "408ac7"));
        assertEquals("2 movb %ah, %al", dis(64, 0, "8ac4"));
        assertEquals("3 movw -0x10(%bp), %ax", dis(16, 0, "8b46f0"));
        assertEquals("2 movw (%bx, %si), %ax", dis(16, 0, "8b00"));
        assertEquals("6 nopw (%rax, %rax)", dis(64, 0, "660f1f440000"));
        assertEquals("2 xchgq %r9, %rax", dis(64, 0, "4991"));
        assertEquals("2 pause", dis(64, 0, "f390"));
        assertEquals("3 jecxz 3", dis(64, 0, "67e300"));
    }

    @Test
    void systemFormsAsQemuPrintsThem() {
        assertEquals("3 movq %cr0, %rax", dis(64, 0, "0f20c0"));
        assertEquals("3 movl %cr0, %eax", dis(16, 0, "0f20c0"));
        assertEquals("2 movl %eax, %es", dis(32, 0, "8ec0"));
        assertEquals("2 movw (%eax), %es", dis(32, 0, "8e00"));
        assertEquals("3 lgdtq (%rax)", dis(64, 0, "0f0110"));
        assertEquals("3 lgdtw (%bx, %si)", dis(16, 0, "0f0110"));
        assertEquals("3 ltrw %ax", dis(64, 0, "0f00d8"));
        assertEquals("3 sldtl %eax", dis(32, 0, "0f00c0"));
        assertEquals("3 sldtw (%eax)", dis(32, 0, "0f0000"));
        assertEquals("3 invlpg (%rax)", dis(64, 0, "0f0138"));
        assertEquals("3 swapgs", dis(64, 0, "0f01f8"));
        assertEquals("3 sysretq", dis(64, 0, "480f07"));
        assertEquals("2 iretq", dis(64, 0, "48cf"));
        assertEquals("1 pushal", dis(32, 0, "60"));
        assertEquals("4 cmpxchg16b (%rsi)", dis(64, 0, "480fc70e"));
        assertEquals("4 rdrandw %ax", dis(64, 0, "660fc7f0"));
        // objdump -D -b binary -m i386:x86-64 on 0f c7 30 / 0f c7 38: vmptrld (%rax), vmptrst (%rax)
        assertEquals("3 vmptrld (%rax)", dis(64, 0, "0fc730"));
        assertEquals("3 vmptrst (%rax)", dis(64, 0, "0fc738"));
        assertEquals("4 fxsave64 (%rax)", dis(64, 0, "480fae00"));
        assertEquals("3 mfence", dis(64, 0, "0faef0"));
        assertEquals("4 rdfsbasel %eax", dis(64, 0, "f30faec0"));
        assertEquals("2 aam", dis(32, 0, "d40a"));
        assertNull(dis(64, 0, "37"));
        assertNull(dis(64, 0, "0f0b0f0b".substring(0, 2)));
    }

    @Test
    void x87AndSseFormsAsQemuPrintsThem() {
        assertEquals("2 fadd %st(1)", dis(64, 0, "d8c1"));
        assertEquals("2 fadd %st(0), %st(1)", dis(64, 0, "dcc1"));
        assertEquals("2 fsub %st(0), %st(1)", dis(64, 0, "dce1"));
        assertEquals("2 fsubp %st(1)", dis(64, 0, "dee1"));
        assertEquals("2 fcmovb %st(1), %st(0)", dis(64, 0, "dac1"));
        assertEquals("2 fnstsw %ax", dis(64, 0, "dfe0"));
        assertEquals("2 fildll (%rax)", dis(64, 0, "df28"));
        assertEquals("2 fstpt (%rax)", dis(64, 0, "db38"));
        assertEquals("3 fnstcw (%rsp)", dis(64, 0, "d93c24"));
        assertEquals("4 cvtsi2sdl %eax, %xmm0", dis(64, 0, "f20f2ac0"));
        assertEquals("5 cvtsi2sdq %rax, %xmm0", dis(64, 0, "f2480f2ac0"));
        assertEquals("5 movd %rax, %xmm0", dis(64, 0, "66480f6ec0"));
        assertEquals("4 movq %xmm1, %xmm0", dis(64, 0, "f30f7ec1"));
        assertEquals("5 pshufd $0x1b, %xmm1, %xmm0", dis(64, 0, "660f70c11b"));
        assertEquals("4 cmpltps %xmm1, %xmm0", dis(64, 0, "0fc2c101"));
        assertEquals("4 cmpps $8, %xmm1, %xmm0", dis(64, 0, "0fc2c108"));
        assertEquals("7 pextrq $1, %xmm0, %rax", dis(64, 0, "66480f3a16c001"));
        assertEquals("6 pcmpistri $1, %xmm1, %xmm0", dis(64, 0, "660f3a63c101"));
        assertEquals("5 pblendvb %xmm1, %xmm0", dis(64, 0, "660f3810c1"));
        assertEquals("5 pslldq $5, %xmm0", dis(64, 0, "660f73f805"));
        assertEquals("4 psraw $5, %mm0", dis(64, 0, "0f71e005"));
        assertEquals("5 crc32b %cl, %eax", dis(64, 0, "f20f38f0c1"));
        assertEquals("4 movbel (%rax), %eax", dis(64, 0, "0f38f000"));
        assertEquals("4 popcntl %ecx, %eax", dis(64, 0, "f30fb8c1"));
        assertEquals("3 movhlps %xmm1, %xmm0", dis(64, 0, "0f12c1"));
        assertEquals("3 movlps (%rax), %xmm0", dis(64, 0, "0f1200"));
    }

    @Test
    void linesLaidOutAsQemusInAsm() {
        byte[] b = HexFormat.of().parseHex("c705c8610f0001000000");
        StringBuilder sb = new StringBuilder();
        InAsmFormat.line(sb, 0xea39e, b, 0, b.length, "movl", "$1, 0xf61c8");
        assertEquals("0x000ea39e:  c7 05 c8 61 0f 00 01 00  movl     $1, 0xf61c8\n0x000ea3a6:  00 00\n", sb.toString());
        sb.setLength(0);
        InAsmFormat.line(sb, 0x10022d, new byte[] {(byte) 0xfa}, 0, 1, "cli", "");
        assertEquals("0x0010022d:  fa                       cli      \n", sb.toString());
    }
}
