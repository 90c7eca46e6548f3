package dev.jemu.coroutine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The scenarios of QEMU's test-coroutine ({@code /basic/*}), with no AioContext at all. */
class CoroutineTest {

    @Test
    void createDoesNotRunAndEnterRunsToTermination() {
        List<String> log = new ArrayList<>();
        Coroutine co = Coroutine.create(opaque -> log.add("ran " + opaque), "x");
        assertTrue(log.isEmpty());
        assertFalse(co.isEntered());
        co.enter();
        assertEquals(List.of("ran x"), log);
        assertFalse(co.isEntered());
    }

    @Test
    void yieldReturnsToEntererAndEnterResumes() {
        int[] counter = {0};
        Coroutine co = Coroutine.create(opaque -> {
            for (int i = 0; i < 5; i++) {
                counter[0]++;
                Coroutine.yield();
            }
        }, null);
        for (int i = 1; i <= 5; i++) {
            co.enter();
            assertEquals(i, counter[0]);
        }
        co.enter();
        assertEquals(5, counter[0]);
        IllegalStateException e = assertThrows(IllegalStateException.class, co::enter);
        assertTrue(e.getMessage().contains("terminated"), e.getMessage());
    }

    @Test
    void lifecycleOfManyCoroutinesTerminatesEachOnce() {
        int[] done = {0};
        for (int i = 0; i < 1000; i++) {
            Coroutine.create(opaque -> done[0]++, null).enter();
        }
        assertEquals(1000, done[0]);
    }

    private static void nest(int[] state) {
        // state[0]: current depth, state[1]: max depth, state[2]: target depth
        state[0]++;
        state[1] = Math.max(state[1], state[0]);
        if (state[0] < state[2]) {
            Coroutine.create(opaque -> nest(state), null).enter();
        }
        state[0]--;
    }

    @Test
    void nestedEntersReachDepth128AndUnwind() {
        int[] state = {0, 0, 128};
        Coroutine.create(opaque -> nest(state), null).enter();
        assertEquals(128, state[1]);
        assertEquals(0, state[0]);
    }

    @Test
    void yieldInNestedCoroutineReturnsToOuterCoroutine() {
        List<String> log = new ArrayList<>();
        Coroutine inner = Coroutine.create(opaque -> {
            log.add("inner-1");
            Coroutine.yield();
            log.add("inner-2");
        }, null);
        Coroutine outer = Coroutine.create(opaque -> {
            log.add("outer-1");
            inner.enter();
            log.add("outer-2");
            Coroutine.yield();
            log.add("outer-3");
        }, null);
        outer.enter();
        assertEquals(List.of("outer-1", "inner-1", "outer-2"), log);
        inner.enter();
        outer.enter();
        assertEquals(List.of("outer-1", "inner-1", "outer-2", "inner-2", "outer-3"), log);
    }

    @Test
    void selfAndInCoroutineAnswerInsideAndOutside() {
        assertNull(Coroutine.self());
        assertFalse(Coroutine.inCoroutine());
        Coroutine[] seen = new Coroutine[1];
        boolean[] inside = new boolean[1];
        Coroutine co = Coroutine.create(opaque -> {
            seen[0] = Coroutine.self();
            inside[0] = Coroutine.inCoroutine();
        }, null);
        co.enter();
        assertSame(co, seen[0]);
        assertTrue(inside[0]);
    }

    @Test
    void enteredIsTrueForEveryCoroutineOnTheActiveChain() {
        boolean[] seen = new boolean[4];
        Coroutine[] outer = new Coroutine[1];
        Coroutine inner = Coroutine.create(opaque -> {
            seen[0] = outer[0].isEntered();
            seen[1] = Coroutine.self().isEntered();
            Coroutine.yield();
        }, null);
        outer[0] = Coroutine.create(opaque -> {
            inner.enter();
            seen[2] = inner.isEntered();
        }, null);
        outer[0].enter();
        seen[3] = outer[0].isEntered();
        assertTrue(seen[0]);
        assertTrue(seen[1]);
        assertFalse(seen[2], "a yielded coroutine is not entered");
        assertFalse(seen[3], "a terminated coroutine is not entered");
    }

    @Test
    void enterIfInactiveSkipsAnEnteredCoroutine() {
        int[] runs = {0};
        Coroutine[] self = new Coroutine[1];
        self[0] = Coroutine.create(opaque -> {
            runs[0]++;
            self[0].enterIfInactive();
            Coroutine.yield();
            runs[0]++;
        }, null);
        self[0].enterIfInactive();
        assertEquals(1, runs[0]);
        self[0].enterIfInactive();
        assertEquals(2, runs[0]);
    }

    /** QEMU's /basic/order: the interleaving of create, enter, yield and termination. */
    @Test
    void orderOfCreateEnterYieldAndTerminate() {
        List<String> log = new ArrayList<>();
        Coroutine co = Coroutine.create(opaque -> {
            log.add("co-start");
            Coroutine.yield();
            log.add("co-resume");
        }, null);
        log.add("created");
        co.enter();
        log.add("after-first-enter");
        co.enter();
        log.add("after-second-enter");
        assertEquals(List.of("created", "co-start", "after-first-enter", "co-resume", "after-second-enter"), log);
    }

    /** 50,000 ping-pongs through deferred wakeups run inside one enter at a constant stack depth. */
    @Test
    void pingPongThroughWakeupsKeepsConstantStackDepth() {
        int rounds = 50_000;
        Coroutine[] pair = new Coroutine[2];
        int[] count = {0};
        int[] depths = new int[2];
        for (int side = 0; side < 2; side++) {
            int me = side;
            pair[side] = Coroutine.create(opaque -> {
                while (count[0] < rounds) {
                    count[0]++;
                    if (count[0] == 10) {
                        depths[0] = StackWalker.getInstance().walk(s -> (int) s.count());
                    }
                    if (count[0] == rounds - 10) {
                        depths[1] = StackWalker.getInstance().walk(s -> (int) s.count());
                    }
                    pair[1 - me].wake();
                    Coroutine.yield();
                }
            }, null);
        }
        pair[0].enter();
        assertEquals(rounds, count[0]);
        assertTrue(depths[0] > 0);
        assertEquals(depths[0], depths[1], "stack depth must not grow with the number of wakeups");
    }

    @Test
    void exceptionEscapingACoroutineIsRethrownFromEnter() {
        Coroutine co = Coroutine.create(opaque -> {
            throw new IllegalArgumentException("boom");
        }, null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, co::enter);
        assertEquals("boom", e.getMessage());
        assertThrows(IllegalStateException.class, co::enter, "it terminated");
    }

    @Test
    void reenteringTheRunningCoroutineThrows() {
        Coroutine[] self = new Coroutine[1];
        String[] message = new String[1];
        self[0] = Coroutine.create(opaque -> {
            message[0] = assertThrows(IllegalStateException.class, self[0]::enter).getMessage();
        }, null);
        self[0].enter();
        assertTrue(message[0].contains("re-entered recursively"), message[0]);
    }

    @Test
    void enteringTheCallerFromANestedCoroutineThrows() {
        Coroutine[] outer = new Coroutine[1];
        String[] message = new String[1];
        Coroutine inner = Coroutine.create(opaque -> {
            message[0] = assertThrows(IllegalStateException.class, outer[0]::enter).getMessage();
        }, null);
        outer[0] = Coroutine.create(opaque -> inner.enter(), null);
        outer[0].enter();
        assertTrue(message[0].contains("re-entered recursively"), message[0]);
    }

    @Test
    void yieldOutsideACoroutineThrows() {
        IllegalStateException e = assertThrows(IllegalStateException.class, Coroutine::yield);
        assertTrue(e.getMessage().contains("yielding to no one"), e.getMessage());
    }

    @Test
    void wakingYourselfThrows() {
        String[] message = new String[1];
        Coroutine.create(opaque -> {
            message[0] = assertThrows(IllegalStateException.class, () -> Coroutine.self().wake()).getMessage();
        }, null).enter();
        assertTrue(message[0].contains("cannot wake itself"), message[0]);
    }

    @Test
    void wakingACoroutineTwiceBeforeItRunsThrows() {
        Coroutine sleeper = Coroutine.create(opaque -> Coroutine.yield(), null);
        sleeper.enter();
        String[] message = new String[1];
        Coroutine.create(opaque -> {
            sleeper.wake();
            message[0] = assertThrows(IllegalStateException.class, sleeper::wake).getMessage();
        }, null).enter();
        assertTrue(message[0].contains("already queued"), message[0]);
        assertFalse(sleeper.isEntered());
    }

    @Test
    void terminatingWhileHoldingAMutexThrowsFromEnter() {
        CoMutex mutex = new CoMutex();
        Coroutine co = Coroutine.create(opaque -> mutex.lock(), null);
        IllegalStateException e = assertThrows(IllegalStateException.class, co::enter);
        assertTrue(e.getMessage().contains("holding 1"), e.getMessage());
    }

    @Test
    void wakeupsRunAfterTheWakerYieldsInFifoOrderDepthFirst() {
        List<String> log = new ArrayList<>();
        CoQueue first = new CoQueue();
        CoQueue second = new CoQueue();
        for (String name : List.of("W1", "W2", "W3")) {
            Coroutine.create(opaque -> {
                first.await(null);
                log.add(name);
                if (name.equals("W1")) {
                    second.next();
                    log.add("W1-after-next");
                }
            }, null).enter();
        }
        Coroutine.create(opaque -> {
            second.await(null);
            log.add("X");
        }, null).enter();
        Coroutine.create(opaque -> {
            log.add("R-start");
            first.restartAll();
            log.add("R-after-restart");
        }, null).enter();
        log.add("main");
        assertEquals(List.of("R-start", "R-after-restart", "W1", "W1-after-next", "X", "W2", "W3", "main"), log);
    }
}
