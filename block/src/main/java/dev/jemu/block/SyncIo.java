package dev.jemu.block;

import dev.jemu.aio.AioContext;
import dev.jemu.coroutine.Coroutine;

import java.io.IOException;

/**
 * Runs coroutine functions of the block layer from a synchronous caller: starts a coroutine
 * in the thread's AioContext (creating one if the thread has none) and polls the context until
 * the coroutine has finished. Inside a coroutine the work simply runs.
 */
public final class SyncIo {

    /** Block-layer work that may throw an {@link IOException}. */
    @FunctionalInterface
    public interface IoTask {
        /** Does the work; runs inside a coroutine. */
        void run() throws IOException;
    }

    /** Block-layer work that produces a value. */
    @FunctionalInterface
    public interface IoCall<T> {
        /** Does the work; runs inside a coroutine. */
        T call() throws IOException;
    }

    private SyncIo() {
    }

    /** Runs {@code task} in a coroutine and waits for it; its exception is rethrown here. */
    public static void run(IoTask task) throws IOException {
        call(() -> {
            task.run();
            return null;
        });
    }

    /** Runs {@code call} in a coroutine and returns its value; its exception is rethrown here. */
    public static <T> T call(IoCall<T> call) throws IOException {
        if (Coroutine.inCoroutine()) {
            return call.call();
        }
        AioContext ctx = context();
        Outcome<T> outcome = new Outcome<>();
        Coroutine co = Coroutine.create(opaque -> {
            try {
                outcome.value = call.call();
            } catch (IOException | RuntimeException | Error e) {
                outcome.failure = e;
            } finally {
                outcome.done = true;
            }
        }, null);
        co.enter();
        while (!outcome.done) {
            ctx.poll(true);
        }
        if (outcome.failure instanceof IOException e) {
            throw e;
        }
        if (outcome.failure instanceof RuntimeException e) {
            throw e;
        }
        if (outcome.failure instanceof Error e) {
            throw e;
        }
        return outcome.value;
    }

    /** The thread's AioContext, created on first use. */
    public static AioContext context() {
        AioContext ctx = AioContext.current();
        return ctx != null ? ctx : AioContext.create();
    }

    private static final class Outcome<T> {
        T value;
        Throwable failure;
        boolean done;
    }
}
