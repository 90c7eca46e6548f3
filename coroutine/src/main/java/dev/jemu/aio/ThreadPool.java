package dev.jemu.aio;

import dev.jemu.coroutine.Coroutine;
import dev.jemu.coroutine.WaitReason;
import io.netty.channel.epoll.Native;
import io.netty.channel.unix.FileDescriptor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A context's pool of worker threads for blocking work (QEMU's {@code thread_pool}): at most 64
 * workers, created on demand, each leaving after 10 s idle; work runs in FIFO order. Completions
 * travel back through an eventfd watched by the context, which resumes each waiting coroutine in
 * its home context.
 */
public final class ThreadPool {
    private static final int MAX_WORKERS = 64;
    private static final AtomicInteger WORKER_NUMBER = new AtomicInteger();

    private final AioContext context;
    private final ThreadPoolExecutor workers;
    private final FileDescriptor eventFd;
    private final AtomicReference<Request<?>> completed = new AtomicReference<>();

    ThreadPool(AioContext context) {
        this.context = context;
        ThreadFactory factory = work -> {
            Thread worker = new Thread(work, "jemu-worker-" + WORKER_NUMBER.incrementAndGet());
            worker.setDaemon(true);
            return worker;
        };
        this.workers = new ThreadPoolExecutor(MAX_WORKERS, MAX_WORKERS, 10, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), factory);
        this.workers.allowCoreThreadTimeOut(true);
        this.eventFd = Native.newEventFd();
        context.setFdHandler(eventFd.intValue(), this::complete, null);
    }

    /**
     * QEMU's {@code thread_pool_submit_co}: runs {@code work} on a worker of the current context's
     * pool while the calling coroutine yields, and returns its result. An exception thrown by
     * {@code work} is rethrown here unchanged (checked ones too).
     */
    public static <T> T submitCo(Callable<T> work) {
        Coroutine self = Coroutine.self();
        if (self == null) {
            throw new IllegalStateException("ThreadPool.submitCo: called outside a coroutine");
        }
        AioContext ctx = AioContext.current();
        if (ctx == null) {
            throw new IllegalStateException("ThreadPool.submitCo: no AioContext on this thread");
        }
        Request<T> request = new Request<>(ctx.threadPool(), work, self);
        request.pool.workers.execute(request);
        Coroutine.yieldFor(request);
        if (!request.done) {
            throw new IllegalStateException("ThreadPool.submitCo: coroutine resumed before its work completed");
        }
        if (request.failure != null) {
            throw ThreadPool.<RuntimeException>sneaky(request.failure);
        }
        return request.result;
    }

    @SuppressWarnings("unchecked")
    private static <E extends Throwable> E sneaky(Throwable t) throws E {
        throw (E) t;
    }

    /** The eventfd handler: resumes the coroutines whose work completed, in completion order. */
    private void complete() {
        Native.eventFdRead(eventFd.intValue());
        Request<?> stack = completed.getAndSet(null);
        Request<?> fifo = null;
        while (stack != null) {
            Request<?> next = stack.next;
            stack.next = fifo;
            fifo = stack;
            stack = next;
        }
        while (fifo != null) {
            Request<?> request = fifo;
            fifo = request.next;
            request.next = null;
            request.coroutine.wake();
        }
    }

    void shutdown() {
        workers.shutdownNow();
        awaitWorkersGone();
        context.setFdHandler(eventFd.intValue(), null, null);
        try {
            eventFd.close();
        } catch (IOException e) {
            throw new UncheckedIOException("ThreadPool: closing its eventfd", e);
        }
    }

    /** Waits until the workers have ended (they are idle by now), so that a closed context leaves no thread behind. */
    private void awaitWorkersGone() {
        boolean interrupted = false;
        while (!workers.isTerminated()) {
            try {
                workers.awaitTermination(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static final class Request<T> implements Runnable, WaitReason {
        final ThreadPool pool;
        final Callable<T> work;
        final Coroutine coroutine;
        T result;
        Throwable failure;
        volatile boolean done;
        Request<?> next;

        Request(ThreadPool pool, Callable<T> work, Coroutine coroutine) {
            this.pool = pool;
            this.work = work;
            this.coroutine = coroutine;
        }

        @Override
        public String waitType() {
            return "thread-pool";
        }

        @Override
        public String describeWait() {
            return "job " + AioInspector.callbackName(work) + (done ? ", done" : ", running or queued");
        }

        @Override
        public void run() {
            try {
                result = work.call();
            } catch (Throwable t) {
                failure = t;
            }
            done = true;
            Request<?> head;
            do {
                head = pool.completed.get();
                next = head;
            } while (!pool.completed.compareAndSet(head, this));
            if (head == null) {
                Native.eventFdWrite(pool.eventFd.intValue(), 1L);
            }
        }
    }
}
