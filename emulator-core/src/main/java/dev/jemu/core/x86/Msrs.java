package dev.jemu.core.x86;

import dev.jemu.core.log.Log;
import dev.jemu.core.log.LogCategory;

import java.util.Arrays;

/**
 * The model-specific registers jemu implements: EFER, the SYSCALL and SYSENTER MSRs, FS/GS
 * and kernel GS base, TSC and TSC_AUX, APIC base, MTRRs, PAT, MISC_ENABLE and the machine
 * check status. Any other MSR, such as AMD's performance counters at 0xC0010000-0xC0010007,
 * reads as zero and ignores writes, as QEMU 7.2's {@code qemu64} does under TCG (it raises no
 * #GP for an unknown MSR); the first access to each is logged under {@code -d unimp}.
 *
 * <p>Threading: the vCPU's thread only.
 */
final class Msrs {
    static final int TSC = 0x10;
    static final int APIC_BASE = 0x1B;
    static final int MTRR_CAP = 0xFE;
    static final int SYSENTER_CS = 0x174;
    static final int SYSENTER_ESP = 0x175;
    static final int SYSENTER_EIP = 0x176;
    static final int MCG_CAP = 0x179;
    static final int MCG_STATUS = 0x17A;
    static final int MISC_ENABLE = 0x1A0;
    static final int MTRR_PHYS_FIRST = 0x200;
    static final int MTRR_PHYS_LAST = 0x20F;
    static final int MTRR_FIX64K = 0x250;
    static final int MTRR_FIX16K_80000 = 0x258;
    static final int MTRR_FIX16K_A0000 = 0x259;
    static final int MTRR_FIX4K_FIRST = 0x268;
    static final int MTRR_FIX4K_LAST = 0x26F;
    static final int PAT = 0x277;
    static final int MTRR_DEF_TYPE = 0x2FF;
    static final int EFER = 0xC000_0080;
    static final int STAR = 0xC000_0081;
    static final int LSTAR = 0xC000_0082;
    static final int CSTAR = 0xC000_0083;
    static final int SFMASK = 0xC000_0084;
    static final int FS_BASE = 0xC000_0100;
    static final int GS_BASE = 0xC000_0101;
    static final int KERNEL_GS_BASE = 0xC000_0102;
    static final int TSC_AUX = 0xC000_0103;

    private static final long EFER_WRITABLE = Cpu.EFER_SCE | Cpu.EFER_LME | Cpu.EFER_NXE;

    long star;
    long lstar;
    long cstar;
    long sfmask;
    long kernelGsBase;
    long tscAux;
    long apicBase;
    long pat;
    long miscEnable;
    long sysenterCs;
    long sysenterEsp;
    long sysenterEip;
    long mcgStatus;
    long mtrrDefType;
    final long[] mtrrPhys = new long[16];
    final long[] mtrrFixed = new long[11];

    void reset() {
        star = 0;
        lstar = 0;
        cstar = 0;
        sfmask = 0;
        kernelGsBase = 0;
        tscAux = 0;
        apicBase = 0xFEE0_0000L | (1 << 8);
        pat = 0x0007_0406_0007_0406L;
        miscEnable = 1;
        sysenterCs = 0;
        sysenterEsp = 0;
        sysenterEip = 0;
        mcgStatus = 0;
        mtrrDefType = 0;
        Arrays.fill(mtrrPhys, 0);
        Arrays.fill(mtrrFixed, 0);
    }

    private static int fixedIndex(int msr) {
        return switch (msr) {
            case MTRR_FIX64K -> 0;
            case MTRR_FIX16K_80000 -> 1;
            case MTRR_FIX16K_A0000 -> 2;
            default -> msr >= MTRR_FIX4K_FIRST && msr <= MTRR_FIX4K_LAST ? 3 + msr - MTRR_FIX4K_FIRST : -1;
        };
    }

    long read(Cpu c, int msr) {
        if (msr >= MTRR_PHYS_FIRST && msr <= MTRR_PHYS_LAST) {
            return mtrrPhys[msr - MTRR_PHYS_FIRST];
        }
        int fixed = fixedIndex(msr);
        if (fixed >= 0) {
            return mtrrFixed[fixed];
        }
        return switch (msr) {
            case TSC -> c.readTsc();
            case APIC_BASE -> c.apic != null ? c.apic.readApicBase() : apicBase;
            case MTRR_CAP -> 0x508;
            case SYSENTER_CS -> sysenterCs;
            case SYSENTER_ESP -> sysenterEsp;
            case SYSENTER_EIP -> sysenterEip;
            case MCG_CAP -> 0;
            case MCG_STATUS -> mcgStatus;
            case MISC_ENABLE -> miscEnable;
            case PAT -> pat;
            case MTRR_DEF_TYPE -> mtrrDefType;
            case EFER -> c.efer;
            case STAR -> star;
            case LSTAR -> lstar;
            case CSTAR -> cstar;
            case SFMASK -> sfmask;
            case FS_BASE -> c.segs[Cpu.FS].base;
            case GS_BASE -> c.segs[Cpu.GS].base;
            case KERNEL_GS_BASE -> kernelGsBase;
            case TSC_AUX -> tscAux;
            default -> {
                unknown(msr, "read");
                yield 0;
            }
        };
    }

    void write(Cpu c, int msr, long v) {
        if (msr >= MTRR_PHYS_FIRST && msr <= MTRR_PHYS_LAST) {
            mtrrPhys[msr - MTRR_PHYS_FIRST] = v;
            return;
        }
        int fixed = fixedIndex(msr);
        if (fixed >= 0) {
            mtrrFixed[fixed] = v;
            return;
        }
        switch (msr) {
            case TSC -> c.tscOffset = v - c.tscBase();
            case APIC_BASE -> {
                if (c.apic == null) {
                    apicBase = v & 0xF_FFFF_F900L;
                } else if (!c.apic.writeApicBase(v)) {
                    throw c.gp(0);
                }
            }
            case SYSENTER_CS -> sysenterCs = v & 0xFFFF;
            case SYSENTER_ESP -> sysenterEsp = v;
            case SYSENTER_EIP -> sysenterEip = v;
            case MCG_STATUS -> mcgStatus = v;
            case MISC_ENABLE -> miscEnable = v;
            case PAT -> pat = v;
            case MTRR_DEF_TYPE -> mtrrDefType = v & 0xCFF;
            case EFER -> writeEfer(c, v);
            case STAR -> star = v;
            case LSTAR -> lstar = canonical(c, v);
            case CSTAR -> cstar = canonical(c, v);
            case SFMASK -> sfmask = v & 0xFFFF_FFFFL;
            case FS_BASE -> {
                c.segs[Cpu.FS].base = canonical(c, v);
                c.refreshSegment(Cpu.FS);
            }
            case GS_BASE -> {
                c.segs[Cpu.GS].base = canonical(c, v);
                c.refreshSegment(Cpu.GS);
            }
            case KERNEL_GS_BASE -> kernelGsBase = canonical(c, v);
            case TSC_AUX -> tscAux = v & 0xFFFF_FFFFL;
            default -> unknown(msr, "write");
        }
    }

    private static long canonical(Cpu c, long v) {
        if (!Cpu.isCanonical(v)) {
            throw c.gp(0);
        }
        return v;
    }

    private static void writeEfer(Cpu c, long v) {
        if ((v & ~(EFER_WRITABLE | Cpu.EFER_LMA)) != 0) {
            throw c.gp(0);
        }
        if ((c.cr0 & Cpu.CR0_PG) != 0 && ((v ^ c.efer) & Cpu.EFER_LME) != 0) {
            throw c.gp(0);
        }
        long old = c.efer;
        c.efer = (v & EFER_WRITABLE) | (old & Cpu.EFER_LMA);
        if (((old ^ c.efer) & Cpu.EFER_NXE) != 0) {
            c.mmu.flush();
        }
        c.updateMode();
    }

    private static void unknown(int msr, String what) {
        if (Log.enabled(LogCategory.UNIMP)) {
            String name = "MSR " + what + " 0x" + Integer.toHexString(msr);
            Log.logOnce(LogCategory.UNIMP, name, "unimplemented " + name + " (reads as zero, writes are ignored)");
        }
    }
}
