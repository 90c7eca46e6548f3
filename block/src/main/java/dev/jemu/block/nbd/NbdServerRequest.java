package dev.jemu.block.nbd;

import dev.jemu.block.BlockStatus;
import io.netty.buffer.ByteBuf;
import io.netty.util.Recycler;

/**
 * One transmission request on its way through the server: decoded by the connection, executed by
 * a worker coroutine, which then {@link #complete()}s it: writes the reply and does the
 * connection's bookkeeping. All on the export context's home thread. Pooled with Netty's {@link
 * Recycler}.
 */
final class NbdServerRequest {
    /** How many extents a sparse READ or a BLOCK_STATUS reply describes at most. */
    static final int MAX_EXTENTS = 256;

    private static final Recycler<NbdServerRequest> POOL = new Recycler<>() {
        @Override
        protected NbdServerRequest newObject(Handle<NbdServerRequest> handle) {
            return new NbdServerRequest(handle);
        }
    };

    private final Recycler.Handle<NbdServerRequest> handle;

    NbdServerConnection connection;
    int type;
    int flags;
    long cookie;
    long offset;
    int length;
    /** READ/WRITE data bytes this request holds in buffers, for the connection's accounting. */
    long pinnedBytes;
    /** WRITE: the payload (a retained slice of the connection's input). */
    ByteBuf payload;
    /** The encoded reply. */
    ByteBuf reply;

    /** Extents gathered by the executor: start offsets, lengths and NBD_STATE_* flags. */
    final long[] extentOffset = new long[MAX_EXTENTS];
    final long[] extentLength = new long[MAX_EXTENTS];
    final int[] extentFlags = new int[MAX_EXTENTS];
    /** Scratch for the block status queries of this request. */
    final BlockStatus status = new BlockStatus();

    private NbdServerRequest(Recycler.Handle<NbdServerRequest> handle) {
        this.handle = handle;
    }

    /** A pooled request for {@code connection}. */
    static NbdServerRequest take(NbdServerConnection connection) {
        NbdServerRequest r = POOL.get();
        r.connection = connection;
        return r;
    }

    /** Hands the built reply to the connection, which writes it, and recycles the request. */
    void complete() {
        NbdServerConnection c = connection;
        ByteBuf out = reply;
        long pinned = pinnedBytes;
        reply = null;
        if (payload != null) {
            payload.release();
            payload = null;
        }
        connection = null;
        handle.recycle(this);
        c.completed(out, pinned);
    }
}
