package dev.jemu.core.x86;

/**
 * SYSCALL/SYSRET and SYSENTER/SYSEXIT: privilege changes through flat segments set by MSRs.
 * After SYSCALL and SYSRET a single-step trap follows TF as they leave it (SYSCALL's FMASK
 * may clear it), as kvm-unit-tests' syscall test expects.
 *
 * <p>Threading: the vCPU's thread only.
 */
final class FastCalls {
    private static final int CODE64 = 0xA09B;
    private static final int CODE32 = 0xC09B;
    private static final int DATA = 0xC093;

    private FastCalls() {
    }

    static void syscall(Cpu c) {
        if ((c.efer & Cpu.EFER_SCE) == 0 || !c.protectedMode()) {
            throw c.ud();
        }
        int cs = (int) (c.msrs.star >>> 32) & 0xFFFC;
        if (c.longMode()) {
            long target = c.code64 ? c.msrs.lstar : c.msrs.cstar;
            c.regs[Cpu.RCX] = c.rip;
            c.regs[Cpu.R11] = c.eflags() & ~Eflags.RF;
            c.setEflags(c.eflags() & ~(int) c.msrs.sfmask & ~Eflags.RF, Eflags.WRITABLE);
            c.segs[Cpu.CS].set(cs, 0, 0xFFFF_FFFFL, CODE64);
            c.segs[Cpu.SS].set(cs + 8, 0, 0xFFFF_FFFFL, DATA);
            c.setCpl(0);
            c.updateMode();
            c.rip = target;
        } else {
            c.regs[Cpu.RCX] = c.rip & 0xFFFF_FFFFL;
            c.eflagsRest &= ~(Eflags.IF | Eflags.VM | Eflags.RF);
            c.segs[Cpu.CS].set(cs, 0, 0xFFFF_FFFFL, CODE32);
            c.segs[Cpu.SS].set(cs + 8, 0, 0xFFFF_FFFFL, DATA);
            c.setCpl(0);
            c.updateMode();
            c.rip = c.msrs.star & 0xFFFF_FFFFL;
        }
        c.debug.fastCallEnded();
    }

    static void sysret(Cpu c, boolean to64) {
        if ((c.efer & Cpu.EFER_SCE) == 0 || !c.protectedMode()) {
            throw c.ud();
        }
        if (c.cpl != 0) {
            throw c.gp(0);
        }
        int base = (int) (c.msrs.star >>> 48) & 0xFFFF;
        if (c.longMode()) {
            if (to64) {
                if (!Cpu.isCanonical(c.regs[Cpu.RCX])) {
                    throw c.gp(0);
                }
                c.segs[Cpu.CS].set((base + 16) | 3, 0, 0xFFFF_FFFFL, CODE64 | (3 << 5));
            } else {
                c.segs[Cpu.CS].set(base | 3, 0, 0xFFFF_FFFFL, CODE32 | (3 << 5));
            }
            c.setEflags((int) c.regs[Cpu.R11], Eflags.WRITABLE & ~(Eflags.VM | Eflags.RF));
            c.rip = to64 ? c.regs[Cpu.RCX] : c.regs[Cpu.RCX] & 0xFFFF_FFFFL;
        } else {
            c.segs[Cpu.CS].set(base | 3, 0, 0xFFFF_FFFFL, CODE32 | (3 << 5));
            c.eflagsRest |= Eflags.IF;
            c.rip = c.regs[Cpu.RCX] & 0xFFFF_FFFFL;
        }
        c.segs[Cpu.SS].set((base + 8) | 3, 0, 0xFFFF_FFFFL, DATA | (3 << 5));
        c.setCpl(3);
        c.updateMode();
        c.debug.fastCallEnded();
    }

    static void sysenter(Cpu c) {
        if (!c.protectedMode()) {
            throw c.gp(0);
        }
        int cs = (int) c.msrs.sysenterCs & 0xFFFC;
        if (cs == 0) {
            throw c.gp(0);
        }
        c.eflagsRest &= ~(Eflags.IF | Eflags.VM | Eflags.RF);
        boolean lm = c.longMode();
        c.segs[Cpu.CS].set(cs, 0, 0xFFFF_FFFFL, lm ? CODE64 : CODE32);
        c.segs[Cpu.SS].set(cs + 8, 0, 0xFFFF_FFFFL, DATA);
        c.setCpl(0);
        c.updateMode();
        c.regs[Cpu.RSP] = lm ? c.msrs.sysenterEsp : c.msrs.sysenterEsp & 0xFFFF_FFFFL;
        c.rip = lm ? c.msrs.sysenterEip : c.msrs.sysenterEip & 0xFFFF_FFFFL;
    }

    static void sysexit(Cpu c, boolean to64) {
        int cs = (int) c.msrs.sysenterCs & 0xFFFC;
        if (!c.protectedMode() || c.cpl != 0 || cs == 0) {
            throw c.gp(0);
        }
        if (to64) {
            c.segs[Cpu.CS].set((cs + 32) | 3, 0, 0xFFFF_FFFFL, CODE64 | (3 << 5));
            c.segs[Cpu.SS].set((cs + 40) | 3, 0, 0xFFFF_FFFFL, DATA | (3 << 5));
            c.regs[Cpu.RSP] = c.regs[Cpu.RCX];
            c.rip = c.regs[Cpu.RDX];
        } else {
            c.segs[Cpu.CS].set((cs + 16) | 3, 0, 0xFFFF_FFFFL, CODE32 | (3 << 5));
            c.segs[Cpu.SS].set((cs + 24) | 3, 0, 0xFFFF_FFFFL, DATA | (3 << 5));
            c.regs[Cpu.RSP] = c.regs[Cpu.RCX] & 0xFFFF_FFFFL;
            c.rip = c.regs[Cpu.RDX] & 0xFFFF_FFFFL;
        }
        c.setCpl(3);
        c.updateMode();
    }
}
