package dev.jemu.core.x86;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

import static dev.jemu.core.x86.OpTable.BYTE;
import static dev.jemu.core.x86.OpTable.def;

/**
 * String instructions (MOVS, CMPS, STOS, LODS, SCAS, INS, OUTS) with REP, REPE and REPNE.
 * A repeated instruction runs at most {@value #CHUNK} iterations per execution and then
 * restarts itself with EFLAGS.RF set, so interrupts are taken between chunks and a fault
 * leaves the registers describing the iterations already done, as on hardware.
 *
 * <p>REP MOVS and REP STOS take a bulk path: the run of elements that lies in one page on
 * each side, inside the segment limits and the address size (no wrap), on pages the soft
 * TLB already maps for fast reads (source) and fast writes (destination: plain writable
 * RAM holding no code, no data breakpoint), is done as one array copy or fill, with
 * exactly the memory and register effects of the element-by-element loop. Whatever is not
 * such a run (the first element on a new page, an overlap whose element order differs from
 * a memmove's) takes the element path, which fills the TLB, raises faults with RCX, RSI
 * and RDI describing the elements done, and lets the next run go bulk again.
 */
final class StringOps {
    static final int CHUNK = 4096;

    private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /** One iteration of a string instruction. */
    @FunctionalInterface
    private interface Step {
        void run(Cpu c, Insn i, int size, long delta);
    }

    /**
     * A bulk run of a repeated string instruction: how many of at most {@code max} elements
     * it did (0: none; a single element is left to the element path).
     */
    @FunctionalInterface
    private interface Bulk {
        long run(Cpu c, Insn i, int size, boolean down, long max);
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
        define(0xA4, movs, StringOps::bulkMovs, false);
        define(0xA6, cmps, null, true);
        define(0xAA, stos, StringOps::bulkStos, false);
        define(0xAC, lods, null, false);
        define(0xAE, scas, null, true);
        define(0x6C, ins, null, false);
        define(0x6E, outs, null, false);
    }

    private static void define(int op, Step step, Bulk bulk, boolean conditional) {
        Exec e = (c, i) -> {
            int s = i.opSize;
            boolean down = c.df();
            long delta = down ? -s : s;
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
                if (bulk != null) {
                    long k = bulk.run(c, i, s, down, Math.min(count, CHUNK - n));
                    if (k > 0) {
                        c.setReg(Cpu.RCX, i.addrSize, count - k);
                        if (count == k) {
                            return;
                        }
                        n += (int) k - 1;
                        continue;
                    }
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

    /** The bulk run of REP MOVS: a copy between two pages the TLB maps (see the class comment). */
    private static long bulkMovs(Cpu c, Insn i, int s, boolean down, long max) {
        int src = srcSeg(i);
        if (c.segNoRead[src] || c.segNoWrite[Cpu.ES]) {
            return 0;
        }
        long si = si(c, i);
        long di = di(c, i);
        long k = run(c, src, si, s, down, i.addrSize, run(c, Cpu.ES, di, s, down, i.addrSize, max));
        if (k < 2) {
            return 0;
        }
        long span = (k - 1) * s;
        long srcLow = down ? si - span : si;
        long dstLow = down ? di - span : di;
        Mmu mmu = c.mmu;
        byte[] from = mmu.readHit((c.segBase[src] + srcLow) & c.linearMask);
        if (from == null) {
            return 0;
        }
        int fromIdx = mmu.hitOffset + (int) ((c.segBase[src] + srcLow) & 0xFFF);
        byte[] to = mmu.writeHit((c.segBase[Cpu.ES] + dstLow) & c.linearMask);
        if (to == null) {
            return 0;
        }
        int toIdx = mmu.hitOffset + (int) ((c.segBase[Cpu.ES] + dstLow) & 0xFFF);
        int len = (int) (span + s);
        // Element by element, a forward copy to a lower address (or a backward one to a
        // higher) reads nothing it wrote, which is what a memmove does; the other overlaps
        // replicate data and take the element path.
        if (from == to && Math.abs(fromIdx - toIdx) < len && (down ? toIdx < fromIdx : toIdx > fromIdx)) {
            return 0;
        }
        System.arraycopy(from, fromIdx, to, toIdx, len);
        mmu.bulkRuns++;
        advance(c, i, Cpu.RSI, down ? -span - s : span + s);
        advance(c, i, Cpu.RDI, down ? -span - s : span + s);
        return k;
    }

    /** The bulk run of REP STOS: a fill of a page the write TLB maps. */
    private static long bulkStos(Cpu c, Insn i, int s, boolean down, long max) {
        if (c.segNoWrite[Cpu.ES]) {
            return 0;
        }
        long di = di(c, i);
        long k = run(c, Cpu.ES, di, s, down, i.addrSize, max);
        if (k < 2) {
            return 0;
        }
        long span = (k - 1) * s;
        long lin = (c.segBase[Cpu.ES] + (down ? di - span : di)) & c.linearMask;
        Mmu mmu = c.mmu;
        byte[] to = mmu.writeHit(lin);
        if (to == null) {
            return 0;
        }
        int idx = mmu.hitOffset + (int) (lin & 0xFFF);
        int end = idx + (int) span + s;
        long v = c.regs[Cpu.RAX];
        switch (s) {
            case 1 -> Arrays.fill(to, idx, end, (byte) v);
            case 2 -> {
                for (int p = idx; p < end; p += 2) {
                    SHORT.set(to, p, (short) v);
                }
            }
            case 4 -> {
                for (int p = idx; p < end; p += 4) {
                    INT.set(to, p, (int) v);
                }
            }
            default -> {
                for (int p = idx; p < end; p += 8) {
                    LONG.set(to, p, v);
                }
            }
        }
        mmu.bulkRuns++;
        advance(c, i, Cpu.RDI, down ? -span - s : span + s);
        return k;
    }

    /**
     * How many of at most {@code max} elements of {@code size} bytes from {@code seg:ea}
     * onward (downward if {@code down}) pass {@link Cpu#linear}'s checks and share the first
     * one's linear page: none wraps the address size, each lies within the segment limit,
     * and the first is canonical (a page never straddles the canonical hole). 0 if the first
     * element does not qualify.
     */
    private static long run(Cpu c, int seg, long ea, int size, boolean down, int addrSize, long max) {
        if (max == 0) {
            return 0;
        }
        long mask = addrSize == 8 ? -1L : (1L << (8 * addrSize)) - 1;
        long limit = Long.compareUnsigned(c.segLimit[seg], mask) < 0 ? c.segLimit[seg] : mask;
        long lastStart = limit - (size - 1);
        if (Long.compareUnsigned(limit, size - 1) < 0 || Long.compareUnsigned(ea, lastStart) > 0) {
            return 0;
        }
        long lin = (c.segBase[seg] + ea) & c.linearMask;
        if (c.linearMask == -1L && !Cpu.isCanonical(lin)) {
            return 0;
        }
        int inPage = (int) (lin & 0xFFF);
        if (inPage + size > 4096) {
            return 0;
        }
        // The room (unsigned) left before the address wraps (down) or passes the limit (up);
        // past a page it no longer binds.
        long room = down ? ea : lastStart - ea;
        long byRoom = Long.compareUnsigned(room, 4096) >= 0 ? 4096 : room / size;
        long n = Math.min(down ? inPage / size : (4096 - inPage) / size - 1, byRoom) + 1;
        return Math.min(n, max);
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
