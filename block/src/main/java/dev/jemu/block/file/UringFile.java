package dev.jemu.block.file;

import dev.jemu.aio.RingRequest;
import dev.jemu.block.BlockDriverState;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The file driver's io_uring engine (QEMU's {@code aio=io_uring}, {@code block/io_uring.c}):
 * reads, writes, flushes and fallocate go on the ring of the calling coroutine's AioContext as
 * {@link RingRequest}s on a descriptor of its own (opened with O_DIRECT for {@code
 * cache.direct=on}); the coroutine yields until the completion arrives on the same thread, so
 * any number of requests are in flight at once without a thread crossing. Short reads are
 * resubmitted for the rest and end at the end of the file (the tail reads as zeroes), short
 * writes are resubmitted, {@code -EAGAIN} and {@code -EINTR} are resubmitted. Each request is
 * one contiguous buffer, so it goes as a plain read or write; a heap buffer is bounced through a
 * direct one. Requests are made
 * only while {@link #usable()}; the caller uses the worker pool otherwise. Coroutines of the
 * node's AioContext only; {@link #close()} after the node is drained.
 */
final class UringFile implements AutoCloseable {
    private static final int EINTR = 4;
    private static final int EAGAIN = 11;
    private static final int ENOSPC = 28;

    private final String path;
    private final NativeFile file;
    private final int fd;
    private final boolean direct;
    /** Idle requests, reused: one per coroutine in flight at the deepest. */
    private RingRequest[] idle = new RingRequest[16];
    private int idleCount;

    UringFile(String path, NativeFile file, boolean direct) {
        this.path = path;
        this.file = file;
        this.fd = file.fd();
        this.direct = direct;
    }

    /** Opens the engine's own descriptor of {@code path}. */
    static UringFile open(String path, boolean writable, boolean direct) throws IOException {
        return new UringFile(path, NativeFile.open(path, writable, direct), direct);
    }

    /** Whether the calling coroutine's context has a ring to put requests on. */
    static boolean usable() {
        return RingRequest.available();
    }

    /**
     * Fills {@code buf} (position 0 to its capacity) from {@code offset}; what lies past the end
     * of the file reads as zeroes.
     */
    void read(long offset, ByteBuffer buf) throws IOException {
        ByteBuffer target = buf.isDirect() ? buf : BlockDriverState.alignedBuffer(buf.capacity(), 8);
        long address = MemorySegment.ofBuffer(target).address();
        int length = target.capacity();
        int done = 0;
        RingRequest request = take();
        try {
            while (done < length) {
                int r = request.read(fd, address + done, length - done, offset + done);
                if (r == -EAGAIN || r == -EINTR) {
                    continue;
                }
                if (r < 0) {
                    throw NativeFile.error(path, "read at offset " + (offset + done), r);
                }
                if (r == 0) {
                    break;
                }
                done += r;
                if (direct && ((offset + done) & (FileDriver.DIRECT_ALIGNMENT - 1)) != 0) {
                    break; // a short O_DIRECT read ends at the end of the file
                }
            }
        } finally {
            give(request);
            // The ring holds only the address: the buffer must outlive the request.
            Reference.reachabilityFence(target);
        }
        if (done < length) {
            MemorySegment.ofBuffer(target).asSlice(done).fill((byte) 0);
        }
        if (target != buf) {
            buf.put(0, target, 0, length);
        }
    }

    /** Writes {@code buf} (position 0 to its capacity) at {@code offset}; {@code fua}: durable on return. */
    void write(long offset, ByteBuffer buf, boolean fua) throws IOException {
        ByteBuffer source = buf;
        if (!buf.isDirect()) {
            source = BlockDriverState.alignedBuffer(buf.capacity(), 8);
            source.put(0, buf, 0, buf.capacity());
        }
        long address = MemorySegment.ofBuffer(source).address();
        int length = source.capacity();
        int rwFlags = fua ? RingRequest.RWF_DSYNC : 0;
        int done = 0;
        RingRequest request = take();
        try {
            while (done < length) {
                int r = request.write(fd, address + done, length - done, offset + done, rwFlags);
                if (r == -EAGAIN || r == -EINTR) {
                    continue;
                }
                if (r <= 0) {
                    throw NativeFile.error(path, "write at offset " + (offset + done), r == 0 ? -ENOSPC : r);
                }
                done += r;
            }
        } finally {
            give(request);
            // The ring holds only the address: the bounce buffer must outlive the request.
            Reference.reachabilityFence(source);
        }
    }

    /** {@code fdatasync}. */
    void flush() throws IOException {
        RingRequest request = take();
        int r;
        try {
            do {
                r = request.fsync(fd, false);
            } while (r == -EINTR || r == -EAGAIN);
        } finally {
            give(request);
        }
        if (r < 0) {
            throw NativeFile.error(path, "flush", r);
        }
    }

    /** {@code fallocate(fd, mode, offset, length)}: 0 or {@code -errno}, as {@link NativeFile#fallocate}. */
    int fallocate(int mode, long offset, long length) {
        RingRequest request = take();
        try {
            int r;
            do {
                r = request.fallocate(fd, mode, offset, length);
            } while (r == -EINTR || r == -EAGAIN);
            return r;
        } finally {
            give(request);
        }
    }

    private RingRequest take() {
        return idleCount > 0 ? idle[--idleCount] : new RingRequest();
    }

    private void give(RingRequest request) {
        if (idleCount == idle.length) {
            idle = Arrays.copyOf(idle, idle.length * 2);
        }
        idle[idleCount++] = request;
    }

    @Override
    public void close() {
        file.close();
    }
}
