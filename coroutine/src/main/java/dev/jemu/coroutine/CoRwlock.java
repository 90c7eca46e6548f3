package dev.jemu.coroutine;

import java.util.ArrayDeque;

/**
 * QEMU's {@code CoRwlock}: a readers-writer lock for coroutines with one FIFO ticket queue for
 * readers and writers. A new reader waits behind a queued writer (no writer starvation); {@link
 * #upgrade()} queues at the tail; {@link #downgrade()} admits the readers queued at the head. The
 * unlocker grants the lock on the woken party's behalf, and woken readers admit the next reader
 * in turn (a cascade).
 */
public final class CoRwlock {
    private record Ticket(boolean read, Coroutine coroutine) {
    }

    /** Guards {@link #owners} and {@link #tickets}. */
    private final CoMutex mutex = new CoMutex();
    /** Number of readers holding the lock, -1 while a writer holds it, 0 when free. */
    private int owners;
    private final ArrayDeque<Ticket> tickets = new ArrayDeque<>();

    public void rdlock() {
        Coroutine self = requireCoroutine("CoRwlock.rdlock");
        mutex.lock();
        if (owners == 0 || (owners > 0 && tickets.isEmpty())) {
            owners++;
            mutex.unlock();
        } else {
            enqueue(true, self, "CoRwlock.rdlock");
            mutex.unlock();
            Coroutine.yieldFor(this);
            if (owners < 1) {
                throw new IllegalStateException("CoRwlock.rdlock: woken without the read lock");
            }
            mutex.lock();
            wakeOneAndUnlock();
        }
        self.locksHeld++;
    }

    public void wrlock() {
        Coroutine self = requireCoroutine("CoRwlock.wrlock");
        mutex.lock();
        if (owners == 0) {
            owners = -1;
            mutex.unlock();
        } else {
            enqueue(false, self, "CoRwlock.wrlock");
            mutex.unlock();
            Coroutine.yieldFor(this);
            if (owners != -1) {
                throw new IllegalStateException("CoRwlock.wrlock: woken without the write lock");
            }
        }
        self.locksHeld++;
    }

    /** Releases a read or write lock held by the calling coroutine. */
    public void unlock() {
        Coroutine self = requireCoroutine("CoRwlock.unlock");
        mutex.lock();
        if (owners == 0 || self.locksHeld == 0) {
            mutex.unlock();
            throw new IllegalStateException("CoRwlock.unlock: the lock is not held");
        }
        self.locksHeld--;
        if (owners > 0) {
            owners--;
        } else {
            owners = 0;
        }
        wakeOneAndUnlock();
    }

    /** Turns the caller's write lock into a read lock and admits the readers queued first. */
    public void downgrade() {
        requireCoroutine("CoRwlock.downgrade");
        mutex.lock();
        if (owners != -1) {
            mutex.unlock();
            throw new IllegalStateException("CoRwlock.downgrade: the write lock is not held");
        }
        owners = 1;
        wakeOneAndUnlock();
    }

    /** Turns the caller's read lock into the write lock, waiting at the tail of the queue. */
    public void upgrade() {
        Coroutine self = requireCoroutine("CoRwlock.upgrade");
        mutex.lock();
        if (owners <= 0) {
            mutex.unlock();
            throw new IllegalStateException("CoRwlock.upgrade: no read lock is held");
        }
        if (owners == 1 && tickets.isEmpty()) {
            owners = -1;
            mutex.unlock();
            return;
        }
        enqueue(false, self, "CoRwlock.upgrade");
        owners--;
        wakeOneAndUnlock();
        Coroutine.yieldFor(this);
        if (owners != -1) {
            throw new IllegalStateException("CoRwlock.upgrade: woken without the write lock");
        }
    }

    private static Coroutine requireCoroutine(String function) {
        Coroutine self = CoThread.get().current;
        if (self.caller == null) {
            throw new IllegalStateException(function + ": called outside a coroutine");
        }
        return self;
    }

    /** With {@link #mutex} held: queues the caller, or releases the mutex and throws if it may not wait. */
    private void enqueue(boolean read, Coroutine self, String function) {
        try {
            if (self.list != null) {
                throw new IllegalStateException(function + ": coroutine is already queued elsewhere");
            }
            MonitorCheck.beforeYield(function);
        } catch (IllegalStateException e) {
            mutex.unlock();
            throw e;
        }
        self.list = this;
        tickets.addLast(new Ticket(read, self));
    }

    /** With {@link #mutex} held: grants the head ticket if it can run now, and releases the mutex. */
    private void wakeOneAndUnlock() {
        Ticket head = tickets.peekFirst();
        boolean grant = head != null && (head.read() ? owners >= 0 : owners == 0);
        if (grant) {
            tickets.pollFirst();
            owners = head.read() ? owners + 1 : -1;
        }
        mutex.unlock();
        if (grant) {
            head.coroutine().list = null;
            head.coroutine().wake();
        }
    }
}
