package dev.jemu.core.x86;

import dev.jemu.core.log.Log;
import dev.jemu.core.log.LogCategory;

/**
 * Delivery of exceptions and interrupts through the real-mode IVT or the protected-mode and
 * long-mode IDT (16-, 32- and 64-bit interrupt and trap gates, stack switches through the
 * TSS, IST stacks, error codes; task gates through {@link TaskSwitch}), from virtual-8086
 * mode too, the double-fault and triple-fault rules, and IRET (to virtual-8086 mode, within
 * it, and back to the previous task when NT is set).
 *
 * <p>Threading: the vCPU's thread only.
 */
final class Interrupts {
    private static final int[] DATA_SEGMENTS = {Cpu.ES, Cpu.DS, Cpu.FS, Cpu.GS};
    private final Cpu c;
    private final Segment savedCs = new Segment();
    private final Segment savedSs = new Segment();

    Interrupts(Cpu c) {
        this.c = c;
    }

    /**
     * Delivers exception {@code vector} raised by the instruction at RIP. A {@code fault}
     * (the instruction will run again) pushes RFLAGS with RF set, so that an instruction
     * breakpoint does not fire again when the handler returns to it; traps, aborts and the
     * instruction-breakpoint #DB push RF as it is.
     */
    void deliverException(int vector, int errorCode, boolean hasErrorCode, boolean fault) {
        logInterrupt(vector, errorCode, hasErrorCode, "exception");
        try {
            deliver(vector, errorCode, hasErrorCode, false, false, fault);
        } catch (CpuFault f) {
            nested(vector, f.vector, f.errorCode, f.hasErrorCode);
        }
    }

    /** Delivers external interrupt {@code vector} (from INTR). */
    void deliverExternal(int vector) {
        logInterrupt(vector, 0, false, "external interrupt");
        try {
            deliver(vector, 0, false, false, true, false);
        } catch (CpuFault f) {
            nested(-1, f.vector, f.errorCode, f.hasErrorCode);
        }
    }

    /** Delivers an NMI through vector 2 (the caller has blocked further NMIs until IRET). */
    void deliverNmi() {
        logInterrupt(Vectors.NMI, 0, false, "NMI");
        try {
            deliver(Vectors.NMI, 0, false, false, true, false);
        } catch (CpuFault f) {
            nested(-1, f.vector, f.errorCode, f.hasErrorCode);
        }
    }

    /**
     * INT n, INT3, INTO and INT1 (ICEBP); a fault during delivery is a fault of the
     * instruction. INT1 is not checked against the gate's DPL, as the SDM's INT pseudocode says.
     */
    void softwareInterrupt(int vector, boolean int3OrInto) {
        boolean redirected = false;
        if (!int3OrInto && (c.eflagsRest & Eflags.VM) != 0) {
            if ((c.cr4 & VirtualInterrupts.CR4_VME) != 0) {
                redirected = VirtualInterrupts.redirect(c, vector);
            } else if (c.iopl() < 3) {
                throw c.gp(0);
            }
        }
        boolean int1 = int3OrInto && vector == Vectors.DB;
        if (!redirected) {
            logInterrupt(vector, 0, false, int3OrInto ? "breakpoint/overflow trap" : "software interrupt");
            deliver(vector, 0, false, !int1, false, false);
        }
        c.debug.softwareInterrupt(int1);
    }

    private void nested(int first, int second, int errorCode, boolean hasErrorCode) {
        if (first == Vectors.DF) {
            tripleFault();
            return;
        }
        boolean doubleFault = first >= 0
                && ((Vectors.isContributory(first) && Vectors.isContributory(second))
                || (first == Vectors.PF && (Vectors.isContributory(second) || second == Vectors.PF)));
        if (doubleFault) {
            logInterrupt(Vectors.DF, 0, true, "double fault");
            try {
                deliver(Vectors.DF, 0, true, false, false, false);
            } catch (CpuFault f) {
                tripleFault();
            }
        } else {
            deliverException(second, errorCode, hasErrorCode, true);
        }
    }

    private void tripleFault() {
        if (Log.enabled(LogCategory.CPU_RESET) || Log.enabled(LogCategory.INT)) {
            Log.log(LogCategory.CPU_RESET, "triple fault at " + Integer.toHexString(c.segs[Cpu.CS].selector) + ":"
                    + Long.toHexString(c.rip));
        }
        c.tripleFault = true;
    }

    private void logInterrupt(int vector, int errorCode, boolean hasErrorCode, String what) {
        if (Log.enabled(LogCategory.INT)) {
            Log.log(LogCategory.INT, String.format("%s v=%02x e=%04x cpl=%d IP=%04x:%016x CR2=%016x",
                    what, vector, hasErrorCode ? errorCode : 0, c.cpl, c.segs[Cpu.CS].selector, c.rip, c.cr2));
        }
    }

    private void deliver(int vector, int errorCode, boolean hasErrorCode, boolean software, boolean external,
                         boolean fault) {
        if (!c.protectedMode()) {
            deliverReal(vector);
            return;
        }
        boolean fromV86 = (c.eflagsRest & Eflags.VM) != 0;
        int ext = external ? 1 : 0;
        int gateError = vector * 8 + 2 + ext;
        boolean lm = c.longMode();
        int entrySize = lm ? 16 : 8;
        if ((long) vector * entrySize + entrySize - 1 > c.idtLimit) {
            throw c.gp(gateError);
        }
        long gateAddr = c.idtBase + (long) vector * entrySize;
        long gate = c.mmu.readSystem(gateAddr, 8);
        int type = (int) (gate >>> 40) & 0xF;
        int gateDpl = (int) (gate >>> 45) & 3;
        boolean valid = lm ? (type == 0xE || type == 0xF)
                : (type == 0x5 || type == 0x6 || type == 0x7 || type == 0xE || type == 0xF);
        if (!valid) {
            throw c.gp(gateError);
        }
        if (software && gateDpl < c.cpl) {
            throw c.gp(gateError);
        }
        if ((gate & (1L << 47)) == 0) {
            throw c.fault(Vectors.NP, gateError);
        }
        if (type == Segments.TYPE_TASK_GATE) {
            TaskSwitch.throughGate(c, gate, ext, c.eflags() | (fault ? Eflags.RF : 0), errorCode, hasErrorCode);
            return;
        }
        int selector = (int) (gate >>> 16) & 0xFFFF;
        long offset = (gate & 0xFFFF) | ((gate >>> 32) & 0xFFFF_0000L);
        int ist = 0;
        if (lm) {
            offset |= c.mmu.readSystem(gateAddr + 8, 4) << 32;
            ist = (int) (gate >>> 32) & 7;
        }
        boolean gate32 = (type & 8) != 0;
        int size = lm ? 8 : gate32 ? 4 : 2;
        boolean interruptGate = (type & 1) == 0;

        if ((selector & ~3) == 0) {
            throw c.gp(ext);
        }
        long desc = c.mmu.readSystem(Segments.descriptorAddress(c, selector, Vectors.GP), 8);
        int attr = Segment.descriptorAttr(desc);
        int dpl = (attr >> 5) & 3;
        if ((attr & (Segment.ATTR_S | Segment.TYPE_CODE)) != (Segment.ATTR_S | Segment.TYPE_CODE) || dpl > c.cpl
                || (lm && (attr & Segment.ATTR_L) == 0)) {
            throw c.gp((selector & ~3) + ext);
        }
        if ((attr & Segment.ATTR_P) == 0) {
            throw c.fault(Vectors.NP, (selector & ~3) + ext);
        }
        boolean conforming = (attr & Segment.TYPE_CONFORMING) != 0;
        if (fromV86 && (conforming || dpl != 0)) {
            throw c.gp((selector & ~3) + ext);
        }
        int newCpl = conforming ? c.cpl : dpl;

        int oldCpl = c.cpl;
        long oldRsp = c.regs[Cpu.RSP];
        long oldRip = c.rip;
        int oldFlags = c.eflags() | (fault ? Eflags.RF : 0);
        int oldRest = c.eflagsRest;
        copy(c.segs[Cpu.CS], savedCs);
        copy(c.segs[Cpu.SS], savedSs);
        try {
            c.eflagsRest &= ~Eflags.VM;
            if (newCpl < oldCpl || ist != 0) {
                switchStack(c, newCpl, ist);
            }
            // The new CS is in force before the frame is pushed: from compatibility mode the
            // frame goes to a 64-bit stack, whatever the old code segment's size.
            Segments.loadFromDescriptor(c, c.segs[Cpu.CS], (selector & ~3) | newCpl, desc);
            c.updateMode();
            if (lm) {
                c.regs[Cpu.RSP] &= ~15L;
            }
            if (fromV86) {
                c.push(c.segs[Cpu.GS].selector, size);
                c.push(c.segs[Cpu.FS].selector, size);
                c.push(c.segs[Cpu.DS].selector, size);
                c.push(c.segs[Cpu.ES].selector, size);
            }
            if (lm || newCpl < oldCpl) {
                c.push(savedSs.selector, size);
                c.push(oldRsp, size);
            }
            c.push(oldFlags, size);
            c.push(savedCs.selector, size);
            c.push(oldRip, size);
            if (hasErrorCode) {
                c.push(errorCode, size);
            }
        } catch (CpuFault f) {
            copy(savedCs, c.segs[Cpu.CS]);
            copy(savedSs, c.segs[Cpu.SS]);
            c.regs[Cpu.RSP] = oldRsp;
            c.eflagsRest = oldRest;
            c.setCpl(oldCpl);
            c.updateMode();
            throw f;
        }
        if (fromV86) {
            for (int seg : DATA_SEGMENTS) {
                c.segs[seg].set(0, 0, 0, 0);
                c.refreshSegment(seg);
            }
        }
        c.setCpl(newCpl);
        int clear = Eflags.TF | Eflags.NT | Eflags.RF | Eflags.VM | (interruptGate ? Eflags.IF : 0);
        c.eflagsRest &= ~clear;
        c.updateMode();
        c.rip = size == 2 ? offset & 0xFFFF : offset;
    }

    private static void copy(Segment from, Segment to) {
        to.set(from.selector, from.base, from.limit, from.attr);
    }

    private void deliverReal(int vector) {
        if (vector * 4L + 3 > c.idtLimit) {
            throw c.gp(vector * 8 + 2);
        }
        long entry = c.mmu.read(c.idtBase + vector * 4L, 4);
        c.push(c.eflags() & 0xFFFF, 2);
        c.push(c.segs[Cpu.CS].selector, 2);
        c.push(c.rip, 2);
        c.eflagsRest &= ~(Eflags.IF | Eflags.TF | Eflags.AC | Eflags.RF);
        Segments.loadRealCs(c, (int) (entry >>> 16));
        c.rip = entry & 0xFFFF;
    }

    /**
     * Switches to the stack for privilege level {@code newCpl} (or IST stack {@code ist}) read
     * from the TSS, and makes {@code newCpl} current.
     */
    static void switchStack(Cpu c, int newCpl, int ist) {
        long tss = c.tr.base;
        if (c.longMode()) {
            long off = ist != 0 ? 0x24 + 8L * (ist - 1) : 4 + 8L * newCpl;
            if (off + 7 > c.tr.limit) {
                throw c.fault(Vectors.TS, c.tr.selector & ~3);
            }
            long rsp = c.mmu.readSystem(tss + off, 8);
            if (newCpl != c.cpl) {
                c.segs[Cpu.SS].set(newCpl, 0, 0, (newCpl << 5) | 0x4000 | 0x93);
            }
            c.setCpl(newCpl);
            c.updateMode();
            c.regs[Cpu.RSP] = rsp;
            return;
        }
        boolean tss32 = (c.tr.attr & 8) != 0;
        long sp;
        int ss;
        if (tss32) {
            if (8L * newCpl + 11 > c.tr.limit) {
                throw c.fault(Vectors.TS, c.tr.selector & ~3);
            }
            sp = c.mmu.readSystem(tss + 4 + 8L * newCpl, 4);
            ss = (int) c.mmu.readSystem(tss + 8 + 8L * newCpl, 2);
        } else {
            if (4L * newCpl + 5 > c.tr.limit) {
                throw c.fault(Vectors.TS, c.tr.selector & ~3);
            }
            sp = c.mmu.readSystem(tss + 2 + 4L * newCpl, 2);
            ss = (int) c.mmu.readSystem(tss + 4 + 4L * newCpl, 2);
        }
        if ((ss & 3) != newCpl) {
            throw c.fault(Vectors.TS, ss & ~3);
        }
        c.setCpl(newCpl);
        Segments.loadSegment(c, Cpu.SS, ss);
        c.regs[Cpu.RSP] = sp;
    }

    /** IRET, IRETD and IRETQ; each also ends the blocking of NMIs. */
    void iret(int size) {
        c.nmiBlocked = false;
        if (!c.protectedMode()) {
            long ip = c.peek(0, size);
            int cs = (int) c.peek(size, size);
            int flags = (int) c.peek(2L * size, size);
            ControlOps.adjustSp(c, 3L * size);
            Segments.loadRealCs(c, cs);
            c.rip = ip & (size == 2 ? 0xFFFF : 0xFFFF_FFFFL);
            c.setEflags(flags, size == 2 ? Eflags.WRITABLE & 0xFFFF : Eflags.WRITABLE & ~(Eflags.VM | Eflags.VIP | Eflags.VIF));
            return;
        }
        if ((c.eflagsRest & Eflags.VM) != 0) {
            iretInV86(size);
            return;
        }
        if ((c.eflagsRest & Eflags.NT) != 0) {
            if (c.longMode()) {
                throw c.gp(0);
            }
            TaskSwitch.iret(c);
            return;
        }
        long ip = c.peek(0, size);
        int selector = (int) c.peek(size, size) & 0xFFFF;
        int flags = (int) c.peek(2L * size, size);
        if ((flags & Eflags.VM) != 0 && c.cpl == 0 && size == 4 && !c.longMode()) {
            iretToV86(ip, selector, flags);
            return;
        }
        int rpl = selector & 3;
        if ((selector & ~3) == 0 || rpl < c.cpl) {
            throw c.gp(selector & ~3);
        }
        long desc = Segments.readDescriptor(c, selector);
        int attr = Segment.descriptorAttr(desc);
        int dpl = (attr >> 5) & 3;
        if ((attr & (Segment.ATTR_S | Segment.TYPE_CODE)) != (Segment.ATTR_S | Segment.TYPE_CODE)
                || ((attr & Segment.TYPE_CONFORMING) != 0 ? dpl > rpl : dpl != rpl)) {
            throw c.gp(selector & ~3);
        }
        if ((attr & Segment.ATTR_P) == 0) {
            throw c.fault(Vectors.NP, selector & ~3);
        }
        int mask = Eflags.ARITH | Eflags.TF | Eflags.DF | Eflags.NT | Eflags.RF | Eflags.AC | Eflags.ID;
        if (c.cpl == 0) {
            mask |= Eflags.IOPL | Eflags.VIF | Eflags.VIP;
        }
        if (c.cpl <= c.iopl()) {
            mask |= Eflags.IF;
        }
        if (size == 2) {
            mask &= 0xFFFF;
        }
        boolean popStack = c.code64 || rpl > c.cpl;
        if (!popStack) {
            ControlOps.adjustSp(c, 3L * size);
            Segments.loadFromDescriptor(c, c.segs[Cpu.CS], selector, desc);
            c.setEflags(flags, mask);
            c.updateMode();
            ControlOps.jump(c, ip, c.code64 ? 8 : size == 2 ? 2 : 4);
            return;
        }
        long sp = c.peek(3L * size, size);
        int ss = (int) c.peek(4L * size, size) & 0xFFFF;
        Segments.loadFromDescriptor(c, c.segs[Cpu.CS], selector, desc);
        c.setCpl(rpl);
        c.setEflags(flags, mask);
        c.updateMode();
        Segments.loadSegment(c, Cpu.SS, ss);
        c.regs[Cpu.RSP] = size == 2 ? (c.regs[Cpu.RSP] & ~0xFFFFL) | (sp & 0xFFFF) : size == 4 ? sp & 0xFFFF_FFFFL : sp;
        ControlOps.jump(c, ip, c.code64 ? 8 : size == 2 ? 2 : 4);
        if (rpl > 0) {
            Segments.nullifyOuterDataSegments(c);
        }
    }

    /**
     * IRET in virtual-8086 mode: with IOPL 3 it returns as in real mode, but leaves IOPL, VM,
     * VIF and VIP alone (a 32-bit return to an EIP above 0xFFFF is #GP(0)); with IOPL below 3 it
     * is #GP(0), unless CR4.VME virtualises a 16-bit IRET: the popped IF then goes to VIF (SDM
     * Vol. 2A IRET, "RETURN-FROM-VIRTUAL-8086-MODE").
     */
    private void iretInV86(int size) {
        boolean virtual = c.iopl() < 3;
        if (virtual && !VirtualInterrupts.virtualFlags(c, size)) {
            throw c.gp(0);
        }
        long ip = c.peek(0, size);
        int cs = (int) c.peek(size, size) & 0xFFFF;
        int flags = (int) c.peek(2L * size, size);
        if (ip > 0xFFFF) {
            throw c.gp(0);
        }
        if (virtual) {
            VirtualInterrupts.loadVirtualFlags(c, flags);
        } else {
            int mask = Eflags.WRITABLE & ~(Eflags.IOPL | Eflags.VM | Eflags.VIF | Eflags.VIP);
            c.setEflags(flags, size == 2 ? mask & 0xFFFF : mask);
        }
        ControlOps.adjustSp(c, 3L * size);
        Segments.loadRealCs(c, cs);
        c.rip = ip;
    }

    /**
     * IRETD at CPL 0 whose EFLAGS image has VM set: pops EIP, CS, EFLAGS, then ESP, SS, ES, DS,
     * FS and GS, loads every segment register as virtual-8086 mode does (base = selector * 16,
     * limit 0xFFFF) and continues at CPL 3 (SDM Vol. 2A IRET, "RETURN-TO-VIRTUAL-8086-MODE").
     */
    private void iretToV86(long ip, int cs, int flags) {
        if (Long.compareUnsigned(ip, c.segs[Cpu.CS].limit) > 0) {
            throw c.gp(0);
        }
        long sp = c.peek(12, 4);
        int ss = (int) c.peek(16, 4) & 0xFFFF;
        int es = (int) c.peek(20, 4) & 0xFFFF;
        int ds = (int) c.peek(24, 4) & 0xFFFF;
        int fs = (int) c.peek(28, 4) & 0xFFFF;
        int gs = (int) c.peek(32, 4) & 0xFFFF;
        c.setEflags(flags, Eflags.WRITABLE);
        Segments.loadV86(c, Cpu.CS, cs);
        Segments.loadV86(c, Cpu.SS, ss);
        Segments.loadV86(c, Cpu.ES, es);
        Segments.loadV86(c, Cpu.DS, ds);
        Segments.loadV86(c, Cpu.FS, fs);
        Segments.loadV86(c, Cpu.GS, gs);
        c.setCpl(3);
        c.updateMode();
        c.regs[Cpu.RSP] = sp & 0xFFFF_FFFFL;
        c.rip = ip & 0xFFFF;
    }
}
