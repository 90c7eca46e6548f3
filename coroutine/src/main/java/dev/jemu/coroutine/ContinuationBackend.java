package dev.jemu.coroutine;

import jdk.internal.vm.Continuation;
import jdk.internal.vm.ContinuationScope;

/** The default backend: each coroutine is a {@code jdk.internal.vm.Continuation}. */
final class ContinuationBackend extends Backend {
    private static final ContinuationScope SCOPE = new ContinuationScope("jemu-coroutine");
    /** Every stack's body, shared: it finds its coroutine through the running continuation. */
    private static final Runnable BODY = () -> ((Stack) Continuation.getCurrentContinuation(SCOPE)).co.body();

    private ContinuationBackend() {
    }

    static ContinuationBackend create() {
        try {
            Class.forName("jdk.internal.vm.Continuation").getModule();
            new Continuation(SCOPE, () -> { }).run();
        } catch (IllegalAccessError | NoClassDefFoundError | ClassNotFoundException e) {
            throw new IllegalStateException("the continuation coroutine backend needs the JVM option "
                    + "--add-exports java.base/jdk.internal.vm=ALL-UNNAMED (or -D" + PROPERTY + "=thread)", e);
        }
        return new ContinuationBackend();
    }

    @Override
    String name() {
        return "continuation";
    }

    @Override
    Object newStack(Coroutine co) {
        return new Stack(co);
    }

    @Override
    void resume(Coroutine co, CoThread thread) {
        ((Stack) co.stack).run();
    }

    /** Found through the innermost continuation of this scope: no thread-local lookup. */
    @Override
    Coroutine running() {
        Continuation current = Continuation.getCurrentContinuation(SCOPE);
        return current == null ? null : ((Stack) current).co;
    }

    @Override
    void suspend(Coroutine co) {
        Continuation.yield(SCOPE);
    }

    @Override
    Object walkScope() {
        return SCOPE;
    }

    @Override
    StackTraceElement[] frames(Coroutine co) {
        return ((Stack) co.stack).getStackTrace();
    }

    private static final class Stack extends Continuation {
        final Coroutine co;

        Stack(Coroutine co) {
            super(SCOPE, BODY);
            this.co = co;
        }

        @Override
        protected void onPinned(Continuation.Pinned reason) {
            throw new IllegalStateException("Coroutine.yield: cannot yield while the coroutine holds a Java monitor "
                    + "or runs native code (pinned: " + reason + ")");
        }
    }
}
