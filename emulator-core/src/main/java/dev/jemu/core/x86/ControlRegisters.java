package dev.jemu.core.x86;

/** Reads and writes of CR0, CR2, CR3, CR4 and CR8 with their consistency checks. */
final class ControlRegisters {
    private static final long CR4_VALID = 0x7FF;

    private ControlRegisters() {
    }

    static long read(Cpu c, int n) {
        return switch (n) {
            case 0 -> c.cr0;
            case 2 -> c.cr2;
            case 3 -> c.cr3;
            case 4 -> c.cr4;
            case 8 -> c.apic != null ? c.apic.readTprClass() : c.cr8;
            default -> throw c.ud();
        };
    }

    static void write(Cpu c, int n, long v) {
        switch (n) {
            case 0 -> writeCr0(c, v);
            case 2 -> c.cr2 = v;
            case 3 -> {
                // with CR4.PCIDE, bit 63 asks to keep the PCID's TLB entries: it is not part of
                // CR3, and jemu's untagged TLB is flushed anyway
                long pcidNoFlush = (c.cr4 & Cpu.CR4_PCIDE) != 0 ? 1L << 63 : 0;
                c.cr3 = c.longMode() ? v & ~pcidNoFlush : v & 0xFFFF_FFFFL;
                c.mmu.flush();
            }
            case 4 -> writeCr4(c, v);
            case 8 -> {
                if ((v & ~0xFL) != 0) {
                    throw c.gp(0);
                }
                if (c.apic != null) {
                    c.apic.writeTprClass((int) v);
                } else {
                    c.cr8 = v;
                }
            }
            default -> throw c.ud();
        }
    }

    static void writeCr0(Cpu c, long v) {
        v |= Cpu.CR0_ET;
        if ((v >>> 32) != 0
                || ((v & Cpu.CR0_PG) != 0 && (v & Cpu.CR0_PE) == 0)
                || ((v & Cpu.CR0_NW) != 0 && (v & Cpu.CR0_CD) == 0)) {
            throw c.gp(0);
        }
        long old = c.cr0;
        boolean pagingOn = (v & Cpu.CR0_PG) != 0 && (old & Cpu.CR0_PG) == 0;
        boolean pagingOff = (v & Cpu.CR0_PG) == 0 && (old & Cpu.CR0_PG) != 0;
        if (pagingOn && (c.efer & Cpu.EFER_LME) != 0) {
            if ((c.cr4 & Cpu.CR4_PAE) == 0) {
                throw c.gp(0);
            }
            c.efer |= Cpu.EFER_LMA;
        }
        if (pagingOff) {
            if (c.code64 || (c.cr4 & Cpu.CR4_PCIDE) != 0) {
                throw c.gp(0);
            }
            c.efer &= ~Cpu.EFER_LMA;
        }
        c.cr0 = v;
        if ((v & Cpu.CR0_PE) == 0) {
            c.setCpl(0);
        }
        if (((old ^ v) & (Cpu.CR0_PG | Cpu.CR0_WP | Cpu.CR0_PE)) != 0) {
            c.mmu.flush();
        }
        c.updateMode();
    }

    static void writeCr4(Cpu c, long v) {
        long valid = CR4_VALID
                | (c.model.extended ? Cpu.CR4_UMIP | Cpu.CR4_FSGSBASE | Cpu.CR4_PCIDE | Cpu.CR4_OSXSAVE
                        | Cpu.CR4_SMEP | Cpu.CR4_SMAP : 0);
        if ((v & ~valid) != 0 || (c.longMode() && (v & Cpu.CR4_PAE) == 0)) {
            throw c.gp(0);
        }
        long old = c.cr4;
        // PCIDE can be set only in IA-32e mode with PCID 0 in CR3
        if ((v & ~old & Cpu.CR4_PCIDE) != 0 && (!c.longMode() || (c.cr3 & 0xFFF) != 0)) {
            throw c.gp(0);
        }
        c.cr4 = v;
        // the TLB holds permissions as checked under SMEP and SMAP: a change of either flushes it
        if (((old ^ v) & (Cpu.CR4_PAE | Cpu.CR4_PSE | Cpu.CR4_PGE | Cpu.CR4_PCIDE | Cpu.CR4_SMEP | Cpu.CR4_SMAP)) != 0) {
            c.mmu.flush();
        }
    }
}
