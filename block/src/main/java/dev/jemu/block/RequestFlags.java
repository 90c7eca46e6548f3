package dev.jemu.block;

/** Bit flags of a block request, as passed to the {@code co*} functions. */
public final class RequestFlags {
    /** Write: the data must be on stable storage when the request completes. */
    public static final int FUA = 1;
    /** Write zeroes: the driver may deallocate the range instead of writing zeros. */
    public static final int MAY_UNMAP = 1 << 1;
    /** Write zeroes: fail instead of falling back to writing a buffer of zeros. */
    public static final int NO_FALLBACK = 1 << 2;
    /** Write: the buffer is a whole number of clusters to be stored compressed. */
    public static final int COMPRESSED = 1 << 3;

    private RequestFlags() {
    }
}
