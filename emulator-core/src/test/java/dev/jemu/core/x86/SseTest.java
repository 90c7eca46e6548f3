package dev.jemu.core.x86;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Known vectors for MMX, SSE, SSE2 and SSE3 instructions, run in 64-bit mode. */
class SseTest {
    private static CpuRig run(String body) {
        String asm = "BITS 64\nORG 0x1000\n" + body + "\nhlt\nalign 16\ndata:\n"
                + "dq 0x0807060504030201, 0x100F0E0D0C0B0A09\n"
                + "dq 0x80FF7F0100FF0102, 0x0000000000000000\n"
                + "dd 1.5, -2.0, 9.0, 0.25\n"
                + "dq 2.5, -0.0\n";
        CpuRig rig = new CpuRig().long64(CpuRig.nasm(asm));
        rig.cpu.cr4 |= Cpu.CR4_OSFXSR | Cpu.CR4_OSXMMEXCPT;
        return rig.run();
    }

    private static long xlo(CpuRig r, int n) {
        return r.cpu.fpu.xmm[2 * n];
    }

    private static long xhi(CpuRig r, int n) {
        return r.cpu.fpu.xmm[2 * n + 1];
    }

    @Test
    void packedIntegerArithmeticSaturatesAndCompares() {
        CpuRig r = run("""
            movdqa xmm0, [rel data]
            movdqa xmm1, [rel data + 16]
            movdqa xmm2, xmm0
            paddb xmm2, xmm1
            movdqa xmm3, xmm0
            paddusb xmm3, xmm1
            movdqa xmm4, xmm0
            psubsb xmm4, xmm1
            movdqa xmm5, xmm0
            pcmpeqb xmm5, xmm0
            pmovmskb eax, xmm1
            """);
        assertEquals(0x8806850604020303L, xlo(r, 2));
        assertEquals(0x88FF850604FF0303L, xlo(r, 3), "unsigned saturation at 0xFF");
        assertEquals(0x7F088704040401FFL, xlo(r, 4), "signed saturation at 0x7F");
        assertEquals(-1L, xlo(r, 5));
        assertEquals(-1L, xhi(r, 5));
        assertEquals(0b1100_0100, r.reg(Cpu.RAX) & 0xFFFF);
    }

    @Test
    void shufflesUnpacksPacksAndShifts() {
        CpuRig r = run("""
            movdqu xmm0, [rel data]
            pshufd xmm1, xmm0, 0x1B
            pxor xmm2, xmm2
            movdqa xmm3, xmm0
            punpcklbw xmm3, xmm2
            packuswb xmm3, xmm3
            movdqa xmm4, xmm0
            psrldq xmm4, 3
            movdqa xmm5, xmm0
            psllq xmm5, 8
            movdqa xmm6, xmm0
            psraw xmm6, 15
            movq xmm7, xmm0
            """);
        assertEquals(0x0C0B0A09100F0E0DL, xlo(r, 1));
        assertEquals(0x04030201_08070605L, xhi(r, 1));
        assertEquals(0x0807060504030201L, xlo(r, 3), "unpack with zero then pack is the identity");
        assertEquals(0x0B0A090807060504L, xlo(r, 4));
        assertEquals(0x000000100F0E0D0CL, xhi(r, 4));
        assertEquals(0x0706050403020100L, xlo(r, 5));
        assertEquals(0, xlo(r, 6));
        assertEquals(0x0807060504030201L, xlo(r, 7));
        assertEquals(0, xhi(r, 7), "MOVQ clears the upper half");
    }

    @Test
    void singleAndDoubleArithmeticAndConversions() {
        CpuRig r = run("""
            movaps xmm0, [rel data + 32]
            movaps xmm1, xmm0
            addps xmm1, xmm0
            movaps xmm2, xmm0
            sqrtps xmm2, xmm0
            movsd xmm3, [rel data + 48]
            mulsd xmm3, xmm3
            cvttsd2si eax, xmm3
            cvtsd2si ebx, xmm3
            mov ecx, 7
            cvtsi2sd xmm4, ecx
            divsd xmm4, [rel data + 48]
            movapd xmm5, [rel data + 48]
            cvtpd2ps xmm6, xmm5
            haddps xmm0, xmm0
            """);
        assertEquals(0xC080_0000_4040_0000L, xlo(r, 1), "1.5+1.5 = 3.0, -2+-2 = -4");
        assertEquals(0x3F00_0000_4040_0000L, xhi(r, 2), "sqrt(9) = 3, sqrt(0.25) = 0.5");
        assertEquals(0xFFC0_0000L, xlo(r, 2) >>> 32, "sqrt(-2) is the default NaN");
        assertEquals(Double.doubleToRawLongBits(6.25), xlo(r, 3));
        assertEquals(6, r.reg(Cpu.RAX));
        assertEquals(6, r.reg(Cpu.RBX), "6.25 rounds to nearest 6");
        assertEquals(Double.doubleToRawLongBits(2.8), xlo(r, 4));
        assertEquals(0x8000_0000_4020_0000L, xlo(r, 6), "2.5 and -0.0 as singles");
        assertEquals(Float.floatToRawIntBits(-0.5f), (int) xlo(r, 0), "1.5 + -2.0");
        assertEquals(Float.floatToRawIntBits(9.25f), (int) (xlo(r, 0) >>> 32), "9 + 0.25");
    }

    @Test
    void comparisonsMinMaxAndRoundingControl() {
        CpuRig r = run("""
            movaps xmm0, [rel data + 32]
            movaps xmm1, [rel data + 32]
            shufps xmm1, xmm1, 0x39
            movaps xmm2, xmm0
            cmpltps xmm2, xmm1
            movaps xmm3, xmm0
            minps xmm3, xmm1
            pcmpeqd xmm4, xmm4
            movss xmm5, [rel data + 32]
            maxss xmm5, xmm4
            ucomiss xmm0, xmm1
            pushfq
            pop rsi
            ucomiss xmm0, xmm4
            pushfq
            pop rdi
            sub rsp, 8
            stmxcsr [rsp]
            or dword [rsp], 0x2000
            ldmxcsr [rsp]
            add rsp, 8
            movsd xmm6, [rel data + 48]
            cvtsd2si eax, xmm6
            cvttss2si rbx, xmm4
            """);
        assertEquals(0xFFFF_FFFF_0000_0000L, xlo(r, 2), "1.5 < -2.0 is false, -2.0 < 9.0 is true");
        assertEquals(0xFFFF_FFFF_0000_0000L, xhi(r, 2), "9.0 < 0.25 is false, 0.25 < 1.5 is true");
        assertEquals(0xC000_0000_C000_0000L, xlo(r, 3), "min(1.5, -2.0), min(-2.0, 9.0)");
        assertEquals(0x3E80_0000_3E80_0000L, xhi(r, 3), "min(9.0, 0.25), min(0.25, 1.5)");
        assertEquals(0xFFFF_FFFFL, xlo(r, 5) & 0xFFFF_FFFFL, "MAX with a NaN returns the source NaN");
        assertEquals(0, r.reg(Cpu.RSI) & (Eflags.ZF | Eflags.PF | Eflags.CF), "1.5 > -2.0");
        assertEquals(Eflags.ZF | Eflags.PF | Eflags.CF, r.reg(Cpu.RDI) & (Eflags.ZF | Eflags.PF | Eflags.CF), "unordered");
        assertEquals(2, r.reg(Cpu.RAX), "2.5 rounded down with RC = 01");
        assertEquals(Long.MIN_VALUE, r.reg(Cpu.RBX), "NaN converts to the integer indefinite value");
    }

    @Test
    void mmxArithmeticAndMaskedStores() {
        CpuRig r = run("""
            movq mm0, [rel data]
            movq mm1, [rel data + 16]
            paddusb mm0, mm1
            movq rax, mm0
            pcmpeqb mm2, mm2
            lea rdi, [0x3000]
            mov qword [rdi], 0
            movq mm3, [rel data]
            pxor mm4, mm4
            psubb mm4, mm2
            psllq mm4, 63
            psrlq mm4, 32
            maskmovq mm3, mm4
            cvtpi2ps xmm1, [rel data]
            emms
            """);
        assertEquals(0x88FF850604FF0303L, r.reg(Cpu.RAX));
        assertEquals(0x04L << 24, r.mem.read(0x3000, 8), "only byte 3, whose mask byte has its top bit set, was stored");
        assertEquals(0, r.cpu.fpu.ftwAbridged, "EMMS empties the x87 tags");
        assertEquals(Float.floatToRawIntBits(0x04030201), (int) xlo(r, 1));
    }

    @Test
    void misalignedMovdqaRaisesGeneralProtection() {
        CpuRig r = new CpuRig().long64(CpuRig.nasm("""
            BITS 64
            ORG 0x1000
                lea rax, [rel handler]
                mov [0x3000 + 13*16], ax
                mov word [0x3000 + 13*16 + 2], 0x18
                mov word [0x3000 + 13*16 + 4], 0x8E00
                shr rax, 16
                mov [0x3000 + 13*16 + 6], ax
                shr rax, 16
                mov [0x3000 + 13*16 + 8], rax
                lidt [rel idtr]
                movdqa xmm0, [0x2001]
                mov ebx, 1
                hlt
            handler:
                mov ebx, 2
                hlt
            idtr: dw 16*32-1
                  dq 0x3000
            """));
        r.cpu.cr4 |= Cpu.CR4_OSFXSR;
        r.run();
        assertEquals(2, r.reg(Cpu.RBX));
    }

    /** MXCSR collects UE, PE and DE the way the SDM says (the sse kernel covers IE, ZE, OE). */
    @Test
    void arithmeticSetsUnderflowPrecisionAndDenormalFlags() {
        CpuRig r = run("""
            mov rax, 0x0010000000000000
            movq xmm0, rax
            mov rax, 0x3fe0000000000001
            movq xmm1, rax
            mulsd xmm0, xmm1
            stmxcsr [rsp - 16]
            mov ebx, [rsp - 16]
            mov dword [rsp - 16], 0x1f80
            ldmxcsr [rsp - 16]
            mov rax, 0x0000000000000001
            movq xmm2, rax
            mov rax, 0x3ff0000000000000
            movq xmm3, rax
            addsd xmm3, xmm2
            stmxcsr [rsp - 16]
            mov ecx, [rsp - 16]
            mov dword [rsp - 16], 0x1f80
            ldmxcsr [rsp - 16]
            mov rax, 0x4010000000000000
            movq xmm5, rax
            sqrtsd xmm5, xmm5
            stmxcsr [rsp - 16]
            mov edx, [rsp - 16]
            mov rax, 0x4000000000000000
            movq xmm4, rax
            sqrtsd xmm4, xmm4
            stmxcsr [rsp - 16]
            mov esi, [rsp - 16]
            """);
        assertEquals(0x1f80 | 0x10 | 0x20, r.reg(Cpu.RBX) & 0xFFFF, "MIN_NORMAL x (0.5 + ulp) underflows inexactly");
        assertEquals(0x1f80 | 0x02 | 0x20, r.reg(Cpu.RCX) & 0xFFFF, "1.0 + a denormal: DE and PE");
        assertEquals(0x1f80, r.reg(Cpu.RDX) & 0xFFFF, "sqrt(4) is exact");
        assertEquals(0x1f80 | 0x20, r.reg(Cpu.RSI) & 0xFFFF, "sqrt(2) is inexact");
    }

    /**
     * Runs {@code body} with handlers for #UD and #XM that put their vector in EBX (the body ends with
     * EBX = 1); CR4.OSXMMEXCPT as {@code osxmmexcpt} says.
     */
    private static CpuRig runTrapping(String body, boolean osxmmexcpt) {
        StringBuilder gates = new StringBuilder();
        for (int vector : new int[] {Vectors.UD, Vectors.XM}) {
            gates.append("""
                    lea rax, [rel handler%1$d]
                    mov [0x3000 + %1$d*16], ax
                    mov word [0x3000 + %1$d*16 + 2], 0x18
                    mov word [0x3000 + %1$d*16 + 4], 0x8E00
                    shr rax, 16
                    mov [0x3000 + %1$d*16 + 6], ax
                    shr rax, 16
                    mov [0x3000 + %1$d*16 + 8], rax
                """.formatted(vector));
        }
        CpuRig r = new CpuRig().long64(CpuRig.nasm("BITS 64\nORG 0x1000\n" + gates + """
                lidt [rel idtr]
            """ + body + """
                mov ebx, 1
                hlt
            handler6:
                mov ebx, 6
                hlt
            handler19:
                mov ebx, 19
                hlt
            idtr: dw 16*32-1
                  dq 0x3000
            """));
        r.cpu.cr4 |= Cpu.CR4_OSFXSR | (osxmmexcpt ? Cpu.CR4_OSXMMEXCPT : 0);
        return r.run();
    }

    /** SDM 11.5: an unmasked SIMD exception leaves the destination alone and raises #XM or #UD. */
    @Test
    void unmaskedDivideByZeroRaisesXmOrUdAndKeepsTheDestination() {
        String body = """
                mov dword [0x2000], 0x1f80 & ~0x200
                ldmxcsr [0x2000]
                mov rax, 0x3ff0000000000000
                movq xmm0, rax
                pxor xmm1, xmm1
                divpd xmm0, xmm1
            """;
        CpuRig xm = runTrapping(body, true);
        assertEquals(19, xm.reg(Cpu.RBX), "#XM with CR4.OSXMMEXCPT");
        assertEquals(0x3ff0000000000000L, xlo(xm, 0), "destination unchanged");
        assertEquals((0x1f80 & ~0x200) | 0x04 | 0x01, xm.cpu.fpu.mxcsr, "1/0 sets ZE, 0/0 in the high lane IE");
        CpuRig ud = runTrapping(body, false);
        assertEquals(6, ud.reg(Cpu.RBX), "#UD without CR4.OSXMMEXCPT");
        assertEquals(0x3ff0000000000000L, xlo(ud, 0));
    }

    /** Only exceptions the instruction itself raises fault; earlier sticky flags do not. */
    @Test
    void stickyFlagsDoNotFaultButAnUnmaskedInexactConversionDoes() {
        CpuRig r = runTrapping("""
                mov dword [0x2000], (0x1f80 & ~0x1200) | 0x24
                ldmxcsr [0x2000]
                mov rax, 0x4004000000000000
                movq xmm0, rax
                addsd xmm0, xmm0
                mov edx, 7
                cvtsd2si edx, xmm0
                mov rax, 0x4004000000000001
                movq xmm1, rax
                cvttsd2si edx, xmm1
            """, true);
        assertEquals(19, r.reg(Cpu.RBX), "2.5000000000000004 truncated is inexact: PE unmasked");
        assertEquals(5, r.reg(Cpu.RDX), "the exact conversion of 5.0 completed; the faulting one left EDX");
        assertEquals(0x4014000000000000L, xlo(r, 0), "2.5 + 2.5 is exact and ran despite sticky ZE and PE");
        assertEquals((0x1f80 & ~0x1200) | 0x24, r.cpu.fpu.mxcsr);
    }

    /** SDM 11.5.2.2: with UM unmasked an exact tiny result signals underflow. */
    @Test
    void unmaskedUnderflowFaultsEvenWhenExact() {
        CpuRig r = runTrapping("""
                mov dword [0x2000], 0x1f80 & ~0x800
                ldmxcsr [0x2000]
                mov rax, 0x0010000000000000
                movq xmm0, rax
                mov rax, 0x3fe0000000000000
                movq xmm1, rax
                mulsd xmm0, xmm1
            """, true);
        assertEquals(19, r.reg(Cpu.RBX));
        assertEquals(0x0010000000000000L, xlo(r, 0));
        assertEquals((0x1f80 & ~0x800) | 0x10, r.cpu.fpu.mxcsr, "UE without PE: the result is exact");
    }
}
