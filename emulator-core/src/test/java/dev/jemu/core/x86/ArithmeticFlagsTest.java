package dev.jemu.core.x86;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Known vectors for the integer instructions: result and all six arithmetic flags, from the
 * Intel SDM's definitions; the flags the SDM leaves undefined (AF of shifts, SF/ZF/AF/PF of
 * MUL and IMUL, OF of DAA/DAS, all but ZF of BSF/BSR, all but CF of BT, ...) as QEMU 7.2 TCG
 * gives them: every row was run as a test of a 32-bit kernel (the test32.inc framework) on
 * {@code qemu-system-x86_64 -cpu max} (POPCNT is #UD on QEMU's {@code qemu64}) and agrees
 * in result and flags. Each case runs in 32-bit protected mode; the snippet leaves its
 * result in EAX (or AL) and the code here captures EFLAGS right after it with PUSHFD.
 */
class ArithmeticFlagsTest {
    private static final int ARITH = Eflags.ARITH;

    private static String flagNames(int f) {
        StringBuilder sb = new StringBuilder();
        String[] names = {"CF", "", "PF", "", "AF", "", "ZF", "SF", "", "", "", "OF"};
        for (int b = 0; b < names.length; b++) {
            if (!names[b].isEmpty() && (f & (1 << b)) != 0) {
                sb.append(sb.isEmpty() ? "" : " ").append(names[b]);
            }
        }
        return sb.isEmpty() ? "-" : sb.toString();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        mov al,0x7f / add al,1                    | 0x80       | AF SF OF
        mov al,0xff / add al,1                    | 0x00       | CF PF AF ZF
        mov al,0 / sub al,1                       | 0xff       | CF PF AF SF
        mov al,0x80 / sub al,1                    | 0x7f       | AF OF
        mov eax,5 / cmp eax,5                     | 5          | PF ZF
        stc / mov eax,0xffffffff / adc eax,0      | 0          | CF PF AF ZF
        stc / mov eax,0 / sbb eax,0               | 0xffffffff | CF PF AF SF
        stc / mov al,0xff / inc al                | 0          | CF PF AF ZF
        clc / mov eax,0x80000000 / dec eax        | 0x7fffffff | PF AF OF
        mov eax,1 / neg eax                       | 0xffffffff | CF PF AF SF
        mov eax,0 / neg eax                       | 0          | PF ZF
        stc / mov eax,0xf0 / and eax,0x0f         | 0          | PF ZF
        mov eax,0x1234 / or eax,0x8000000         | 0x8001234  | -
        mov eax,0x80 / xor eax,0x81               | 1          | -
        mov al,0x81 / shl al,1                    | 0x02       | CF OF
        mov al,0x81 / shr al,1                    | 0x40       | CF OF
        mov al,0x81 / sar al,1                    | 0xc0       | CF PF SF
        mov al,0x81 / rol al,1                    | 0x03       | CF OF
        mov al,0x81 / ror al,1                    | 0xc0       | CF
        clc / mov al,0x81 / rcl al,1              | 0x02       | CF OF
        stc / mov al,0x01 / rcr al,1              | 0x80       | CF OF
        mov eax,1 / mov cl,31 / shl eax,cl        | 0x80000000 | PF SF OF
        mov eax,0x80000000 / mov ecx,4 / mul ecx  | 0          | CF PF ZF OF
        mov eax,-2 / mov ecx,3 / imul ecx         | 0xfffffffa | PF SF
        mov eax,0x40000000 / imul eax,eax,4       | 0          | CF PF ZF OF
        mov al,0x79 / add al,0x35 / daa           | 0x14       | CF PF AF
        mov al,0x10 / sub al,0x01 / das           | 0x09       | PF AF
        mov eax,0x10 / bsf eax,eax                | 4          | -
        mov eax,0 / bsr ecx,eax                   | 0          | PF ZF
        mov eax,0x101 / bt eax,8                  | 0x101      | CF
        mov eax,0x101 / btr eax,0                 | 0x100      | CF
        mov eax,0xf0f0 / popcnt eax,eax           | 8          | -
        mov eax,0 / popcnt eax,eax                | 0          | ZF
        mov eax,0x12345678 / bswap eax            | 0x78563412 | -
        mov eax,0x10000001 / mov edx,0x30000000 / shld eax,edx,4 | 0x13 | CF OF
        mov eax,0x19 / mov edx,1 / shrd eax,edx,4 | 0x10000001 | CF
        mov al,5 / mov bl,3 / xadd al,bl           | 8          | -
        mov eax,7 / mov ebx,7 / mov ecx,9 / cmpxchg ebx,ecx / mov eax,ebx | 9 | PF ZF
        mov eax,1 / mov ebx,7 / mov ecx,9 / cmpxchg ebx,ecx | 7      | CF PF AF SF
        """)
    void resultAndFlags(String code, String result, String flags) {
        String asm = "BITS 32\nORG 0x1000\n" + code.replace(" / ", "\n") + "\npushfd\npop esi\nhlt\n";
        CpuRig rig = new CpuRig().prot32(CpuRig.nasm(asm)).run();
        long expected = Long.decode(result);
        long actual = rig.reg(Cpu.RAX);
        if (expected <= 0xFF && code.contains(" al,") && !code.contains("eax")) {
            actual &= 0xFF;
        }
        assertEquals(Long.toHexString(expected), Long.toHexString(actual), "result of " + code);
        assertEquals(flags, flagNames((int) rig.reg(Cpu.RSI) & ARITH), "flags of " + code);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        mov edx,0 / mov eax,100 / mov ecx,7 / div ecx               | 14  | 2
        mov eax,-100 / cdq / mov ecx,7 / idiv ecx                   | -14 | -2
        xor edx,edx / mov eax,1000 / mov cl,7 / div cl              | 0x68e | 0
        mov eax,0x80000000 / mov ecx,0x10 / mul ecx                 | 0   | 8
        """)
    void multiplyAndDivide32(String code, String eax, String edx) {
        String asm = "BITS 32\nORG 0x1000\n" + code.replace(" / ", "\n") + "\nhlt\n";
        CpuRig rig = new CpuRig().prot32(CpuRig.nasm(asm)).run();
        assertEquals(Long.decode(eax) & 0xFFFF_FFFFL, rig.reg(Cpu.RAX) & 0xFFFF_FFFFL, "EAX after " + code);
        assertEquals(Long.decode(edx) & 0xFFFF_FFFFL, rig.reg(Cpu.RDX) & 0xFFFF_FFFFL, "EDX after " + code);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        mov rax,0x7fffffffffffffff / add rax,1           | 0x8000000000000000 | 0          | PF AF SF OF
        mov rax,-1 / mov rcx,-1 / mul rcx                | 1                  | -2         | CF OF
        mov rdx,1 / mov rax,0 / mov rcx,2 / div rcx      | 0x8000000000000000 | 0          | -
        mov rdx,-1 / mov rax,-7 / mov rcx,2 / idiv rcx   | -3                 | -1         | -
        mov rax,3 / mov rcx,-5 / imul rax,rcx            | -15                | 0          | PF SF
        mov eax,-1 / mov rdx,0                           | 0xffffffff         | 0          | PF ZF
        mov rax,1 / shl rax,63                           | 0x8000000000000000 | 0          | PF SF OF
        mov rax,0x1122334455667788 / bswap rax           | 0x8877665544332211 | 0          | PF ZF
        mov ecx,-5 / movsxd rax,ecx                      | -5                 | 0          | PF ZF
        mov rax,0x100000000 / bsf rax,rax                | 32                 | 0          | PF
        """)
    void longModeVectors(String code, String rax, String rdx, String flags) {
        String asm = "BITS 64\nORG 0x1000\nxor edx,edx\n" + code.replace(" / ", "\n") + "\npushfq\npop rsi\nhlt\n";
        CpuRig rig = new CpuRig().long64(CpuRig.nasm(asm)).run();
        assertEquals(Long.toHexString(parse(rax)), Long.toHexString(rig.reg(Cpu.RAX)), "RAX after " + code);
        assertEquals(Long.toHexString(parse(rdx)), Long.toHexString(rig.reg(Cpu.RDX)), "RDX after " + code);
        if (!code.contains("mul") && !code.contains("div")) {
            assertEquals(flags, flagNames((int) rig.reg(Cpu.RSI) & ARITH), "flags of " + code);
        } else if (flags.contains("CF")) {
            assertEquals(Eflags.CF | Eflags.OF, (int) rig.reg(Cpu.RSI) & (Eflags.CF | Eflags.OF));
        }
    }

    private static long parse(String s) {
        return s.startsWith("0x") ? Long.parseUnsignedLong(s.substring(2), 16) : Long.parseLong(s);
    }
}
