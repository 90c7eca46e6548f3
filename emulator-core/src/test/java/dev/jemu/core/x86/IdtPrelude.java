package dev.jemu.core.x86;

/**
 * nasm source that test programs start with to install an IDT at 0x3000 in the modes of
 * {@link CpuRig}: a {@code GATE vector, handler} macro (a DPL-0 interrupt gate to the flat
 * code segment) and the LIDT. Test thread only.
 */
final class IdtPrelude {
    static final long IDT = 0x3000;

    private IdtPrelude() {
    }

    /** For {@link CpuRig#prot32}: 32-bit gates to selector 0x08. */
    static String prot32() {
        return """
            BITS 32
            ORG 0x1000
            %macro GATE 2
                mov eax, %2
                mov [0x3000 + %1 * 8], ax
                mov word [0x3000 + %1 * 8 + 2], 0x08
                mov word [0x3000 + %1 * 8 + 4], 0x8E00
                shr eax, 16
                mov [0x3000 + %1 * 8 + 6], ax
            %endmacro
                mov word [0x2FF0], 0x7FF
                mov dword [0x2FF2], 0x3000
                lidt [0x2FF0]
            """;
    }

    /** For {@link CpuRig#long64}: 64-bit gates to selector 0x18. */
    static String long64() {
        return """
            BITS 64
            ORG 0x1000
            %macro GATE 2
                lea rax, [rel %2]
                mov [0x3000 + %1 * 16], ax
                mov word [0x3000 + %1 * 16 + 2], 0x18
                mov word [0x3000 + %1 * 16 + 4], 0x8E00
                shr rax, 16
                mov [0x3000 + %1 * 16 + 6], ax
                shr rax, 16
                mov [0x3000 + %1 * 16 + 8], rax
            %endmacro
                mov word [0x2FF0], 0xFFF
                mov qword [0x2FF2], 0x3000
                lidt [0x2FF0]
            """;
    }
}
