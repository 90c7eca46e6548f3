package dev.jemu.core.x86;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The memory fast path of translated code, one small method per access size so that the JIT
 * compiler inlines it whole: when the segment is flat ({@link Cpu#flatSegs}: base 0, no limit
 * below 4 GiB, readable and writable) the effective address is the linear address, and a hit
 * in the current read or write TLB set on an access that stays inside the page is an array
 * access. Everything else — another segment, a miss, MMIO, ROM, a code page (its stores keep
 * taking the slow path, which sets {@link Cpu#slowWrite} and so ends the region), a page
 * holding a data breakpoint, an access crossing the page end — goes through
 * {@link Cpu#read}/{@link Cpu#write}, the interpreter's own path with its segment checks and
 * faults.
 *
 * <p>Exactness of the shortcut: a flat segment's limit check fails only for an access that
 * crosses 4 GiB, which crosses a page end; the TLB holds only canonical pages, so a hit implies
 * a canonical address; the write TLB maps only plain writable RAM without code.
 *
 * <p>Threading: called only on the vCPU thread that owns the CPU.
 */
final class MemOps {
    private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private MemOps() {
    }

    static long rd8(Cpu c, int seg, long ea) {
        Mmu m = c.mmu;
        long page = ea >>> 12;
        int idx = (int) page & Mmu.TLB_MASK;
        if (m.rTag[idx] == page && (c.flatSegs >> seg & 1) != 0) {
            return m.rArr[idx][m.rOff[idx] + ((int) ea & 0xFFF)] & 0xFFL;
        }
        return c.read(seg, ea, 1);
    }

    static long rd16(Cpu c, int seg, long ea) {
        Mmu m = c.mmu;
        long page = ea >>> 12;
        int idx = (int) page & Mmu.TLB_MASK;
        int off = (int) ea & 0xFFF;
        if (m.rTag[idx] == page && off <= 4094 && (c.flatSegs >> seg & 1) != 0) {
            return (short) SHORT.get(m.rArr[idx], m.rOff[idx] + off) & 0xFFFFL;
        }
        return c.read(seg, ea, 2);
    }

    static long rd32(Cpu c, int seg, long ea) {
        Mmu m = c.mmu;
        long page = ea >>> 12;
        int idx = (int) page & Mmu.TLB_MASK;
        int off = (int) ea & 0xFFF;
        if (m.rTag[idx] == page && off <= 4092 && (c.flatSegs >> seg & 1) != 0) {
            return (int) INT.get(m.rArr[idx], m.rOff[idx] + off) & 0xFFFF_FFFFL;
        }
        return c.read(seg, ea, 4);
    }

    static long rd64(Cpu c, int seg, long ea) {
        Mmu m = c.mmu;
        long page = ea >>> 12;
        int idx = (int) page & Mmu.TLB_MASK;
        int off = (int) ea & 0xFFF;
        if (m.rTag[idx] == page && off <= 4088 && (c.flatSegs >> seg & 1) != 0) {
            return (long) LONG.get(m.rArr[idx], m.rOff[idx] + off);
        }
        return c.read(seg, ea, 8);
    }

    static void wr8(Cpu c, int seg, long ea, long v) {
        Mmu m = c.mmu;
        long page = ea >>> 12;
        int idx = (int) page & Mmu.TLB_MASK;
        if (m.wTag[idx] == page && (c.flatSegs >> seg & 1) != 0) {
            m.wArr[idx][m.wOff[idx] + ((int) ea & 0xFFF)] = (byte) v;
            return;
        }
        c.write(seg, ea, v, 1);
    }

    static void wr16(Cpu c, int seg, long ea, long v) {
        Mmu m = c.mmu;
        long page = ea >>> 12;
        int idx = (int) page & Mmu.TLB_MASK;
        int off = (int) ea & 0xFFF;
        if (m.wTag[idx] == page && off <= 4094 && (c.flatSegs >> seg & 1) != 0) {
            SHORT.set(m.wArr[idx], m.wOff[idx] + off, (short) v);
            return;
        }
        c.write(seg, ea, v, 2);
    }

    static void wr32(Cpu c, int seg, long ea, long v) {
        Mmu m = c.mmu;
        long page = ea >>> 12;
        int idx = (int) page & Mmu.TLB_MASK;
        int off = (int) ea & 0xFFF;
        if (m.wTag[idx] == page && off <= 4092 && (c.flatSegs >> seg & 1) != 0) {
            INT.set(m.wArr[idx], m.wOff[idx] + off, (int) v);
            return;
        }
        c.write(seg, ea, v, 4);
    }

    static void wr64(Cpu c, int seg, long ea, long v) {
        Mmu m = c.mmu;
        long page = ea >>> 12;
        int idx = (int) page & Mmu.TLB_MASK;
        int off = (int) ea & 0xFFF;
        if (m.wTag[idx] == page && off <= 4088 && (c.flatSegs >> seg & 1) != 0) {
            LONG.set(m.wArr[idx], m.wOff[idx] + off, v);
            return;
        }
        c.write(seg, ea, v, 8);
    }
}
