package dev.jemu.devices.virtio.blk;

import dev.jemu.aio.AioContext;
import dev.jemu.block.BlockDriver;
import dev.jemu.block.BlockException;
import dev.jemu.block.BlockStatus;
import dev.jemu.block.ImageInfo;
import dev.jemu.block.Preallocation;
import dev.jemu.coroutine.CoQueue;
import dev.jemu.coroutine.Coroutine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A disk in memory for device tests: each read and write yields once to its AioContext (so
 * requests overlap), records the thread and AioContext it ran in and how many were in flight at once, and can
 * be told to fail the next requests with an I/O error.
 */
final class MemoryDisk implements BlockDriver {
    final byte[] data;
    final Set<String> threads = ConcurrentHashMap.newKeySet();
    final Set<AioContext> contexts = ConcurrentHashMap.newKeySet();
    volatile int failNext;
    volatile String failMessage = "Input/output error";
    volatile int active;
    int maxActive;
    /** While set, requests wait in the driver until {@link #release()}. */
    volatile boolean hold;
    /** Flags of the last write. */
    volatile int lastWriteFlags = -1;
    private final CoQueue held = new CoQueue();
    private volatile AioContext home;

    MemoryDisk(int size) {
        data = new byte[size];
    }

    private void pause() throws IOException {
        threads.add(Thread.currentThread().getName());
        contexts.add(AioContext.current());
        if (failNext > 0) {
            failNext--;
            throw new IOException(failMessage);
        }
        active++;
        maxActive = Math.max(maxActive, active);
        home = AioContext.current();
        Coroutine self = Coroutine.self();
        home.oneShot(self::wake);
        Coroutine.yield();
        while (hold) {
            held.await(null);
        }
        active--;
    }

    /** Lets held requests go on (from any thread). */
    void release() {
        home.oneShot(() -> {
            hold = false;
            held.restartAll();
        });
    }

    @Override public String formatName() {
        return "memory";
    }

    @Override public long length() {
        return data.length;
    }

    @Override public void coPreadv(long offset, ByteBuffer buf, int bufOffset, int bytes) throws IOException {
        pause();
        buf.put(bufOffset, data, (int) offset, bytes);
    }

    @Override public void coPwritev(long offset, ByteBuffer buf, int bufOffset, int bytes, int flags) throws IOException {
        lastWriteFlags = flags;
        pause();
        buf.get(bufOffset, data, (int) offset, bytes);
    }

    @Override public void coFlush() throws IOException {
        pause();
    }

    @Override public void coPdiscard(long offset, long bytes) {
        java.util.Arrays.fill(data, (int) offset, (int) (offset + bytes), (byte) 0);
    }

    @Override public void coPwriteZeroes(long offset, long bytes, int flags) {
        java.util.Arrays.fill(data, (int) offset, (int) (offset + bytes), (byte) 0);
    }

    @Override public void coBlockStatus(long offset, long bytes, BlockStatus out) {
        out.set(BlockStatus.DATA | BlockStatus.ALLOCATED, bytes, offset, null);
    }

    @Override public void coTruncate(long length, Preallocation prealloc) throws BlockException {
        throw new BlockException("fixed size");
    }

    @Override public ImageInfo getInfo() {
        return ImageInfo.simple("memory", data.length);
    }

    @Override public void close() {
    }
}
