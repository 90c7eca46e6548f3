package dev.jemu.aio;

import io.netty.channel.IoEvent;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoEvent;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.uring.IoUringIoEvent;
import io.netty.channel.uring.IoUringIoHandle;

/**
 * One fd handler of a context. Under epoll it is a level-triggered registration; under io_uring
 * a one-shot poll request, armed again after each dispatch (so it too reports a descriptor for
 * as long as it stays ready). Readiness is only recorded during the wait; the context dispatches
 * the callbacks afterwards, in QEMU's order (after the bottom halves, read before write). The
 * descriptor belongs to the caller and is never closed here. Home thread only.
 */
final class FdWatch implements EpollIoHandle, IoUringIoHandle {
    static final int EPOLLIN = 0x001;
    static final int EPOLLOUT = 0x004;
    static final int EPOLLERR = 0x008;
    static final int EPOLLHUP = 0x010;
    static final int EPOLLRDHUP = 0x2000;
    static final int READ_READY = EPOLLIN | EPOLLERR | EPOLLHUP | EPOLLRDHUP;
    static final int WRITE_READY = EPOLLOUT | EPOLLERR;
    /** Tag of poll removals, whose completions are ignored; poll tags count from 1. */
    private static final short REMOVE_TAG = 0;

    final AioContext context;
    final int fd;
    private final FileDescriptor descriptor;
    Runnable onReadable;
    Runnable onWritable;
    IoRegistration registration;
    /** The interest set submitted to epoll, or polled for on the ring. */
    int interest;
    /** Readiness recorded by the last wait, cleared when dispatched. */
    int ready;
    boolean queued;
    boolean removed;
    FdWatch nextReady;

    /** io_uring: whether a poll request is in flight, its tag and the id its submission returned. */
    boolean armed;
    private short armedTag;
    private long armedId;

    FdWatch(AioContext context, int fd) {
        this.context = context;
        this.fd = fd;
        this.descriptor = new FileDescriptor(fd);
    }

    int wantedInterest() {
        return (onReadable != null ? EPOLLIN : 0) | (onWritable != null ? EPOLLOUT : 0);
    }

    /** io_uring: submits a poll for {@link #interest}, replacing any poll in flight. */
    void arm() {
        disarm();
        armedTag = (short) (armedTag == Short.MAX_VALUE ? 1 : armedTag + 1);
        armedId = registration.submit(UringOps.pollAdd(fd, interest, armedTag));
        armed = true;
    }

    /** io_uring: withdraws the poll in flight, if any; its completion, if it still comes, is ignored. */
    private void disarm() {
        if (armed) {
            armed = false;
            registration.submit(UringOps.pollRemove(armedId, REMOVE_TAG));
        }
    }

    /** Ends the registration (the fd stays open). */
    void unregister() {
        if (registration != null) {
            disarm();
            registration.cancel();
            registration = null;
        }
    }

    @Override
    public FileDescriptor fd() {
        return descriptor;
    }

    @Override
    public void handle(IoRegistration registration, IoEvent event) {
        if (event instanceof EpollIoEvent epoll) {
            context.fdReady(this, epoll.ops().value());
            return;
        }
        IoUringIoEvent cqe = (IoUringIoEvent) event;
        if (cqe.opcode() != UringOps.OP_POLL_ADD || !armed || (short) cqe.userData() != armedTag) {
            return; // a removal, or a poll replaced since
        }
        armed = false;
        if (cqe.res() >= 0) {
            context.fdReady(this, cqe.res());
        } else {
            // The kernel refused the poll (the descriptor was closed under it): as epoll
            // forgets a closed descriptor, the watch stays quiet until its handlers are set again.
            interest = 0;
        }
    }

    /** Called by Netty when the loop shuts down: only the registration ends, the fd stays open. */
    @Override
    public void close() {
        removed = true;
        disarm();
    }
}
