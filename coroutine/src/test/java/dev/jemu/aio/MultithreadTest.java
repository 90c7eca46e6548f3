package dev.jemu.aio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jemu.coroutine.CoMutex;
import dev.jemu.coroutine.Coroutine;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * QEMU's test-aio-multithread: coroutines moving between IOThreads and a CoMutex shared by
 * several. Stress runs are bounded in time and assert invariants, not speed.
 */
class MultithreadTest {
    private static final long STRESS_NS = 1_000_000_000L;
    private final List<IOThread> threads = new ArrayList<>();
    private AioContext main;

    @BeforeEach
    void createMain() {
        main = AioContext.create();
    }

    @AfterEach
    void stopAll() {
        threads.forEach(IOThread::stop);
        main.close();
    }

    private IOThread start(String name) {
        IOThread io = IOThread.start(name);
        threads.add(io);
        return io;
    }

    private void pollUntil(AtomicBoolean condition) {
        while (!condition.get()) {
            main.poll(true);
        }
    }

    @Test
    void ioThreadOwnsItsContextAndStopsIdempotently() {
        IOThread io = start("io-ctx");
        AtomicBoolean ran = new AtomicBoolean();
        AtomicBoolean rightThread = new AtomicBoolean();
        io.context().oneShot(() -> {
            rightThread.set(AioContext.current() == io.context() && Thread.currentThread().getName().equals("io-ctx"));
            ran.set(true);
            main.kick();
        });
        pollUntil(ran);
        assertTrue(rightThread.get());
        io.stop();
        io.stop();
    }

    /**
     * A coroutine hops to an IOThread and back with QEMU's aio_co_reschedule_self idiom (a one-shot
     * BH in the old context schedules it into the new one, so it has surely yielded); it always
     * resumes in its new home context.
     */
    @Test
    void coroutineMigratesThroughScheduleAndComesBack() {
        IOThread io = start("io-hop");
        List<String> where = new ArrayList<>();
        AtomicBoolean done = new AtomicBoolean();
        Coroutine co = Coroutine.create(opaque -> {
            where.add(Thread.currentThread().getName() + (AioContext.current() == main ? ":main" : ":?"));
            Coroutine self = Coroutine.self();
            main.oneShot(() -> io.context().schedule(self));
            Coroutine.yield();
            where.add(AioContext.current() == io.context() ? "io" : "not-io");
            io.context().oneShot(() -> main.schedule(self));
            Coroutine.yield();
            where.add(AioContext.current() == main ? "main" : "not-main");
            done.set(true);
        }, null);
        co.enter(main);
        pollUntil(done);
        assertEquals(3, where.size());
        assertTrue(where.get(0).endsWith(":main"));
        assertEquals("io", where.get(1));
        assertEquals("main", where.get(2));
        assertSame(main, co.context());
    }

    @Test
    void wakeFromAnotherThreadSchedulesIntoTheHomeContext() {
        IOThread io = start("io-wake");
        AtomicBoolean resumedAtHome = new AtomicBoolean();
        AtomicBoolean done = new AtomicBoolean();
        Coroutine co = Coroutine.create(opaque -> {
            Coroutine.yield();
            resumedAtHome.set(AioContext.current() == main);
            done.set(true);
        }, null);
        co.enter(main);
        io.context().oneShot(co::wake);
        pollUntil(done);
        assertTrue(resumedAtHome.get());
    }

    /** Five IOThreads run coroutines that increment a counter under one CoMutex: no lost update. */
    @Test
    void mutexContendedByFiveIoThreadsLosesNoUpdate() {
        int workers = 5;
        CoMutex mutex = new CoMutex();
        long[] counter = {0};
        AtomicLong increments = new AtomicLong();
        AtomicInteger inside = new AtomicInteger();
        AtomicBoolean overlap = new AtomicBoolean();
        AtomicInteger finished = new AtomicInteger();
        long deadline = System.nanoTime() + STRESS_NS;
        for (int i = 0; i < workers; i++) {
            IOThread io = start("io-mutex-" + i);
            for (int c = 0; c < 4; c++) {
                io.context().oneShot(() -> Coroutine.create(opaque -> {
                    while (System.nanoTime() < deadline) {
                        mutex.lock();
                        if (inside.incrementAndGet() != 1) {
                            overlap.set(true);
                        }
                        long seen = counter[0];
                        if ((seen & 7) == 0) {
                            Coroutine.sleepNs(ClockType.REALTIME, 0);
                        }
                        counter[0] = seen + 1;
                        increments.incrementAndGet();
                        inside.decrementAndGet();
                        mutex.unlock();
                    }
                    finished.incrementAndGet();
                    main.kick();
                }, null).enter());
            }
        }
        while (finished.get() < workers * 4) {
            main.poll(true);
        }
        threads.forEach(IOThread::stop);
        assertTrue(increments.get() > 0);
        assertEquals(increments.get(), counter[0]);
        assertTrue(!overlap.get(), "two coroutines held the mutex at once");
    }

    /** Two IOThreads hand a CoMutex back and forth; every hand-off keeps mutual exclusion. */
    @Test
    void mutexHandOffBetweenTwoIoThreads() {
        CoMutex mutex = new CoMutex();
        AtomicInteger inside = new AtomicInteger();
        AtomicBoolean overlap = new AtomicBoolean();
        AtomicInteger finished = new AtomicInteger();
        AtomicLong[] acquisitions = {new AtomicLong(), new AtomicLong()};
        long deadline = System.nanoTime() + STRESS_NS;
        for (int i = 0; i < 2; i++) {
            int me = i;
            IOThread io = start("io-handoff-" + i);
            io.context().oneShot(() -> Coroutine.create(opaque -> {
                while (System.nanoTime() < deadline) {
                    mutex.lock();
                    if (inside.incrementAndGet() != 1) {
                        overlap.set(true);
                    }
                    acquisitions[me].incrementAndGet();
                    inside.decrementAndGet();
                    mutex.unlock();
                }
                finished.incrementAndGet();
                main.kick();
            }, null).enter());
        }
        while (finished.get() < 2) {
            main.poll(true);
        }
        assertTrue(!overlap.get());
        assertTrue(acquisitions[0].get() > 0 && acquisitions[1].get() > 0);
    }

    /** Coroutines scheduled from many threads into one IOThread all run, each exactly once. */
    @Test
    void crossThreadScheduleRunsEveryCoroutineOnce() throws InterruptedException {
        IOThread io = start("io-target");
        int perThread = 2_000;
        AtomicInteger runs = new AtomicInteger();
        AtomicBoolean wrongContext = new AtomicBoolean();
        List<Thread> senders = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            Thread sender = new Thread(() -> {
                for (int i = 0; i < perThread; i++) {
                    io.context().schedule(Coroutine.create(opaque -> {
                        if (AioContext.current() != io.context()) {
                            wrongContext.set(true);
                        }
                        runs.incrementAndGet();
                    }, null));
                }
            });
            senders.add(sender);
            sender.start();
        }
        for (Thread sender : senders) {
            sender.join();
        }
        AtomicBoolean flushed = new AtomicBoolean();
        io.context().oneShot(() -> {
            flushed.set(true);
            main.kick();
        });
        pollUntil(flushed);
        io.stop();
        assertEquals(3 * perThread, runs.get());
        assertTrue(!wrongContext.get());
        assertNotSame(main, io.context());
    }
}
