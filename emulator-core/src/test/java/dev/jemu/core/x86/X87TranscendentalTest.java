package dev.jemu.core.x86;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The transcendental instructions against Debian's QEMU 7.2, bit for bit (C1 and DE masked,
 * as in {@link X87VectorsTest}): FSIN, FCOS, FPTAN and FSINCOS compute in
 * double precision as QEMU does; F2XM1, FPATAN, FYL2X and FYL2XP1 are correctly rounded to
 * 64 bits, as QEMU gives them (more vectors in {@link X87TranscendentalVectorsTest}). FCOS of
 * infinity is the one place QEMU departs from the SDM (it reports an out-of-range angle
 * instead of #IA); jemu follows the SDM there.
 */
class X87TranscendentalTest {
    private static final String PROGRAM = """
                    mov esp, 0x80000
            %macro T1 2
                    fninit
                    fld qword [%2]
                    %1
                    call dump
            %endmacro
            %macro T2 3
                    fninit
                    fld qword [%2]
                    fld qword [%3]
                    %1
                    call dump
            %endmacro
                    T1 fsin, one
                    T1 fcos, one
                    T1 fsin, big
                    T1 fcos, inf
                    T1 f2xm1, half
                    T1 f2xm1, mhalf
                    fninit
                    fld qword [half]
                    fptan
                    call dump
                    call dump
                    fninit
                    fld qword [one]
                    fsincos
                    call dump
                    call dump
                    T2 fpatan, one, one
                    T2 fpatan, one, mtwo
                    T2 fyl2x, three, eight
                    T2 fyl2x, three, ten
                    T2 fyl2xp1, one, quarter
                    T2 fyl2x, one, zero
                    jmp done
            """ + X87DumpRoutines.NASM + """
            one: dq 1.0
            half: dq 0.5
            quarter: dq 0.25
            zero: dq 0.0
            mhalf: dq -0.5
            mtwo: dq -2.0
            three: dq 3.0
            eight: dq 8.0
            ten: dq 10.0
            big: dq 1.0e30
            inf: dq 0x7ff0000000000000
            res: dq 0, 0
            """;

    /**
     * Output of PROGRAM under qemu-system-x86_64 7.2, from the test resource of that name (line 4
     * replaced by the SDM's answer, see above).
     */
    private static final String QEMU_OUTPUT = X87DumpRoutines.resource("X87TranscendentalTest.qemu.txt");

    @Test
    void transcendentalsMatchQemuBitForBit() {
        CpuRig rig = new CpuRig().prot32(CpuRig.nasm("BITS 32\nORG 0x1000\n" + PROGRAM + "done:\nhlt\n")).run();
        assertEquals(X87VectorsTest.maskQemuGaps(QEMU_OUTPUT), X87VectorsTest.maskQemuGaps(rig.output()));
    }
}
