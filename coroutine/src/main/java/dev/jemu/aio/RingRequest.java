package dev.jemu.aio;

import dev.jemu.coroutine.Coroutine;
import dev.jemu.coroutine.WaitReason;

/**
 * One block request on the io_uring of the current {@link AioContext} (QEMU's {@code
 * LuringAIOCB}): the calling coroutine queues it and yields until its completion arrives, on the
 * same thread, and gets the kernel's result: a byte count or {@code -errno}. Short transfers and
 * {@code -EAGAIN} are returned as they are, for the caller to resubmit the rest. An object is
 * reused for request after request by the coroutine that owns it, one at a time. Coroutines of
 * the context only.
 */
public final class RingRequest implements WaitReason {
    /** {@code RWF_DSYNC}: the write reaches stable storage with the data it needs (FUA). */
    public static final int RWF_DSYNC = 0x2;
    /** {@code IORING_FSYNC_DATASYNC}: fdatasync rather than fsync. */
    private static final int FSYNC_DATASYNC = 1;

    byte opcode;
    int fd;
    long offset;
    long addr;
    int len;
    int opFlags;
    Coroutine coroutine;
    int res;
    boolean done;
    long id;
    RingRequest next;

    /** Whether the calling thread's context runs on io_uring, so that requests can be made. */
    public static boolean available() {
        AioContext ctx = AioContext.current();
        return ctx != null && ctx.ring() != null;
    }

    /** {@code pread(fd, addr, len, offset)}. */
    public int read(int fd, long addr, int len, long offset) {
        return submitCo(UringOps.OP_READ, fd, offset, addr, len, 0);
    }

    /** {@code pwritev2(fd, {addr, len}, 1, offset, rwFlags)}; {@code rwFlags} 0 or {@link #RWF_DSYNC}. */
    public int write(int fd, long addr, int len, long offset, int rwFlags) {
        return submitCo(UringOps.OP_WRITE, fd, offset, addr, len, rwFlags);
    }

    /** {@code preadv(fd, iov, iovcnt, offset)}, {@code iov} the address of {@code struct iovec[iovcnt]}. */
    public int readv(int fd, long iov, int iovcnt, long offset) {
        return submitCo(UringOps.OP_READV, fd, offset, iov, iovcnt, 0);
    }

    /** {@code pwritev2(fd, iov, iovcnt, offset, rwFlags)}. */
    public int writev(int fd, long iov, int iovcnt, long offset, int rwFlags) {
        return submitCo(UringOps.OP_WRITEV, fd, offset, iov, iovcnt, rwFlags);
    }

    /** {@code fdatasync(fd)}, or {@code fsync(fd)} when {@code metadata} is true. */
    public int fsync(int fd, boolean metadata) {
        return submitCo(UringOps.OP_FSYNC, fd, 0, 0, 0, metadata ? 0 : FSYNC_DATASYNC);
    }

    /** {@code fallocate(fd, mode, offset, length)}. */
    public int fallocate(int fd, int mode, long offset, long length) {
        return submitCo(UringOps.OP_FALLOCATE, fd, offset, length, mode, 0);
    }

    private int submitCo(byte op, int descriptor, long off, long address, int length, int flags) {
        Coroutine self = Coroutine.self();
        if (self == null) {
            throw new IllegalStateException("RingRequest: called outside a coroutine");
        }
        AioContext ctx = AioContext.current();
        Ring ring = ctx != null ? ctx.ring() : null;
        if (ring == null) {
            throw new IllegalStateException("RingRequest: the current AioContext does not run on io_uring");
        }
        if (coroutine != null) {
            throw new IllegalStateException("RingRequest: already in flight");
        }
        opcode = op;
        fd = descriptor;
        offset = off;
        addr = address;
        len = length;
        opFlags = flags;
        done = false;
        if (!ring.queue(this)) {
            return -UringOps.ECANCELED;
        }
        coroutine = self;
        try {
            Coroutine.yieldFor(this);
        } finally {
            coroutine = null;
        }
        if (!done) {
            throw new IllegalStateException("RingRequest: coroutine resumed before its request completed");
        }
        return res;
    }

    @Override
    public String waitType() {
        return "io-uring";
    }

    @Override
    public String describeWait() {
        String op = switch (opcode) {
            case UringOps.OP_READ, UringOps.OP_READV -> "read";
            case UringOps.OP_WRITE, UringOps.OP_WRITEV -> "write";
            case UringOps.OP_FSYNC -> "fsync";
            case UringOps.OP_FALLOCATE -> "fallocate";
            default -> "opcode " + opcode;
        };
        return op + " on fd " + fd + " at offset " + offset + ", " + len + " bytes or iovecs";
    }
}
