package dev.jemu.core.x86;

/**
 * Hardware task switching in legacy protected mode (SDM Vol. 3A 7.3, and the JMP, CALL, INT n
 * and IRET pseudocode of Vol. 2): through a TSS descriptor or a task gate in the GDT or LDT
 * (JMP, CALL), a task gate in the IDT (interrupts and exceptions), and IRET with NT set (the
 * back link). 32-bit and 16-bit TSSs; the busy bit, NT and the back link; CR3 and the LDT of
 * the new task; its segment registers loaded with the checks of a task switch (#TS with the
 * selector, #NP, #SS); the debug trap bit T of the new TSS raising #DB with DR6.BT. A
 * 16-bit TSS loads the general registers with their upper halves all ones, as the 386 does
 * (test386 checks it) and QEMU does, and FLAGS zero-extended (a 286 task has no VM).
 *
 * <p>Threading: the vCPU's thread only.
 */
final class TaskSwitch {
    /** What started the switch: it decides the busy bits, NT and the back link. */
    enum Source {
        JMP, CALL, IRET, INTERRUPT
    }

    static final int TYPE_TSS16 = 0x1;
    static final int TYPE_TSS16_BUSY = 0x3;
    static final int TYPE_TSS32 = 0x9;
    static final int TYPE_TSS32_BUSY = 0xB;
    private static final int BUSY = 0x2;
    private static final long DR6_BT = 0x8000;
    private static final int[] DATA_SEGMENTS = {Cpu.ES, Cpu.SS, Cpu.DS, Cpu.FS, Cpu.GS};
    /** Offsets of ES, CS, SS, DS, FS, GS in a 32-bit TSS (index = segment register number). */
    private static final int[] SEG32 = {0x48, 0x4C, 0x50, 0x54, 0x58, 0x5C};
    /** Offsets of ES, CS, SS, DS in a 16-bit TSS. */
    private static final int[] SEG16 = {0x22, 0x24, 0x26, 0x28};

    private TaskSwitch() {
    }

    static boolean isTss(int type) {
        return type == TYPE_TSS16 || type == TYPE_TSS16_BUSY || type == TYPE_TSS32 || type == TYPE_TSS32_BUSY;
    }

    /**
     * JMP or CALL far to {@code selector}, a TSS descriptor or a task gate ({@code desc}):
     * checks the privilege of the descriptor named, then switches.
     */
    static void farTransfer(Cpu c, int selector, long desc, Source source) {
        if (c.longMode()) {
            throw c.gp(selector & ~3);
        }
        int attr = Segment.descriptorAttr(desc);
        int dpl = (attr >> 5) & 3;
        if (dpl < c.cpl || dpl < (selector & 3)) {
            throw c.gp(selector & ~3);
        }
        if ((attr & Segment.ATTR_P) == 0) {
            throw c.fault(Vectors.NP, selector & ~3);
        }
        int tss = selector;
        long tssDesc = desc;
        if ((attr & 0xF) == Segments.TYPE_TASK_GATE) {
            tss = (int) (desc >>> 16) & 0xFFFF;
            tssDesc = readGdtTss(c, tss, 0);
        } else if ((selector & 4) != 0) {
            throw c.gp(selector & ~3);
        }
        if ((Segment.descriptorAttr(tssDesc) & BUSY) != 0) {
            throw c.gp(tss & ~3);
        }
        switchTo(c, tss, tssDesc, source, c.eflags(), 0, false);
    }

    /**
     * Interrupt or exception {@code vector} through the task gate {@code gate} of the IDT
     * (its DPL already checked for software interrupts); {@code ext} is the EXT bit of error
     * codes. The error code, if any, is pushed on the new task's stack.
     */
    static void throughGate(Cpu c, long gate, int ext, int savedFlags, int errorCode, boolean hasErrorCode) {
        int tss = (int) (gate >>> 16) & 0xFFFF;
        long desc = readGdtTss(c, tss, ext);
        if ((Segment.descriptorAttr(desc) & BUSY) != 0) {
            throw c.gp((tss & ~3) + ext);
        }
        switchTo(c, tss, desc, Source.INTERRUPT, savedFlags, errorCode, hasErrorCode);
    }

    /** IRET with NT set: returns to the task of the back link, which must be a busy TSS. */
    static void iret(Cpu c) {
        int link = (int) c.mmu.readSystem(c.tr.base, 2);
        if ((link & 4) != 0) {
            throw c.fault(Vectors.TS, link & ~3);
        }
        long desc = c.mmu.readSystem(Segments.descriptorAddress(c, link, Vectors.TS), 8);
        int type = Segment.descriptorAttr(desc) & 0x1F;
        if (type != TYPE_TSS16_BUSY && type != TYPE_TSS32_BUSY) {
            throw c.fault(Vectors.TS, link & ~3);
        }
        if ((Segment.descriptorAttr(desc) & Segment.ATTR_P) == 0) {
            throw c.fault(Vectors.NP, link & ~3);
        }
        switchTo(c, link, desc, Source.IRET, c.eflags(), 0, false);
    }

    /** The TSS descriptor of {@code selector}, which must be in the GDT: #GP(selector) otherwise. */
    private static long readGdtTss(Cpu c, int selector, int ext) {
        if ((selector & 4) != 0) {
            throw c.gp((selector & ~3) + ext);
        }
        long desc = c.mmu.readSystem(Segments.descriptorAddress(c, selector, Vectors.GP), 8);
        int attr = Segment.descriptorAttr(desc);
        if ((attr & Segment.ATTR_S) != 0 || !isTss(attr & 0xF)) {
            throw c.gp((selector & ~3) + ext);
        }
        if ((attr & Segment.ATTR_P) == 0) {
            throw c.fault(Vectors.NP, (selector & ~3) + ext);
        }
        return desc;
    }

    private static void setBusy(Cpu c, int selector, boolean busy) {
        long addr = Segments.descriptorAddress(c, selector, Vectors.GP) + 5;
        long access = c.mmu.readSystem(addr, 1);
        c.mmu.writeSystem(addr, busy ? access | BUSY : access & ~BUSY, 1);
    }

    /**
     * The switch itself (SDM Vol. 3A 7.3 steps 3 to 13), from the current task to the TSS
     * {@code selector} described by {@code desc}; {@code flags} is the EFLAGS image to save.
     */
    private static void switchTo(Cpu c, int selector, long desc, Source source, int flags, int errorCode,
                                 boolean hasErrorCode) {
        int attr = Segment.descriptorAttr(desc);
        boolean new32 = (attr & 8) != 0;
        long base = Segment.descriptorBase(desc);
        long limit = Segment.descriptorLimit(desc);
        if (limit < (new32 ? 0x67 : 0x2B)) {
            throw c.fault(Vectors.TS, selector & ~3);
        }
        // Read the whole new state before anything changes.
        long eip;
        int eflags;
        long[] regs = new long[8];
        int[] sel = new int[6];
        int ldt;
        long cr3 = 0;
        boolean trap = false;
        if (new32) {
            cr3 = c.mmu.readSystem(base + 0x1C, 4);
            eip = c.mmu.readSystem(base + 0x20, 4);
            eflags = (int) c.mmu.readSystem(base + 0x24, 4);
            for (int r = 0; r < 8; r++) {
                regs[r] = c.mmu.readSystem(base + 0x28 + 4L * r, 4);
            }
            for (int s = 0; s < 6; s++) {
                sel[s] = (int) c.mmu.readSystem(base + SEG32[s], 2);
            }
            ldt = (int) c.mmu.readSystem(base + 0x60, 2);
            trap = (c.mmu.readSystem(base + 0x64, 2) & 1) != 0;
        } else {
            eip = c.mmu.readSystem(base + 0x0E, 2);
            eflags = (int) c.mmu.readSystem(base + 0x10, 2);
            for (int r = 0; r < 8; r++) {
                regs[r] = c.mmu.readSystem(base + 0x12 + 2L * r, 2);
            }
            for (int s = 0; s < 4; s++) {
                sel[s] = (int) c.mmu.readSystem(base + SEG16[s], 2);
            }
            ldt = (int) c.mmu.readSystem(base + 0x2A, 2);
        }

        // Save the current task.
        int oldSelector = c.tr.selector;
        if (source == Source.JMP || source == Source.IRET) {
            setBusy(c, oldSelector, false);
        }
        if (source == Source.IRET) {
            flags &= ~Eflags.NT;
        }
        saveState(c, flags);

        // Link and mark the new task.
        if (source == Source.CALL || source == Source.INTERRUPT) {
            c.mmu.writeSystem(base, oldSelector, 2);
            eflags |= Eflags.NT;
        }
        if (source != Source.IRET) {
            setBusy(c, selector, true);
            attr |= BUSY;
        }
        c.tr.set(selector, base, limit, attr);
        c.cr0 |= Cpu.CR0_TS;

        // Load the new task's state: faults from here on belong to the new task.
        if (new32 && (c.cr0 & Cpu.CR0_PG) != 0) {
            ControlRegisters.write(c, 3, cr3);
        }
        for (int r = 0; r < 8; r++) {
            c.regs[r] = new32 ? regs[r] : 0xFFFF_0000L | regs[r];
        }
        c.rip = eip;
        c.setEflags(new32 ? eflags : eflags & 0xFFFF, Eflags.WRITABLE);
        loadSegments(c, sel, ldt, new32);
        if (hasErrorCode) {
            c.push(errorCode, new32 ? 4 : 2);
        }
        if (Long.compareUnsigned(c.rip, c.segs[Cpu.CS].limit) > 0) {
            throw c.gp(0);
        }
        if (trap) {
            c.dr[6] |= DR6_BT;
            c.interrupts.deliverException(Vectors.DB, 0, false, false);
        }
    }

    private static void saveState(Cpu c, int flags) {
        long base = c.tr.base;
        if ((c.tr.attr & 8) != 0) {
            c.mmu.writeSystem(base + 0x20, c.rip, 4);
            c.mmu.writeSystem(base + 0x24, flags, 4);
            for (int r = 0; r < 8; r++) {
                c.mmu.writeSystem(base + 0x28 + 4L * r, c.regs[r], 4);
            }
            for (int s = 0; s < 6; s++) {
                c.mmu.writeSystem(base + SEG32[s], c.segs[s].selector, 2);
            }
        } else {
            c.mmu.writeSystem(base + 0x0E, c.rip, 2);
            c.mmu.writeSystem(base + 0x10, flags, 2);
            for (int r = 0; r < 8; r++) {
                c.mmu.writeSystem(base + 0x12 + 2L * r, c.regs[r], 2);
            }
            for (int s = 0; s < 4; s++) {
                c.mmu.writeSystem(base + SEG16[s], c.segs[s].selector, 2);
            }
        }
    }

    /**
     * Loads LDTR, CS and the data segment registers of the new task: virtual-8086 style if its
     * EFLAGS has VM, else with the checks of a task switch (SDM Vol. 3A Table 7-1).
     */
    private static void loadSegments(Cpu c, int[] sel, int ldt, boolean new32) {
        for (int s = 0; s < 6; s++) {
            if (!new32 && s >= Cpu.FS) {
                c.segs[s].set(0, 0, 0, 0);
            } else {
                c.segs[s].selector = sel[s];
            }
        }
        loadLdt(c, ldt);
        if ((c.eflagsRest & Eflags.VM) != 0) {
            for (int s = 0; s < 6; s++) {
                Segments.loadV86(c, s, sel[s]);
            }
            c.setCpl(3);
            c.updateMode();
            return;
        }
        int cs = sel[Cpu.CS];
        if ((cs & ~3) == 0) {
            throw c.fault(Vectors.TS, 0);
        }
        long desc = c.mmu.readSystem(Segments.descriptorAddress(c, cs, Vectors.TS), 8);
        int attr = Segment.descriptorAttr(desc);
        int dpl = (attr >> 5) & 3;
        int rpl = cs & 3;
        if ((attr & (Segment.ATTR_S | Segment.TYPE_CODE)) != (Segment.ATTR_S | Segment.TYPE_CODE)
                || ((attr & Segment.TYPE_CONFORMING) != 0 ? dpl > rpl : dpl != rpl)) {
            throw c.fault(Vectors.TS, cs & ~3);
        }
        if ((attr & Segment.ATTR_P) == 0) {
            throw c.fault(Vectors.NP, cs & ~3);
        }
        Segments.loadFromDescriptor(c, c.segs[Cpu.CS], cs, desc);
        c.setCpl(rpl);
        c.updateMode();
        for (int s : DATA_SEGMENTS) {
            if (!new32 && s >= Cpu.FS) {
                continue;
            }
            try {
                Segments.loadSegment(c, s, sel[s]);
            } catch (CpuFault f) {
                if (f.vector == Vectors.GP) {
                    throw c.fault(Vectors.TS, f.errorCode);
                }
                throw f;
            }
        }
    }

    private static void loadLdt(Cpu c, int ldt) {
        if ((ldt & ~3) == 0) {
            c.ldtr.set(ldt, 0, 0, 0);
            return;
        }
        if ((ldt & 4) != 0) {
            throw c.fault(Vectors.TS, ldt & ~3);
        }
        long desc = c.mmu.readSystem(Segments.descriptorAddress(c, ldt, Vectors.TS), 8);
        int attr = Segment.descriptorAttr(desc);
        if ((attr & 0x1F) != 0x2 || (attr & Segment.ATTR_P) == 0) {
            throw c.fault(Vectors.TS, ldt & ~3);
        }
        c.ldtr.set(ldt, Segment.descriptorBase(desc), Segment.descriptorLimit(desc), attr);
    }
}
