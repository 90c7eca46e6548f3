package dev.jemu.coroutine;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * QEMU's {@code CoMutex}: a lock for coroutines, usable across threads. An uncontended lock is
 * one compare-and-set; a contended one queues the coroutine and yields, and {@link #unlock()}
 * hands ownership straight to the oldest waiter (strict FIFO, no barging: a newcomer always
 * queues behind waiters). The woken waiter runs when the unlocker yields or terminates (same
 * context) or in its own context's next poll (another thread).
 */
public final class CoMutex implements CoLockable {
    private static final VarHandle LOCKED;

    static {
        try {
            LOCKED = MethodHandles.lookup().findVarHandle(CoMutex.class, "locked", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The holder plus the queued waiters; 0 when free. */
    @SuppressWarnings("unused") // accessed through LOCKED
    private volatile int locked;
    private volatile Coroutine holder;
    private final Object waitersGuard = new Object();
    private Coroutine waitHead;
    private Coroutine waitTail;

    /**
     * Coroutine only: takes the lock, yielding while others hold it. Outside a coroutine it throws
     * even when the mutex is free: QEMU's lock is a coroutine function, and a lock taken by a
     * thread could never be released, since {@link #unlock()} is one too.
     */
    @Override
    public void lock() {
        CoThread thread = CoThread.get();
        Coroutine self = thread.current;
        if (self.caller == null) {
            throw new IllegalStateException("CoMutex.lock: called outside a coroutine");
        }
        if (LOCKED.compareAndSet(this, 0, 1)) {
            holder = self;
            self.locksHeld++;
            return;
        }
        MonitorCheck.beforeYield("CoMutex.lock");
        synchronized (waitersGuard) {
            if ((int) LOCKED.getAndAdd(this, 1) == 0) {
                holder = self;
                self.locksHeld++;
                return;
            }
            if (self.list != null) {
                LOCKED.getAndAdd(this, -1);
                throw new IllegalStateException("CoMutex.lock: coroutine is already queued elsewhere");
            }
            self.list = this;
            self.next = null;
            if (waitTail == null) {
                waitHead = self;
            } else {
                waitTail.next = self;
            }
            waitTail = self;
        }
        Coroutine.yieldFor(this);
        // The unlocker made us the holder before waking us.
        self.locksHeld++;
    }

    /** Releases the lock; the caller must be the coroutine holding it. */
    @Override
    public void unlock() {
        CoThread thread = CoThread.get();
        Coroutine self = thread.current;
        if ((int) LOCKED.getVolatile(this) == 0) {
            throw new IllegalStateException("CoMutex.unlock: the mutex is not locked");
        }
        if (holder != self) {
            throw new IllegalStateException("CoMutex.unlock: the mutex is held by another coroutine");
        }
        if (self.caller == null) {
            throw new IllegalStateException("CoMutex.unlock: called outside a coroutine");
        }
        holder = null;
        self.locksHeld--;
        if (LOCKED.compareAndSet(this, 1, 0)) {
            return;
        }
        Coroutine waiter;
        synchronized (waitersGuard) {
            waiter = waitHead;
            if (waiter != null) {
                waitHead = waiter.next;
                if (waitHead == null) {
                    waitTail = null;
                }
                waiter.next = null;
                waiter.list = null;
                holder = waiter;
            }
            LOCKED.getAndAdd(this, -1);
        }
        if (waiter != null) {
            waiter.wake();
        }
    }

    /** QEMU's {@code qemu_co_mutex_assert_locked}: throws unless the calling coroutine holds it. */
    public void assertLocked() {
        if ((int) LOCKED.getVolatile(this) == 0 || holder != CoThread.get().current) {
            throw new IllegalStateException("CoMutex.assertLocked: the calling coroutine does not hold the mutex");
        }
    }

    /** The coroutine holding the lock, or null (for {@link CoroutineInspector}). */
    Coroutine holder() {
        return holder;
    }

    /** True while some coroutine holds the lock. */
    public boolean isLocked() {
        return (int) LOCKED.getVolatile(this) != 0;
    }
}
