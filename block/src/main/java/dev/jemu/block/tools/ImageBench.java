package dev.jemu.block.tools;

import dev.jemu.block.BlockBackend;
import dev.jemu.block.BlockDriverState;
import dev.jemu.block.SyncIo;
import dev.jemu.coroutine.CoQueue;
import dev.jemu.coroutine.Coroutine;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * {@code bench}: {@code count} requests of {@code size} bytes with {@code depth} in flight;
 * request k goes to {@code (offset + k * step) mod imageSize}, as in QEMU 7.2. Writes write the
 * pattern byte; with a flush interval, a flush follows every that many requests (after draining
 * the requests in flight unless {@code noDrain}).
 */
public final class ImageBench {

    /** Benchmark parameters, named after qemu-img bench's options. */
    public record Options(int count, int depth, long offset, int size, long step, boolean write, int pattern,
                          int flushInterval, boolean noDrain) {
    }

    private final BlockBackend blk;
    private final Options o;
    private final long imageSize;
    private long nextOffset;
    private int issued;
    private int workers;
    private int active;
    private final CoQueue idle = new CoQueue();
    private final CoQueue resume = new CoQueue();
    private int sinceFlush;
    private boolean flushing;
    private Throwable failure;

    private ImageBench(BlockBackend blk, Options o) {
        this.blk = blk;
        this.o = o;
        this.imageSize = blk.length();
        this.nextOffset = o.offset();
    }

    /** The line qemu-img prints before the run. */
    public static String describe(Options o) {
        String s = "Sending " + o.count() + " " + (o.write() ? "write" : "read") + " requests, " + o.size()
                + " bytes each, " + o.depth() + " in parallel (starting at offset " + o.offset() + ", step size "
                + o.step() + ")";
        if (o.flushInterval() > 0) {
            s += "\nSending flush every " + o.flushInterval() + " requests";
        }
        return s;
    }

    /** Runs the benchmark; returns the elapsed nanoseconds. Not in a coroutine. */
    public static long run(BlockBackend blk, Options o) throws IOException {
        return new ImageBench(blk, o).run();
    }

    private long run() throws IOException {
        var ctx = SyncIo.context();
        int n = Math.min(o.depth(), Math.max(o.count(), 1));
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            ByteBuffer buf = BlockDriverState.alignedBuffer(o.size(), 4096);
            for (int j = 0; j < o.size(); j++) {
                buf.put(j, (byte) o.pattern());
            }
            Coroutine.create(x -> worker(buf), null).enter();
        }
        while (workers > 0) {
            ctx.poll(true);
        }
        long elapsed = System.nanoTime() - t0;
        if (failure instanceof IOException e) {
            throw e;
        }
        if (failure instanceof RuntimeException e) {
            throw e;
        }
        if (failure != null) {
            throw new IOException(failure);
        }
        return elapsed;
    }

    private void worker(ByteBuffer buf) {
        workers++;
        try {
            while (failure == null) {
                while (flushing) {
                    resume.await(null);
                }
                if (issued >= o.count()) {
                    break;
                }
                long off = nextOffset;
                nextOffset = (nextOffset + o.step()) % imageSize;
                issued++;
                active++;
                try {
                    if (o.write()) {
                        blk.coPwritev(off, buf, 0, o.size(), 0);
                    } else {
                        blk.coPreadv(off, buf, 0, o.size());
                    }
                } finally {
                    active--;
                    if (flushing && active == 0) {
                        idle.restartAll();
                    }
                }
                if (o.flushInterval() > 0 && ++sinceFlush >= o.flushInterval() && !flushing) {
                    sinceFlush = 0;
                    flushing = true;
                    try {
                        while (!o.noDrain() && active > 0) {
                            idle.await(null);
                        }
                        blk.coFlush();
                    } finally {
                        flushing = false;
                        resume.restartAll();
                    }
                }
            }
        } catch (Throwable t) {
            failure = t;
            resume.restartAll();
        } finally {
            workers--;
        }
    }
}
