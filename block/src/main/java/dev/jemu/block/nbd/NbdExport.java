package dev.jemu.block.nbd;

import dev.jemu.aio.AioContext;
import dev.jemu.block.BlockBackend;
import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockException;
import dev.jemu.block.BlockStatus;
import dev.jemu.block.RequestFlags;
import dev.jemu.block.file.FileDriver;
import dev.jemu.coroutine.Coroutine;
import io.netty.buffer.ByteBuf;

import java.io.IOException;
import java.util.ArrayDeque;

/**
 * One exported disk: a {@link BlockBackend} with a name, a description, the transmission flags
 * the server advertises for it, and the executor that runs its requests as coroutines on its
 * {@link AioContext}.
 *
 * <p>Threading: everything runs on the context's home thread, whose event loop also serves the
 * server's connections. {@link #execute} queues a decoded request and enters a worker coroutine
 * (at most {@link #MAX_WORKERS}, kept and reused) as QEMU's {@code aio_co_enter} does: at once
 * from the connection's read handler, once the current coroutine yields when a reply written by
 * a worker lets the connection read the next request. The worker executes requests through the
 * backend, yielding while their I/O is in flight, and writes each reply itself.
 */
public final class NbdExport {
    /** Requests of this export executed at the same time, over all connections. */
    static final int MAX_WORKERS = 128;

    /** What {@code --detect-zeroes} asks for. */
    public enum DetectZeroes {
        /** Writes are written as given. */
        OFF,
        /** A write of zeros becomes an efficient write-zeroes request. */
        ON,
        /** A write of zeros becomes a write-zeroes request that may deallocate (with discard=unmap). */
        UNMAP
    }

    private final String name;
    private final String description;
    private final BlockBackend backend;
    private final boolean readOnly;
    private final boolean unmap;
    private final DetectZeroes detectZeroes;
    private final int transmissionFlags;
    private final AioContext context;

    private final ArrayDeque<NbdServerRequest> pending = new ArrayDeque<>();
    private final ArrayDeque<Coroutine> idleWorkers = new ArrayDeque<>();
    private int workers;
    private int executing;
    private boolean closed;

    /**
     * How an export is presented and behaves.
     *
     * @param name the export name clients ask for ("" is the default export)
     * @param description the text sent with NBD_INFO_DESCRIPTION and LIST, or null
     * @param readOnly whether the export refuses writes (advertises READ_ONLY)
     * @param multiConn whether CAN_MULTI_CONN is advertised
     * @param unmap whether TRIM and write-zeroes may deallocate ({@code --discard=unmap})
     * @param detectZeroes what to do with writes of zeros
     */
    public record Settings(String name, String description, boolean readOnly, boolean multiConn, boolean unmap,
                           DetectZeroes detectZeroes) {
        public Settings {
            if (name.length() > Nbd.MAX_STRING || (description != null && description.length() > Nbd.MAX_STRING)) {
                throw new IllegalArgumentException("NBD export name and description must be at most "
                        + Nbd.MAX_STRING + " bytes");
            }
        }
    }

    /**
     * An export of {@code backend} running its requests in {@code context}; call on its home
     * thread. As qemu-nbd's, the export does not let other users resize the image it serves.
     *
     * @throws BlockException if another process holds the permission to resize the image
     */
    public NbdExport(BlockBackend backend, AioContext context, Settings settings) throws BlockException {
        for (BlockDriverState n = backend.root(); n != null; n = n.file()) {
            if (n.driver() instanceof FileDriver f) {
                f.unshare(FileDriver.PERM_RESIZE);
                break;
            }
        }
        this.name = settings.name();
        this.description = settings.description();
        this.backend = backend;
        this.context = context;
        this.readOnly = settings.readOnly();
        this.unmap = settings.unmap();
        this.detectZeroes = settings.detectZeroes();
        boolean multiConn = settings.multiConn();
        int flags = Nbd.TFLAG_HAS_FLAGS | Nbd.TFLAG_SEND_FLUSH | Nbd.TFLAG_SEND_FUA | Nbd.TFLAG_SEND_DF
                | Nbd.TFLAG_SEND_CACHE;
        if (readOnly) {
            flags |= Nbd.TFLAG_READ_ONLY;
        } else {
            flags |= Nbd.TFLAG_SEND_TRIM | Nbd.TFLAG_SEND_WRITE_ZEROES | Nbd.TFLAG_SEND_FAST_ZERO;
        }
        if (multiConn) {
            flags |= Nbd.TFLAG_CAN_MULTI_CONN;
        }
        this.transmissionFlags = flags;
    }

    /** The export name. */
    public String name() {
        return name;
    }

    /** The description, or null. */
    public String description() {
        return description;
    }

    /** The size in bytes. */
    public long size() {
        return backend.length();
    }

    /** The transmission flags advertised (NBD_FLAG_*). */
    public int transmissionFlags() {
        return transmissionFlags;
    }

    /** Whether writes are refused. */
    public boolean isReadOnly() {
        return readOnly;
    }

    /** The context requests run in. */
    public AioContext context() {
        return context;
    }

    /** Requests queued or executing. Home thread. */
    public boolean isBusy() {
        return executing > 0 || !pending.isEmpty();
    }

    /**
     * Queues {@code request} and enters a worker for it: an idle one, or a new one while there are
     * fewer than {@link #MAX_WORKERS}; else the next worker to finish takes it. Home thread.
     */
    void execute(NbdServerRequest request) {
        pending.add(request);
        Coroutine worker = idleWorkers.poll();
        if (worker == null) {
            if (workers >= MAX_WORKERS) {
                return;
            }
            workers++;
            worker = Coroutine.create(opaque -> work(), null);
        }
        context.enter(worker);
    }

    /**
     * Ends the idle worker coroutines. Home thread, once no request is queued or executing
     * ({@link #isBusy()} false) and no connection can submit any more.
     */
    public void close() {
        if (closed) {
            return;
        }
        if (isBusy()) {
            throw new IllegalStateException("NbdExport.close: requests are still executing");
        }
        closed = true;
        Coroutine worker;
        while ((worker = idleWorkers.poll()) != null) {
            worker.enter(context);
        }
    }

    /** A worker: executes pending requests and writes their replies, then parks until {@link #execute}. */
    private void work() {
        while (!closed) {
            NbdServerRequest r;
            while ((r = pending.poll()) != null) {
                executing++;
                try {
                    NbdServerExec.execute(this, r);
                } finally {
                    executing--;
                }
                r.complete();
            }
            idleWorkers.push(Coroutine.self());
            Coroutine.yield();
        }
        workers--;
    }

    // ---------------------------------------------------------------- backend access for the executor

    BlockBackend backend() {
        return backend;
    }

    boolean unmap() {
        return unmap;
    }

    DetectZeroes detectZeroes() {
        return detectZeroes;
    }

    /**
     * Fills {@code r}'s extent arrays with base:allocation extents of {@code [offset, offset + bytes)}
     * ({@code max} of them at most) and returns how many; looks through unallocated ranges of a
     * node into its backing chain, as the allocation seen by the guest is that of the chain.
     */
    int allocationExtents(NbdServerRequest r, long offset, long bytes, int max) throws IOException {
        int n = 0;
        long end = offset + bytes;
        while (offset < end && n < max) {
            long pnum = chainStatus(offset, end - offset, r.status);
            BlockStatus status = r.status;
            int flags = (status.has(BlockStatus.DATA) ? 0 : Nbd.STATE_HOLE)
                    | (status.has(BlockStatus.ZERO) ? Nbd.STATE_ZERO : 0);
            if (n > 0 && r.extentFlags[n - 1] == flags && r.extentOffset[n - 1] + r.extentLength[n - 1] == offset) {
                r.extentLength[n - 1] += pnum;
            } else {
                r.extentOffset[n] = offset;
                r.extentLength[n] = pnum;
                r.extentFlags[n] = flags;
                n++;
            }
            offset += pnum;
        }
        return n;
    }

    /** Status of the chain at {@code offset} into {@code status}; returns the bytes it covers. */
    private long chainStatus(long offset, long bytes, BlockStatus status) throws IOException {
        BlockDriverState node = backend.root();
        backend.coBlockStatus(offset, bytes, status);
        while (!status.has(BlockStatus.ALLOCATED) && !status.has(BlockStatus.DATA) && !status.has(BlockStatus.ZERO)) {
            BlockDriverState backing = node.backing();
            if (backing == null) {
                break;
            }
            long pnum = status.pnum;
            if (offset >= backing.length()) {
                status.set(BlockStatus.ZERO, pnum, 0, null);
                break;
            }
            node = backing;
            node.coBlockStatus(offset, Math.min(pnum, backing.length() - offset), status);
        }
        return status.pnum;
    }

    /** Whether the {@code bytes} at {@code at} of {@code buf} are all zero. */
    static boolean isZero(ByteBuf buf, int at, int bytes) {
        int i = at;
        int end = at + bytes;
        for (; i + 8 <= end; i += 8) {
            if (buf.getLong(i) != 0) {
                return false;
            }
        }
        for (; i < end; i++) {
            if (buf.getByte(i) != 0) {
                return false;
            }
        }
        return true;
    }

    /** The block-layer write-zeroes flags for an NBD WRITE_ZEROES with {@code nbdFlags}. */
    int zeroFlags(int nbdFlags) {
        int f = 0;
        if ((nbdFlags & Nbd.CMD_FLAG_FUA) != 0) {
            f |= RequestFlags.FUA;
        }
        if ((nbdFlags & Nbd.CMD_FLAG_NO_HOLE) == 0 && unmap) {
            f |= RequestFlags.MAY_UNMAP;
        }
        if ((nbdFlags & Nbd.CMD_FLAG_FAST_ZERO) != 0) {
            f |= RequestFlags.NO_FALLBACK;
        }
        return f;
    }
}
