package dev.jemu.aio;

import java.util.concurrent.CountDownLatch;

/**
 * QEMU's IOThread: a thread that owns an {@link AioContext} and polls it until stopped. Other
 * threads reach the context through {@link AioContext#schedule}, {@link AioContext#oneShot},
 * bottom halves and {@link AioContext#kick()}.
 */
public final class IOThread {
    private final Thread thread;
    private final CountDownLatch started = new CountDownLatch(1);
    private volatile AioContext context;
    private volatile boolean stopping;
    private volatile Throwable failure;
    private boolean stopped;

    private IOThread(String name) {
        this.thread = new Thread(this::run, name);
        this.thread.setDaemon(true);
    }

    /** Starts the thread and returns once its context exists. */
    public static IOThread start(String name) {
        IOThread io = new IOThread(name);
        io.thread.start();
        boolean interrupted = false;
        while (io.started.getCount() > 0) {
            try {
                io.started.await();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (io.context == null) {
            throw new IllegalStateException("IOThread " + name + ": failed to start", io.failure);
        }
        return io;
    }

    private void run() {
        AioContext ctx;
        try {
            ctx = AioContext.create();
        } catch (Throwable t) {
            failure = t;
            started.countDown();
            return;
        }
        context = ctx;
        started.countDown();
        while (!stopping) {
            try {
                ctx.poll(true);
            } catch (Throwable t) {
                if (failure == null) {
                    failure = t;
                } else {
                    failure.addSuppressed(t);
                }
            }
        }
        ctx.close();
    }

    public AioContext context() {
        return context;
    }

    public String name() {
        return thread.getName();
    }

    /**
     * Stops the loop and joins the thread; idempotent.
     *
     * @throws IllegalStateException if something run by the loop had thrown
     */
    public void stop() {
        if (!stopped) {
            stopped = true;
            context.oneShot(() -> stopping = true);
            boolean interrupted = false;
            while (thread.isAlive()) {
                try {
                    thread.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        if (failure != null) {
            throw new IllegalStateException("IOThread " + name() + ": " + failure, failure);
        }
    }
}
