package dev.jemu.coroutine;

import java.util.concurrent.locks.LockSupport;

/**
 * The portable backend: each coroutine runs on a virtual thread of its own, handed control by a
 * strict baton so that exactly one of enterer and coroutine runs at a time. It needs no JDK
 * internals and serves as a cross-check of the default backend in tests.
 */
final class ThreadBackend extends Backend {
    @Override
    String name() {
        return "thread";
    }

    @Override
    Object newStack(Coroutine co) {
        return new Baton();
    }

    @Override
    void resume(Coroutine co, CoThread thread) {
        Baton baton = (Baton) co.stack;
        baton.state = thread;
        baton.enterer = Thread.currentThread();
        baton.coroutineTurn = true;
        if (baton.thread == null) {
            baton.thread = Thread.ofVirtual().name("jemu-coroutine").start(() -> {
                CoThread.adopt(baton.state);
                co.body();
                baton.coroutineTurn = false;
                LockSupport.unpark(baton.enterer);
            });
        } else {
            LockSupport.unpark(baton.thread);
        }
        while (baton.coroutineTurn) {
            LockSupport.park(baton);
        }
    }

    @Override
    Coroutine running() {
        return CoThread.get().current;
    }

    @Override
    void suspend(Coroutine co) {
        Baton baton = (Baton) co.stack;
        baton.coroutineTurn = false;
        LockSupport.unpark(baton.enterer);
        while (!baton.coroutineTurn) {
            LockSupport.park(baton);
        }
        CoThread.adopt(baton.state);
    }

    @Override
    Object walkScope() {
        return null;
    }

    @Override
    StackTraceElement[] frames(Coroutine co) {
        Thread t = ((Baton) co.stack).thread;
        return t == null ? new StackTraceElement[0] : t.getStackTrace();
    }

    private static final class Baton {
        Thread thread;
        volatile Thread enterer;
        volatile CoThread state;
        volatile boolean coroutineTurn;
    }
}
