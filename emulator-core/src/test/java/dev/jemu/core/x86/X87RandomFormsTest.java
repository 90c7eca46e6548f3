package dev.jemu.core.x86;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Random differential vectors: 32 operand pairs (random significands, nearby and distant
 * exponents, zeros, infinities, QNaNs and SNaNs, unnormals, denormals, extremes) with a random
 * precision and rounding control each and a 16- and a 32-bit integer, generated once from
 * seed 5, put through the reversed (FSUBR, FDIVR), register-destination (DC), popping (DE),
 * m32/m64 real and m16/m32 integer operand forms, FISTP m16, FXTRACT, FCOMI, FXAM and FSQRT
 * under Debian's QEMU 7.2 (TCG); its output is kept in the resource X87RandomFormsTest.qemu.txt (the
 * operand table in X87RandomFormsTest.table.asm) and jemu must reproduce it bit for
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
            """ + X87DumpRoutines.NASM + X87DumpRoutines.resource("X87RandomFormsTest.table.asm");

    /** Output of PROGRAM under qemu-system-x86_64 7.2, from the test resource of that name. */
    private static final String QEMU_OUTPUT = X87DumpRoutines.resource("X87RandomFormsTest.qemu.txt");

    @Test
    void reversedPoppingIntegerAndMemoryOperandFormsMatchQemuBitForBit() {
        CpuRig rig = new CpuRig().prot32(CpuRig.nasm("BITS 32\nORG 0x1000\n" + PROGRAM + "done:\nhlt\n")).run();
        assertEquals(X87VectorsTest.maskQemuGaps(QEMU_OUTPUT), X87VectorsTest.maskQemuGaps(rig.output()));
    }
}
