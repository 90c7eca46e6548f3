package dev.jemu.core.x86;

import static dev.jemu.core.x86.OpTable.BYTE;
import static dev.jemu.core.x86.OpTable.def;

/**
 * String instructions (MOVS, CMPS, STOS, LODS, SCAS, INS, OUTS) with REP, REPE and REPNE.
 * A repeated instruction runs at most {@value #CHUNK} iterations per execution and then
 * restarts itself with EFLAGS.RF set, so interrupts are taken between chunks and a fault
 * leaves the registers describing the iterations already done, as on hardware.
 */
final class StringOps {
    static final int CHUNK = 4096;

    /** One iteration of a string instruction. */
    @FunctionalInterface
    private interface Step {
        void run(Cpu c, Insn i, int size, long delta);
    }

    private StringOps() {
    }

    static void register() {
        Step movs = (c, i, s, d) -> {
            c.write(Cpu.ES, di(c, i), c.read(srcSeg(i), si(c, i), s), s);
            advance(c, i, Cpu.RSI, d);
            advance(c, i, Cpu.RDI, d);
        };
        Step cmps = (c, i, s, d) -> {
            long a = c.read(srcSeg(i), si(c, i), s);
            long b = c.read(Cpu.ES, di(c, i), s);
            IntegerOps.sub(c, a, b, s);
            advance(c, i, Cpu.RSI, d);
            advance(c, i, Cpu.RDI, d);
        };
        Step stos = (c, i, s, d) -> {
            c.write(Cpu.ES, di(c, i), c.getReg(Cpu.RAX, s), s);
            advance(c, i, Cpu.RDI, d);
        };
        Step lods = (c, i, s, d) -> {
            c.setReg(Cpu.RAX, s, c.read(srcSeg(i), si(c, i), s));
            advance(c, i, Cpu.RSI, d);
        };
        Step scas = (c, i, s, d) -> {
            IntegerOps.sub(c, c.getReg(Cpu.RAX, s), c.read(Cpu.ES, di(c, i), s), s);
            advance(c, i, Cpu.RDI, d);
        };
        Step ins = (c, i, s, d) -> {
            int port = (int) c.getReg(Cpu.RDX, 2);
            SystemOps.checkIo(c, port, s);
            long lin = c.linear(Cpu.ES, di(c, i), s);
            c.mmu.translate(lin, Mmu.WRITE, c.cpl == 3);
            c.write(Cpu.ES, di(c, i), c.io.read(port, s), s);
            advance(c, i, Cpu.RDI, d);
        };
        Step outs = (c, i, s, d) -> {
            int port = (int) c.getReg(Cpu.RDX, 2);
            SystemOps.checkIo(c, port, s);
            c.io.write(port, c.read(srcSeg(i), si(c, i), s), s);
            advance(c, i, Cpu.RSI, d);
        };
        define(0xA4, movs, false);
        define(0xA6, cmps, true);
        define(0xAA, stos, false);
        define(0xAC, lods, false);
        define(0xAE, scas, true);
        define(0x6C, ins, false);
        define(0x6E, outs, false);
    }

    private static void define(int op, Step step, boolean conditional) {
        Exec e = (c, i) -> {
            int s = i.opSize;
            long delta = c.df() ? -s : s;
            if (i.rep == 0) {
                step.run(c, i, s, delta);
                return;
            }
            boolean repz = i.rep == 0xF3;
            for (int n = 0; n < CHUNK; n++) {
                long count = c.getReg(Cpu.RCX, i.addrSize);
                if (count == 0) {
                    return;
                }
                step.run(c, i, s, delta);
                c.setReg(Cpu.RCX, i.addrSize, count - 1);
                if (count == 1 || (conditional && c.flags.zf() != repz)) {
                    return;
                }
            }
            c.rip = i.startRip;
            // Not the last iteration: RF is set, so an interrupt taken here pushes it set and
            // the instruction's breakpoint does not fire again when it resumes (SDM 18.3.1.1).
            c.eflagsRest |= Eflags.RF;
        };
        def(op, BYTE, e);
        def(op + 1, 0, e);
    }

    private static int srcSeg(Insn i) {
        return i.segOverride >= 0 ? i.segOverride : Cpu.DS;
    }

    private static long si(Cpu c, Insn i) {
        return c.getReg(Cpu.RSI, i.addrSize);
    }

    private static long di(Cpu c, Insn i) {
        return c.getReg(Cpu.RDI, i.addrSize);
    }

    private static void advance(Cpu c, Insn i, int reg, long delta) {
        c.setReg(reg, i.addrSize, c.getReg(reg, i.addrSize) + delta);
    }
}
