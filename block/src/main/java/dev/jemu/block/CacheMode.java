package dev.jemu.block;

/**
 * QEMU's {@code cache=} shorthand: whether the host page cache is bypassed (O_DIRECT), whether
 * each write is made stable before it completes, and whether flushes are ignored.
 */
public enum CacheMode {
    /** Host page cache, flushes honoured (QEMU's default). */
    WRITEBACK("writeback", false, false, false),
    /** Host page cache, every write made stable. */
    WRITETHROUGH("writethrough", false, true, false),
    /** O_DIRECT, flushes honoured. */
    NONE("none", true, false, false),
    /** O_DIRECT, every write made stable. */
    DIRECTSYNC("directsync", true, true, false),
    /** Host page cache, flushes ignored. */
    UNSAFE("unsafe", false, false, true);

    private final String optionName;
    private final boolean direct;
    private final boolean writethrough;
    private final boolean noFlush;

    CacheMode(String optionName, boolean direct, boolean writethrough, boolean noFlush) {
        this.optionName = optionName;
        this.direct = direct;
        this.writethrough = writethrough;
        this.noFlush = noFlush;
    }

    /** Parses a {@code cache=} value, naming it on error. */
    public static CacheMode parse(String value) throws BlockException {
        for (CacheMode m : values()) {
            if (m.optionName.equals(value)) {
                return m;
            }
        }
        throw new BlockException("Invalid cache option: '" + value + "'");
    }

    /** The option value. */
    public String optionName() {
        return optionName;
    }

    /** Whether the host page cache is bypassed (cache.direct=on). */
    public boolean direct() {
        return direct;
    }

    /** Whether every write is stable before it completes. */
    public boolean writethrough() {
        return writethrough;
    }

    /** Whether flushes are ignored (cache.no-flush=on). */
    public boolean noFlush() {
        return noFlush;
    }
}
