package dev.jemu.aio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jemu.coroutine.Coroutine;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** QEMU's test-thread-pool submit-co scenarios. */
class ThreadPoolTest {
    private AioContext ctx;

    @BeforeEach
    void createContext() {
        ctx = AioContext.create();
    }

    @AfterEach
    void closeContext() {
        ctx.close();
    }

    @Test
    void submitCoRunsOnAWorkerAndResumesTheCoroutineWithTheResult() {
        String home = Thread.currentThread().getName();
        String[] worker = new String[1];
        int[] result = {0};
        boolean[] done = new boolean[1];
        Coroutine.create(opaque -> {
            result[0] = ThreadPool.submitCo(() -> {
                worker[0] = Thread.currentThread().getName();
                return 42;
            });
            done[0] = true;
        }, null).enter();
        while (!done[0]) {
            ctx.poll(true);
        }
        assertEquals(42, result[0]);
        assertNotEquals(home, worker[0]);
        assertTrue(worker[0].startsWith("jemu-worker-"), worker[0]);
    }

    @Test
    void exceptionFromTheWorkIsRethrownInTheCoroutineUnchanged() {
        Throwable[] caught = new Throwable[1];
        boolean[] done = new boolean[1];
        Coroutine.create(opaque -> {
            try {
                ThreadPool.submitCo(() -> {
                    throw new IOException("disk on fire");
                });
            } catch (Throwable t) {
                caught[0] = t;
            }
            done[0] = true;
        }, null).enter();
        while (!done[0]) {
            ctx.poll(true);
        }
        assertTrue(caught[0] instanceof IOException);
        assertEquals("disk on fire", caught[0].getMessage());
    }

    @Test
    void manyConcurrentSubmissionsAllComplete() {
        int count = 200;
        List<Integer> results = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int value = i;
            Coroutine.create(opaque -> {
                int doubled = ThreadPool.submitCo(() -> value * 2);
                results.add(doubled);
            }, null).enter();
        }
        while (results.size() < count) {
            ctx.poll(true);
        }
        assertEquals(count, results.size());
        assertEquals((long) count * (count - 1), results.stream().mapToLong(Integer::longValue).sum());
    }

    @Test
    void submitCoOutsideACoroutineThrows() {
        assertThrows(IllegalStateException.class, () -> ThreadPool.submitCo(() -> 1));
    }
}
