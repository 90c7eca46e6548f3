package dev.jemu.core.x86;

/**
 * CPUID of jemu's models: the feature bits are exactly what the interpreter implements (for
 * {@code qemu64} a subset of QEMU's, plus POPCNT, MOVBE and VME (with PVI), which it also
 * implements; for {@code max} also SSSE3, SSE4.1, SSE4.2, ABM, RDTSCP, RDRAND, FSGSBASE, PCID,
 * INVPCID, SMEP, SMAP, CLFLUSHOPT, CLWB, UMIP, 1 GiB pages, and XSAVE with XSAVEOPT for the
 * x87 and SSE components), and APIC while the board's local APIC is globally enabled. Not
 * advertised because not complete: MCE/MCA. Of what QEMU 7.2 TCG's {@code max} announces,
 * {@code max} leaves out what jemu lacks: PCLMULQDQ, MONITOR, FMA, AES, AVX, F16C, the
 * hypervisor bit and leaf, ACPI, SS, BMI1 (TZCNT runs, as on QEMU's max, but ANDN, BEXTR
 * and BLS* are VEX-encoded and absent), AVX2, BMI2, ERMS, MPX, ADX, PCOMMIT, PKU, VAES, LA57,
 * PKS, SVM, CR8LEGACY, SSE4A, MMXEXT, 3DNow! and its extensions, XGETBV with ECX = 1, and the
 * cache (0x80000005/6), topology (0xB) and power (6) leaves. The vendor, family, model and
 * stepping are those of {@code qemu64}.
 */
final class Cpuid {
    /** Family 15, model 107, stepping 1: also the value of EDX after reset. */
    static final int SIGNATURE = 0x0006_0FB1;

    // Leaf 1 EDX.
    static final int FPU = 1;
    static final int VME = 1 << 1;
    static final int TSC = 1 << 4;
    static final int MSR = 1 << 5;
    static final int PSE = 1 << 3;
    static final int DE = 1 << 2;
    static final int PAE = 1 << 6;
    static final int CX8 = 1 << 8;
    static final int APIC = 1 << 9;
    static final int SEP = 1 << 11;
    static final int MTRR = 1 << 12;
    static final int PGE = 1 << 13;
    static final int CMOV = 1 << 15;
    static final int PAT = 1 << 16;
    static final int PSE36 = 1 << 17;
    static final int CLFLUSH = 1 << 19;
    static final int MMX = 1 << 23;
    static final int FXSR = 1 << 24;
    static final int SSE = 1 << 25;
    static final int SSE2 = 1 << 26;
    // Leaf 1 ECX.
    static final int PNI = 1;
    static final int SSSE3 = 1 << 9;
    static final int SSE4_1 = 1 << 19;
    static final int SSE4_2 = 1 << 20;
    static final int PCID = 1 << 17;
    static final int XSAVE = 1 << 26;
    static final int OSXSAVE = 1 << 27;
    static final int CX16 = 1 << 13;
    static final int MOVBE = 1 << 22;
    static final int POPCNT = 1 << 23;
    static final int RDRAND = 1 << 30;
    // Leaf 0x80000001 EDX / ECX.
    static final int SYSCALL = 1 << 11;
    static final int NX = 1 << 20;
    static final int LM = 1 << 29;
    static final int LAHF_LM = 1;
    static final int ABM = 1 << 5;
    static final int PDPE1GB = 1 << 26;
    static final int RDTSCP = 1 << 27;
    // Leaf 7 EBX / ECX.
    static final int FSGSBASE = 1;
    static final int SMEP = 1 << 7;
    static final int INVPCID = 1 << 10;
    static final int SMAP = 1 << 20;
    static final int CLFLUSHOPT = 1 << 23;
    static final int CLWB = 1 << 24;
    static final int UMIP = 1 << 2;
    // Leaf 0xD, ECX 1, EAX.
    static final int XSAVEOPT = 1;
    /** MAXPHYADDR: physical addresses are 40 bits wide, as on {@code qemu64}. */
    static final int PHYS_ADDR_BITS = 40;
    /** Linear addresses are 48 bits wide (4-level paging). */
    static final int LINEAR_ADDR_BITS = 48;

    static final int LEAF1_EDX = FPU | VME | DE | PSE | TSC | MSR | PAE | CX8 | SEP | MTRR | PGE | CMOV | PAT | PSE36
            | CLFLUSH | MMX | FXSR | SSE | SSE2;
    static final int LEAF1_ECX = PNI | CX16 | MOVBE | POPCNT;

    private static final int[] VENDOR = {0x68747541, 0x69746e65, 0x444d4163};
    private static final String BRAND = "jemu x86-64 interpreter";

    private Cpuid() {
    }

    private static int apicBit(Cpu c) {
        return c.apic != null && c.apic.globallyEnabled() ? APIC : 0;
    }

    static void execute(Cpu c) {
        int leaf = (int) c.regs[Cpu.RAX];
        int a = 0;
        int b = 0;
        int cx = 0;
        int d = 0;
        switch (leaf) {
            case 0 -> {
                a = c.model.extended ? 0xD : 1;
                b = VENDOR[0];
                d = VENDOR[1];
                cx = VENDOR[2];
            }
            case 1 -> {
                a = SIGNATURE;
                b = 8 << 8;
                cx = LEAF1_ECX | (c.model.extended ? SSSE3 | SSE4_1 | SSE4_2 | PCID | XSAVE | RDRAND : 0)
                        | ((c.cr4 & Cpu.CR4_OSXSAVE) != 0 ? OSXSAVE : 0);
                d = LEAF1_EDX | apicBit(c);
            }
            case 7 -> {
                if (c.model.extended && (int) c.regs[Cpu.RCX] == 0) {
                    b = FSGSBASE | SMEP | INVPCID | SMAP | CLFLUSHOPT | CLWB;
                    cx = UMIP;
                }
            }
            case 0xD -> {
                // XSAVE: supported components, the area size for XCR0 and for all of them
                if (c.model.extended && (int) c.regs[Cpu.RCX] == 0) {
                    a = (int) X87Control.XCR0_SUPPORTED;
                    b = X87Control.XSAVE_AREA;
                    cx = X87Control.XSAVE_AREA;
                } else if (c.model.extended && (int) c.regs[Cpu.RCX] == 1) {
                    a = XSAVEOPT;
                }
            }
            case 0x8000_0000 -> {
                a = 0x8000_0008;
                b = VENDOR[0];
                d = VENDOR[1];
                cx = VENDOR[2];
            }
            case 0x8000_0001 -> {
                a = SIGNATURE;
                cx = LAHF_LM | (c.model.extended ? ABM : 0);
                d = SYSCALL | NX | LM | (c.model.extended ? RDTSCP | PDPE1GB : 0) | ((LEAF1_EDX | apicBit(c)) & 0x0183_F3FF);
            }
            case 0x8000_0002, 0x8000_0003, 0x8000_0004 -> {
                int base = (leaf - 0x8000_0002) * 16;
                a = brandWord(base);
                b = brandWord(base + 4);
                cx = brandWord(base + 8);
                d = brandWord(base + 12);
            }
            case 0x8000_0008 -> a = (LINEAR_ADDR_BITS << 8) | PHYS_ADDR_BITS;
            default -> {
            }
        }
        c.setReg(Cpu.RAX, 4, a & 0xFFFF_FFFFL);
        c.setReg(Cpu.RBX, 4, b & 0xFFFF_FFFFL);
        c.setReg(Cpu.RCX, 4, cx & 0xFFFF_FFFFL);
        c.setReg(Cpu.RDX, 4, d & 0xFFFF_FFFFL);
    }

    private static int brandWord(int offset) {
        int v = 0;
        for (int k = 0; k < 4; k++) {
            int idx = offset + k;
            int ch = idx < BRAND.length() ? BRAND.charAt(idx) : 0;
            v |= ch << (8 * k);
        }
        return v;
    }
}
