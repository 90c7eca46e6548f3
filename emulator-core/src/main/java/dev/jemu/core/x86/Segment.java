package dev.jemu.core.x86;

/**
 * A segment register with its hidden descriptor cache: selector, base, limit (in bytes,
 * after granularity scaling) and the descriptor's attribute bits (bits 40-47 and 52-55 of
 * the descriptor, as {@code type | S<<4 | DPL<<5 | P<<7 | AVL<<12 | L<<13 | DB<<14 | G<<15}).
 */
public final class Segment {
    static final int ATTR_S = 1 << 4;
    static final int ATTR_P = 1 << 7;
    static final int ATTR_L = 1 << 13;
    static final int ATTR_DB = 1 << 14;
    static final int ATTR_G = 1 << 15;
    static final int TYPE_CODE = 8;
    static final int TYPE_CONFORMING = 4;
    static final int TYPE_EXPAND_DOWN = 4;
    static final int TYPE_WRITABLE = 2;
    static final int TYPE_READABLE = 2;
    static final int TYPE_ACCESSED = 1;

    int selector;
    long base;
    long limit;
    int attr;

    /** The visible selector. */
    public int selector() {
        return selector;
    }

    /** The cached base address. */
    public long base() {
        return base;
    }

    /** The cached limit, in bytes. */
    public long limit() {
        return limit;
    }

    /** The cached attribute bits. */
    public int attributes() {
        return attr;
    }

    int dpl() {
        return (attr >> 5) & 3;
    }

    void set(int selector, long base, long limit, int attr) {
        this.selector = selector;
        this.base = base;
        this.limit = limit;
        this.attr = attr;
    }

    /** Loads the cache the way real mode and virtual-8086 mode do: base = selector * 16. */
    void setReal(int selector) {
        this.selector = selector & 0xFFFF;
        this.base = (long) (selector & 0xFFFF) << 4;
    }

    static long descriptorBase(long desc) {
        return ((desc >>> 16) & 0xFFFFFF) | ((desc >>> 32) & 0xFF000000L);
    }

    static long descriptorLimit(long desc) {
        long lim = (desc & 0xFFFF) | ((desc >>> 32) & 0xF0000);
        if ((desc & (1L << 55)) != 0) {
            lim = (lim << 12) | 0xFFF;
        }
        return lim;
    }

    static int descriptorAttr(long desc) {
        return (int) ((desc >>> 40) & 0xF0FF);
    }
}
