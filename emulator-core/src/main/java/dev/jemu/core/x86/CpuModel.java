package dev.jemu.core.x86;

/**
 * The CPU models of {@code -cpu}: what CPUID reports and which instructions exist beyond the
 * base set. An instruction of a feature the model lacks raises #UD (or, where the encoding
 * has an older meaning, runs as that: LZCNT is BSR without ABM), as on QEMU's model of the
 * same name.
 */
public enum CpuModel {
    /** QEMU's default model: SSE3, CX16, POPCNT, MOVBE and the base x86-64 set. */
    QEMU64(false),
    /**
     * {@code qemu64} plus what jemu implements of QEMU TCG's {@code max}: SSSE3, SSE4.1, SSE4.2, LZCNT (ABM),
     * TZCNT, RDTSCP, RDRAND, RDFSBASE/RDGSBASE/WRFSBASE/WRGSBASE with CR4.FSGSBASE,
     * XSAVE/XSAVEOPT/XRSTOR/XGETBV/XSETBV for the x87 and SSE components with CR4.OSXSAVE,
     * PCID (CR4.PCIDE) with INVPCID, SMEP and SMAP (CR4 bits 20 and 21) with STAC/CLAC,
     * CLFLUSHOPT, CLWB, 1 GiB pages and UMIP ({@link Cpuid} lists what QEMU's max has beyond).
     */
    MAX(true);

    /**
     * SSSE3, SSE4.1, SSE4.2, ABM (LZCNT), TZCNT, RDTSCP, RDRAND, FSGSBASE, XSAVE, XSAVEOPT,
     * PCID, INVPCID, SMEP, SMAP, CLFLUSHOPT, CLWB, 1 GiB pages and UMIP.
     */
    final boolean extended;

    CpuModel(boolean extended) {
        this.extended = extended;
    }

    /** The model of {@code -cpu NAME}, or null if jemu has no such model. */
    public static CpuModel named(String name) {
        return switch (name) {
            case "qemu64" -> QEMU64;
            case "max" -> MAX;
            default -> null;
        };
    }
}
