package dev.jemu.coroutine;

/**
 * Something a coroutine can wait on that {@link CoroutineInspector} describes by asking it: a
 * thread-pool job, an io_uring request, a socket's readiness, a protocol reply. Passed to {@link
 * Coroutine#yieldFor}. Called only when someone asks (never on the wait path), on the home thread
 * of the waiting coroutine's context.
 */
public interface WaitReason {
    /** A short kind, lower-case with dashes: {@code thread-pool}, {@code io-uring}, {@code fd}, ... */
    String waitType();

    /** One line saying what exactly is awaited. */
    String describeWait();
}
