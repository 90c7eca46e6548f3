package dev.jemu.core.x86;

import dev.jemu.core.log.Log;
import dev.jemu.core.log.LogCategory;
import dev.jemu.core.x86.disas.Disassembler;
import dev.jemu.core.x86.disas.InAsmFormat;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Execution logging, QEMU's {@code -d in_asm}, {@code -d exec} and {@code -d cpu}: while any
 * of them is on, {@link Cpu#run} (one log-scope read per call) hands its loop to {@link #run}, which interprets (no
 * translated code) and cuts the instruction stream into blocks as the translator would
 * ({@link BlockTranslator#continues}, at most {@link BlockTranslator#MAX_INSNS} instructions,
 * one page). At each block entry it writes the block's disassembly the first time that block
 * (linear address and decode mode) is seen with its current bytes ({@code in_asm}), a
 * {@code Trace} line ({@code exec}) and the register dump ({@code cpu}), in QEMU 7.2's
 * layout. The Trace line
 * holds the CPU index, CS base and PC; QEMU's host code pointer, hflags and cflags belong to
 * TCG and are left out. The dump leaves out QEMU's {@code CCS/CCD/CCO} line (TCG's lazy-flag
 * state).
 *
 * <p>Threading: used only by its vCPU thread.
 */
final class ExecLog {
    private static final String SEPARATOR = "----------------";
    private static final String[] SEG_NAMES = {"ES =", "CS =", "SS =", "DS =", "FS =", "GS ="};

    private final Cpu c;
    private final HostDebug mem;
    /** Per listed block (linear address and decode mode): a hash of the bytes it was listed with. */
    private final Map<Long, Integer> listed = new HashMap<>();
    private final byte[] code = new byte[BlockTranslator.MAX_INSNS * Disassembler.MAX_LENGTH];
    /** The start RIPs of the current block's instructions, and how many are left to run. */
    private final long[] starts = new long[BlockTranslator.MAX_INSNS];
    private int count;
    private int next;
    /** The current block's length in bytes (0 if its first instruction did not decode). */
    private int length;

    ExecLog(Cpu c) {
        this.c = c;
        this.mem = new HostDebug(c);
    }

    /** The categories that make {@link Cpu#run} log through this class, as a {@link Log#enabledMask()} mask. */
    static final int CATEGORIES = LogCategory.IN_ASM.bit() | LogCategory.EXEC.bit() | LogCategory.CPU.bit();

    /** {@link Cpu#run} with logging: interprets {@code budget} instructions, logging each block entered. */
    Cpu.StopReason run(long budget) {
        next = count = 0;
        for (long n = 0; n < budget; n++) {
            Cpu.StopReason r = c.poll();
            if (r != null) {
                return r;
            }
            if (next >= count || starts[next] != c.rip) {
                enter();
            }
            next++;
            c.step();
            if (c.tripleFault) {
                return Cpu.StopReason.TRIPLE_FAULT;
            }
        }
        return Cpu.StopReason.BUDGET;
    }

    /** A block starts at RIP: finds its instructions and writes what is enabled. */
    private void enter() {
        long rip = c.rip;
        long csBase = c.segBase[Cpu.CS];
        count = decodeBlock(rip);
        next = 0;
        long pc = (csBase + rip) & c.linearMask;
        if (Log.enabled(LogCategory.IN_ASM)) {
            String listing = inAsm(pc);
            if (listing != null) {
                Log.log(LogCategory.IN_ASM, listing);
            }
        }
        if (Log.enabled(LogCategory.EXEC)) {
            Log.log(LogCategory.EXEC, String.format("Trace 0: [%016x/%016x] ", csBase, pc));
        }
        if (Log.enabled(LogCategory.CPU)) {
            Log.log(LogCategory.CPU, cpuState());
        }
    }

    /** Decodes the block at {@code rip} as the translator cuts blocks; returns its instruction count (at least 1). */
    private int decodeBlock(long rip) {
        Insn i = new Insn();
        int n = 0;
        length = 0;
        long saved = c.rip;
        c.translating = true;
        try {
            long r = rip;
            while (n < starts.length) {
                c.rip = r;
                try {
                    Decoder.decode(c, i);
                } catch (CpuFault f) {
                    break;
                }
                starts[n++] = r;
                r += i.length;
                length = (int) (r - rip);
                if (!BlockTranslator.continues(i) || ((r ^ rip) & ~0xFFFL) != 0) {
                    break;
                }
            }
        } finally {
            c.rip = saved;
            c.translating = false;
        }
        if (n == 0) {
            starts[n++] = rip;
        }
        return n;
    }

    /**
     * The {@code -d in_asm} text of the current block, whose first instruction is at linear
     * {@code pc}; null if it was listed before with the same bytes (a block is listed again
     * once its code has been rewritten, as QEMU lists the new translation).
     */
    private String inAsm(long pc) {
        int bits = c.code64 ? 64 : c.defaultSize == 4 ? 32 : 16;
        long end = starts[count - 1] + Disassembler.MAX_LENGTH;
        int len = (int) Math.min(code.length, end - starts[0]);
        while (len > 0 && !mem.read(pc, code, 0, len)) {
            len--;
        }
        Integer bytes = Arrays.hashCode(Arrays.copyOf(code, Math.min(len, length)));
        if (bytes.equals(listed.put(pc ^ (long) c.decodeMode << 56, bytes))) {
            return null;
        }
        StringBuilder sb = new StringBuilder(SEPARATOR).append("\nIN: \n");
        int off = 0;
        int last = (int) (starts[count - 1] - starts[0]);
        while (off <= last && off < len) {
            Disassembler.Insn d = Disassembler.disassemble(code, off, len - off, pc + off, bits);
            int n = d == null ? 1 : d.length();
            InAsmFormat.line(sb, pc + off, code, off, n, d == null ? ".byte" : d.mnemonic(),
                    d == null ? String.format("0x%02x", code[off] & 0xFF) : d.operands());
            off += n;
        }
        return sb.toString();
    }

    /** The register dump of {@code -d cpu}, in QEMU's layout (64-bit form in long mode). */
    String cpuState() {
        boolean lma = (c.efer & Cpu.EFER_LMA) != 0;
        StringBuilder sb = new StringBuilder();
        int fl = c.eflags();
        String flags = "[" + bit(fl, Eflags.DF, 'D') + bit(fl, Eflags.OF, 'O') + bit(fl, Eflags.SF, 'S')
                + bit(fl, Eflags.ZF, 'Z') + bit(fl, Eflags.AF, 'A') + bit(fl, Eflags.PF, 'P') + bit(fl, Eflags.CF, 'C') + "]";
        String status = String.format(" CPL=%d II=%d A20=%d SMM=0 HLT=%d\n", c.cpl,
                c.icount == c.inhibitInterruptsAt ? 1 : 0, (c.linearMask >> 20 & 1), c.halted ? 1 : 0);
        if (lma) {
            String[] names = {"RAX", "RBX", "RCX", "RDX", "RSI", "RDI", "RBP", "RSP",
                "R8 ", "R9 ", "R10", "R11", "R12", "R13", "R14", "R15"};
            int[] order = {0, 3, 1, 2, 6, 7, 5, 4, 8, 9, 10, 11, 12, 13, 14, 15};
            for (int k = 0; k < 16; k++) {
                sb.append(names[k]).append('=').append(String.format("%016x", c.regs[order[k]]))
                        .append(k % 4 == 3 ? '\n' : ' ');
            }
            sb.append(String.format("RIP=%016x RFL=%08x ", c.rip, fl)).append(flags).append(status);
        } else {
            String[] names = {"EAX", "EBX", "ECX", "EDX", "ESI", "EDI", "EBP", "ESP"};
            int[] order = {0, 3, 1, 2, 6, 7, 5, 4};
            for (int k = 0; k < 8; k++) {
                sb.append(names[k]).append('=').append(String.format("%08x", c.regs[order[k]] & 0xFFFF_FFFFL))
                        .append(k % 4 == 3 ? '\n' : ' ');
            }
            sb.append(String.format("EIP=%08x EFL=%08x ", c.rip & 0xFFFF_FFFFL, fl)).append(flags).append(status);
        }
        int[] segOrder = {Cpu.ES, Cpu.CS, Cpu.SS, 3, 4, 5};
        for (int s : segOrder) {
            segment(sb, SEG_NAMES[s], c.segs[s], lma);
        }
        segment(sb, "LDT=", c.ldtr, lma);
        segment(sb, "TR =", c.tr, lma);
        String w = lma ? "%016x" : "%08x";
        sb.append(String.format("GDT=     " + w + " %08x\n", c.gdtBase, c.gdtLimit));
        sb.append(String.format("IDT=     " + w + " %08x\n", c.idtBase, c.idtLimit));
        sb.append(String.format("CR0=%08x CR2=" + w + " CR3=" + w + " CR4=%08x\n", c.cr0, c.cr2, c.cr3, c.cr4));
        for (int k = 0; k < 4; k++) {
            sb.append(String.format("DR%d=%016x ", k, c.dr[k]));
        }
        sb.append(String.format("\nDR6=%016x DR7=%016x\n", c.dr[6], c.dr[7]));
        sb.append(String.format("EFER=%016x", c.efer));
        return sb.toString();
    }

    private static char bit(int flags, int mask, char name) {
        return (flags & mask) != 0 ? name : '-';
    }

    /** One segment line: selector, base, limit, descriptor flags, and in protected mode its description. */
    private void segment(StringBuilder sb, String name, Segment s, boolean lma) {
        long rawLimit = (s.attr & Segment.ATTR_G) != 0 ? s.limit >>> 12 : s.limit;
        long flags = (long) s.attr << 8 | (rawLimit & 0xF0000);
        sb.append(name).append(String.format("%04x " + (lma ? "%016x" : "%08x") + " %08x %08x",
                s.selector, s.base, s.limit & 0xFFFF_FFFFL, flags));
        if ((c.cr0 & Cpu.CR0_PE) != 0 && (c.eflagsRest & Eflags.VM) == 0) {
            sb.append(" DPL=").append(s.dpl()).append(' ');
            int type = s.attr & 0xF;
            if ((s.attr & Segment.ATTR_S) != 0) {
                if ((type & Segment.TYPE_CODE) != 0) {
                    sb.append((s.attr & Segment.ATTR_L) != 0 ? "CS64" : (s.attr & Segment.ATTR_DB) != 0 ? "CS32" : "CS16")
                            .append(" [").append((type & Segment.TYPE_CONFORMING) != 0 ? 'C' : '-');
                    sb.append((type & Segment.TYPE_READABLE) != 0 ? 'R' : '-');
                } else {
                    sb.append((s.attr & Segment.ATTR_DB) != 0 ? "DS  " : "DS16")
                            .append(" [").append((type & Segment.TYPE_EXPAND_DOWN) != 0 ? 'E' : '-');
                    sb.append((type & Segment.TYPE_WRITABLE) != 0 ? 'W' : '-');
                }
                sb.append((type & Segment.TYPE_ACCESSED) != 0 ? 'A' : '-').append(']');
            } else {
                String size = lma ? "64" : (type & 8) != 0 ? "32" : "16";
                sb.append(switch (type) {
                    case 2 -> "LDT";
                    case 1, 9 -> "TSS" + size + "-avl";
                    case 3, 11 -> "TSS" + size + "-busy";
                    default -> String.format(Locale.ROOT, "type=%x", type);
                });
            }
        }
        sb.append('\n');
    }
}
