package dev.jemu.coroutine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * A coroutine may not suspend while it holds a Java monitor: on JDK 25 nothing pins it, so it
 * would keep the monitor locked while suspended and block every other thread that enters it. The
 * suite runs with assertions on, which turns the check on, on both backends.
 */
class MonitorCheckTest {

    /** Runs {@code misuse} inside {@code synchronized (monitor)} in a coroutine; returns its message. */
    private static String misuseInsideSynchronized(Object monitor, Executable misuse) throws InterruptedException {
        String[] message = new String[1];
        Coroutine co = Coroutine.create(opaque -> {
            synchronized (monitor) {
                message[0] = assertThrows(IllegalStateException.class, misuse).getMessage();
            }
        }, null);
        co.enter();
        assertFalse(co.isEntered());
        assertMonitorFree(monitor);
        return message[0];
    }

    /** Another thread can take {@code monitor} within a bound. */
    private static void assertMonitorFree(Object monitor) throws InterruptedException {
        ReentrantLock taken = new ReentrantLock();
        Thread other = Thread.ofPlatform().daemon().start(() -> {
            synchronized (monitor) {
                taken.lock();
            }
        });
        other.join(TimeUnit.SECONDS.toMillis(10));
        assertFalse(other.isAlive(), "another thread is still blocked on the monitor");
        assertTrue(taken.isLocked());
    }

    @Test
    void yieldInsideSynchronizedThrowsAndTheMonitorStaysUsable() throws InterruptedException {
        String message = misuseInsideSynchronized(new Object(), Coroutine::yield);
        assertTrue(message != null && message.contains("Coroutine.yield") && message.contains("Java monitor"), message);
    }

    @Test
    void yieldInsideASynchronizedMethodOfACallerThrows() throws InterruptedException {
        Object monitor = new Object();
        String message = misuseInsideSynchronized(monitor, () -> new Object() {
            synchronized void run() {
                Coroutine.yield();
            }
        }.run());
        assertTrue(message != null && message.contains("Java monitor"), message);
    }

    @Test
    void contendedCoMutexLockInsideSynchronizedThrowsWithoutQueueing() throws InterruptedException {
        CoMutex mutex = new CoMutex();
        Coroutine owner = Coroutine.create(opaque -> {
            mutex.lock();
            Coroutine.yield();
            mutex.unlock();
        }, null);
        owner.enter();
        String message = misuseInsideSynchronized(new Object(), mutex::lock);
        assertTrue(message != null && message.contains("CoMutex.lock") && message.contains("Java monitor"), message);
        owner.enter();
        assertFalse(mutex.isLocked());
    }

    @Test
    void queueAwaitInsideSynchronizedThrowsWithoutQueueing() throws InterruptedException {
        CoQueue queue = new CoQueue();
        String message = misuseInsideSynchronized(new Object(), () -> queue.await(null));
        assertTrue(message != null && message.contains("CoQueue.await"), message);
        assertTrue(queue.isEmpty());
    }

    @Test
    void rwlockWaitInsideSynchronizedThrowsAndReleasesItsInternalMutex() throws InterruptedException {
        CoRwlock rwlock = new CoRwlock();
        Coroutine writer = Coroutine.create(opaque -> {
            rwlock.wrlock();
            Coroutine.yield();
            rwlock.unlock();
        }, null);
        writer.enter();
        String message = misuseInsideSynchronized(new Object(), rwlock::rdlock);
        assertTrue(message != null && message.contains("CoRwlock.rdlock"), message);
        writer.enter();
        boolean[] read = new boolean[1];
        Coroutine.create(opaque -> {
            rwlock.rdlock();
            read[0] = true;
            rwlock.unlock();
        }, null).enter();
        assertTrue(read[0]);
    }

    @Test
    void yieldOutsideSynchronizedIsUnaffected() {
        int[] steps = {0};
        Coroutine co = Coroutine.create(opaque -> {
            synchronized (steps) {
                steps[0]++;
            }
            Coroutine.yield();
            steps[0]++;
        }, null);
        co.enter();
        co.enter();
        assertEquals(2, steps[0]);
    }

    /** Only the yielding coroutine's own frames count: an enterer holding a monitor does not suspend. */
    @Test
    void innerCoroutineMayYieldWhileItsEntererHoldsAMonitor() {
        Object monitor = new Object();
        int[] steps = {0};
        Coroutine inner = Coroutine.create(opaque -> {
            steps[0]++;
            Coroutine.yield();
            steps[0]++;
        }, null);
        Coroutine outer = Coroutine.create(opaque -> {
            synchronized (monitor) {
                inner.enter();
                inner.enter();
            }
        }, null);
        outer.enter();
        assertEquals(2, steps[0]);
    }
}
