package dev.jemu.block;

/**
 * The answer of {@code coBlockStatus}: a mutable holder filled by the driver, so that asking
 * for the status of many extents allocates nothing.
 */
public final class BlockStatus {
    /** The range holds data (as opposed to a hole). */
    public static final int DATA = 1;
    /** The range reads as zeros. */
    public static final int ZERO = 1 << 1;
    /** {@link #hostOffset} and {@link #hostNode} are valid. */
    public static final int OFFSET_VALID = 1 << 2;
    /** The range is allocated in this node (its content does not come from the backing file). */
    public static final int ALLOCATED = 1 << 3;

    /** Flags above. */
    public int flags;
    /** Bytes from the queried offset that share {@link #flags}; at least 1 on success. */
    public long pnum;
    /** Offset in {@link #hostNode} where the range's data is, if {@link #OFFSET_VALID}. */
    public long hostOffset;
    /** The node that holds the data at {@link #hostOffset}, if {@link #OFFSET_VALID}. */
    public BlockDriverState hostNode;

    /** Sets every field at once. */
    public void set(int flags, long pnum, long hostOffset, BlockDriverState hostNode) {
        this.flags = flags;
        this.pnum = pnum;
        this.hostOffset = hostOffset;
        this.hostNode = hostNode;
    }

    /** Whether {@code flag} is set. */
    public boolean has(int flag) {
        return (flags & flag) != 0;
    }
}
