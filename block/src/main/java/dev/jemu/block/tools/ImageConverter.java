package dev.jemu.block.tools;

import dev.jemu.block.BlockBackend;
import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockStatus;
import dev.jemu.block.RequestFlags;
import dev.jemu.block.SyncIo;
import dev.jemu.coroutine.CoQueue;
import dev.jemu.coroutine.Coroutine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.DoubleConsumer;

/**
 * {@code convert}: copies the guest content of one image into a freshly created one, in chunks
 * handled by several coroutines at once ({@code -m}), keeping writes in order unless
 * out-of-order writes are allowed ({@code -W}). Ranges that read as zeros are skipped on a
 * target that starts zeroed; with sparse detection ({@code -S}) zero runs inside data are
 * skipped too; with compression ({@code -c}) every non-zero cluster is written compressed.
 * When the target has a backing file ({@code -B}), only what the source's top image holds is
 * written: ranges it leaves to its backing chain are left to the target's backing file.
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

    private final BlockBackend src;
    private final BlockBackend dst;
    private final Options opts;
    private final long size;
    private final int chunk;
    private final int clusterSize;
    private final CoQueue turn = new CoQueue();
    private long nextChunk;
    private long nextToWrite;
    private long chunksDone;
    private long totalChunks;
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
        totalChunks = (size + chunk - 1) / chunk;
        int workers = (int) Math.max(1, Math.min(opts.coroutines(), Math.max(totalChunks, 1)));
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

    private void worker() {
        ByteBuffer buf = BlockDriverState.alignedBuffer(chunk, 4096);
        BlockStatus st = new BlockStatus();
        try {
            while (failure == null && nextChunk < totalChunks) {
                long idx = nextChunk++;
                long off = idx * chunk;
                int len = (int) Math.min(chunk, size - off);
                copyChunk(idx, off, len, buf, st);
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

    private void copyChunk(long idx, long off, int len, ByteBuffer buf, BlockStatus st) throws IOException {
        // Read everything that is not known to be zero.
        boolean anyData = false;
        boolean fullyAllocate = opts.sparseSize() == 0 && !opts.compress();
        for (int pos = 0; pos < len; ) {
            if (fromBacking(off + pos, len - pos, st)) {
                pos += (int) st.pnum;
                continue;
            }
            ChainStatus.query(src.root(), off + pos, len - pos, st);
            int n = (int) st.pnum;
            if (st.has(BlockStatus.ZERO) && !st.has(BlockStatus.DATA) && !fullyAllocate) {
                zero(buf, pos, n);
            } else {
                src.coPreadv(off + pos, buf, pos, n);
                anyData = true;
            }
            pos += n;
        }
        if (!opts.outOfOrder()) {
            while (nextToWrite != idx && failure == null) {
                turn.await(null);
            }
        }
        try {
            if (failure == null && opts.targetHasBacking()) {
                for (int pos = 0; pos < len; pos += (int) st.pnum) {
                    if (!fromBacking(off + pos, len - pos, st)) {
                        write(off, pos, pos + (int) st.pnum, buf, true);
                    }
                }
            } else if (failure == null) {
                write(off, 0, len, buf, anyData);
            }
        } finally {
            nextToWrite++;
            chunksDone++;
            turn.restartAll();
        }
        if (opts.progress() != null) {
            opts.progress().accept(100.0 * chunksDone / totalChunks);
        }
    }

    /**
     * With a backing file for the target, whether the range at {@code offset} comes from the
     * source's backing chain (the top image does not allocate it); {@code st.pnum} is the length
     * of the range either way. Without, false.
     */
    private boolean fromBacking(long offset, int bytes, BlockStatus st) throws IOException {
        if (!opts.targetHasBacking()) {
            return false;
        }
        BlockDriverState top = src.root();
        top.coBlockStatus(offset, bytes, st);
        return top.backing() != null && !st.has(BlockStatus.ALLOCATED);
    }

    /** Writes {@code buf[from, to)} to the chunk at {@code off}; without {@code anyData} it reads as zeros. */
    private void write(long off, int from, int to, ByteBuffer buf, boolean anyData) throws IOException {
        if (!anyData) {
            if (!opts.targetIsZero()) {
                dst.coPwriteZeroes(off + from, to - from, RequestFlags.MAY_UNMAP);
            }
        } else if (opts.compress()) {
            writeCompressed(off, from, to, buf);
        } else {
            writeSparse(off, from, to, buf);
        }
    }

    private void writeCompressed(long off, int from, int to, ByteBuffer buf) throws IOException {
        for (int pos = from; pos < to; pos += clusterSize) {
            int n = Math.min(clusterSize, to - pos);
            if (isZero(buf, pos, n)) {
                if (!opts.targetIsZero()) {
                    dst.coPwriteZeroes(off + pos, n, RequestFlags.MAY_UNMAP);
                }
                continue;
            }
            dst.coPwritev(off + pos, buf, pos, n, RequestFlags.COMPRESSED);
        }
    }

    private void writeSparse(long off, int from, int to, ByteBuffer buf) throws IOException {
        long s = opts.sparseSize();
        if (s <= 0) {
            dst.coPwritev(off + from, buf, from, to - from, 0);
            return;
        }
        int gran = (int) Math.min(s, chunk);
        int pos = from;
        while (pos < to) {
            int n = Math.min(gran, to - pos);
            boolean zero = isZero(buf, pos, n);
            int end = pos + n;
            while (end < to && isZero(buf, end, Math.min(gran, to - end)) == zero) {
                end += Math.min(gran, to - end);
            }
            if (!zero) {
                dst.coPwritev(off + pos, buf, pos, end - pos, 0);
            } else if (!opts.targetIsZero()) {
                dst.coPwriteZeroes(off + pos, end - pos, RequestFlags.MAY_UNMAP);
            }
            pos = end;
        }
    }

    private static final byte[] ZEROES = new byte[65536];

    private static void zero(ByteBuffer buf, int pos, int n) {
        for (int done = 0; done < n; done += ZEROES.length) {
            buf.put(pos + done, ZEROES, 0, Math.min(ZEROES.length, n - done));
        }
    }

    /** Whether {@code buf[pos, pos+n)} is all zero bytes. */
    static boolean isZero(ByteBuffer buf, int pos, int n) {
        int i = pos;
        int end = pos + n;
        for (; i + 8 <= end; i += 8) {
            if (buf.getLong(i) != 0) {
                return false;
            }
        }
        for (; i < end; i++) {
            if (buf.get(i) != 0) {
                return false;
            }
        }
        return true;
    }
}
