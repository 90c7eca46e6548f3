package dev.jemu.core.x86;

/** The meaning of one instruction form, run after decoding. */
@FunctionalInterface
interface Exec {
    void exec(Cpu c, Insn i);
}
