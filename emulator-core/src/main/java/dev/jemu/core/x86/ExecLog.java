package dev.jemu.core.x86;

import dev.jemu.core.log.Log;
import dev.jemu.core.log.LogCategory;
import dev.jemu.core.x86.disas.Disassembler;
import dev.jemu.core.x86.disas.InAsmFormat;

import java.util.Arrays;
import java.util.HashMap;
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
            Log.log(LogCategory.CPU, CpuStateDump.of(c, false));
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
        int bits = CpuStateDump.codeBits(c);
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
}
