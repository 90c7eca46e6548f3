package dev.jemu.core.x86;

import dev.jemu.core.log.Log;
import dev.jemu.core.log.LogCategory;

/**
 * Segment register loads with the protected-mode checks, and far control transfers (JMP,
 * CALL and RET far, through code segments and call gates; to a TSS or task gate through
 * {@link TaskSwitch}).
 */
final class Segments {
    static final int TYPE_CALL_GATE16 = 0x4;
    static final int TYPE_TASK_GATE = 0x5;
    static final int TYPE_CALL_GATE = 0xC;
    /** The attributes of a segment register in virtual-8086 mode: P, DPL 3, S, data, writable, accessed. */
    static final int V86_ATTR = 0xF3;

    private Segments() {
    }

    /** The descriptor table entry address of {@code selector}; #GP(selector) if beyond the limit. */
    static long descriptorAddress(Cpu c, int selector, int vector) {
        int index = selector & ~7;
        long base;
        long limit;
        if ((selector & 4) != 0) {
            base = c.ldtr.base;
            limit = c.ldtr.limit;
            if (c.ldtr.selector == 0) {
                throw c.fault(vector, selector & ~3);
            }
        } else {
            base = c.gdtBase;
            limit = c.gdtLimit;
        }
        if (index + 7L > limit) {
            throw c.fault(vector, selector & ~3);
        }
        return base + index;
    }

    static long readDescriptor(Cpu c, int selector) {
        return c.mmu.readSystem(descriptorAddress(c, selector, Vectors.GP), 8);
    }

    static void setAccessed(Cpu c, int selector, long desc) {
        if ((desc & (1L << 40)) == 0) {
            long addr = descriptorAddress(c, selector, Vectors.GP);
            c.mmu.writeSystem(addr + 5, (desc >>> 40) | 1, 1);
        }
    }

    static void loadFromDescriptor(Cpu c, Segment s, int selector, long desc) {
        s.set(selector, Segment.descriptorBase(desc), Segment.descriptorLimit(desc), Segment.descriptorAttr(desc));
    }

    /** MOV/POP/LDS... to ES, SS, DS, FS or GS. */
    static void loadSegment(Cpu c, int seg, int selector) {
        selector &= 0xFFFF;
        Segment s = c.segs[seg];
        if ((c.eflagsRest & Eflags.VM) != 0) {
            loadV86(c, seg, selector);
            afterLoad(c, seg);
            return;
        }
        if (!c.protectedMode()) {
            s.setReal(selector);
            afterLoad(c, seg);
            return;
        }
        if ((selector & ~3) == 0) {
            if (seg == Cpu.SS && !(c.code64 && c.cpl < 3)) {
                throw c.gp(0);
            }
            s.set(selector, 0, 0, seg == Cpu.SS ? (c.cpl << 5) | 0x4000 : 0);
            afterLoad(c, seg);
            return;
        }
        long desc = readDescriptor(c, selector);
        int attr = Segment.descriptorAttr(desc);
        int rpl = selector & 3;
        int dpl = (attr >> 5) & 3;
        boolean code = (attr & Segment.TYPE_CODE) != 0;
        if ((attr & Segment.ATTR_S) == 0) {
            throw c.gp(selector & ~3);
        }
        if (seg == Cpu.SS) {
            if (code || (attr & Segment.TYPE_WRITABLE) == 0 || rpl != c.cpl || dpl != c.cpl) {
                throw c.gp(selector & ~3);
            }
            if ((attr & Segment.ATTR_P) == 0) {
                throw c.fault(Vectors.SS, selector & ~3);
            }
        } else {
            if (code && (attr & Segment.TYPE_READABLE) == 0) {
                throw c.gp(selector & ~3);
            }
            boolean conformingCode = code && (attr & Segment.TYPE_CONFORMING) != 0;
            if (!conformingCode && (rpl > dpl || c.cpl > dpl)) {
                throw c.gp(selector & ~3);
            }
            if ((attr & Segment.ATTR_P) == 0) {
                throw c.fault(Vectors.NP, selector & ~3);
            }
        }
        setAccessed(c, selector, desc);
        loadFromDescriptor(c, s, selector, desc | (1L << 40));
        afterLoad(c, seg);
    }

    /**
     * Loads a segment register as virtual-8086 mode does: base = selector * 16, limit 0xFFFF,
     * a present, accessed, writable DPL-3 segment (the caller recomputes the mode).
     */
    static void loadV86(Cpu c, int seg, int selector) {
        c.segs[seg].set(selector & 0xFFFF, (long) (selector & 0xFFFF) << 4, 0xFFFF, V86_ATTR);
    }

    private static void afterLoad(Cpu c, int seg) {
        if (seg == Cpu.SS || seg == Cpu.CS) {
            c.updateMode();
        } else {
            c.refreshSegment(seg);
        }
    }

    /** Loads CS in real or virtual-8086 mode. */
    static void loadRealCs(Cpu c, int selector) {
        c.segs[Cpu.CS].setReal(selector);
        c.updateMode();
    }

    /**
     * Checks a code segment descriptor as a far JMP or CALL target at the current privilege
     * level and loads it into CS.
     */
    private static void loadCodeSameLevel(Cpu c, int selector, long desc) {
        int attr = Segment.descriptorAttr(desc);
        int dpl = (attr >> 5) & 3;
        if ((attr & (Segment.ATTR_S | Segment.TYPE_CODE)) != (Segment.ATTR_S | Segment.TYPE_CODE)) {
            throw c.gp(selector & ~3);
        }
        if ((attr & Segment.TYPE_CONFORMING) != 0 ? dpl > c.cpl : ((selector & 3) > c.cpl || dpl != c.cpl)) {
            throw c.gp(selector & ~3);
        }
        if ((attr & Segment.ATTR_P) == 0) {
            throw c.fault(Vectors.NP, selector & ~3);
        }
        setAccessed(c, selector, desc);
        loadFromDescriptor(c, c.segs[Cpu.CS], (selector & ~3) | c.cpl, desc | (1L << 40));
        c.updateMode();
    }

    static void farJump(Cpu c, int selector, long offset, int size) {
        if (!c.protectedMode() || (c.eflagsRest & Eflags.VM) != 0) {
            loadRealCs(c, selector);
            c.rip = size == 2 ? offset & 0xFFFF : offset & 0xFFFF_FFFFL;
            return;
        }
        if ((selector & ~3) == 0) {
            throw c.gp(0);
        }
        long desc = readDescriptor(c, selector);
        int attr = Segment.descriptorAttr(desc);
        if ((attr & Segment.ATTR_S) != 0) {
            loadCodeSameLevel(c, selector, desc);
            setTarget(c, offset, size);
            return;
        }
        int type = attr & 0xF;
        if (type == TYPE_CALL_GATE || (type == TYPE_CALL_GATE16 && !c.longMode())) {
            Gate g = readGate(c, selector, desc);
            long target = readDescriptor(c, g.selector);
            loadCodeSameLevelViaGate(c, g.selector, target);
            setTarget(c, g.offset, g.size);
            return;
        }
        if (TaskSwitch.isTss(type) || type == TYPE_TASK_GATE) {
            TaskSwitch.farTransfer(c, selector, desc, TaskSwitch.Source.JMP);
            return;
        }
        throw c.gp(selector & ~3);
    }

    static void farCall(Cpu c, int selector, long offset, int size) {
        if (!c.protectedMode() || (c.eflagsRest & Eflags.VM) != 0) {
            c.push(c.segs[Cpu.CS].selector, size);
            c.push(c.rip, size);
            loadRealCs(c, selector);
            c.rip = size == 2 ? offset & 0xFFFF : offset & 0xFFFF_FFFFL;
            return;
        }
        if ((selector & ~3) == 0) {
            throw c.gp(0);
        }
        long desc = readDescriptor(c, selector);
        int attr = Segment.descriptorAttr(desc);
        long retRip = c.rip;
        int retCs = c.segs[Cpu.CS].selector;
        if ((attr & Segment.ATTR_S) != 0) {
            long oldSp = c.regs[Cpu.RSP];
            c.push(retCs, size);
            c.push(retRip, size);
            try {
                loadCodeSameLevel(c, selector, desc);
            } catch (CpuFault f) {
                c.regs[Cpu.RSP] = oldSp;
                throw f;
            }
            setTarget(c, offset, size);
            return;
        }
        int type = attr & 0xF;
        if (TaskSwitch.isTss(type) || type == TYPE_TASK_GATE) {
            TaskSwitch.farTransfer(c, selector, desc, TaskSwitch.Source.CALL);
            return;
        }
        if (type != TYPE_CALL_GATE && !(type == TYPE_CALL_GATE16 && !c.longMode())) {
            throw c.gp(selector & ~3);
        }
        Gate g = readGate(c, selector, desc);
        long target = readDescriptor(c, g.selector);
        int tattr = Segment.descriptorAttr(target);
        int tdpl = (tattr >> 5) & 3;
        if ((tattr & (Segment.ATTR_S | Segment.TYPE_CODE)) != (Segment.ATTR_S | Segment.TYPE_CODE) || tdpl > c.cpl) {
            throw c.gp(g.selector & ~3);
        }
        if ((tattr & Segment.ATTR_P) == 0) {
            throw c.fault(Vectors.NP, g.selector & ~3);
        }
        if ((tattr & Segment.TYPE_CONFORMING) == 0 && tdpl < c.cpl) {
            int oldSs = c.segs[Cpu.SS].selector;
            long oldSp = c.regs[Cpu.RSP];
            int oldCpl = c.cpl;
            long[] params = new long[g.paramCount];
            for (int k = 0; k < g.paramCount; k++) {
                params[k] = c.peek((long) k * g.size, g.size);
            }
            Interrupts.switchStack(c, tdpl, 0);
            c.push(oldSs, g.size);
            c.push(oldSp, g.size);
            for (int k = g.paramCount - 1; k >= 0; k--) {
                c.push(params[k], g.size);
            }
            c.push(retCs, g.size);
            c.push(retRip, g.size);
            loadFromDescriptor(c, c.segs[Cpu.CS], (g.selector & ~3) | tdpl, target | (1L << 40));
            c.setCpl(tdpl);
            c.updateMode();
            setTarget(c, g.offset, g.size);
            if (Log.enabled(LogCategory.INT)) {
                Log.log(LogCategory.INT, "call gate " + Integer.toHexString(selector) + " CPL " + oldCpl + " -> " + tdpl);
            }
            return;
        }
        c.push(retCs, g.size);
        c.push(retRip, g.size);
        loadCodeSameLevelViaGate(c, g.selector, target);
        setTarget(c, g.offset, g.size);
    }

    private static void loadCodeSameLevelViaGate(Cpu c, int selector, long desc) {
        int attr = Segment.descriptorAttr(desc);
        int dpl = (attr >> 5) & 3;
        if ((attr & (Segment.ATTR_S | Segment.TYPE_CODE)) != (Segment.ATTR_S | Segment.TYPE_CODE)
                || ((attr & Segment.TYPE_CONFORMING) != 0 ? dpl > c.cpl : dpl != c.cpl)) {
            throw c.gp(selector & ~3);
        }
        if ((attr & Segment.ATTR_P) == 0) {
            throw c.fault(Vectors.NP, selector & ~3);
        }
        loadFromDescriptor(c, c.segs[Cpu.CS], (selector & ~3) | c.cpl, desc | (1L << 40));
        c.updateMode();
    }

    private static void setTarget(Cpu c, long offset, int size) {
        if (c.code64) {
            ControlOps.jump(c, offset, 8);
        } else {
            ControlOps.jump(c, offset, size == 2 ? 2 : 4);
        }
    }

    /** A call gate's contents. */
    private record Gate(int selector, long offset, int size, int paramCount) {
    }

    private static Gate readGate(Cpu c, int selector, long desc) {
        int attr = Segment.descriptorAttr(desc);
        int dpl = (attr >> 5) & 3;
        if (dpl < c.cpl || dpl < (selector & 3)) {
            throw c.gp(selector & ~3);
        }
        if ((attr & Segment.ATTR_P) == 0) {
            throw c.fault(Vectors.NP, selector & ~3);
        }
        int target = (int) ((desc >>> 16) & 0xFFFF);
        long offset = (desc & 0xFFFF) | ((desc >>> 32) & 0xFFFF_0000L);
        if (c.longMode()) {
            long high = c.mmu.readSystem(descriptorAddress(c, selector, Vectors.GP) + 8, 8);
            return new Gate(target, offset | (high << 32), 8, 0);
        }
        boolean gate32 = (attr & 0xF) == TYPE_CALL_GATE;
        return new Gate(target, gate32 ? offset : offset & 0xFFFF, gate32 ? 4 : 2, (int) ((desc >>> 32) & 0x1F));
    }

    static void farReturn(Cpu c, int size, long popBytes) {
        long offset = c.peek(0, size);
        int selector = (int) c.peek(size, size) & 0xFFFF;
        if (!c.protectedMode() || (c.eflagsRest & Eflags.VM) != 0) {
            ControlOps.adjustSp(c, 2L * size + popBytes);
            loadRealCs(c, selector);
            c.rip = size == 2 ? offset & 0xFFFF : offset & 0xFFFF_FFFFL;
            return;
        }
        int rpl = selector & 3;
        if ((selector & ~3) == 0 || rpl < c.cpl) {
            throw c.gp(selector & ~3);
        }
        long desc = readDescriptor(c, selector);
        int attr = Segment.descriptorAttr(desc);
        int dpl = (attr >> 5) & 3;
        if ((attr & (Segment.ATTR_S | Segment.TYPE_CODE)) != (Segment.ATTR_S | Segment.TYPE_CODE)
                || ((attr & Segment.TYPE_CONFORMING) != 0 ? dpl > rpl : dpl != rpl)) {
            throw c.gp(selector & ~3);
        }
        if ((attr & Segment.ATTR_P) == 0) {
            throw c.fault(Vectors.NP, selector & ~3);
        }
        if (rpl == c.cpl) {
            ControlOps.adjustSp(c, 2L * size + popBytes);
            loadFromDescriptor(c, c.segs[Cpu.CS], selector, desc);
            c.updateMode();
            setTarget(c, offset, size);
            return;
        }
        long newSp = c.peek(2L * size + popBytes, size);
        int newSs = (int) c.peek(3L * size + popBytes, size) & 0xFFFF;
        loadFromDescriptor(c, c.segs[Cpu.CS], selector, desc);
        c.setCpl(rpl);
        c.updateMode();
        loadSegment(c, Cpu.SS, newSs);
        c.setReg(Cpu.RSP, size == 2 ? 2 : size, newSp + popBytes);
        setTarget(c, offset, size);
        nullifyOuterDataSegments(c);
    }

    /** After a return to an outer level, data segments the new CPL may not use become null. */
    static void nullifyOuterDataSegments(Cpu c) {
        for (int seg : new int[] {Cpu.ES, Cpu.DS, Cpu.FS, Cpu.GS}) {
            Segment s = c.segs[seg];
            boolean conformingCode = (s.attr & (Segment.TYPE_CODE | Segment.TYPE_CONFORMING)) == (Segment.TYPE_CODE | Segment.TYPE_CONFORMING);
            if ((s.selector & ~3) != 0 && !conformingCode && s.dpl() < c.cpl) {
                s.set(0, 0, 0, 0);
                c.refreshSegment(seg);
            }
        }
    }
}
