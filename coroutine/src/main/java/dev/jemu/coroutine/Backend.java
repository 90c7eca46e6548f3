package dev.jemu.coroutine;

/**
 * What carries a coroutine's stack. {@link #resume} runs a coroutine from the enterer's side
 * until it yields or terminates; {@link #suspend} is called inside the coroutine to give control
 * back. Exactly one of enterer and coroutine runs at any moment.
 */
abstract sealed class Backend permits ContinuationBackend, ThreadBackend {
    static final String PROPERTY = "jemu.coroutine.backend";

    static final Backend INSTANCE = select(System.getProperty(PROPERTY, "continuation"));

    private static Backend select(String name) {
        return switch (name) {
            case "continuation" -> ContinuationBackend.create();
            case "thread" -> new ThreadBackend();
            default -> throw new IllegalStateException(
                    PROPERTY + "=" + name + ": unknown coroutine backend (expected continuation or thread)");
        };
    }

    abstract String name();

    /** Prepares what will carry {@code co}'s stack; nothing runs yet. */
    abstract Object newStack(Coroutine co);

    /** Runs {@code co} (already marked entered) until it yields or terminates. */
    abstract void resume(Coroutine co, CoThread thread);

    /**
     * The coroutine whose code is running on the calling thread, or (outside any coroutine) null
     * or the thread's leader, whose {@code caller} is null.
     */
    abstract Coroutine running();

    /** Inside {@code co}: returns control to its enterer; returns when it is entered again. */
    abstract void suspend(Coroutine co);

    /**
     * The {@code jdk.internal.vm.ContinuationScope} that bounds a walk of a coroutine's own frames,
     * or null when the coroutine runs on a thread of its own (whose whole stack is its frames).
     */
    abstract Object walkScope();

    /**
     * The frames of {@code co}, which is suspended, innermost first. Only on a thread that nobody
     * else can enter {@code co} from while this runs (its home context's thread).
     */
    abstract StackTraceElement[] frames(Coroutine co);
}
