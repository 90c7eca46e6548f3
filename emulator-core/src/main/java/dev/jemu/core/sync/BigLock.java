package dev.jemu.core.sync;

import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The big emulator lock (QEMU's BQL) of one machine: the single owner of device state.
 * Every device register access, device timer callback, block-request completion that
 * touches a device, and interrupt-controller change runs with it held. Who takes it:
 * <ul>
 *   <li>the vCPU thread, for the duration of one port or MMIO access ({@code AddressSpace}
 *       takes it around every MMIO dispatch) and for an interrupt acknowledge;</li>
 *   <li>the machine loop, around expired device timers;</li>
 *   <li>the main loop and IOThreads, around the device half of a block completion;</li>
 *   <li>the launcher, monitors and test harnesses, around whatever they do to devices.</li>
 * </ul>
 * Guest RAM itself is not under the lock: the vCPU reads and writes it freely, and DMA
 * copies into it from the device half of a completion (under the lock).
 *
 * <p>Code that must run under the lock says so and checks it with {@link #assertHeld}, which
 * throws on the wrong thread: a device callback that escapes the lock fails loudly in tests
 * instead of racing in production. The lock is reentrant. Nobody waits for another thread
 * while holding it (a device never blocks on the block layer; it starts a request and
 * returns).
 *
 * <p>The lock is fair: a vCPU that polls a device register in a tight loop takes and drops it
 * for every access, and an unfair lock would let it barge ahead of the completion that the
 * guest is waiting for.
 *
 * <p>Threading: any thread.
 */
public final class BigLock {
    private final ReentrantLock lock = new ReentrantLock(true);

    /** Takes the lock, waiting for it. */
    public void lock() {
        lock.lock();
    }

    /** Releases the lock taken by this thread. */
    public void unlock() {
        lock.unlock();
    }

    /** Whether the calling thread holds the lock. */
    public boolean isHeld() {
        return lock.isHeldByCurrentThread();
    }

    /**
     * Throws {@link IllegalStateException} naming {@code what} and the thread unless the
     * calling thread holds the lock.
     */
    public void assertHeld(String what) {
        if (!lock.isHeldByCurrentThread()) {
            throw new IllegalStateException(what + " called without the big emulator lock on thread "
                    + Thread.currentThread().getName());
        }
    }

    /** Runs {@code action} with the lock held. */
    public void run(Runnable action) {
        lock.lock();
        try {
            action.run();
        } finally {
            lock.unlock();
        }
    }

    /** Computes {@code action} with the lock held. */
    public <T> T call(Supplier<T> action) {
        lock.lock();
        try {
            return action.get();
        } finally {
            lock.unlock();
        }
    }
}
