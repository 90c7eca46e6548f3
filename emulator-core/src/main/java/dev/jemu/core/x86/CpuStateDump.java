package dev.jemu.core.x86;

import java.util.Locale;

/**
 * The register dump in QEMU 7.2's layout ({@code cpu_dump_state}), shared by {@code -d cpu}
 * and the monitor's {@code info registers}: general registers (64-bit form in long mode),
 * flags, segments with their descriptor flags (and in protected mode a description), LDT, TR,
 * GDT, IDT, control and debug registers, EFER; for the monitor also the x87 and SSE state.
 * QEMU's {@code CCS/CCD/CCO} line (TCG's lazy-flag state) has no counterpart here.
 *
 * <p>Threading: reads the CPU's state as it is: the vCPU thread, or any thread while the vCPU
 * is stopped.
 */
public final class CpuStateDump {
    private static final String[] SEG_NAMES = {"ES =", "CS =", "SS =", "DS =", "FS =", "GS ="};

    private CpuStateDump() {
    }

    /** The operand size of {@code c}'s current code segment, 16, 32 or 64: how to disassemble at its RIP. */
    public static int codeBits(Cpu c) {
        return c.code64 ? 64 : c.defaultSize == 4 ? 32 : 16;
    }

    /**
     * The dump of {@code c}'s registers, lines ending in LF and no LF after the last: with
     * {@code fpu} false that of {@code -d cpu} (ending at EFER), with {@code fpu} true that of
     * the monitor's {@code info registers} (the x87, MXCSR and XMM lines follow).
     */
    public static String of(Cpu c, boolean fpu) {
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
            segment(sb, c, SEG_NAMES[s], c.segs[s], lma);
        }
        segment(sb, c, "LDT=", c.ldtr, lma);
        segment(sb, c, "TR =", c.tr, lma);
        String w = lma ? "%016x" : "%08x";
        sb.append(String.format("GDT=     " + w + " %08x\n", c.gdtBase, c.gdtLimit));
        sb.append(String.format("IDT=     " + w + " %08x\n", c.idtBase, c.idtLimit));
        sb.append(String.format("CR0=%08x CR2=" + w + " CR3=" + w + " CR4=%08x\n", c.cr0, c.cr2, c.cr3, c.cr4));
        for (int k = 0; k < 4; k++) {
            sb.append(String.format("DR%d=%016x ", k, c.dr[k]));
        }
        sb.append(String.format("\nDR6=%016x DR7=%016x\n", c.dr[6], c.dr[7]));
        sb.append(String.format("EFER=%016x", c.efer));
        if (fpu) {
            fpu(sb, c.fpu, c.code64);
        }
        return sb.toString();
    }

    private static char bit(int flags, int mask, char name) {
        return (flags & mask) != 0 ? name : '-';
    }

    /** One segment line: selector, base, limit, descriptor flags, and in protected mode its description. */
    private static void segment(StringBuilder sb, Cpu c, String name, Segment s, boolean lma) {
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

    /**
     * The x87 lines: control and status word (TOP in bits 11-13 of FSW, and on its own), the
     * abridged tag word (1 = register not empty), MXCSR; the eight physical registers as
     * significand and sign-exponent; then XMM0-XMM7, or XMM0-XMM15 in 64-bit code, high half
     * first.
     */
    private static void fpu(StringBuilder sb, X87Control f, boolean code64) {
        int top = f.fsw >> 11 & 7;
        sb.append(String.format("\nFCW=%04x FSW=%04x [ST=%d] FTW=%02x MXCSR=%08x\n", f.fcw, f.fsw, top,
                f.ftwAbridged & 0xFF, f.mxcsr));
        for (int r = 0; r < 8; r++) {
            sb.append(String.format("FPR%d=%016x %04x", r, f.st[2 * r], f.st[2 * r + 1] & 0xFFFF)).append(r % 2 == 1 ? '\n' : ' ');
        }
        int n = code64 ? 16 : 8;
        for (int r = 0; r < n; r++) {
            sb.append(String.format("XMM%02d=%016x %016x", r, f.xmm[2 * r + 1], f.xmm[2 * r])).append(r % 2 == 1 ? '\n' : ' ');
        }
        sb.setLength(sb.length() - 1);
    }
}
