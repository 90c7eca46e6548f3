package dev.jemu.core.x86;

/**
 * The nasm routines the x87 vector tests share: they print FSW and ST0, or FSW and a stored
 * qword, as hex on the 0xE9 debug port, in the format of the QEMU outputs kept in those tests.
 * A test program's text jumps over them and defines {@code res} (16 bytes) itself.
 */
final class X87DumpRoutines {
    /**
     * The text of the test resource {@code name} beside these classes: the QEMU outputs
     * ({@code *.qemu.txt}) and operand tables ({@code *.table.asm}) of the vector tests.
     */
    static String resource(String name) {
        try (var in = X87DumpRoutines.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + name);
            }
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static final String NASM = """
            ; prints FSW, then ST0 (sign/exponent, significand), then pops
            dump:
                    fnstsw ax
                    movzx eax, ax
                    call hex16
                    fstp tword [res]
                    mov al, ' '
                    out 0xe9, al
                    movzx eax, word [res + 8]
                    call hex16
                    mov al, ' '
                    out 0xe9, al
                    mov eax, [res + 4]
                    call hex32
                    mov eax, [res]
                    call hex32
                    mov al, 10
                    out 0xe9, al
                    ret
            ; prints FSW, then the qword at res
            dumpmem:
                    fnstsw ax
                    movzx eax, ax
                    call hex16
                    mov al, ' '
                    out 0xe9, al
                    mov eax, [res + 4]
                    call hex32
                    mov eax, [res]
                    call hex32
                    mov dword [res], 0
                    mov dword [res + 4], 0
                    mov al, 10
                    out 0xe9, al
                    ret
            hex16:
                    shl eax, 16
                    mov ecx, 4
                    jmp hexloop
            hex32:
                    mov ecx, 8
            hexloop:
                    rol eax, 4
                    mov edx, eax
                    and edx, 15
                    mov dl, [digits + edx]
                    xchg eax, edx
                    out 0xe9, al
                    xchg eax, edx
                    loop hexloop
                    ret

                    align 16
            digits: db "0123456789abcdef"
            """;

    private X87DumpRoutines() {
    }
}
