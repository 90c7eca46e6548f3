package dev.jemu.machine;

import dev.jemu.core.x86.Cpu;

/**
 * A snapshot of the vCPU's state, taken while the machine was paused or stopped.
 *
 * <p>Threading: an immutable value (the arrays are not to be changed); any thread.
 *
 * @param gpr RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8 to R15, in encoding order
 * @param rip the instruction pointer
 * @param rflags the flags
 * @param segments the selectors of ES, CS, SS, DS, FS, GS
 * @param cr0 control register 0
 * @param cr2 control register 2
 * @param cr3 control register 3
 * @param cr4 control register 4
 * @param efer the EFER MSR
 * @param instructions instructions executed since the machine was created
 */
public record Registers(long[] gpr, long rip, long rflags, int[] segments, long cr0, long cr2, long cr3, long cr4,
                        long efer, long instructions) {
    private static final String[] NAMES = {"RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI",
        "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15"};
    private static final String[] SEGMENTS = {"ES", "CS", "SS", "DS", "FS", "GS"};

    /** Copies the registers out of {@code cpu}, which must not be running. */
    static Registers of(Cpu cpu) {
        long[] gpr = new long[16];
        for (int i = 0; i < 16; i++) {
            gpr[i] = cpu.reg(i);
        }
        int[] seg = new int[6];
        for (int i = 0; i < 6; i++) {
            seg[i] = cpu.segment(i).selector();
        }
        return new Registers(gpr, cpu.rip(), cpu.rflags(), seg, cpu.cr(0), cpu.cr(2), cpu.cr(3), cpu.cr(4), cpu.efer(),
                cpu.instructionCount());
    }

    /** General-purpose register {@code index} ({@link Cpu#RAX} ...). */
    public long gpr(int index) {
        return gpr[index];
    }

    /** A dump in the layout of QEMU's {@code info registers}, one register per field. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 16; i++) {
            b.append(String.format("%-3s=%016x%s", NAMES[i], gpr[i], i % 4 == 3 ? "\n" : " "));
        }
        b.append(String.format("RIP=%016x RFL=%08x%n", rip, rflags));
        for (int i = 0; i < 6; i++) {
            b.append(String.format("%s =%04x%s", SEGMENTS[i], segments[i], i == 5 ? "\n" : " "));
        }
        b.append(String.format("CR0=%08x CR2=%016x CR3=%016x CR4=%08x EFER=%016x%n", cr0, cr2, cr3, cr4, efer));
        b.append("instructions=").append(instructions).append('\n');
        return b.toString();
    }
}
