package dev.jemu.coroutine;

/**
 * QEMU's {@code CoQueue}: a FIFO of coroutines waiting for a condition. It is not thread-safe by
 * itself: callers protect it with a lock, usually the one passed to {@link #await}. Waiting does
 * not re-check the condition, so callers loop: {@code while (!cond) queue.await(lock);}.
 */
public final class CoQueue {
    private Coroutine head;
    private Coroutine tail;

    /**
     * Coroutine only: queues the caller at the tail, releases {@code lock} (may be null), yields,
     * and takes {@code lock} again once woken. If releasing {@code lock} throws, the caller leaves
     * the queue and the exception propagates: it never stays queued without waiting.
     */
    public void await(CoLockable lock) {
        Coroutine self = CoThread.get().current;
        if (self.caller == null) {
            throw new IllegalStateException("CoQueue.await: called outside a coroutine");
        }
        if (self.list != null) {
            throw new IllegalStateException("CoQueue.await: coroutine is already queued elsewhere");
        }
        MonitorCheck.beforeYield("CoQueue.await");
        self.list = this;
        self.next = null;
        if (tail == null) {
            head = self;
        } else {
            tail.next = self;
        }
        tail = self;
        if (lock != null) {
            try {
                lock.unlock();
            } catch (RuntimeException | Error e) {
                remove(self);
                throw e;
            }
        }
        Coroutine.yieldFor(this);
        if (!Coroutine.inCoroutine()) {
            throw new IllegalStateException("CoQueue.await: resumed outside coroutine context");
        }
        if (lock != null) {
            lock.lock();
        }
    }

    /** Unlinks {@code co}, which is on this queue. */
    private void remove(Coroutine co) {
        Coroutine previous = null;
        for (Coroutine at = head; at != co; at = at.next) {
            previous = at;
        }
        if (previous == null) {
            head = co.next;
        } else {
            previous.next = co.next;
        }
        if (tail == co) {
            tail = previous;
        }
        co.next = null;
        co.list = null;
    }

    /**
     * Wakes the first waiter; false if there is none. Inside a coroutine of the same context the
     * waiter runs once the caller yields or terminates; outside, it runs before this returns.
     */
    public boolean next() {
        return enterNext(null);
    }

    /** Wakes every waiter, in FIFO order. */
    public void restartAll() {
        while (enterNext(null)) {
            // each call wakes one waiter
        }
    }

    /**
     * QEMU's {@code qemu_co_enter_next}, for callers outside coroutines: wakes the first waiter with
     * {@code lock} (may be null) released around the wakeup; false, with {@code lock} untouched,
     * if the queue is empty.
     */
    public boolean enterNext(CoLockable lock) {
        Coroutine waiter = head;
        if (waiter == null) {
            return false;
        }
        head = waiter.next;
        if (head == null) {
            tail = null;
        }
        waiter.next = null;
        waiter.list = null;
        if (lock != null) {
            lock.unlock();
        }
        waiter.wake();
        if (lock != null) {
            lock.lock();
        }
        return true;
    }

    public boolean isEmpty() {
        return head == null;
    }
}
