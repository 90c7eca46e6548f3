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
                c.cr3 = c.longMode() ? v : v & 0xFFFF_FFFFL;
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
            if (c.code64) {
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
        if ((v & ~CR4_VALID) != 0 || (c.longMode() && (v & Cpu.CR4_PAE) == 0)) {
            throw c.gp(0);
        }
        long old = c.cr4;
        c.cr4 = v;
        if (((old ^ v) & (Cpu.CR4_PAE | Cpu.CR4_PSE | Cpu.CR4_PGE)) != 0) {
            c.mmu.flush();
        }
    }
}
