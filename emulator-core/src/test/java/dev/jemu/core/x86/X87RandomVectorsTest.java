package dev.jemu.core.x86;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Random differential vectors: 48 operand pairs (random significands, nearby and distant
 * exponents, zeros, infinities, QNaNs and SNaNs, unnormals, denormals, extremes) with a random
 * precision and rounding control each, generated once from seed 87, put through fourteen x87
 * operations under Debian's QEMU 7.2 (TCG); its output is kept in the resource
 * X87RandomVectorsTest.qemu.txt (the operand table in X87RandomVectorsTest.table.asm) and jemu must reproduce
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
            """ + X87DumpRoutines.NASM + X87DumpRoutines.resource("X87RandomVectorsTest.table.asm");

    /** Output of PROGRAM under qemu-system-x86_64 7.2, from the test resource of that name. */
    private static final String QEMU_OUTPUT = X87DumpRoutines.resource("X87RandomVectorsTest.qemu.txt");

    @Test
    void randomOperandsInAllPrecisionsAndRoundingModesMatchQemuBitForBit() {
        CpuRig rig = new CpuRig().prot32(CpuRig.nasm("BITS 32\nORG 0x1000\n" + PROGRAM + "done:\nhlt\n")).run();
        assertEquals(X87VectorsTest.maskQemuGaps(QEMU_OUTPUT), X87VectorsTest.maskQemuGaps(rig.output()));
    }
}
