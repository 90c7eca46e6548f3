package dev.jemu.core.log;

import java.util.Locale;

/** The {@code -d} categories jemu understands, with QEMU's names and meanings. */
public enum LogCategory {
    /** Every interrupt and exception the CPU delivers. */
    INT,
    /** CPU resets, including triple faults. */
    CPU_RESET,
    /** Guest mistakes: accesses of unassigned memory, undeclared access sizes, device misuse. */
    GUEST_ERRORS,
    /** Guest use of something jemu does not implement (an opcode, a register). */
    UNIMP,
    /** The disassembly of each block the first time it runs (QEMU: of each translation). */
    IN_ASM,
    /** One {@code Trace} line per block entered. */
    EXEC,
    /** The register dump before each block entered. */
    CPU,
    /** Translated regions end at every branch instead of following jumps within a page. */
    NOCHAIN;

    /** This category's bit in {@link Log#enabledMask()}. */
    public int bit() {
        return 1 << ordinal();
    }

    /** The name used on the command line, e.g. {@code guest_errors}. */
    public String optionName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The category called {@code name} on the command line, or null. */
    public static LogCategory fromOptionName(String name) {
        for (LogCategory c : values()) {
            if (c.optionName().equals(name)) {
                return c;
            }
        }
        return null;
    }
}
