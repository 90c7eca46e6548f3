package dev.jemu.aio;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringIoHandlerConfig;

/**
 * The kernel interface an {@link AioContext} waits on: Netty's {@code IoUringIoHandler} or its
 * {@code EpollIoHandler}, both under the same {@code ManualIoEventLoop}. The system property
 * {@value #PROPERTY} ({@code io_uring} or {@code epoll}) chooses; without it a context uses
 * io_uring when the kernel offers it and epoll otherwise. Immutable; any thread.
 */
public enum AioEngine {
    /** epoll: fd handlers are epoll registrations; block I/O runs on the worker pool. */
    EPOLL("epoll"),
    /** io_uring: fd handlers are poll requests on the ring, which also carries block I/O. */
    IO_URING("io_uring");

    /** The system property that chooses the engine of every new context. */
    public static final String PROPERTY = "jemu.aio.engine";

    /** Submission queue entries per ring: room for a queue depth of 64 twice over, plus polls. */
    private static final int RING_ENTRIES = 256;

    private final String propertyValue;

    AioEngine(String propertyValue) {
        this.propertyValue = propertyValue;
    }

    /** The name used in {@value #PROPERTY} and in messages. */
    public String propertyValue() {
        return propertyValue;
    }

    /** Whether this engine works in this process (the native library loaded, the kernel allows it). */
    public boolean isAvailable() {
        return this == IO_URING ? IoUring.isAvailable() : Epoll.isAvailable();
    }

    /**
     * Throws unless {@link #isAvailable()}, with Netty's reason, prefixed by {@code who}.
     *
     * @throws IllegalStateException if this engine is not available
     */
    void checkAvailable(String who) {
        if (!isAvailable()) {
            throw new IllegalStateException(who + ": " + propertyValue + " is not available: " + unavailableReason(),
                    unavailabilityCause());
        }
    }

    /** Why Netty cannot use this engine here, or null if it can. */
    public Throwable unavailabilityCause() {
        return this == IO_URING ? IoUring.unavailabilityCause() : Epoll.unavailabilityCause();
    }

    /** {@link #unavailabilityCause()} as one line of text. */
    public String unavailableReason() {
        Throwable cause = unavailabilityCause();
        return cause == null ? "unknown reason" : cause.getMessage() != null ? cause.getMessage() : cause.toString();
    }

    /**
     * The engine new contexts use: {@value #PROPERTY} if set, else io_uring if available, else
     * epoll.
     *
     * @throws IllegalArgumentException if the property names no engine
     * @throws IllegalStateException if the engine named is not available, with the reason
     */
    public static AioEngine selected() {
        String value = System.getProperty(PROPERTY);
        if (value == null || value.isEmpty()) {
            return IO_URING.isAvailable() ? IO_URING : EPOLL;
        }
        for (AioEngine engine : values()) {
            if (engine.propertyValue.equals(value)) {
                engine.checkAvailable(PROPERTY + "=" + value);
                return engine;
            }
        }
        throw new IllegalArgumentException(PROPERTY + "=" + value + ": unknown engine (expected io_uring or epoll)");
    }

    IoHandlerFactory handlerFactory() {
        if (this == IO_URING) {
            return IoUringIoHandler.newFactory(new IoUringIoHandlerConfig().setRingSize(RING_ENTRIES));
        }
        return EpollIoHandler.newFactory();
    }
}
