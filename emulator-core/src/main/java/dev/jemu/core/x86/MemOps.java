package dev.jemu.core.x86;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The array accesses of translated code's memory fast path, one tiny method per size that the
 * JIT compiler always inlines. The rest of the fast path is emitted inline by
 * {@link InlineOps}: the linear address is the effective address on a flat segment
 * ({@link Cpu#flatSegs}: base 0, no limit below 4 GiB, readable and writable; in 64-bit code
 * every segment but FS and GS), and in 64-bit code for FS and GS the effective address plus
 * the segment's base, read from {@link Cpu#segBase} at each access (WRMSR, SWAPGS, WRFSBASE
 * and a selector load change it, not all of them ending the region). A hit in the current
 * read or write TLB set on an access that stays inside the page reads or writes the page's
 * host array here. Everything else — a segment that is not flat outside 64-bit code, a miss,
 * MMIO, ROM, a code page (its stores keep taking the slow path, which sets
 * {@link Cpu#slowWrite} and so ends the region), a page holding a data breakpoint, an access
 * crossing the page end — goes through {@link Cpu#read}/{@link Cpu#write}, the interpreter's
 * own path with its segment checks and faults: from the interpreter after the region is left
 * at the instruction, or in place at the region's entry instruction.
 *
 * <p>Exactness of the shortcut: a flat segment's limit check fails only for an access that
 * crosses 4 GiB, which crosses a page end; in 64-bit code FS and GS have no limit, and the
 * only check is that the first and last byte's linear addresses are canonical: the TLB holds
 * only canonical pages, so a hit on an access inside the page implies both; the write TLB
 * maps only plain writable RAM without code.
 *
 * <p>Threading: called only on the vCPU thread that owns the page arrays' CPU.
 */
final class MemOps {
    private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private MemOps() {
    }

    static long get8(byte[] a, int i) {
        return a[i] & 0xFFL;
    }

    static long get16(byte[] a, int i) {
        return (short) SHORT.get(a, i) & 0xFFFFL;
    }

    static long get32(byte[] a, int i) {
        return (int) INT.get(a, i) & 0xFFFF_FFFFL;
    }

    static long get64(byte[] a, int i) {
        return (long) LONG.get(a, i);
    }

    static void put8(byte[] a, int i, long v) {
        a[i] = (byte) v;
    }

    static void put16(byte[] a, int i, long v) {
        SHORT.set(a, i, (short) v);
    }

    static void put32(byte[] a, int i, long v) {
        INT.set(a, i, (int) v);
    }

    static void put64(byte[] a, int i, long v) {
        LONG.set(a, i, v);
    }
}
