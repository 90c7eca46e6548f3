package dev.jemu.aio;

import io.netty.channel.uring.IoUringIoOps;

/**
 * Builds the submission queue entries this package puts on a ring, from the layout of {@code
 * struct io_uring_sqe} in the kernel's {@code io_uring.h}: opcode, fd, {@code off} (union 1),
 * {@code addr} (union 2), {@code len}, the per-opcode flags word (union 3) and the 16-bit tag
 * the completion carries back. Stateless; any thread.
 */
final class UringOps {
    static final byte OP_READV = 1;
    static final byte OP_WRITEV = 2;
    static final byte OP_FSYNC = 3;
    static final byte OP_POLL_ADD = 6;
    static final byte OP_POLL_REMOVE = 7;
    static final byte OP_ASYNC_CANCEL = 14;
    static final byte OP_FALLOCATE = 17;
    static final byte OP_READ = 22;
    static final byte OP_WRITE = 23;

    static final int ECANCELED = 125;

    private UringOps() {
    }

    /** An entry of {@code opcode} on {@code fd}; {@code tag} comes back in the completion. */
    static IoUringIoOps sqe(byte opcode, int fd, long off, long addr, int len, int opFlags, short tag) {
        return new IoUringIoOps(opcode, (byte) 0, (short) 0, fd, off, addr, len, opFlags, tag,
                (short) 0, (short) 0, 0, 0L);
    }

    /** A one-shot poll of {@code fd} for {@code events} (POLLIN, POLLOUT...). */
    static IoUringIoOps pollAdd(int fd, int events, short tag) {
        return sqe(OP_POLL_ADD, fd, 0, 0, 0, events, tag);
    }

    /** Removes the poll whose submission returned {@code id}. */
    static IoUringIoOps pollRemove(long id, short tag) {
        return sqe(OP_POLL_REMOVE, -1, 0, id, 0, 0, tag);
    }

    /** Cancels the request whose submission returned {@code id}. */
    static IoUringIoOps cancel(long id, short tag) {
        return sqe(OP_ASYNC_CANCEL, -1, 0, id, 0, 0, tag);
    }
}
