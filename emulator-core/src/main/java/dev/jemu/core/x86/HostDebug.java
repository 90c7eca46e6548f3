package dev.jemu.core.x86;

import dev.jemu.core.memory.FlatRange;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What a host debugger (the gdb stub) sees of one CPU: the register file in the order and
 * the widths of QEMU 7.2's x86-64 target description (which {@code qemu-system-x86_64} sends
 * in every mode), outside 64-bit code with QEMU's view of it (the eight legacy general
 * registers and RIP cut to 32 bits, R8-R15 reading as zero and ignoring writes), guest
 * memory through the current paging, breakpoints and
 * watchpoints that stop the machine instead of raising guest exceptions, and single steps.
 * A hit makes {@link Cpu#run} return {@link Cpu.StopReason#DEBUG}.
 *
 * <p>Threading: the vCPU's thread only, while the CPU is not running (the machine loop runs
 * a debugger's requests between slices or while paused).
 */
public final class HostDebug {
    /**
     * What one entry of the register file is: gdb's name, width and type, the
     * target-description feature it belongs to, and its register group ({@code float},
     * {@code vector}) or null for the general one.
     */
    public record Register(String name, int bits, String type, String feature, String group) {
        Register(String name, int bits, String type, String feature) {
            this(name, bits, type, feature, null);
        }

        /** The width in bytes. */
        public int bytes() {
            return bits / 8;
        }
    }

    /** The feature every register belongs to, as in QEMU's description. */
    public static final String CORE = "org.gnu.gdb.i386.core";

    /** Watchpoint kinds (bit 0 write, bit 1 read). */
    public static final int WATCH_WRITE = 1;
    public static final int WATCH_READ = 2;
    public static final int WATCH_ACCESS = 3;

    /** The register file, in the order its values are sent to the debugger. */
    public static final List<Register> REGISTERS;

    private static final String[] GPR_NAMES = {"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
        "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"};
    /** Architectural register number of each of {@link #GPR_NAMES}. */
    private static final int[] GPR_INDEX = {0, 3, 1, 2, 6, 7, 5, 4, 8, 9, 10, 11, 12, 13, 14, 15};
    private static final String[] SEG_NAMES = {"cs", "ss", "ds", "es", "fs", "gs"};
    private static final int[] SEG_INDEX = {Cpu.CS, Cpu.SS, Cpu.DS, Cpu.ES, Cpu.FS, Cpu.GS};
    private static final String[] FPU_CONTROL = {"fctrl", "fstat", "ftag", "fiseg", "fioff", "foseg", "fooff", "fop"};
    private static final String[] SYSTEM_NAMES = {"cr0", "cr2", "cr3", "cr4", "cr8", "efer"};
    private static final String[] SYSTEM_TYPES = {"x64_cr0", "int64", "x64_cr3", "x64_cr4", "int64", "x64_efer"};

    private static final int RIP = 16;
    private static final int EFLAGS = 17;
    private static final int FIRST_SEG = 18;
    private static final int FS_BASE = 24;
    private static final int GS_BASE = 25;
    private static final int K_GS_BASE = 26;
    private static final int FIRST_SYSTEM = 27;
    private static final int FIRST_ST = 33;
    private static final int FIRST_FPU_CONTROL = 41;
    private static final int FIRST_XMM = 49;
    private static final int MXCSR = 65;

    static {
        List<Register> r = new ArrayList<>();
        for (String n : GPR_NAMES) {
            r.add(new Register(n, 64, n.equals("rbp") || n.equals("rsp") ? "data_ptr" : "int64", CORE));
        }
        r.add(new Register("rip", 64, "code_ptr", CORE));
        r.add(new Register("eflags", 32, "x64_eflags", CORE));
        for (String n : SEG_NAMES) {
            r.add(new Register(n, 32, "int32", CORE));
        }
        for (String n : List.of("fs_base", "gs_base", "k_gs_base")) {
            r.add(new Register(n, 64, "int64", CORE));
        }
        for (int k = 0; k < SYSTEM_NAMES.length; k++) {
            r.add(new Register(SYSTEM_NAMES[k], 64, SYSTEM_TYPES[k], CORE));
        }
        for (int k = 0; k < 8; k++) {
            r.add(new Register("st" + k, 80, "i387_ext", CORE));
        }
        for (String n : FPU_CONTROL) {
            r.add(new Register(n, 32, "int", CORE, "float"));
        }
        for (int k = 0; k < 16; k++) {
            r.add(new Register("xmm" + k, 128, "vec128", CORE));
        }
        r.add(new Register("mxcsr", 32, "x64_mxcsr", CORE, "vector"));
        REGISTERS = Collections.unmodifiableList(r);
    }

    private final Cpu c;

    /** The debugger's view of {@code cpu}. */
    public HostDebug(Cpu cpu) {
        this.c = cpu;
    }

    // ------------------------------------------------------------------ registers

    /** Register {@code n} of {@link #REGISTERS}, little-endian. */
    public byte[] readRegister(int n) {
        Register r = REGISTERS.get(n);
        byte[] out = new byte[r.bytes()];
        if (n >= FIRST_ST && n < FIRST_ST + 8) {
            int p = X87Ops.phys(c.fpu, n - FIRST_ST);
            put(out, 0, c.fpu.st[2 * p], 8);
            put(out, 8, c.fpu.st[2 * p + 1], 2);
        } else if (n >= FIRST_XMM && n < FIRST_XMM + 16) {
            int x = n - FIRST_XMM;
            put(out, 0, c.fpu.xmm[2 * x], 8);
            put(out, 8, c.fpu.xmm[2 * x + 1], 8);
        } else {
            put(out, 0, scalar(n), out.length);
        }
        return out;
    }

    /** Every register of {@link #REGISTERS}, concatenated. */
    public byte[] readRegisters() {
        int size = 0;
        for (Register r : REGISTERS) {
            size += r.bytes();
        }
        byte[] out = new byte[size];
        int at = 0;
        for (int n = 0; n < REGISTERS.size(); n++) {
            byte[] v = readRegister(n);
            System.arraycopy(v, 0, out, at, v.length);
            at += v.length;
        }
        return out;
    }

    /**
     * Writes register {@code n} from {@code value} (little-endian, the register's width).
     * Segment selectors, control registers and EFER can only be written with the value they
     * hold (gdb writes every register back); returns false for a change it cannot make.
     */
    public boolean writeRegister(int n, byte[] value) {
        long v = get(value, 0, Math.min(8, value.length));
        if (n < 16) {
            if (c.code64) {
                c.regs[GPR_INDEX[n]] = v;
            } else if (n < 8) {
                c.regs[GPR_INDEX[n]] = v & 0xFFFF_FFFFL;
            }
        } else if (n == RIP) {
            c.rip = c.code64 ? v : v & 0xFFFF_FFFFL;
            c.invalidateFetchWindow();
        } else if (n == EFLAGS) {
            int old = c.eflags();
            if (((old ^ (int) v) & Eflags.VM) != 0) {
                return false;
            }
            c.setRflags(v);
        } else if (n < FS_BASE) {
            return c.segs[SEG_INDEX[n - FIRST_SEG]].selector == (int) (v & 0xFFFF);
        } else if (n == FS_BASE || n == GS_BASE) {
            int seg = n == FS_BASE ? Cpu.FS : Cpu.GS;
            c.segs[seg].base = v;
            c.refreshSegment(seg);
        } else if (n == K_GS_BASE) {
            c.msrs.kernelGsBase = v;
        } else if (n < FIRST_ST) {
            return scalar(n) == v;
        } else if (n < FIRST_FPU_CONTROL) {
            int p = X87Ops.phys(c.fpu, n - FIRST_ST);
            c.fpu.st[2 * p] = v;
            c.fpu.st[2 * p + 1] = get(value, 8, 2);
        } else if (n < FIRST_XMM) {
            return writeFpuControl(n - FIRST_FPU_CONTROL, (int) v);
        } else if (n < MXCSR) {
            int x = n - FIRST_XMM;
            c.fpu.xmm[2 * x] = v;
            c.fpu.xmm[2 * x + 1] = get(value, 8, 8);
        } else {
            c.fpu.mxcsr = (int) v & X87Control.MXCSR_MASK;
        }
        return true;
    }

    private boolean writeFpuControl(int k, int v) {
        X87Control f = c.fpu;
        switch (k) {
            case 0 -> f.fcw = v & 0xFFFF;
            case 1 -> f.fsw = v & 0xFFFF;
            case 2 -> {
                int abridged = 0;
                for (int p = 0; p < 8; p++) {
                    if (((v >> (2 * p)) & 3) != 3) {
                        abridged |= 1 << p;
                    }
                }
                f.ftwAbridged = abridged;
            }
            case 4 -> f.fip = (f.fip & ~0xFFFF_FFFFL) | (v & 0xFFFF_FFFFL);
            case 6 -> f.fdp = (f.fdp & ~0xFFFF_FFFFL) | (v & 0xFFFF_FFFFL);
            case 7 -> f.fop = v & 0x7FF;
            default -> {
                return v == 0;
            }
        }
        f.updateErrorSummary();
        return true;
    }

    private long scalar(int n) {
        if (n < 16) {
            return c.code64 ? c.regs[GPR_INDEX[n]] : n < 8 ? c.regs[GPR_INDEX[n]] & 0xFFFF_FFFFL : 0;
        }
        if (n < FS_BASE) {
            return n == RIP ? (c.code64 ? c.rip : c.rip & 0xFFFF_FFFFL)
                    : n == EFLAGS ? c.eflags() : c.segs[SEG_INDEX[n - FIRST_SEG]].selector;
        }
        if (n >= FIRST_FPU_CONTROL && n < FIRST_XMM) {
            X87Control f = c.fpu;
            return switch (n - FIRST_FPU_CONTROL) {
                case 0 -> f.fcw;
                case 1 -> f.fsw;
                case 2 -> X87Env.fullTag(f);
                case 4 -> f.fip & 0xFFFF_FFFFL;
                case 6 -> f.fdp & 0xFFFF_FFFFL;
                case 7 -> f.fop;
                default -> 0;
            };
        }
        return switch (n) {
            case MXCSR -> c.fpu.mxcsr;
            case FS_BASE -> c.segs[Cpu.FS].base;
            case GS_BASE -> c.segs[Cpu.GS].base;
            case K_GS_BASE -> c.msrs.kernelGsBase;
            default -> systemRegister(n - FIRST_SYSTEM);
        };
    }

    private long systemRegister(int k) {
        return switch (k) {
            case 0 -> c.cr0;
            case 1 -> c.cr2;
            case 2 -> c.cr3;
            case 3 -> c.cr4;
            case 4 -> c.cr8;
            default -> c.efer;
        };
    }

    private static void put(byte[] b, int at, long v, int len) {
        for (int k = 0; k < len; k++) {
            b[at + k] = (byte) (v >>> (8 * k));
        }
    }

    private static long get(byte[] b, int at, int len) {
        long v = 0;
        for (int k = 0; k < len && at + k < b.length; k++) {
            v |= (b[at + k] & 0xFFL) << (8 * k);
        }
        return v;
    }

    /** Sets RIP: execution continues at {@code rip} (gdb's {@code c ADDR}, {@code jump}). */
    public void setPc(long rip) {
        c.setRip(rip);
        c.invalidateFetchWindow();
    }

    // ------------------------------------------------------------------ memory

    /**
     * The physical address of linear address {@code lin} under the current paging, or -1 if
     * unmapped. As in QEMU's gdb stub, an address above 4 GiB is not cut to 32 bits when
     * paging is off.
     */
    public long translate(long lin) {
        return DebugPageWalk.physical(c.mmu.memory(), c.cr0, c.cr3, c.cr4, c.efer, lin);
    }

    /**
     * Reads {@code len} bytes at linear address {@code lin} through the current paging into
     * {@code buf}; false (and nothing defined read) if some page is not mapped or some byte is
     * at a physical address nothing (RAM, ROM or a device) answers, as QEMU's stub fails then.
     */
    public boolean read(long lin, byte[] buf, int off, int len) {
        return access(lin, buf, off, len, false);
    }

    /** Writes {@code len} bytes at linear address {@code lin} through the current paging; false as {@link #read} fails. */
    public boolean write(long lin, byte[] buf, int off, int len) {
        return access(lin, buf, off, len, true);
    }

    private boolean access(long lin, byte[] buf, int off, int len, boolean write) {
        for (int done = 0; done < len; ) {
            long a = lin + done;
            long phys = translate(a);
            FlatRange range = phys < 0 ? null : c.mmu.memory().flatView().find(phys);
            if (range == null) {
                return false;
            }
            int n = (int) Math.min(Math.min(len - done, 4096 - (a & 0xFFF)), range.end() - phys);
            if (write) {
                c.mmu.memory().writeBytes(phys, buf, off + done, n);
            } else {
                c.mmu.memory().readBytes(phys, buf, off + done, n);
            }
            done += n;
        }
        if (write) {
            c.mmu.flush();
        }
        return true;
    }

    // ------------------------------------------------------------------ breakpoints and steps

    /** Sets or removes a breakpoint at linear address {@code lin}; false if there was none to remove. */
    public boolean setBreakpoint(long lin, boolean on) {
        return c.debug.setHostBreakpoint(lin & c.linearMask, on);
    }

    /**
     * Sets or removes a watchpoint of {@code len} bytes at linear address {@code lin} for
     * {@code kind} ({@link #WATCH_WRITE}, {@link #WATCH_READ}, {@link #WATCH_ACCESS}); false if
     * there was none to remove.
     */
    public boolean setWatchpoint(long lin, int len, int kind, boolean on) {
        return c.debug.setHostWatchpoint(lin & c.linearMask, len, kind, on);
    }

    /** Removes every breakpoint and watchpoint (the debugger detached or reconnected). */
    public void clear() {
        c.debug.clearHost();
    }

    /**
     * Executes one instruction (delivering the exception it raises, but no interrupt, as
     * QEMU's gdb stub steps by default); a halted CPU stays halted. Breakpoints do not stop
     * the step; a watchpoint it hits is reported by {@link #watchpointHit()}.
     */
    public void step() {
        if (c.halted) {
            return;
        }
        c.debug.hostStepping = true;
        try {
            c.step();
        } finally {
            c.debug.hostStepping = false;
        }
        c.clearHostStop();
    }

    /**
     * The watchpoint the last instruction hit, as {@code {kind, address}}, or null if the
     * stop was not a watchpoint's.
     */
    public long[] watchpointHit() {
        int k = c.debug.hostWatchHit;
        return k < 0 ? null : new long[] {c.debug.hostWatchKind(k), c.debug.hostWatchAddress(k)};
    }

    /** Forgets the last watchpoint hit: the debugger resumes the CPU. */
    public void resuming() {
        c.debug.hostWatchHit = -1;
    }
}
