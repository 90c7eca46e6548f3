package dev.jemu.coroutine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;

/** CoMutex, CoRwlock and CoQueue: QEMU's co-mutex, co-rwlock and queue scenarios. */
class CoLocksTest {

    /** c1 locks and yields; c2..c4 queue; each enter of the holder hands the lock on in order. */
    @Test
    void mutexHandsOwnershipToWaitersInArrivalOrder() {
        CoMutex mutex = new CoMutex();
        List<String> log = new ArrayList<>();
        List<Coroutine> all = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            String name = "c" + i;
            Coroutine co = Coroutine.create(opaque -> {
                mutex.lock();
                log.add(name);
                Coroutine.yield();
                mutex.unlock();
            }, null);
            all.add(co);
            co.enter();
        }
        assertEquals(List.of("c1"), log);
        for (int i = 0; i < 4; i++) {
            all.get(i).enter();
        }
        assertEquals(List.of("c1", "c2", "c3", "c4"), log);
        assertFalse(mutex.isLocked());
    }

    @Test
    void newcomerQueuesBehindWaitersEvenWhenTheLockIsBeingHandedOver() {
        CoMutex mutex = new CoMutex();
        List<String> log = new ArrayList<>();
        Coroutine holder = Coroutine.create(opaque -> {
            mutex.lock();
            Coroutine.yield();
            mutex.unlock();
            Coroutine.create(o -> {
                mutex.lock();
                log.add("newcomer");
                mutex.unlock();
            }, null).enter();
        }, null);
        holder.enter();
        Coroutine waiter = Coroutine.create(opaque -> {
            mutex.lock();
            log.add("waiter");
            mutex.unlock();
        }, null);
        waiter.enter();
        holder.enter();
        assertEquals(List.of("waiter", "newcomer"), log);
    }

    @Test
    void unlockingAFreeMutexThrows() {
        CoMutex mutex = new CoMutex();
        String[] message = new String[1];
        Coroutine.create(opaque -> message[0] = assertThrows(IllegalStateException.class, mutex::unlock).getMessage(),
                null).enter();
        assertTrue(message[0].contains("not locked"), message[0]);
    }

    @Test
    void unlockingAnotherCoroutinesMutexThrows() {
        CoMutex mutex = new CoMutex();
        Coroutine owner = Coroutine.create(opaque -> {
            mutex.lock();
            Coroutine.yield();
            mutex.unlock();
        }, null);
        owner.enter();
        String[] message = new String[1];
        Coroutine.create(opaque -> message[0] = assertThrows(IllegalStateException.class, mutex::unlock).getMessage(),
                null).enter();
        assertTrue(message[0].contains("held by another"), message[0]);
        owner.enter();
    }

    @Test
    void contendedLockOutsideACoroutineThrows() {
        CoMutex mutex = new CoMutex();
        Coroutine owner = Coroutine.create(opaque -> {
            mutex.lock();
            Coroutine.yield();
            mutex.unlock();
        }, null);
        owner.enter();
        IllegalStateException e = assertThrows(IllegalStateException.class, mutex::lock);
        assertTrue(e.getMessage().contains("outside a coroutine"), e.getMessage());
        owner.enter();
        assertFalse(mutex.isLocked());
    }

    /**
     * QEMU's lock and unlock are both coroutine functions; unlock outside one aborts (spec §9 #9),
     * so a free mutex locked outside a coroutine could never be released: lock refuses too.
     */
    @Test
    void uncontendedLockOutsideACoroutineThrowsAndLeavesTheMutexFree() {
        CoMutex mutex = new CoMutex();
        IllegalStateException e = assertThrows(IllegalStateException.class, mutex::lock);
        assertTrue(e.getMessage().contains("outside a coroutine"), e.getMessage());
        assertFalse(mutex.isLocked());
        boolean[] locked = new boolean[1];
        Coroutine.create(opaque -> {
            mutex.lock();
            locked[0] = true;
            mutex.unlock();
        }, null).enter();
        assertTrue(locked[0]);
        assertFalse(mutex.isLocked());
    }

    @Test
    void awaitWhoseUnlockThrowsLeavesTheQueue() {
        CoQueue queue = new CoQueue();
        IllegalStateException failure = new IllegalStateException("unlock failed");
        CoLockable broken = new CoLockable() {
            @Override
            public void lock() {
            }

            @Override
            public void unlock() {
                throw failure;
            }
        };
        Throwable[] caught = new Throwable[1];
        CoQueue other = new CoQueue();
        Coroutine co = Coroutine.create(opaque -> {
            caught[0] = assertThrows(IllegalStateException.class, () -> queue.await(broken));
            other.await(null);
        }, null);
        co.enter();
        assertSame(failure, caught[0]);
        assertTrue(queue.isEmpty());
        assertFalse(queue.next());
        assertTrue(other.next());
        assertFalse(co.isEntered());
    }

    @Test
    void assertLockedChecksTheCaller() {
        CoMutex mutex = new CoMutex();
        boolean[] ok = new boolean[1];
        Coroutine.create(opaque -> {
            mutex.lock();
            mutex.assertLocked();
            ok[0] = true;
            mutex.unlock();
            assertThrows(IllegalStateException.class, mutex::assertLocked);
        }, null).enter();
        assertTrue(ok[0]);
    }

    /** QEMU's co-mutex/lockable: a CoQueue waits with a CoMutex released and retaken. */
    @Test
    void queueAwaitReleasesAndRetakesTheMutex() {
        CoMutex mutex = new CoMutex();
        CoQueue queue = new CoQueue();
        boolean[] flag = new boolean[1];
        List<String> log = new ArrayList<>();
        Coroutine consumer = Coroutine.create(opaque -> {
            mutex.lock();
            while (!flag[0]) {
                queue.await(mutex);
            }
            mutex.assertLocked();
            log.add("consumed");
            mutex.unlock();
        }, null);
        consumer.enter();
        assertFalse(mutex.isLocked(), "await released the mutex");
        Coroutine.create(opaque -> {
            mutex.lock();
            flag[0] = true;
            queue.next();
            log.add("producer-unlocks");
            mutex.unlock();
        }, null).enter();
        assertEquals(List.of("producer-unlocks", "consumed"), log);
        assertFalse(mutex.isLocked());
    }

    @Test
    void queueAwaitWithAThreadLockReleasesItWhileWaiting() {
        ReentrantLock lock = new ReentrantLock();
        CoQueue queue = new CoQueue();
        CoLockable lockable = CoLockable.of(lock);
        Coroutine waiter = Coroutine.create(opaque -> {
            lockable.lock();
            queue.await(lockable);
            assertTrue(lock.isHeldByCurrentThread());
            lockable.unlock();
        }, null);
        waiter.enter();
        assertFalse(lock.isLocked());
        assertTrue(queue.next());
        assertFalse(lock.isLocked());
    }

    /** QEMU 7.2 verified: outside a coroutine, enterNext runs each waiter before returning. */
    @Test
    void enterNextOutsideACoroutineRunsTheWaiterSynchronously() {
        CoQueue queue = new CoQueue();
        List<String> log = new ArrayList<>();
        for (String name : List.of("P1", "P2")) {
            Coroutine.create(opaque -> {
                queue.await(null);
                log.add(name);
            }, null).enter();
        }
        log.add("before");
        assertTrue(queue.enterNext(null));
        log.add("after1");
        assertTrue(queue.enterNext(null));
        log.add("after2");
        assertFalse(queue.enterNext(null));
        assertTrue(queue.isEmpty());
        assertEquals(List.of("before", "P1", "after1", "P2", "after2"), log);
    }

    @Test
    void awaitOutsideACoroutineThrows() {
        CoQueue queue = new CoQueue();
        assertThrows(IllegalStateException.class, () -> queue.await(null));
    }

    /** R1 holds a read lock; W waits; R2 queues behind W; R1 unlocks so W runs, then R2. */
    @Test
    void rwlockNewReaderWaitsBehindQueuedWriter() {
        CoRwlock lock = new CoRwlock();
        List<String> log = new ArrayList<>();
        Coroutine r1 = Coroutine.create(opaque -> {
            lock.rdlock();
            log.add("R1");
            Coroutine.yield();
            lock.unlock();
        }, null);
        Coroutine w = Coroutine.create(opaque -> {
            lock.wrlock();
            log.add("W");
            Coroutine.yield();
            lock.unlock();
        }, null);
        Coroutine r2 = Coroutine.create(opaque -> {
            lock.rdlock();
            log.add("R2");
            lock.unlock();
        }, null);
        r1.enter();
        w.enter();
        r2.enter();
        assertEquals(List.of("R1"), log);
        r1.enter();
        assertEquals(List.of("R1", "W"), log);
        w.enter();
        assertEquals(List.of("R1", "W", "R2"), log);
    }

    /** QEMU's co-rwlock/upgrade: upgrading queues at the tail, behind an earlier writer. */
    @Test
    void rwlockUpgradeQueuesBehindAnEarlierWriter() {
        CoRwlock lock = new CoRwlock();
        List<String> log = new ArrayList<>();
        Coroutine upgrader = Coroutine.create(opaque -> {
            lock.rdlock();
            Coroutine.yield();
            lock.upgrade();
            log.add("upgraded");
            lock.unlock();
        }, null);
        Coroutine reader = Coroutine.create(opaque -> {
            lock.rdlock();
            Coroutine.yield();
            lock.unlock();
        }, null);
        Coroutine writer = Coroutine.create(opaque -> {
            lock.wrlock();
            log.add("writer");
            lock.unlock();
        }, null);
        upgrader.enter();
        reader.enter();
        writer.enter();
        upgrader.enter();
        assertTrue(log.isEmpty());
        reader.enter();
        assertEquals(List.of("writer", "upgraded"), log);
    }

    @Test
    void rwlockUncontendedUpgradeIsImmediate() {
        CoRwlock lock = new CoRwlock();
        boolean[] done = new boolean[1];
        Coroutine.create(opaque -> {
            lock.rdlock();
            lock.upgrade();
            lock.unlock();
            done[0] = true;
        }, null).enter();
        assertTrue(done[0]);
    }

    /** QEMU's co-rwlock/downgrade: downgrading admits the readers queued at the head. */
    @Test
    void rwlockDowngradeAdmitsQueuedReaders() {
        CoRwlock lock = new CoRwlock();
        List<String> log = new ArrayList<>();
        Coroutine writer = Coroutine.create(opaque -> {
            lock.wrlock();
            Coroutine.yield();
            lock.downgrade();
            log.add("downgraded");
            Coroutine.yield();
            lock.unlock();
        }, null);
        writer.enter();
        for (String name : List.of("R1", "R2")) {
            Coroutine.create(opaque -> {
                lock.rdlock();
                log.add(name);
                lock.unlock();
            }, null).enter();
        }
        Coroutine lateWriter = Coroutine.create(opaque -> {
            lock.wrlock();
            log.add("W2");
            lock.unlock();
        }, null);
        lateWriter.enter();
        writer.enter();
        assertEquals(List.of("downgraded", "R1", "R2"), log);
        writer.enter();
        assertEquals(List.of("downgraded", "R1", "R2", "W2"), log);
    }

    @Test
    void rwlockMisuseThrows() {
        CoRwlock lock = new CoRwlock();
        List<String> messages = new ArrayList<>();
        Coroutine.create(opaque -> {
            messages.add(assertThrows(IllegalStateException.class, lock::unlock).getMessage());
            messages.add(assertThrows(IllegalStateException.class, lock::upgrade).getMessage());
            messages.add(assertThrows(IllegalStateException.class, lock::downgrade).getMessage());
        }, null).enter();
        assertThrows(IllegalStateException.class, lock::rdlock);
        assertTrue(messages.get(0).contains("not held"), messages.get(0));
        assertTrue(messages.get(1).contains("no read lock"), messages.get(1));
        assertTrue(messages.get(2).contains("write lock is not held"), messages.get(2));
    }

    @Test
    void terminatingWhileHoldingAReadLockThrowsFromEnter() {
        CoRwlock lock = new CoRwlock();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Coroutine.create(opaque -> lock.rdlock(), null).enter());
        assertTrue(e.getMessage().contains("holding 1"), e.getMessage());
    }
}
