package dev.jemu.coroutine;

import java.util.Objects;
import java.util.concurrent.locks.Lock;

/**
 * Something a {@link CoQueue} can release while it waits and take again afterwards: QEMU's
 * {@code QemuLockable}. {@link CoMutex} is one; {@link #of(Lock)} adapts a thread lock.
 */
public interface CoLockable {
    void lock();

    void unlock();

    /**
     * Adapts a thread lock. The coroutine waiting on a {@link CoQueue} releases it before it
     * yields, so no thread lock is held across the yield.
     */
    static CoLockable of(Lock lock) {
        Objects.requireNonNull(lock, "lock");
        return new CoLockable() {
            @Override
            public void lock() {
                lock.lock();
            }

            @Override
            public void unlock() {
                lock.unlock();
            }
        };
    }
}
