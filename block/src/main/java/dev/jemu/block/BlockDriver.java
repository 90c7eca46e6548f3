package dev.jemu.block;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One opened driver instance: the state of one node of the graph ({@code file}, {@code raw},
 * {@code qcow2}, {@code null-co}). Every {@code co*} function is a coroutine function: it is
 * called inside a coroutine running in the node's {@code AioContext}, may yield, and must not
 * yield while holding a Java monitor or thread lock.
 *
 * <p>Buffers are given as {@code (buf, bufOffset, bytes)}: the driver reads or writes
 * {@code buf[bufOffset, bufOffset + bytes)} by absolute index and leaves the buffer's position
 * and limit as they were. The request layer ({@link BlockDriverState}) has already checked the
 * range against the node's length and aligned it to {@link #requestAlignment()}.
 */
public interface BlockDriver {

    /** The driver's name as given in {@code driver=}: "file", "raw", "qcow2", "null-co". */
    String formatName();

    /** The virtual length in bytes. Never does I/O. */
    long length();

    /** Offsets and lengths of requests are multiples of this (a power of two). */
    default int requestAlignment() {
        return 1;
    }

    /** Reads {@code bytes} at {@code offset} into the buffer. */
    void coPreadv(long offset, ByteBuffer buf, int bufOffset, int bytes) throws IOException;

    /** Writes {@code bytes} at {@code offset}; with {@link RequestFlags#FUA} they are stable on return. */
    void coPwritev(long offset, ByteBuffer buf, int bufOffset, int bytes, int flags) throws IOException;

    /** Makes every completed write stable. */
    void coFlush() throws IOException;

    /** Tells the driver the range's content is no longer needed; it may read back as anything. */
    void coPdiscard(long offset, long bytes) throws IOException;

    /**
     * Makes the range read as zeros, efficiently if the driver can. Throws
     * {@link UnsupportedOperationException} when it cannot and {@link RequestFlags#NO_FALLBACK}
     * is not set, the request layer then writes a buffer of zeros.
     */
    void coPwriteZeroes(long offset, long bytes, int flags) throws IOException;

    /** Fills {@code out} with the status of the range starting at {@code offset}. */
    void coBlockStatus(long offset, long bytes, BlockStatus out) throws IOException;

    /** Changes the length; {@code prealloc} says how to allocate a growing tail. */
    void coTruncate(long length, Preallocation prealloc) throws IOException;

    /** What {@code info} shows about this node's format; never does I/O. */
    ImageInfo getInfo();

    /** The protocol child (a {@code file} node) if this driver is a format, else null. */
    default BlockDriverState fileChild() {
        return null;
    }

    /** The backing node if any, else null. */
    default BlockDriverState backingChild() {
        return null;
    }

    /** Releases what the driver holds (after the caller has drained and flushed). */
    void close() throws IOException;
}
