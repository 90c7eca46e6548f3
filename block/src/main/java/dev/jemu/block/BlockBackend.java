package dev.jemu.block;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * What a device or a tool holds: the root node of a graph, the permissions taken on it,
 * write-through behaviour and statistics. Requests are checked against the permissions and the
 * disk's length (QEMU answers an out-of-range request with an I/O error). All {@code co*}
 * methods are coroutine functions for the backend's AioContext thread.
 */
public final class BlockBackend {
    /** Permission to read. */
    public static final int PERM_READ = 1;
    /** Permission to write, zero and discard. */
    public static final int PERM_WRITE = 1 << 1;
    /** Permission to change the length. */
    public static final int PERM_RESIZE = 1 << 2;

    private final BlockDriverState root;
    private final int perms;
    private final boolean writethrough;
    private final BlockStats stats = new BlockStats();
    private volatile ErrorListener errorListener;

    /** Told of the failed requests a device reports (the monitor turns them into QEMU's BLOCK_IO_ERROR). */
    @FunctionalInterface
    public interface ErrorListener {
        /**
         * @param read whether the failed request read (else it wrote or flushed)
         * @param action what the device's error policy did: {@code report}, {@code ignore} or {@code stop}
         */
        void ioError(BlockBackend blk, boolean read, String action, IOException error);
    }

    /**
     * Attaches to {@code root}, taking {@code perms}.
     *
     * @param writethrough whether every write is made stable before it completes
     *                     ({@code cache=writethrough} and {@code cache=directsync})
     * @throws BlockException if write or resize permission is asked of a read-only node
     */
    public BlockBackend(BlockDriverState root, int perms, boolean writethrough) throws BlockException {
        if ((perms & (PERM_WRITE | PERM_RESIZE)) != 0 && root.isReadOnly()) {
            throw new BlockException("Block node is read-only");
        }
        this.root = root;
        this.perms = perms;
        this.writethrough = writethrough;
    }

    /** Sets who is told of failed requests; null for nobody. Any thread. */
    public void setErrorListener(ErrorListener listener) {
        errorListener = listener;
    }

    /**
     * A device reports a request that failed and what its error policy did about it ({@code
     * report}, {@code ignore}, {@code stop}); the listener, if any, runs on the calling thread.
     */
    public void reportError(boolean read, String action, IOException error) {
        ErrorListener l = errorListener;
        if (l != null) {
            l.ioError(this, read, action, error);
        }
    }

    /** The root node. */
    public BlockDriverState root() {
        return root;
    }

    /** The statistics of this backend. */
    public BlockStats stats() {
        return stats;
    }

    /** The disk's length in bytes. */
    public long length() {
        return root.length();
    }

    /** Whether writes are made stable before they complete. */
    public boolean isWritethrough() {
        return writethrough;
    }

    /** Reads {@code bytes} at {@code offset}. Coroutine function. */
    public void coPreadv(long offset, ByteBuffer buf, int bufOffset, int bytes) throws IOException {
        require(PERM_READ, "read");
        checkRange(offset, bytes);
        long t0 = System.nanoTime();
        try {
            root.coPreadv(offset, buf, bufOffset, bytes);
        } catch (IOException | RuntimeException e) {
            stats.failedRdOperations++;
            throw e;
        }
        stats.rdTotalTimeNs += System.nanoTime() - t0;
        stats.rdOperations++;
        stats.rdBytes += bytes;
    }

    /** Writes {@code bytes} at {@code offset}. Coroutine function. */
    public void coPwritev(long offset, ByteBuffer buf, int bufOffset, int bytes, int flags) throws IOException {
        require(PERM_WRITE, "write");
        checkRange(offset, bytes);
        long t0 = System.nanoTime();
        try {
            root.coPwritev(offset, buf, bufOffset, bytes, writeFlags(flags));
        } catch (IOException | RuntimeException e) {
            stats.failedWrOperations++;
            throw e;
        }
        stats.wrTotalTimeNs += System.nanoTime() - t0;
        stats.wrOperations++;
        stats.wrBytes += bytes;
    }

    /** Makes the range read as zeros. Coroutine function. */
    public void coPwriteZeroes(long offset, long bytes, int flags) throws IOException {
        require(PERM_WRITE, "write");
        checkRange(offset, bytes);
        long t0 = System.nanoTime();
        try {
            root.coPwriteZeroes(offset, bytes, writeFlags(flags));
        } catch (IOException | RuntimeException e) {
            stats.failedWrOperations++;
            throw e;
        }
        stats.wrTotalTimeNs += System.nanoTime() - t0;
        stats.wrOperations++;
        stats.wrBytes += bytes;
    }

    /** Discards the range. Coroutine function. */
    public void coPdiscard(long offset, long bytes) throws IOException {
        require(PERM_WRITE, "discard");
        checkRange(offset, bytes);
        root.coPdiscard(offset, bytes);
        stats.unmapOperations++;
        stats.unmapBytes += bytes;
    }

    /** Makes completed writes stable. Coroutine function. */
    public void coFlush() throws IOException {
        long t0 = System.nanoTime();
        try {
            root.coFlush();
        } catch (IOException | RuntimeException e) {
            stats.failedFlushOperations++;
            throw e;
        }
        stats.flushTotalTimeNs += System.nanoTime() - t0;
        stats.flushOperations++;
    }

    /** Block status of the root node. Coroutine function. */
    public void coBlockStatus(long offset, long bytes, BlockStatus out) throws IOException {
        require(PERM_READ, "query");
        root.coBlockStatus(offset, bytes, out);
    }

    /** Changes the disk's length. Coroutine function. */
    public void coTruncate(long newLength, Preallocation prealloc) throws IOException {
        require(PERM_RESIZE, "resize");
        root.coTruncate(newLength, prealloc);
    }

    /** Drains, flushes (if writable) and closes the graph. Not in a coroutine. */
    public void close() throws IOException {
        root.drain();
        IOException failure = null;
        if ((perms & PERM_WRITE) != 0 || (perms & PERM_RESIZE) != 0) {
            try {
                SyncIo.run(this::coFlush);
            } catch (IOException e) {
                failure = e;
            }
        }
        try {
            root.close();
        } catch (IOException e) {
            if (failure == null) {
                failure = e;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private int writeFlags(int flags) {
        return writethrough ? flags | RequestFlags.FUA : flags;
    }

    private void require(int perm, String what) throws BlockException {
        if ((perms & perm) == 0) {
            throw new BlockException(root.filename() + ": Permission denied: cannot " + what
                    + " without the permission to");
        }
    }

    private void checkRange(long offset, long bytes) throws BlockException {
        long len = root.length();
        if (offset < 0 || bytes < 0 || offset > len || bytes > len - offset) {
            throw new BlockException(root.filename() + ": Input/output error: request at offset "
                    + offset + " of " + bytes + " bytes is past the end of the disk (" + len + " bytes)");
        }
    }
}
