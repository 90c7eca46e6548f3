package dev.jemu.core.x86;

import java.util.Arrays;

/**
 * The debug registers and the debug exceptions they raise (Intel SDM vol. 3B ch. 18):
 * DR0-DR3 instruction, data-write, data-read/write and (with CR4.DE) I/O breakpoints enabled
 * by DR7's L/G bits, DR6's status bits (B0-B3, BS) and fixed bits, DR4/DR5 as aliases of
 * DR6/DR7 while CR4.DE is clear, general detect (DR7.GD), single-step traps (none after a
 * software interrupt, whose handler starts with TF clear; after SYSCALL and SYSRET only if
 * TF is set at their end), and the delay of a #DB raised by MOV SS or POP SS until the
 * instruction after it has run.
 *
 * <p>Nothing here runs per instruction unless {@link #armed}: the interpreter takes its
 * debug path only then or while EFLAGS.TF or RF is set. Data breakpoints cost nothing on
 * the TLB fast path: {@link Mmu} keeps pages holding one out of its TLB and reports their
 * accesses through {@link #dataAccess}.
 *
 * <p>Threading: the vCPU's thread only.
 */
final class DebugRegisters {
    /** DR6 bits that read as one; bits 12 and 16 (RTM) read as zero as no RTM is advertised. */
    static final long DR6_FIXED1 = 0xFFFF_0FF0L;
    /** DR6 bits software can change: B0-B3, BD, BS, BT. */
    static final long DR6_WRITABLE = 0xE00F;
    static final long DR6_BD = 0x2000;
    static final long DR6_BS = 0x4000;
    /** DR7 bit 10 reads as one. */
    static final long DR7_FIXED1 = 0x400;
    /** DR7 bits software can change: L0-G3, LE, GE, GD, R/W0-LEN3. */
    static final long DR7_WRITABLE = 0xFFFF_23FFL;
    static final long DR7_GD = 0x2000;

    private static final int RW_EXECUTE = 0;
    private static final int RW_WRITE = 1;
    private static final int RW_IO = 2;
    private static final int RW_READ_WRITE = 3;

    private final Cpu c;
    /** Any breakpoint enabled in DR7, or a #DB held back by MOV SS: the interpreter checks. */
    boolean armed;
    /** Any data breakpoint enabled: {@link Mmu} checks its slow-path accesses. */
    boolean watching;
    /** Any I/O breakpoint enabled: port I/O instructions report their accesses. */
    boolean watchingIo;
    /** B0-B3 of the data and I/O breakpoints the current instruction has hit. */
    int dataHits;
    /** The current instruction was a software interrupt: no single-step trap after it. */
    boolean noSingleStep;
    /** The current instruction was SYSCALL or SYSRET: single-step follows TF as it left it. */
    boolean singleStepAtEnd;
    /** The interpreter runs the current instruction on its debug path (and calls {@link #afterInstruction}). */
    boolean onDebugPath;
    /** The instruction count at which a MOV SS / POP SS shadow holds #DB back. */
    private long shadowAt = -1;
    /** DR6 bits of a #DB held back by MOV SS / POP SS. */
    private long deferred;
    /** Instruction breakpoints of a host debugger (linear addresses); the guest never sees them. */
    private long[] hostBreaks = new long[0];
    /** Watchpoints of a host debugger: linear address, length, and kind (bit 0 write, bit 1 read). */
    private long[] hostWatchAddr = new long[0];
    private int[] hostWatchLen = new int[0];
    private int[] hostWatchKind = new int[0];
    /** The host watchpoint the current instruction hit (its index), or -1. */
    int hostWatchHit = -1;
    /** While a host debugger single-steps: its breakpoints do not stop the instruction it steps. */
    boolean hostStepping;

    DebugRegisters(Cpu c) {
        this.c = c;
    }

    void reset() {
        Arrays.fill(c.dr, 0);
        c.dr[6] = DR6_FIXED1;
        c.dr[7] = DR7_FIXED1;
        dataHits = 0;
        shadowAt = -1;
        deferred = 0;
        recompute();
    }

    /** MOV from DR{@code n}. */
    long read(int n) {
        generalDetect();
        return c.dr[index(n)];
    }

    /** MOV to DR{@code n}: fixed bits of DR6/DR7 kept, #GP(0) for bits 63:32 of DR6/DR7 set. */
    void write(int n, long v) {
        generalDetect();
        int r = index(n);
        if (r < 4) {
            c.dr[r] = c.longMode() ? v : v & 0xFFFF_FFFFL;
        } else {
            if ((v >>> 32) != 0) {
                throw c.gp(0);
            }
            c.dr[r] = r == 6 ? (v & DR6_WRITABLE) | DR6_FIXED1 : (v & DR7_WRITABLE) | DR7_FIXED1;
        }
        if (r != 6) {
            boolean wasWatching = watching;
            recompute();
            if (wasWatching || watching) {
                c.mmu.flush();
            }
        }
    }

    /**
     * With DR7.GD set, a MOV DR raises a fault-class #DB instead of running: BD is set in DR6
     * and GD cleared, so that the handler can use the debug registers.
     */
    private void generalDetect() {
        if ((c.dr[7] & DR7_GD) != 0) {
            c.dr[7] &= ~DR7_GD;
            c.dr[6] = (c.dr[6] & ~0xFL) | DR6_BD;
            throw c.fault(Vectors.DB);
        }
    }

    /** DR4/DR5 are DR6/DR7 unless CR4.DE is set (then #UD); DR8-DR15 do not exist. */
    private int index(int n) {
        if (n > 7 || ((n == 4 || n == 5) && (c.cr4 & Cpu.CR4_DE) != 0)) {
            throw c.ud();
        }
        return n == 4 ? 6 : n == 5 ? 7 : n;
    }

    private void recompute() {
        long dr7 = c.dr[7];
        boolean any = false;
        boolean data = false;
        boolean io = false;
        for (int n = 0; n < 4; n++) {
            if (enabled(dr7, n)) {
                any = true;
                int rw = rw(dr7, n);
                data |= rw == RW_WRITE || rw == RW_READ_WRITE;
                io |= rw == RW_IO;
            }
        }
        watching = data || hostWatchAddr.length > 0;
        watchingIo = io;
        armed = any || deferred != 0 || hostBreaks.length > 0 || hostWatchAddr.length > 0;
    }

    // ------------------------------------------------------------------ host debugger

    /** Whether a host debugger's breakpoint is set at {@code lin} (and it is not single-stepping). */
    boolean hostBreakpoint(long lin) {
        if (hostStepping) {
            return false;
        }
        for (long b : hostBreaks) {
            if (b == lin) {
                return true;
            }
        }
        return false;
    }

    /** Sets ({@code on}) or removes a host breakpoint at {@code lin}; false if there was nothing to remove. */
    boolean setHostBreakpoint(long lin, boolean on) {
        int at = indexOf(hostBreaks, lin);
        if (on == (at >= 0)) {
            return on;
        }
        hostBreaks = on ? append(hostBreaks, lin) : remove(hostBreaks, at);
        recompute();
        return true;
    }

    /**
     * Sets ({@code on}) or removes a host watchpoint of {@code len} bytes at {@code lin};
     * {@code kind} bit 0 watches writes, bit 1 reads. False if there was nothing to remove.
     */
    boolean setHostWatchpoint(long lin, int len, int kind, boolean on) {
        int at = -1;
        for (int k = 0; k < hostWatchAddr.length; k++) {
            if (hostWatchAddr[k] == lin && hostWatchLen[k] == len && hostWatchKind[k] == kind) {
                at = k;
            }
        }
        if (on == (at >= 0)) {
            return on;
        }
        if (on) {
            hostWatchAddr = append(hostWatchAddr, lin);
            hostWatchLen = Arrays.copyOf(hostWatchLen, hostWatchLen.length + 1);
            hostWatchLen[hostWatchLen.length - 1] = len;
            hostWatchKind = Arrays.copyOf(hostWatchKind, hostWatchKind.length + 1);
            hostWatchKind[hostWatchKind.length - 1] = kind;
        } else {
            hostWatchAddr = remove(hostWatchAddr, at);
            hostWatchLen = removeInt(hostWatchLen, at);
            hostWatchKind = removeInt(hostWatchKind, at);
        }
        recompute();
        c.mmu.flush();
        return true;
    }

    /** The address of host watchpoint {@code k}. */
    long hostWatchAddress(int k) {
        return hostWatchAddr[k];
    }

    /** Kind bits (1 write, 2 read) of host watchpoint {@code k}. */
    int hostWatchKind(int k) {
        return hostWatchKind[k];
    }

    /** Removes every host breakpoint and watchpoint (the debugger detached). */
    void clearHost() {
        hostBreaks = new long[0];
        hostWatchAddr = new long[0];
        hostWatchLen = new int[0];
        hostWatchKind = new int[0];
        hostWatchHit = -1;
        recompute();
        c.mmu.flush();
    }

    private void hostDataAccess(long lin, int size, boolean write) {
        int want = write ? 1 : 2;
        for (int k = 0; k < hostWatchAddr.length; k++) {
            long a = hostWatchAddr[k];
            if ((hostWatchKind[k] & want) != 0 && Long.compareUnsigned(lin, a + hostWatchLen[k] - 1) <= 0
                    && Long.compareUnsigned(a, lin + size - 1) <= 0) {
                hostWatchHit = k;
            }
        }
    }

    private boolean hostWatchesPage(long page, boolean write) {
        int want = write ? 1 : 2;
        for (int k = 0; k < hostWatchAddr.length; k++) {
            long a = hostWatchAddr[k];
            if ((hostWatchKind[k] & want) != 0 && (a & ~0xFFFL) <= page && page <= ((a + hostWatchLen[k] - 1) & ~0xFFFL)) {
                return true;
            }
        }
        return false;
    }

    private static int indexOf(long[] a, long v) {
        for (int k = 0; k < a.length; k++) {
            if (a[k] == v) {
                return k;
            }
        }
        return -1;
    }

    private static long[] append(long[] a, long v) {
        long[] b = Arrays.copyOf(a, a.length + 1);
        b[a.length] = v;
        return b;
    }

    private static long[] remove(long[] a, int at) {
        long[] b = new long[a.length - 1];
        System.arraycopy(a, 0, b, 0, at);
        System.arraycopy(a, at + 1, b, at, a.length - at - 1);
        return b;
    }

    private static int[] removeInt(int[] a, int at) {
        int[] b = new int[a.length - 1];
        System.arraycopy(a, 0, b, 0, at);
        System.arraycopy(a, at + 1, b, at, a.length - at - 1);
        return b;
    }

    private static boolean enabled(long dr7, int n) {
        return ((dr7 >>> (2 * n)) & 3) != 0;
    }

    private static int rw(long dr7, int n) {
        return (int) (dr7 >>> (16 + 4 * n)) & 3;
    }

    /** Breakpoint length in bytes from DR7's LEN field: 1, 2, 8 or 4. */
    private static int length(long dr7, int n) {
        return switch ((int) (dr7 >>> (18 + 4 * n)) & 3) {
            case 0 -> 1;
            case 1 -> 2;
            case 2 -> 8;
            default -> 4;
        };
    }

    /** Whether breakpoint {@code n} is an enabled data breakpoint that an access of this kind triggers. */
    private boolean watches(long dr7, int n, boolean write) {
        if (!enabled(dr7, n)) {
            return false;
        }
        int rw = rw(dr7, n);
        return rw == RW_READ_WRITE || (write && rw == RW_WRITE);
    }

    /**
     * Checks for an instruction breakpoint at linear address {@code lin} (the instruction
     * about to run, EFLAGS.RF clear); on a hit, sets B0-B3 in DR6 and returns true: the caller
     * delivers #DB before the instruction runs.
     */
    boolean instructionBreakpoint(long lin) {
        long dr7 = c.dr[7];
        int hits = 0;
        for (int n = 0; n < 4; n++) {
            if (enabled(dr7, n) && rw(dr7, n) == RW_EXECUTE && c.dr[n] == lin) {
                hits |= 1 << n;
            }
        }
        if (hits == 0) {
            return false;
        }
        c.dr[6] = (c.dr[6] & ~0xFL) | hits;
        return true;
    }

    /** Records the data breakpoints that an access of {@code size} bytes at {@code lin} hits. */
    void dataAccess(long lin, int size, boolean write) {
        if (hostWatchAddr.length > 0) {
            hostDataAccess(lin, size, write);
        }
        long dr7 = c.dr[7];
        for (int n = 0; n < 4; n++) {
            if (watches(dr7, n, write) && overlaps(dr7, n, lin, size)) {
                dataHits |= 1 << n;
            }
        }
    }

    /** Records the I/O breakpoints (R/W = 10, CR4.DE set) that an access of {@code size} bytes at {@code port} hits. */
    void ioAccess(int port, int size) {
        if ((c.cr4 & Cpu.CR4_DE) == 0) {
            return;
        }
        long dr7 = c.dr[7];
        for (int n = 0; n < 4; n++) {
            if (enabled(dr7, n) && rw(dr7, n) == RW_IO && overlaps(dr7, n, port, size)) {
                dataHits |= 1 << n;
            }
        }
    }

    /** Whether {@code size} bytes at {@code addr} overlap breakpoint {@code n}, its address aligned to its length. */
    private boolean overlaps(long dr7, int n, long addr, int size) {
        int len = length(dr7, n);
        long start = c.dr[n] & -len;
        return Long.compareUnsigned(addr, start + len - 1) <= 0 && Long.compareUnsigned(start, addr + size - 1) <= 0;
    }

    /** Whether a data breakpoint that a read ({@code write} false) or write would trigger lies in the page at {@code page}. */
    boolean watchesPage(long page, boolean write) {
        if (hostWatchAddr.length > 0 && hostWatchesPage(page, write)) {
            return true;
        }
        long dr7 = c.dr[7];
        for (int n = 0; n < 4; n++) {
            if (watches(dr7, n, write) && (c.dr[n] & ~0xFFFL) == page) {
                return true;
            }
        }
        return false;
    }

    /**
     * SYSCALL or SYSRET completed: single-step follows TF as it leaves it. SYSRET can set TF
     * from R11 while it was clear as the instruction began, which the interpreter's fast path
     * does not check: the single-step trap is then delivered here (SDM Vol. 3B 18.3.1.4).
     */
    void fastCallEnded() {
        singleStepAtEnd = true;
        if (!onDebugPath && (c.eflagsRest & Eflags.TF) != 0) {
            c.dr[6] = (c.dr[6] & ~0xFL) | DR6_BS;
            c.interrupts.deliverException(Vectors.DB, 0, false, false);
        }
    }

    /** MOV SS or POP SS ran: a #DB it raises waits for the end of the next instruction. */
    void stackSegmentLoaded() {
        shadowAt = c.icount + 1;
    }

    /**
     * INT n, INT3, INTO or INT1 delivered its interrupt: no single-step trap follows it, and
     * INT1's #DB takes the place of any #DB that MOV SS held back.
     */
    void softwareInterrupt(boolean int1) {
        noSingleStep = true;
        if (int1 && deferred != 0) {
            deferred = 0;
            recompute();
        }
    }

    /** The instruction faulted: a #DB that MOV SS held back for it is dropped. */
    void instructionFaulted() {
        hostWatchHit = -1;
        if (deferred != 0) {
            deferred = 0;
            recompute();
        }
    }

    /**
     * After an instruction ran on the debug path: delivers the trap-class #DB of its data
     * breakpoints and of single-step ({@code singleStep}: TF was set when it began), unless
     * it was MOV SS / POP SS, whose #DB joins that of the next instruction.
     */
    void afterInstruction(boolean singleStep) {
        if (hostWatchHit >= 0) {
            c.hostStop();
        }
        boolean step = singleStepAtEnd ? (c.eflagsRest & Eflags.TF) != 0 : singleStep;
        long bits = dataHits | (step && !noSingleStep ? DR6_BS : 0);
        if (noSingleStep) {
            deferred &= ~DR6_BS;
        }
        dataHits = 0;
        if (bits == 0 && deferred == 0) {
            return;
        }
        if (c.icount == shadowAt) {
            deferred |= bits;
            armed = true;
            return;
        }
        bits |= deferred;
        deferred = 0;
        recompute();
        c.dr[6] = (c.dr[6] & ~0xFL) | bits;
        c.interrupts.deliverException(Vectors.DB, 0, false, false);
    }
}
