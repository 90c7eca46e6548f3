package dev.jemu.core.x86;

import dev.jemu.core.memory.AddressSpace;
import dev.jemu.core.memory.FlatRange;
import dev.jemu.core.memory.RamBlock;
import dev.jemu.core.memory.RamRegion;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Linear-to-physical translation and linear memory access for one CPU: the page walker
 * (2-level with PSE, PAE, 4-level; NX, WP, U/S, SMEP, SMAP, accessed and dirty bits,
 * reserved-bit faults) and a direct-mapped soft TLB with one compare on the fast path. The TLB has
 * separate sets for reads, writes and fetches, each for supervisor and user mode; an entry
 * exists only for RAM that may be accessed that way (MMIO, ROM writes and writes to code
 * pages always take the slow path, and so do pages holding a data breakpoint), so a hit is a
 * tag compare and an array access. Under CR4.SMAP the supervisor sets hold no data entry for
 * a user page, as the outcome of such an access depends on EFLAGS.AC, which changes without a
 * TLB flush.
 *
 * <p>A TLB miss reads the page-table entries, and fills the entry, through two RAM windows
 * (one for the page tables, one for the data pages): the last guest-physical range found to
 * be RAM in the address space's {@link dev.jemu.core.memory.FlatView}, used directly while
 * the address stays inside it, so a walk searches the flat view only when it leaves the
 * range (never, for page tables and data in one RAM range) and after a layout change.
 *
 * <p>Threading: used only by its vCPU thread.
 */
final class Mmu {
    static final int READ = 0;
    static final int WRITE = 1;
    static final int FETCH = 2;

    private static final int TLB_BITS = 9;
    private static final int TLB_SIZE = 1 << TLB_BITS;
    static final int TLB_MASK = TLB_SIZE - 1;
    private static final long PAGE_MASK = 0xFFF;

    private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private static final long PTE_P = 1;
    private static final long PTE_RW = 2;
    private static final long PTE_US = 4;
    private static final long PTE_A = 0x20;
    private static final long PTE_D = 0x40;
    private static final long PTE_PS = 0x80;
    private static final long PTE_NX = 1L << 63;
    private static final long ADDR_MASK = 0x000F_FFFF_FFFF_F000L;
    /** Address bits at and above MAXPHYADDR. */
    private static final long ABOVE_MAXPHYADDR = -1L << Cpuid.PHYS_ADDR_BITS;
    /** Reserved in every 4-level entry: bits 51:MAXPHYADDR (62:52 are ignored). */
    private static final long RSVD_LONG = ABOVE_MAXPHYADDR & ((1L << 52) - 1);
    /** Reserved in every PAE page-directory and page-table entry: bits 62:MAXPHYADDR. */
    private static final long RSVD_PAE = ABOVE_MAXPHYADDR & ~PTE_NX;
    /**
     * Reserved in a PAE PDPTE when walking: bits 63:MAXPHYADDR, NX included (its low reserved
     * bits are not checked here: hardware checks them when loading CR3, QEMU never).
     */
    private static final long RSVD_PAE_PDPTE = ABOVE_MAXPHYADDR;
    /** Reserved in a PDE mapping a 2 MiB page: bits 20:13. */
    private static final long RSVD_2M = 0x1F_E000L;
    /** Reserved in a PDPTE mapping a 1 GiB page: bits 29:13. */
    private static final long RSVD_1G = 0x3FFF_E000L;
    /**
     * Reserved in a 32-bit PDE mapping a 4 MiB page: bits 21:(MAXPHYADDR - 19); bits 20:13
     * hold physical address bits 39:32 (PSE-36).
     */
    private static final long RSVD_4M = 0x3F_E000L & (-1L << (Cpuid.PHYS_ADDR_BITS - 19));

    private final Cpu cpu;
    private final AddressSpace mem;
    /** [kind * 2 + user] sets of tags, arrays and array offsets of page starts. */
    private final long[][] tags = new long[6][TLB_SIZE];
    private final byte[][][] arrays = new byte[6][TLB_SIZE][];
    private final int[][] offsets = new int[6][TLB_SIZE];
    /** For the fetch sets [user]: the RAM block and the block offset of each page. */
    /** RAM windows of the page walk and of the filled pages ({@link #ram}). */
    private final RamWindow walkWindow = new RamWindow();
    private final RamWindow dataWindow = new RamWindow();
    private long flatSearches;
    private final RamBlock[][] fetchBlocks = new RamBlock[2][TLB_SIZE];
    private final long[][] fetchBlockOffsets = new long[2][TLB_SIZE];

    // The current read and write TLB sets: package-private for translated code's fast path (MemOps).
    long[] rTag;
    byte[][] rArr;
    int[] rOff;
    /** Set by {@link #fetchArray}: the page's index in the returned array. */
    int lastFetchOffset;
    /** Set by {@link #fetchArray}: the RAM block holding the page. */
    RamBlock lastFetchBlock;
    /** Set by {@link #fetchArray}: the page's offset in {@link #lastFetchBlock}. */
    long lastFetchBlockOffset;
    long[] wTag;
    byte[][] wArr;
    int[] wOff;
    private boolean user;
    private long slowWrites;
    /** Set around the implicit supervisor accesses ({@link #readSystem}, {@link #writeSystem}). */
    private boolean implicitAccess;
    /** Set by {@link #translate}: whether the page it translated is a user-mode page. */
    private boolean translatedUser;
    /** Set by {@link #readHit} and {@link #writeHit}: the page's index in the returned array. */
    int hitOffset;
    /** Runs of string-instruction elements done as one bulk copy or fill ({@link StringOps}). */
    long bulkRuns;

    Mmu(Cpu cpu, AddressSpace mem) {
        this.cpu = cpu;
        this.mem = mem;
        flush();
        setUser(false);
        mem.addLayoutListener(this::layoutChanged);
    }

    /**
     * A guest-physical range known to be RAM: {@code [start, end)} of {@link #block} from
     * {@link #regionOffset} on; empty while {@code end} is 0.
     */
    private static final class RamWindow {
        long start;
        long end;
        long regionOffset;
        RamBlock block;
        boolean readOnly;
    }

    private void layoutChanged() {
        walkWindow.end = 0;
        dataWindow.end = 0;
        flush();
    }

    /**
     * {@code w} updated to hold {@code [phys, phys + size)} if that is RAM inside one 4 KiB
     * page of its block, else null; searches the flat view only when {@code w} does not
     * already hold the range.
     */
    private RamWindow ram(RamWindow w, long phys, int size) {
        if (phys < w.start || phys + size > w.end) {
            flatSearches++;
            FlatRange r = mem.flatView().find(phys);
            if (r == null || !(r.region() instanceof RamRegion ram) || phys + size > r.end()) {
                return null;
            }
            w.start = r.start();
            w.end = r.end();
            w.regionOffset = r.regionOffset();
            w.block = ram.block();
            w.readOnly = ram.isReadOnly();
        }
        long off = w.regionOffset + (phys - w.start);
        return (off & PAGE_MASK) + size <= 4096 ? w : null;
    }

    /** Reads guest-physical memory through window {@code w} when it is RAM. */
    private long readPhys(RamWindow w, long phys, int size) {
        RamWindow r = ram(w, phys, size);
        return r == null ? mem.read(phys, size) : r.block.read(r.regionOffset + (phys - r.start), size);
    }

    /** Writes guest-physical memory through window {@code w} when it is RAM (ROM ignores it). */
    private void writePhys(RamWindow w, long phys, long value, int size) {
        RamWindow r = ram(w, phys, size);
        if (r == null) {
            mem.write(phys, value, size);
        } else if (!r.readOnly) {
            r.block.write(r.regionOffset + (phys - r.start), value, size);
        }
    }

    /** Flat-view searches made by TLB fills and page walks since creation. */
    long flatSearches() {
        return flatSearches;
    }

    AddressSpace memory() {
        return mem;
    }

    /** Chooses the supervisor or user TLB sets (on every CPL change). */
    void setUser(boolean isUser) {
        user = isUser;
        cpu.invalidateFetchWindow();
        int u = isUser ? 1 : 0;
        rTag = tags[READ * 2 + u];
        rArr = arrays[READ * 2 + u];
        rOff = offsets[READ * 2 + u];
        wTag = tags[WRITE * 2 + u];
        wArr = arrays[WRITE * 2 + u];
        wOff = offsets[WRITE * 2 + u];
    }

    /** Drops every TLB entry. */
    void flush() {
        cpu.invalidateFetchWindow();
        for (long[] t : tags) {
            Arrays.fill(t, -1L);
        }
    }

    /**
     * Drops the write entries that map the page at {@code offset} of {@code block} (it
     * became a code page), whatever linear addresses map it; every other entry stays.
     */
    void flushWritesTo(RamBlock block, long offset) {
        byte[] arr = block.array(offset);
        int start = RamBlock.arrayIndex(offset);
        for (int set = WRITE * 2; set <= WRITE * 2 + 1; set++) {
            long[] t = tags[set];
            byte[][] a = arrays[set];
            int[] o = offsets[set];
            for (int idx = 0; idx < TLB_SIZE; idx++) {
                if (a[idx] == arr && o[idx] == start) {
                    t[idx] = -1L;
                }
            }
        }
    }

    /** Stores that took the slow path (a TLB miss, MMIO, ROM, a code page) since creation. */
    long slowWrites() {
        return slowWrites;
    }

    /** String-instruction runs done as one bulk copy or fill since creation. */
    long bulkRuns() {
        return bulkRuns;
    }

    /**
     * The host array of the page of {@code lin} if the read TLB maps it (then
     * {@link #hitOffset} is the page's index in it), else null; fills nothing. A hit means a
     * read of the page takes the fast path of {@link #read}.
     */
    byte[] readHit(long lin) {
        return hit(rTag, rArr, rOff, lin);
    }

    /** As {@link #readHit} for the write TLB: plain writable RAM holding no code. */
    byte[] writeHit(long lin) {
        return hit(wTag, wArr, wOff, lin);
    }

    private byte[] hit(long[] tag, byte[][] arr, int[] off, long lin) {
        long page = lin >>> 12;
        int idx = (int) page & TLB_MASK;
        if (tag[idx] != page) {
            return null;
        }
        hitOffset = off[idx];
        return arr[idx];
    }

    /** Drops the entries of the page holding {@code lin} (INVLPG). */
    void flushPage(long lin) {
        cpu.invalidateFetchWindow();
        int idx = (int) (lin >>> 12) & TLB_MASK;
        for (long[] t : tags) {
            if (t[idx] == lin >>> 12) {
                t[idx] = -1L;
            }
        }
    }

    long read(long lin, int size) {
        long page = lin >>> 12;
        int idx = (int) page & TLB_MASK;
        int off = (int) (lin & PAGE_MASK);
        if (rTag[idx] == page && off + size <= 4096) {
            byte[] a = rArr[idx];
            int i = rOff[idx] + off;
            return switch (size) {
                case 1 -> a[i] & 0xFFL;
                case 2 -> (short) SHORT.get(a, i) & 0xFFFFL;
                case 4 -> (int) INT.get(a, i) & 0xFFFF_FFFFL;
                default -> (long) LONG.get(a, i);
            };
        }
        return slowRead(lin, size, READ, user);
    }

    void write(long lin, long value, int size) {
        long page = lin >>> 12;
        int idx = (int) page & TLB_MASK;
        int off = (int) (lin & PAGE_MASK);
        if (wTag[idx] == page && off + size <= 4096) {
            byte[] a = wArr[idx];
            int i = wOff[idx] + off;
            switch (size) {
                case 1 -> a[i] = (byte) value;
                case 2 -> SHORT.set(a, i, (short) value);
                case 4 -> INT.set(a, i, (int) value);
                default -> LONG.set(a, i, value);
            }
            return;
        }
        slowWrite(lin, value, size, user);
    }

    /** Fetches one instruction byte. */
    int fetch(long lin) {
        long page = lin >>> 12;
        int idx = (int) page & TLB_MASK;
        int set = FETCH * 2 + (user ? 1 : 0);
        if (tags[set][idx] == page) {
            return arrays[set][idx][offsets[set][idx] + (int) (lin & PAGE_MASK)] & 0xFF;
        }
        return (int) slowRead(lin, 1, FETCH, user);
    }

    /**
     * The host array holding the fetchable page of {@code lin} if the TLB has it (then
     * {@link #lastFetchOffset}, {@link #lastFetchBlock} and {@link #lastFetchBlockOffset}
     * locate the page), else null.
     */
    byte[] fetchArray(long lin) {
        long page = lin >>> 12;
        int idx = (int) page & TLB_MASK;
        int u = user ? 1 : 0;
        int set = FETCH * 2 + u;
        if (tags[set][idx] != page) {
            return null;
        }
        lastFetchOffset = offsets[set][idx];
        lastFetchBlock = fetchBlocks[u][idx];
        lastFetchBlockOffset = fetchBlockOffsets[u][idx];
        return arrays[set][idx];
    }

    /**
     * Reads with supervisor rights whatever the CPL (descriptor tables, TSS): an implicit
     * supervisor access, which SMAP checks whatever EFLAGS.AC.
     */
    long readSystem(long lin, int size) {
        implicitAccess = true;
        try {
            return slowRead(lin, size, READ, false);
        } finally {
            implicitAccess = false;
        }
    }

    /** Writes with supervisor rights whatever the CPL: an implicit supervisor access. */
    void writeSystem(long lin, long value, int size) {
        implicitAccess = true;
        try {
            slowWrite(lin, value, size, false);
        } finally {
            implicitAccess = false;
        }
    }

    private long slowRead(long lin, int size, int kind, boolean asUser) {
        if ((lin & PAGE_MASK) + size > 4096) {
            long v = 0;
            for (int i = 0; i < size; i++) {
                v |= slowRead(lin + i, 1, kind, asUser) << (8 * i);
            }
            return v;
        }
        long phys = translate(lin, kind, asUser);
        if (cpu.debug.watching && kind != FETCH) {
            cpu.debug.dataAccess(lin, size, false);
        }
        fill(lin, phys, kind, asUser);
        return readPhys(dataWindow, phys, size);
    }

    private void slowWrite(long lin, long value, int size, boolean asUser) {
        slowWrites++;
        cpu.slowWrite = true;
        if ((lin & PAGE_MASK) + size > 4096) {
            // Translate both pages before writing anything, so a fault leaves memory unchanged.
            translate(lin, WRITE, asUser);
            translate(lin + size - 1, WRITE, asUser);
            for (int i = 0; i < size; i++) {
                slowWrite(lin + i, value >>> (8 * i), 1, asUser);
            }
            return;
        }
        long phys = translate(lin, WRITE, asUser);
        if (cpu.debug.watching) {
            cpu.debug.dataAccess(lin, size, true);
        }
        fill(lin, phys, WRITE, asUser);
        writePhys(dataWindow, phys, value, size);
    }

    private void fill(long lin, long phys, int kind, boolean asUser) {
        long pageStart = phys & ~PAGE_MASK;
        RamWindow w = ram(dataWindow, pageStart, 4096);
        if (w == null) {
            return;
        }
        long off = w.regionOffset + (pageStart - w.start);
        RamBlock block = w.block;
        if (kind == WRITE && (w.readOnly || block.isCode(off))) {
            return;
        }
        if (cpu.debug.watching && kind != FETCH && cpu.debug.watchesPage(lin & ~PAGE_MASK, kind == WRITE)) {
            return;
        }
        if (!asUser && kind != FETCH && translatedUser && (cpu.cr4 & Cpu.CR4_SMAP) != 0) {
            return;
        }
        int set = kind * 2 + (asUser ? 1 : 0);
        int idx = (int) (lin >>> 12) & TLB_MASK;
        tags[set][idx] = lin >>> 12;
        arrays[set][idx] = block.array(off);
        offsets[set][idx] = RamBlock.arrayIndex(off);
        if (kind == FETCH) {
            fetchBlocks[set - FETCH * 2][idx] = block;
            fetchBlockOffsets[set - FETCH * 2][idx] = off;
        }
    }

    /** Walks the page tables; raises #PF with CR2 set on failure. */
    long translate(long lin, int kind, boolean asUser) {
        if ((cpu.cr0 & Cpu.CR0_PG) == 0) {
            translatedUser = false;
            return lin & 0xFFFF_FFFFL;
        }
        boolean write = kind == WRITE;
        boolean nxe = (cpu.efer & Cpu.EFER_NXE) != 0;
        long entry;
        long entryAddr;
        long pageMask;
        boolean allUser = true;
        boolean allWrite = true;
        boolean noExec = false;
        if ((cpu.cr4 & Cpu.CR4_PAE) == 0) {
            entryAddr = (cpu.cr3 & 0xFFFF_F000L) + ((lin >>> 22) & 0x3FF) * 4;
            entry = readPhys(walkWindow, entryAddr, 4);
            if ((entry & PTE_P) == 0) {
                throw pageFault(lin, false, write, asUser, kind, false);
            }
            allUser = (entry & PTE_US) != 0;
            allWrite = (entry & PTE_RW) != 0;
            if ((entry & PTE_PS) != 0 && (cpu.cr4 & Cpu.CR4_PSE) != 0) {
                if ((entry & RSVD_4M) != 0) {
                    throw pageFault(lin, true, write, asUser, kind, true);
                }
                checkAccess(lin, allUser, allWrite, false, write, asUser, kind);
                setAccessed(entryAddr, entry, write, 4);
                return (entry & 0xFFC0_0000L) | ((entry & 0x1FE000L) << 19) | (lin & 0x3F_FFFF);
            }
            // The directory entry is marked accessed only once the translation succeeds, as on
            // the 386 (test386 checks it): a fault on the table entry leaves it untouched.
            long pdeAddr = entryAddr;
            long pde = entry;
            entryAddr = (entry & 0xFFFF_F000L) + ((lin >>> 12) & 0x3FF) * 4;
            entry = readPhys(walkWindow, entryAddr, 4);
            if ((entry & PTE_P) == 0) {
                throw pageFault(lin, false, write, asUser, kind, false);
            }
            allUser &= (entry & PTE_US) != 0;
            allWrite &= (entry & PTE_RW) != 0;
            checkAccess(lin, allUser, allWrite, false, write, asUser, kind);
            setAccessed(pdeAddr, pde, false, 4);
            setAccessed(entryAddr, entry, write, 4);
            return (entry & 0xFFFF_F000L) | (lin & PAGE_MASK);
        }
        int levels;
        long table;
        long reserved;
        if ((cpu.efer & Cpu.EFER_LMA) != 0) {
            levels = 4;
            table = cpu.cr3 & ADDR_MASK;
            reserved = RSVD_LONG;
        } else {
            long pdpteAddr = (cpu.cr3 & 0xFFFF_FFE0L) + ((lin >>> 30) & 3) * 8;
            long pdpte = readPhys(walkWindow, pdpteAddr, 8);
            if ((pdpte & PTE_P) == 0) {
                throw pageFault(lin, false, write, asUser, kind, false);
            }
            if ((pdpte & RSVD_PAE_PDPTE) != 0) {
                throw pageFault(lin, true, write, asUser, kind, true);
            }
            levels = 2;
            table = pdpte & ADDR_MASK;
            reserved = RSVD_PAE;
        }
        if (!nxe) {
            reserved |= PTE_NX;
        }
        for (int level = levels; ; level--) {
            int shift = 12 + 9 * (level - 1);
            entryAddr = table + ((lin >>> shift) & 0x1FF) * 8;
            entry = readPhys(walkWindow, entryAddr, 8);
            if ((entry & PTE_P) == 0) {
                throw pageFault(lin, false, write, asUser, kind, false);
            }
            // PS is reserved in PML4Es, and in PDPTEs unless 1 GiB pages are advertised (max).
            boolean hugeAllowed = level == 3 && cpu.model.extended;
            boolean large = (level == 2 || hugeAllowed) && (entry & PTE_PS) != 0;
            long bad = reserved | (level > 2 && !hugeAllowed ? PTE_PS : 0)
                    | (large ? (level == 3 ? RSVD_1G : RSVD_2M) : 0);
            if ((entry & bad) != 0) {
                throw pageFault(lin, true, write, asUser, kind, true);
            }
            allUser &= (entry & PTE_US) != 0;
            allWrite &= (entry & PTE_RW) != 0;
            noExec |= (entry & PTE_NX) != 0;
            if (level == 1 || large) {
                checkAccess(lin, allUser, allWrite, noExec, write, asUser, kind);
                setAccessed(entryAddr, entry, write, 8);
                pageMask = (1L << shift) - 1;
                return (entry & ADDR_MASK & ~pageMask) | (lin & pageMask);
            }
            setAccessed(entryAddr, entry, false, 8);
            table = entry & ADDR_MASK;
        }
    }

    /**
     * The access rights of SDM 4.6: U/S, R/W under CR0.WP, NX, and for supervisor accesses
     * to user pages SMEP (fetches) and SMAP (data: allowed only to explicit accesses with
     * EFLAGS.AC set).
     */
    private void checkAccess(long lin, boolean allUser, boolean allWrite, boolean noExec,
                             boolean write, boolean asUser, int kind) {
        translatedUser = allUser;
        boolean ok = !(asUser && !allUser)
                && !(write && !allWrite && (asUser || (cpu.cr0 & Cpu.CR0_WP) != 0))
                && !(kind == FETCH && noExec);
        if (ok && !asUser && allUser) {
            ok = kind == FETCH
                    ? (cpu.cr4 & Cpu.CR4_SMEP) == 0
                    : (cpu.cr4 & Cpu.CR4_SMAP) == 0 || (!implicitAccess && (cpu.eflagsRest & Eflags.AC) != 0);
        }
        if (!ok) {
            throw pageFault(lin, true, write, asUser, kind, false);
        }
    }

    private void setAccessed(long addr, long entry, boolean dirty, int size) {
        long want = entry | PTE_A | (dirty ? PTE_D : 0);
        if (want != entry) {
            cpu.slowWrite = true;
            writePhys(walkWindow, addr, want, size);
        }
    }

    private CpuFault pageFault(long lin, boolean present, boolean write, boolean asUser, int kind, boolean reserved) {
        cpu.cr2 = lin;
        // I/D: a fetch, reported under SMEP or EFER.NXE (also in 32-bit paging, as QEMU does)
        boolean reportsFetch = (cpu.cr4 & Cpu.CR4_SMEP) != 0 || (cpu.efer & Cpu.EFER_NXE) != 0;
        int code = (present ? 1 : 0) | (write ? 2 : 0) | (asUser ? 4 : 0) | (reserved ? 8 : 0)
                | (kind == FETCH && reportsFetch ? 16 : 0);
        return cpu.fault(Vectors.PF, code);
    }
}
