package dev.jemu.coroutine;

/** The body of a coroutine: QEMU's {@code CoroutineEntry}. */
@FunctionalInterface
public interface CoroutineEntry {
    /**
     * Runs inside the coroutine on its first {@code enter}; the coroutine terminates when this
     * returns. An exception that escapes ends the coroutine and is rethrown from the {@code
     * enter()} (or {@code AioContext.poll()}) that was running it.
     */
    void run(Object opaque);
}
