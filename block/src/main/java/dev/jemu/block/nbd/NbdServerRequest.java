package dev.jemu.block.nbd;

import dev.jemu.block.BlockStatus;
import io.netty.buffer.ByteBuf;
import io.netty.util.Recycler;

/**
 * One transmission request on its way through the server: decoded on the connection's Netty
 * thread, executed by a worker coroutine on the export's AioContext, and handed back to the
 * Netty thread (it is the {@link Runnable} given to the channel's event loop) which writes the
 * reply and does the connection's bookkeeping. Pooled with Netty's {@link Recycler}, which
 * supports returning an object from another thread than the one that took it.
 */
final class NbdServerRequest implements Runnable {
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
    /** The encoded reply, built on the AioContext thread. */
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

    /** Drops the request when its connection's event loop is gone (server shut down). */
    void discard() {
        if (reply != null) {
            reply.release();
            reply = null;
        }
        if (payload != null) {
            payload.release();
            payload = null;
        }
        connection = null;
        handle.recycle(this);
    }

    /** Runs on the connection's event loop once the reply is built. */
    @Override
    public void run() {
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
