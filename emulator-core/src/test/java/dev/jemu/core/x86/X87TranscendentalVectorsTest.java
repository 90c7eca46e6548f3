package dev.jemu.core.x86;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * F2XM1, FYL2X, FYL2XP1 and FPATAN to the last bit of the 64-bit significand: 24 random
 * operand pairs each (random significands; F2XM1's x with |x| < 1, FYL2X's x positive,
 * FYL2XP1's |x| < 0.25, FPATAN's operands of both signs; exponents of x and y within a few
 * dozen of each other), each in one of the four rounding modes at 64-bit precision, made once
 * from seed 2026. Debian's QEMU 7.2 (TCG) ran them; its output, kept in the resource
 * X87TranscendentalVectorsTest.qemu.txt (operands in X87TranscendentalVectorsTest.table.asm),
 * agrees on every line with the correctly rounded results (computed apart with 300-bit
 * arithmetic), and jemu must reproduce it bit for bit (C1 and DE masked, see
 * {@link X87VectorsTest}).
 */
class X87TranscendentalVectorsTest {
    /** For each table entry (x: m80, y: m80, control word): the operation on ST0 = x, ST1 = y. */
    private static final String PROGRAM = """
                    mov esp, 0x80000
            %macro RUN 2
                    mov ebx, %1_table
            %%next:
                    cmp ebx, %1_end
                    jae %%done
                    fninit
                    fldcw [ebx + 22]
                    fld tword [ebx + 12]
                    fld tword [ebx]
                    %2
                    call dump
                    add ebx, 24
                    jmp %%next
            %%done:
            %endmacro
                    RUN f2xm1, f2xm1
                    RUN fyl2x, fyl2x
                    RUN fyl2xp1, fyl2xp1
                    RUN fpatan, fpatan
                    jmp done
            """ + X87DumpRoutines.NASM + X87DumpRoutines.resource("X87TranscendentalVectorsTest.table.asm");

    /** Output of PROGRAM under qemu-system-x86_64 7.2, from the test resource of that name. */
    private static final String QEMU_OUTPUT = X87DumpRoutines.resource("X87TranscendentalVectorsTest.qemu.txt");

    @Test
    void correctlyRoundedAsQemuGivesThem() {
        CpuRig rig = new CpuRig().prot32(CpuRig.nasm("BITS 32\nORG 0x1000\n" + PROGRAM + "done:\nhlt\n")).run();
        assertEquals(X87VectorsTest.maskQemuGaps(QEMU_OUTPUT), X87VectorsTest.maskQemuGaps(rig.output()));
    }
}
