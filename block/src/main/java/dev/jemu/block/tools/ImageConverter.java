package dev.jemu.block.tools;

import dev.jemu.block.BlockBackend;
import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockStatus;
import dev.jemu.block.RequestFlags;
import dev.jemu.block.SyncIo;
import dev.jemu.coroutine.CoMutex;
import dev.jemu.coroutine.CoQueue;
import dev.jemu.coroutine.Coroutine;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.function.DoubleConsumer;

/**
 * {@code convert}: copies the guest content of one image into a freshly created one (or an
 * existing one, {@code -n}). The source is walked in runs of one kind each, at most a 2 MiB
 * buffer long, as its block status tells them: data, which is read and written; zeros, which are
 * never read and are skipped on a target that starts zeroed (written as zeros otherwise); and,
 * when the target has a backing file ({@code -B}), ranges the source's top image leaves to its
 * backing chain, which are left to the target's backing file. Several coroutines ({@code -m})
 * each take the next run, so that reads overlap; writes go out in order unless out-of-order
 * writes are allowed ({@code -W}). With sparse detection ({@code -S}) zero runs inside data are
 * skipped too; with compression ({@code -c}) every non-zero cluster is written compressed.
 * Everything runs on the calling thread and its AioContext.
 */
public final class ImageConverter {
    private static final int CHUNK = 2 << 20;

    /**
     * Conversion settings.
     *
     * @param compress write compressed clusters
     * @param sparseSize smallest zero run (bytes) to skip inside data; 0 writes everything (a fully
     *                   allocated target)
     * @param coroutines requests in flight (1 to 16)
     * @param outOfOrder allow writes to complete in any order
     * @param targetIsZero the target reads as zeros before conversion (a new image)
     * @param progress receives the percentage done, or null
     * @param targetHasBacking the target has a backing file with the content of the source's
     *                         backing chain: ranges the source's top image does not allocate are
     *                         not written
     */
    public record Options(boolean compress, long sparseSize, int coroutines, boolean outOfOrder,
                          boolean targetIsZero, DoubleConsumer progress, boolean targetHasBacking) {

        /** Options for a target without a backing file. */
        public Options(boolean compress, long sparseSize, int coroutines, boolean outOfOrder, boolean targetIsZero,
                       DoubleConsumer progress) {
            this(compress, sparseSize, coroutines, outOfOrder, targetIsZero, progress, false);
        }
    }

    /** What a run of the source is, for the target. */
    private static final int RUN_DATA = 0;
    /** The run reads as zeros. */
    private static final int RUN_ZERO = 1;
    /** The run comes from the source's backing chain, which the target's backing file holds. */
    private static final int RUN_BACKING = 2;

    private final BlockBackend src;
    private final BlockBackend dst;
    private final Options opts;
    private final long size;
    private final int chunk;
    private final int clusterSize;
    /** Taken around the choice of the next run, whose status query may yield. */
    private final CoMutex claim = new CoMutex();
    private final CoQueue turn = new CoQueue();
    private final BlockStatus claimStatus = new BlockStatus();
    /** Start of the next run nobody has claimed. */
    private long next;
    /** The last status query's answer still ahead of {@link #next}: its kind, valid up to {@link #statusEnd}. */
    private int statusKind;
    private long statusEnd;
    /** End of the run {@link #nextRun} chose. */
    private long runEnd;
    /** Everything before this offset has been written (in-order mode). */
    private long written;
    private long bytesDone;
    private int running;
    private Throwable failure;

    private ImageConverter(BlockBackend src, BlockBackend dst, Options opts) {
        this.src = src;
        this.dst = dst;
        this.opts = opts;
        this.size = src.length();
        int cs = dst.root().info().clusterSize();
        this.clusterSize = cs > 0 ? cs : 65536;
        this.chunk = Math.max(CHUNK, clusterSize);
    }

    /** Converts {@code src} into {@code dst} (whose length is at least the source's). Not in a coroutine. */
    public static void run(BlockBackend src, BlockBackend dst, Options opts) throws IOException {
        new ImageConverter(src, dst, opts).run();
    }

    private void run() throws IOException {
        long chunks = (size + chunk - 1) / chunk;
        int workers = (int) Math.max(1, Math.min(opts.coroutines(), chunks));
        var ctx = SyncIo.context();
        running = workers;
        for (int i = 0; i < workers; i++) {
            Coroutine.create(o -> worker(), null).enter();
        }
        while (running > 0) {
            ctx.poll(true);
        }
        if (failure instanceof IOException e) {
            throw e;
        }
        if (failure instanceof RuntimeException e) {
            throw e;
        }
        if (failure instanceof Error e) {
            throw e;
        }
        SyncIo.run(dst::coFlush);
    }

    /**
     * One of the {@code -m} coroutines: claims the next run (one kind, at most a buffer long),
     * reads it if it is data, waits for its turn unless writes may go out of order, and writes it.
     */
    private void worker() {
        ByteBuffer buf = BlockDriverState.alignedBuffer(chunk, 4096);
        MemorySegment seg = MemorySegment.ofBuffer(buf);
        try {
            while (true) {
                long off;
                int len;
                int kind;
                claim.lock();
                try {
                    if (failure != null || next >= size) {
                        return;
                    }
                    off = next;
                    kind = nextRun(off);
                    len = (int) (runEnd - off);
                    next = runEnd;
                } finally {
                    claim.unlock();
                }
                if (kind == RUN_DATA) {
                    src.coPreadv(off, buf, 0, len);
                }
                if (!opts.outOfOrder()) {
                    while (written != off && failure == null) {
                        turn.await(null);
                    }
                }
                try {
                    if (failure == null) {
                        write(kind, off, len, buf, seg);
                    }
                } finally {
                    written = off + len;
                    bytesDone += len;
                    turn.restartAll();
                }
                if (opts.progress() != null) {
                    opts.progress().accept(100.0 * bytesDone / size);
                }
            }
        } catch (Throwable t) {
            if (failure == null) {
                failure = t;
            }
            turn.restartAll();
        } finally {
            running--;
        }
    }

    /**
     * The kind of the run at {@code off}, with {@link #runEnd} set to where it ends (at most a
     * buffer further); asks the source only when the previous answer does not reach past
     * {@code off}. Without sparse detection zeros are copied as data. With compression, a run
     * shorter than a cluster becomes a whole cluster of data and longer ones end on a cluster
     * boundary; otherwise a data run longer than a target cluster does, so that the next run's
     * writes start on one.
     */
    private int nextRun(long off) throws IOException {
        if (statusEnd <= off) {
            statusKind = queryKind(off, size - off);
            statusEnd = off + claimStatus.pnum;
        }
        int kind = statusKind;
        long end = Math.min(statusEnd, off + chunk);
        if (kind == RUN_ZERO && opts.sparseSize() == 0 && !opts.compress()) {
            kind = RUN_DATA;
        }
        long aligned = end / clusterSize * clusterSize;
        if (opts.compress()) {
            if (aligned > off) {
                end = aligned;
            } else {
                end = Math.min(size, off + clusterSize);
                kind = RUN_DATA;
            }
        } else if (kind == RUN_DATA && end - off > clusterSize && end < size) {
            end = aligned;
        }
        runEnd = end;
        return kind;
    }

    /** Where the content at {@code off} comes from, with {@code claimStatus.pnum} the run's length. */
    private int queryKind(long off, long bytes) throws IOException {
        BlockStatus st = claimStatus;
        if (opts.targetHasBacking()) {
            BlockDriverState top = src.root();
            top.coBlockStatus(off, bytes, st);
            if (top.backing() != null && !st.has(BlockStatus.ALLOCATED)) {
                return RUN_BACKING;
            }
            bytes = st.pnum;
        }
        ChainStatus.query(src.root(), off, bytes, st);
        return st.has(BlockStatus.ZERO) ? RUN_ZERO : RUN_DATA;
    }

    /** Writes the run of {@code kind} at {@code off}; a data run is in {@code buf[0, len)}. */
    private void write(int kind, long off, int len, ByteBuffer buf, MemorySegment seg) throws IOException {
        switch (kind) {
            case RUN_BACKING -> {
            }
            case RUN_ZERO -> {
                if (!opts.targetIsZero()) {
                    dst.coPwriteZeroes(off, len, RequestFlags.MAY_UNMAP);
                }
            }
            default -> {
                if (opts.compress()) {
                    writeCompressed(off, len, buf, seg);
                } else {
                    writeSparse(off, len, buf, seg);
                }
            }
        }
    }

    private void writeCompressed(long off, int len, ByteBuffer buf, MemorySegment seg) throws IOException {
        for (int pos = 0; pos < len; pos += clusterSize) {
            int n = Math.min(clusterSize, len - pos);
            if (isZero(seg, pos, n)) {
                if (!opts.targetIsZero()) {
                    dst.coPwriteZeroes(off + pos, n, RequestFlags.MAY_UNMAP);
                }
                continue;
            }
            dst.coPwritev(off + pos, buf, pos, n, RequestFlags.COMPRESSED);
        }
    }

    /**
     * Writes a data run; with sparse detection, runs of zero granules ({@code -S} bytes each,
     * aligned in the image as qemu-img aligns its zero runs) are left out (or written as zeros
     * on a target that does not start zeroed).
     */
    private void writeSparse(long off, int len, ByteBuffer buf, MemorySegment seg) throws IOException {
        long s = opts.sparseSize();
        if (s <= 0) {
            dst.coPwritev(off, buf, 0, len, 0);
            return;
        }
        long gran = Math.min(s, chunk);
        int pos = 0;
        while (pos < len) {
            int end = granuleEnd(off, pos, len, gran);
            boolean zero = isZero(seg, pos, end - pos);
            while (end < len) {
                int next = granuleEnd(off, end, len, gran);
                if (isZero(seg, end, next - end) != zero) {
                    break;
                }
                end = next;
            }
            if (!zero) {
                dst.coPwritev(off + pos, buf, pos, end - pos, 0);
            } else if (!opts.targetIsZero()) {
                dst.coPwriteZeroes(off + pos, end - pos, RequestFlags.MAY_UNMAP);
            }
            pos = end;
        }
    }

    /**
     * End, as a position in the run at {@code off}, of the granule holding position {@code pos}:
     * the next multiple of {@code gran} in the image, or the run's end.
     */
    private static int granuleEnd(long off, int pos, int len, long gran) {
        long at = off + pos;
        long end = (at / gran + 1) * gran;
        return (int) Math.min(len, end - off);
    }

    /** A zero-filled segment the zero test compares against, a piece at a time. */
    private static final MemorySegment ZEROES = MemorySegment.ofArray(new byte[65536]);

    /** Whether {@code seg[pos, pos+n)} is all zero bytes. */
    static boolean isZero(MemorySegment seg, long pos, long n) {
        long end = pos + n;
        for (long at = pos; at < end; at += ZEROES.byteSize()) {
            long piece = Math.min(ZEROES.byteSize(), end - at);
            if (MemorySegment.mismatch(seg, at, at + piece, ZEROES, 0, piece) != -1) {
                return false;
            }
        }
        return true;
    }
}
