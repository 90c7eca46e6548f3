package dev.jemu.core.x86;

import dev.jemu.core.memory.AddressSpace;

/**
 * A debugger's and the monitor's view of the guest's paging (QEMU's
 * {@code cpu_get_phys_page_debug}): the
 * physical address of a linear one through the page tables that CR0, CR3, CR4 and EFER select
 * (none, 32-bit with 4 MiB pages under CR4.PSE, PAE, 4-level), following the Intel SDM vol. 3
 * chapter 4. Unlike the CPU's walk it changes nothing: no accessed or dirty bits, no CR2, no
 * fault, and it ignores access rights (a debugger reads as the hardware would for a supervisor
 * with WP clear). Without paging the address is taken as it is, not cut to 32 bits, as QEMU's
 * monitor takes it (a caller that models the CPU's linear-address width masks first).
 *
 * <p>Threading: any thread; the walk reads guest memory as it is at that moment.
 */
public final class DebugPageWalk {
    private static final long CR0_PG = 1L << 31;
    private static final long CR4_PSE = 1L << 4;
    private static final long CR4_PAE = 1L << 5;
    private static final long EFER_LMA = 1L << 10;
    private static final long P = 1;
    private static final long PS = 0x80;
    private static final long ADDR = 0x000F_FFFF_FFFF_F000L;

    private DebugPageWalk() {
    }

    /** The physical address of {@code lin}, or -1 if no present mapping covers it. */
    public static long physical(AddressSpace mem, long cr0, long cr3, long cr4, long efer, long lin) {
        if ((cr0 & CR0_PG) == 0) {
            return lin;
        }
        if ((cr4 & CR4_PAE) == 0) {
            long pde = mem.read((cr3 & 0xFFFF_F000L) + ((lin >>> 22) & 0x3FF) * 4, 4);
            if ((pde & P) == 0) {
                return -1;
            }
            if ((pde & PS) != 0 && (cr4 & CR4_PSE) != 0) {
                return (pde & 0xFFC0_0000L) | ((pde & 0x1FE000L) << 19) | (lin & 0x3F_FFFF);
            }
            long pte = mem.read((pde & 0xFFFF_F000L) + ((lin >>> 12) & 0x3FF) * 4, 4);
            return (pte & P) == 0 ? -1 : (pte & 0xFFFF_F000L) | (lin & 0xFFF);
        }
        int level;
        long table;
        if ((efer & EFER_LMA) != 0) {
            long top = lin >> 47;
            if (top != 0 && top != -1) {
                return -1; // not canonical
            }
            level = 4;
            table = cr3 & ADDR;
        } else {
            long pdpte = mem.read((cr3 & 0xFFFF_FFE0L) + ((lin >>> 30) & 3) * 8, 8);
            if ((pdpte & P) == 0) {
                return -1;
            }
            level = 2;
            table = pdpte & ADDR;
            lin &= 0xFFFF_FFFFL;
        }
        for (; ; level--) {
            int shift = 12 + 9 * (level - 1);
            long entry = mem.read(table + ((lin >>> shift) & 0x1FF) * 8, 8);
            if ((entry & P) == 0) {
                return -1;
            }
            if (level == 1 || (level <= 3 && (entry & PS) != 0)) {
                long pageMask = (1L << shift) - 1;
                return (entry & ADDR & ~pageMask) | (lin & pageMask);
            }
            table = entry & ADDR;
        }
    }
}
