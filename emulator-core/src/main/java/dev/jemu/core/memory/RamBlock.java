package dev.jemu.core.memory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * The host storage of guest RAM or ROM: heap byte arrays of 2 MiB each, allocated when a byte
 * of theirs is first read or written, so that a large guest costs host memory only for what it
 * touches (guest RAM is reserved, not committed) and starts at once. Every 4 KiB page lies
 * inside one array; the CPU's TLB points straight into it. Also keeps a
 * write generation per page for decoded-code caches: a page that someone has
 * {@linkplain #markCode marked as holding code} gets its generation bumped by every write
 * made through the memory API, and write listeners are told to stop writing to it behind
 * the API's back (a CPU drops its fast write mappings).
 *
 * <p>Threading: accesses are made under the big emulator lock or by the vCPU that owns them.
 */
public final class RamBlock {
    /** log2 of the page size used for code tracking and by the CPU's TLB. */
    public static final int PAGE_SHIFT = 12;
    /** Page size in bytes. */
    public static final int PAGE_SIZE = 1 << PAGE_SHIFT;
    static final int CHUNK_SHIFT = 21;
    private static final long CHUNK_MASK = (1L << CHUNK_SHIFT) - 1;
    private static final VarHandle CHUNKS = MethodHandles.arrayElementVarHandle(byte[][].class);

    private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final long size;
    private final byte[][] chunks;
    private final int[] generations;
    private final long[] codePages;
    private final List<LongConsumer> codeListeners = new ArrayList<>();

    /** Allocates {@code size} bytes of zeroed storage; size must be a multiple of 4 KiB. */
    public RamBlock(long size) {
        if (size <= 0 || (size & (PAGE_SIZE - 1)) != 0) {
            throw new IllegalArgumentException("RAM size " + size + " is not a positive multiple of 4 KiB");
        }
        this.size = size;
        long n = (size + CHUNK_MASK) >>> CHUNK_SHIFT;
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("RAM size " + size + " is too large");
        }
        chunks = new byte[(int) n][];
        int pages = (int) (size >>> PAGE_SHIFT);
        generations = new int[pages];
        codePages = new long[(pages + 63) >>> 6];
    }

    /** The size in bytes. */
    public long size() {
        return size;
    }

    /**
     * The array holding byte {@code offset}, allocated (zeroed) on first use; with
     * {@link #arrayIndex} the page's host location. Any thread: two threads touching a new chunk
     * at once agree on one array.
     */
    public byte[] array(long offset) {
        int i = (int) (offset >>> CHUNK_SHIFT);
        byte[] a = chunks[i];
        return a != null ? a : allocate(i);
    }

    private byte[] allocate(int i) {
        byte[] fresh = new byte[(int) Math.min(1L << CHUNK_SHIFT, size - ((long) i << CHUNK_SHIFT))];
        byte[] won = (byte[]) CHUNKS.compareAndExchange(chunks, i, (byte[]) null, fresh);
        return won != null ? won : fresh;
    }

    /** Bytes of host memory allocated so far (the chunks the guest or a loader touched). */
    public long allocatedBytes() {
        long n = 0;
        for (int i = 0; i < chunks.length; i++) {
            byte[] a = (byte[]) CHUNKS.getAcquire(chunks, i);
            n += a == null ? 0 : a.length;
        }
        return n;
    }

    /** The index of byte {@code offset} inside {@link #array(long)}. */
    public static int arrayIndex(long offset) {
        return (int) (offset & CHUNK_MASK);
    }

    /** Reads {@code size} (1, 2, 4 or 8) bytes little-endian; must not cross a 4 KiB page. */
    public long read(long offset, int size) {
        byte[] a = array(offset);
        int i = arrayIndex(offset);
        return switch (size) {
            case 1 -> a[i] & 0xFFL;
            case 2 -> (short) SHORT.get(a, i) & 0xFFFFL;
            case 4 -> (int) INT.get(a, i) & 0xFFFF_FFFFL;
            default -> (long) LONG.get(a, i);
        };
    }

    /** Writes {@code size} (1, 2, 4 or 8) bytes little-endian; must not cross a 4 KiB page. */
    public void write(long offset, long value, int size) {
        byte[] a = array(offset);
        int i = arrayIndex(offset);
        switch (size) {
            case 1 -> a[i] = (byte) value;
            case 2 -> SHORT.set(a, i, (short) value);
            case 4 -> INT.set(a, i, (int) value);
            default -> LONG.set(a, i, value);
        }
        noteWrite(offset, size);
    }

    /** Copies {@code len} bytes at {@code offset} into {@code dst}. */
    public void readBytes(long offset, byte[] dst, int dstOff, int len) {
        while (len > 0) {
            int n = (int) Math.min(len, (1L << CHUNK_SHIFT) - (offset & CHUNK_MASK));
            System.arraycopy(array(offset), arrayIndex(offset), dst, dstOff, n);
            offset += n;
            dstOff += n;
            len -= n;
        }
    }

    /** Copies {@code len} bytes of {@code src} to {@code offset}. */
    public void writeBytes(long offset, byte[] src, int srcOff, int len) {
        noteWrite(offset, len);
        while (len > 0) {
            int n = (int) Math.min(len, (1L << CHUNK_SHIFT) - (offset & CHUNK_MASK));
            System.arraycopy(src, srcOff, array(offset), arrayIndex(offset), n);
            offset += n;
            srcOff += n;
            len -= n;
        }
    }

    /** Fills {@code len} bytes at {@code offset} with {@code value}. */
    public void fill(long offset, long len, byte value) {
        noteWrite(offset, len);
        while (len > 0) {
            int n = (int) Math.min(len, (1L << CHUNK_SHIFT) - (offset & CHUNK_MASK));
            int i = arrayIndex(offset);
            Arrays.fill(array(offset), i, i + n, value);
            offset += n;
            len -= n;
        }
    }

    /**
     * Marks the page holding {@code offset} as holding decoded code: from now on writes to it
     * bump its {@linkplain #generation generation}, and the code listeners are told so that
     * nobody writes to it without going through this class (they get the page's offset).
     */
    public void markCode(long offset) {
        int page = (int) (offset >>> PAGE_SHIFT);
        long bit = 1L << page;
        if ((codePages[page >>> 6] & bit) == 0) {
            codePages[page >>> 6] |= bit;
            for (int i = 0; i < codeListeners.size(); i++) {
                codeListeners.get(i).accept(offset & ~(PAGE_SIZE - 1L));
            }
        }
    }

    /**
     * Unmarks the page holding {@code offset}: nobody keeps code decoded from it any more, so
     * writes to it need no tracking and may again be made behind this class's back.
     */
    public void unmarkCode(long offset) {
        int page = (int) (offset >>> PAGE_SHIFT);
        codePages[page >>> 6] &= ~(1L << page);
    }

    /** Whether the page holding {@code offset} is marked as holding code. */
    public boolean isCode(long offset) {
        int page = (int) (offset >>> PAGE_SHIFT);
        return (codePages[page >>> 6] & (1L << page)) != 0;
    }

    /** The write generation of the page holding {@code offset}. */
    public int generation(long offset) {
        return generations[(int) (offset >>> PAGE_SHIFT)];
    }

    /** Adds a listener run, with the page's offset, whenever a page becomes a code page. */
    public void addCodeListener(LongConsumer listener) {
        codeListeners.add(listener);
    }

    private void noteWrite(long offset, long len) {
        long first = offset >>> PAGE_SHIFT;
        long last = (offset + len - 1) >>> PAGE_SHIFT;
        for (long p = first; p <= last; p++) {
            int page = (int) p;
            if ((codePages[page >>> 6] & (1L << page)) != 0) {
                generations[page]++;
            }
        }
    }
}
