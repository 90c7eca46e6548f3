package dev.jemu.aio;

import io.netty.channel.IoEvent;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoEvent;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.unix.FileDescriptor;

/**
 * One fd handler of a context, registered with Netty's epoll (level-triggered). Epoll readiness
 * is only recorded during the wait; the context dispatches the callbacks afterwards, in QEMU's
 * order (after the bottom halves, read before write). The descriptor belongs to the caller and is
 * never closed here.
 */
final class FdWatch implements EpollIoHandle {
    static final int EPOLLIN = 0x001;
    static final int EPOLLOUT = 0x004;
    static final int EPOLLERR = 0x008;
    static final int EPOLLHUP = 0x010;
    static final int EPOLLRDHUP = 0x2000;
    static final int READ_READY = EPOLLIN | EPOLLERR | EPOLLHUP | EPOLLRDHUP;
    static final int WRITE_READY = EPOLLOUT | EPOLLERR;

    final AioContext context;
    final int fd;
    private final FileDescriptor descriptor;
    Runnable onReadable;
    Runnable onWritable;
    IoRegistration registration;
    /** The interest set submitted to epoll. */
    int interest;
    /** Readiness recorded by the last wait, cleared when dispatched. */
    int ready;
    boolean queued;
    boolean removed;
    FdWatch nextReady;

    FdWatch(AioContext context, int fd) {
        this.context = context;
        this.fd = fd;
        this.descriptor = new FileDescriptor(fd);
    }

    int wantedInterest() {
        return (onReadable != null ? EPOLLIN : 0) | (onWritable != null ? EPOLLOUT : 0);
    }

    @Override
    public FileDescriptor fd() {
        return descriptor;
    }

    @Override
    public void handle(IoRegistration registration, IoEvent event) {
        context.fdReady(this, ((EpollIoEvent) event).ops().value());
    }

    /** Called by Netty when the loop shuts down: only the registration ends, the fd stays open. */
    @Override
    public void close() {
        removed = true;
    }
}
