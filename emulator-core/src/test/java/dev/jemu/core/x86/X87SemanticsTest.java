package dev.jemu.core.x86;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * x87 behaviour that real processors show and QEMU 7.2 does not model (so it is checked
 * against hand-computed values from the SDM rather than against QEMU): C1 on round-up, the
 * denormal-operand exception, stack overflow and underflow, FPREM1's quotient bits, unmasked
 * exceptions and #MF; and the state images of FXSAVE, FNSAVE and FNSTENV.
 */
class X87SemanticsTest {
    private static final long BUF = 0x9000;
    private static final long OUT = 0x9200;
    private static final String DATA = """
            jmp start
            align 16
            three:  dd 3.0
            cw_down: dw 0x77f
            cw_ze:  dw 0x37b
            cw_single: dw 0x07f
            cw_oe:  dw 0x377
            big:    dq 0xffffffffffffffff
                    dw 0x7ffe
            tenth:  dq 0.1
            onep:   dq 0x8000000000000001
                    dw 0x403e
            twop:   dq 0x8000000000000001
                    dw 0x403f
            threeq: dq 0xc000000000000000
                    dw 0x403e
            i3:     dd 3
            i10:    dd 10
            i11:    dd 11
            denorm: dq 1
                    dw 0
            sav equ 0x9000
            res equ 0x9200
            start:
            """;

    private static CpuRig run(String body) {
        String src = "BITS 32\nORG 0x1000\n" + DATA + body + "\nhlt\n";
        CpuRig rig = new CpuRig().prot32(CpuRig.nasm(src));
        rig.mem.write(OUT + 32, 0x5A5A_5A5AL, 4);
        return rig.run();
    }

    private static int fsw(CpuRig r) {
        return r.cpu.fpu.fsw;
    }

    private static long st0Man(CpuRig r) {
        return X87Ops.man(r.cpu.fpu, 0);
    }

    private static int st0Se(CpuRig r) {
        return X87Ops.se(r.cpu.fpu, 0);
    }

    @Test
    void setsC1OnlyWhenTheResultWasRoundedUp() {
        CpuRig up = run("fninit\nfld1\nfdiv dword [three]");
        assertEquals(0xAAAA_AAAA_AAAA_AAABL, st0Man(up));
        assertEquals(X87Ops.C1 | X87Float.PE, fsw(up) & (X87Ops.C1 | X87Float.PE));
        CpuRig down = run("fninit\nfldcw [cw_down]\nfld1\nfdiv dword [three]");
        assertEquals(0xAAAA_AAAA_AAAA_AAAAL, st0Man(down));
        assertEquals(X87Float.PE, fsw(down) & (X87Ops.C1 | X87Float.PE));
    }

    @Test
    void precisionControlAppliesToArithmeticButNotToLoadsRemaindersOrRounding() {
        CpuRig r = run("""
                fninit
                fldcw [cw_single]
                fld qword [tenth]
                fst qword [res]
                fld1
                fmul qword [tenth]
                fstp qword [res + 8]
                """);
        assertEquals(0x3FB9_9999_9999_999AL, r.mem.read(OUT, 8), "FLD m64 / FST m64 exact under PC=24");
        assertEquals(0x3FB9_9999_A000_0000L, r.mem.read(OUT + 8, 8), "FMUL rounded to 24 bits");
        r = run("""
                fninit
                fldcw [cw_single]
                fld tword [threeq]
                fld tword [twop]
                fprem
                fld tword [onep]
                frndint
                """);
        assertEquals(0x8000_0000_0000_0004L, X87Ops.man(r.cpu.fpu, 1), "FPREM exact: (2^64 + 2) rem (3 * 2^62) = 2^62 + 2");
        assertEquals(0x403D, X87Ops.se(r.cpu.fpu, 1));
        assertEquals(0x8000_0000_0000_0001L, st0Man(r), "FRNDINT of an integer with 64 significant bits");
    }

    @Test
    void reportsDenormalOperands() {
        CpuRig r = run("fninit\nfld tword [denorm]\nfld1\nfaddp st1, st0");
        assertEquals(X87Float.DE | X87Float.PE, fsw(r) & 0x3F);
        assertEquals(0x8000_0000_0000_0000L, st0Man(r));
        assertEquals(0x3FFF, st0Se(r));
    }

    @Test
    void stackOverflowPushesTheIndefiniteWithSfAndC1() {
        CpuRig r = run("fninit\n" + "fld1\n".repeat(8) + "fldz");
        assertEquals(X87Float.INDEF_MAN, st0Man(r));
        assertEquals(X87Float.INDEF_SE, st0Se(r));
        assertEquals(X87Float.IE | X87Ops.SF | X87Ops.C1, fsw(r) & (0x7F | X87Ops.C1));
        assertEquals(7, X87Ops.top(r.cpu.fpu));
    }

    @Test
    void stackUnderflowStoresTheIndefiniteWithC1Clear() {
        CpuRig r = run("fninit\nfadd st0, st1");
        assertEquals(X87Float.IE | X87Ops.SF, fsw(r) & (0x7F | X87Ops.C1));
        assertEquals(X87Float.INDEF_MAN, st0Man(r));
        assertEquals(1, r.cpu.fpu.ftwAbridged);
    }

    @Test
    void fprem1ReportsTheLowQuotientBits() {
        CpuRig r = run("fninit\nfild dword [i3]\nfild dword [i11]\nfprem1");
        assertEquals(0xBFFF, st0Se(r), "11 rem1 3 = -1");
        assertEquals(X87Ops.C0, fsw(r) & (X87Ops.C0 | X87Ops.C1 | X87Ops.C2 | X87Ops.C3), "quotient 4");
        r = run("fninit\nfild dword [i3]\nfild dword [i10]\nfprem1");
        assertEquals(0x3FFF, st0Se(r), "10 rem1 3 = 1");
        assertEquals(X87Ops.C3 | X87Ops.C1, fsw(r) & (X87Ops.C0 | X87Ops.C1 | X87Ops.C2 | X87Ops.C3), "quotient 3");
    }

    @Test
    void unmaskedExceptionLeavesOperandsAndRaisesMfAtTheNextWaitingInstruction() {
        CpuRig r = run("""
                lidt [idt_desc]
                mov eax, isr_mf
                mov [idt + 16 * 8], ax
                mov word [idt + 16 * 8 + 2], 0x08
                mov word [idt + 16 * 8 + 4], 0x8E00
                shr eax, 16
                mov [idt + 16 * 8 + 6], ax
                mov eax, cr0
                or eax, 0x20
                mov cr0, eax
                mov dword [res + 8], faulting
                fninit
                fldcw [cw_ze]
                fld1
                fldz
                fdivp st1, st0
                mov byte [res], 1
            faulting:
                fld1
                mov byte [res + 1], 1
                hlt
            isr_mf:
                fnstsw ax
                mov [res + 2], ax
                mov eax, [esp]
                mov [res + 4], eax
                hlt
            align 8
            idt_desc:
                dw 32 * 8 - 1
                dd idt
            idt: times 32 * 8 db 0
            """);
        long out = OUT;
        assertEquals(1, r.mem.read(out, 1), "the faulting divide itself does not trap");
        assertEquals(0, r.mem.read(out + 1, 1), "the next x87 instruction raised #MF");
        assertEquals(0xB084, r.mem.read(out + 2, 2), "B, TOP=6, ES, ZE; the divide neither stored nor popped");
        assertEquals(0, st0Se(r), "ST0 still 0.0");
        assertEquals(0x3FFF, X87Ops.se(r.cpu.fpu, 1), "ST1 still 1.0");
        assertEquals(r.mem.read(out + 8, 4), r.mem.read(out + 4, 4), "#MF reported at the waiting FLD1");
    }

    @Test
    void unmaskedOverflowWrapsTheExponentOfARegisterResultAndSuppressesAStore() {
        CpuRig r = run("""
                fninit
                fldcw [cw_oe]
                fld tword [big]
                fmul st0, st0
                fstp st1
                fld tword [big]
                fst dword [res + 32]
                """);
        assertEquals(0xFFFF_FFFF_FFFF_FFFEL, X87Ops.man(r.cpu.fpu, 1), "(2^16384 - 2^16320)^2, rounded to 64 bits");
        assertEquals(0x7FFE + 0x7FFE - 0x3FFF + 1 - 0x6000, X87Ops.se(r.cpu.fpu, 1), "exponent wrapped by 0x6000");
        assertEquals(0x8000 | 0x80 | X87Float.OE | X87Float.PE, fsw(r) & 0x80FF);
        assertEquals(0x5A5A_5A5AL, r.mem.read(OUT + 32, 4), "FST m32 of an overflowing value stores nothing");
    }

    @Test
    void withoutNeAnUnmaskedExceptionStaysPending() {
        CpuRig r = run("""
                fninit
                fldcw [cw_ze]
                fld1
                fldz
                fdivp st1, st0
                fld1
                """);
        assertEquals(0x8000 | 0x80 | X87Float.ZE, fsw(r) & 0x80FF);
        assertEquals(5, X87Ops.top(r.cpu.fpu));
    }

    @Test
    void fldcwUnmaskingAPendingExceptionSetsTheErrorSummary() {
        CpuRig r = run("""
                fninit
                fld1
                fldz
                fdivp st1, st0
                fldcw [cw_ze]
                """);
        assertEquals(0x8000 | 0x80 | X87Float.ZE, r.cpu.fpu.fsw & 0x80FF);
    }

    @Test
    void fxsaveStoresRegistersInStackOrderAndFxrstorRestoresThem() {
        CpuRig r = run("""
                fninit
                fld1
                fldpi
                fxsave [sav]
                fninit
                fxrstor [sav]
                fstp tword [res]
                """);
        
        assertEquals(0x3000, r.mem.read(BUF + 2, 2), "FSW with TOP=6");
        assertEquals(0xC0, r.mem.read(BUF + 4, 1), "abridged tags: R6 and R7 valid");
        assertEquals(0xC90F_DAA2_2168_C235L, r.mem.read(BUF + 32, 8), "ST0 = pi");
        assertEquals(0x4000, r.mem.read(BUF + 40, 2));
        assertEquals(0x8000_0000_0000_0000L, r.mem.read(BUF + 48, 8), "ST1 = 1.0");
        assertEquals(0x3FFF, r.mem.read(BUF + 56, 2));
        assertEquals(0xC90F_DAA2_2168_C235L, r.mem.read(BUF + 512, 8), "restored ST0 stored again");
        assertEquals(0x3800, fsw(r));
    }

    @Test
    void fnsaveWritesTheFullTagWordReinitialisesAndFrstorRestores() {
        CpuRig r = run("""
                fninit
                fld1
                fldz
                fnsave [sav]
                fstcw [res + 16]
                frstor [sav]
                fstp tword [res]
                """);
        
        assertEquals(0x037F, r.mem.read(OUT + 16, 2), "FNSAVE reinitialised the FPU");
        assertEquals(0x3000, r.mem.read(BUF + 4, 2));
        assertEquals(0x1FFF, r.mem.read(BUF + 8, 2), "R7 valid, R6 zero, the rest empty");
        assertEquals(0, r.mem.read(BUF + 28, 8), "ST0 = +0 in the image");
        assertEquals(0x8000_0000_0000_0000L, r.mem.read(BUF + 38, 8), "ST1 = 1.0 in the image");
        assertEquals(0x3FFF, st0Se(r), "after FRSTOR and a pop ST0 is 1.0 again");
    }

    @Test
    void fcmovMovesOnlyWhenTheConditionHolds() {
        CpuRig r = run("""
                fninit
                fld1
                fldz
                stc
                fcmovb st0, st1
                fstp tword [res]
                fldz
                fcmovnb st0, st1
                """);
        assertEquals(0x3FFF, r.mem.read(OUT + 8, 2), "FCMOVB with CF=1 copied 1.0");
        assertEquals(0, st0Se(r), "FCMOVNB with CF=1 left 0.0");
    }

    @Test
    void cpuidAdvertisesTheFpuAndSse3() {
        CpuRig r = run("mov eax, 1\ncpuid");
        assertTrue((r.reg(Cpu.RDX) & Cpuid.FPU) != 0);
        assertTrue((r.reg(Cpu.RCX) & Cpuid.PNI) != 0);
    }

    /**
     * SDM vol. 1 8.1.8-8.1.10: FOP is the last non-control instruction's opcode (low 3 bits of the
     * first byte, then the ModRM byte), FIP/FCS its address, FDP/FDS its memory operand's; a
     * register operand and a control instruction leave FDP alone. FXSAVE's 32-bit format puts FCS
     * and FDS after the 32-bit offsets; FLDENV loads all of them back.
     */
    @Test
    void lastInstructionPointersAndOpcodeAsFnstenvFxsaveAndFldenvKeepThem() {
        CpuRig r = run("""
                fninit
                fld dword [three]
                insn: db 0xD8, 0xC8     ; fmul st0, st0
                fldcw [cw_down]
                fnstenv [sav]
                fxsave [sav + 32]
                mov dword [sav + 64 + 12], 0x1234
                mov dword [sav + 64 + 16], 0x01231234
                mov dword [sav + 64 + 20], 0x5555
                mov dword [sav + 64 + 24], 0x5678
                mov word [sav + 64], 0x37f
                fldenv [sav + 64]
                fnstenv [sav + 128]
                mov eax, insn
                mov ebx, three
                """);
        int cs = r.cpu.segs[Cpu.CS].selector;
        int ds = r.cpu.segs[Cpu.DS].selector;
        assertEquals(r.reg(Cpu.RAX), r.mem.read(BUF + 12, 4), "FIP: the FMUL");
        assertEquals(0x0C8L << 16 | cs, r.mem.read(BUF + 16, 4), "FOP D8 C8 and FCS");
        assertEquals(r.reg(Cpu.RBX), r.mem.read(BUF + 20, 4), "FDP: the FLD's operand, kept by FMUL and FLDCW");
        assertEquals(ds, r.mem.read(BUF + 24, 4), "FDS");
        assertEquals(0x0C8, r.mem.read(BUF + 32 + 6, 2), "FXSAVE FOP");
        assertEquals((long) cs << 32 | r.reg(Cpu.RAX), r.mem.read(BUF + 32 + 8, 8), "FXSAVE FIP, FCS");
        assertEquals((long) ds << 32 | r.reg(Cpu.RBX), r.mem.read(BUF + 32 + 16, 8), "FXSAVE FDP, FDS");
        assertEquals(0x1234, r.mem.read(BUF + 128 + 12, 4));
        assertEquals(0x01231234, r.mem.read(BUF + 128 + 16, 4), "FLDENV loaded FOP and FCS");
        assertEquals(0x5555, r.mem.read(BUF + 128 + 20, 4));
        assertEquals(0x5678, r.mem.read(BUF + 128 + 24, 4), "FLDENV loaded FDS");
    }
}
