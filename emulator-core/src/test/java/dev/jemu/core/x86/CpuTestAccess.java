package dev.jemu.core.x86;

/** Test helpers that reach package-private CPU state from tests in other packages. */
public final class CpuTestAccess {
    private CpuTestAccess() {
    }

    /** Real mode with every segment at 0 and SP = 0x8000. */
    public static void realModeAtZero(Cpu cpu) {
        for (Segment s : cpu.segs) {
            s.setReal(0);
        }
        cpu.regs[Cpu.RSP] = 0x8000;
        cpu.updateMode();
    }
}
