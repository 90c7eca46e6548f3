package dev.jemu.core.x86;

/**
 * The virtual interrupt flag of virtual-8086 mode extensions (CR4.VME) and protected-mode
 * virtual interrupts (CR4.PVI), SDM Vol. 3B 20.3 and 20.4: with IOPL below 3, CLI and STI
 * (and, in virtual-8086 mode, 16-bit PUSHF, POPF and IRET) work on EFLAGS.VIF instead of
 * raising #GP, STI and POPF/IRET that would enable interrupts with VIP set raise #GP, and INT n
 * in virtual-8086 mode goes through the TSS's interrupt redirection bitmap.
 *
 * <p>Threading: the vCPU's thread only.
 */
final class VirtualInterrupts {
    static final long CR4_VME = 1;
    static final long CR4_PVI = 2;

    private VirtualInterrupts() {
    }

    private static boolean v86(Cpu c) {
        return (c.eflagsRest & Eflags.VM) != 0;
    }

    /** Whether CLI/STI act on VIF: VME in virtual-8086 mode, PVI at CPL 3 in protected mode, IOPL below 3. */
    private static boolean virtualIf(Cpu c) {
        return v86(c) ? (c.cr4 & CR4_VME) != 0 : c.cpl == 3 && (c.cr4 & CR4_PVI) != 0;
    }

    /** Whether 16-bit PUSHF, POPF and IRET are virtualised: virtual-8086 mode with VME and IOPL below 3. */
    static boolean virtualFlags(Cpu c, int size) {
        return v86(c) && c.iopl() < 3 && (c.cr4 & CR4_VME) != 0 && size == 2;
    }

    /** CLI: clears IF, or VIF where virtualised, else #GP(0). */
    static void cli(Cpu c) {
        if (c.protectedMode() && c.cpl > c.iopl()) {
            if (!virtualIf(c)) {
                throw c.gp(0);
            }
            c.eflagsRest &= ~Eflags.VIF;
            return;
        }
        c.eflagsRest &= ~Eflags.IF;
    }

    /** STI: sets IF (interrupts held back for one instruction), or VIF where virtualised unless VIP is set. */
    static void sti(Cpu c) {
        if (c.protectedMode() && c.cpl > c.iopl()) {
            if (!virtualIf(c) || (c.eflagsRest & Eflags.VIP) != 0) {
                throw c.gp(0);
            }
            c.eflagsRest |= Eflags.VIF;
            return;
        }
        if ((c.eflagsRest & Eflags.IF) == 0) {
            c.inhibitInterruptsAt = c.icount + 1;
        }
        c.eflagsRest |= Eflags.IF;
    }

    /** The FLAGS image a virtualised PUSHF (or a redirected INT n) pushes: IF from VIF, IOPL 3. */
    static int virtualFlagsImage(Cpu c) {
        int f = c.eflags() & 0xFFFF & ~Eflags.IF;
        return f | Eflags.IOPL | ((c.eflagsRest & Eflags.VIF) != 0 ? Eflags.IF : 0);
    }

    /**
     * Loads a FLAGS image popped by a virtualised POPF or IRET: #GP(0) if it sets TF, or sets IF
     * while VIP is set; else IF goes to VIF and IOPL and IF stay.
     */
    static void loadVirtualFlags(Cpu c, int flags) {
        if ((flags & Eflags.TF) != 0 || ((flags & Eflags.IF) != 0 && (c.eflagsRest & Eflags.VIP) != 0)) {
            throw c.gp(0);
        }
        c.setEflags(flags, Eflags.WRITABLE & 0xFFFF & ~(Eflags.IF | Eflags.IOPL));
        c.eflagsRest = (flags & Eflags.IF) != 0 ? c.eflagsRest | Eflags.VIF : c.eflagsRest & ~Eflags.VIF;
    }

    /**
     * INT n in virtual-8086 mode with VME: if bit n of the redirection bitmap (the 32 bytes
     * below the I/O map base of the 32-bit TSS) is clear, the interrupt goes through the
     * virtual-8086 program's own vector table at linear 0 as in real mode, and this returns
     * true; a set bit leaves it to the protected-mode IDT (IOPL 3) or #GP(0) (IOPL below 3).
     */
    static boolean redirect(Cpu c, int vector) {
        if ((c.tr.attr & 0xD) != 0x9 || c.tr.limit < 0x67) {
            throw c.gp(0);
        }
        long mapBase = c.mmu.readSystem(c.tr.base + 0x66, 2);
        long off = mapBase - 32 + (vector >> 3);
        if (off < 0 || off > c.tr.limit) {
            throw c.gp(0);
        }
        boolean set = ((c.mmu.readSystem(c.tr.base + off, 1) >> (vector & 7)) & 1) != 0;
        if (set) {
            if (c.iopl() < 3) {
                throw c.gp(0);
            }
            return false;
        }
        boolean virtual = c.iopl() < 3;
        int image = virtual ? virtualFlagsImage(c) : c.eflags() & 0xFFFF;
        long entry = c.mmu.read(vector * 4L, 4);
        c.push(image, 2);
        c.push(c.segs[Cpu.CS].selector, 2);
        c.push(c.rip, 2);
        c.eflagsRest &= ~(Eflags.TF | (virtual ? Eflags.VIF : Eflags.IF));
        Segments.loadRealCs(c, (int) (entry >>> 16));
        c.rip = entry & 0xFFFF;
        return true;
    }
}
