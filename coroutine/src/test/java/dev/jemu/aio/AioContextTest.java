package dev.jemu.aio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jemu.coroutine.Coroutine;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The event-loop scenarios of QEMU's test-aio: bottom halves, notify, timers, scheduling. */
class AioContextTest {
    private AioContext ctx;

    @BeforeEach
    void createContext() {
        ctx = AioContext.create();
    }

    @AfterEach
    void closeContext() {
        VirtualClock.resume();
        ctx.close();
    }

    private void drain() {
        while (ctx.poll(false)) {
            // each iteration made progress
        }
    }

    @Test
    void createMakesTheContextCurrent() {
        assertSame(ctx, AioContext.current());
    }

    @Test
    void kickAloneIsNotProgressAndDoesNotBlock() {
        ctx.kick();
        assertFalse(ctx.poll(true));
        assertFalse(ctx.poll(false));
    }

    @Test
    void bottomHalvesRunNewestFirst() {
        List<String> log = new ArrayList<>();
        BottomHalf a = ctx.newBottomHalf(() -> log.add("A"));
        BottomHalf b = ctx.newBottomHalf(() -> log.add("B"));
        BottomHalf c = ctx.newBottomHalf(() -> log.add("C"));
        a.schedule();
        b.schedule();
        c.schedule();
        assertTrue(ctx.poll(true));
        assertEquals(List.of("C", "B", "A"), log);
        assertFalse(ctx.poll(false));
        a.delete();
        b.delete();
        c.delete();
    }

    @Test
    void schedulingAPendingBottomHalfRunsItOnce() {
        int[] runs = {0};
        BottomHalf bh = ctx.newBottomHalf(() -> runs[0]++);
        bh.schedule();
        bh.schedule();
        drain();
        assertEquals(1, runs[0]);
        bh.delete();
    }

    /** QEMU's schedule10: a BH that reschedules itself runs once per poll. */
    @Test
    void bottomHalfRescheduledByItselfRunsInTheNextPoll() {
        int[] runs = {0};
        BottomHalf[] bh = new BottomHalf[1];
        bh[0] = ctx.newBottomHalf(() -> {
            if (++runs[0] < 10) {
                bh[0].schedule();
            }
        });
        bh[0].schedule();
        for (int i = 1; i <= 10; i++) {
            assertTrue(ctx.poll(false));
            assertEquals(i, runs[0]);
        }
        assertFalse(ctx.poll(false));
        bh[0].delete();
    }

    @Test
    void cancelledBottomHalfDoesNotRunAndIsNotProgress() {
        int[] runs = {0};
        BottomHalf bh = ctx.newBottomHalf(() -> runs[0]++);
        bh.schedule();
        bh.cancel();
        assertFalse(ctx.poll(false));
        assertEquals(0, runs[0]);
        bh.schedule();
        assertTrue(ctx.poll(false));
        assertEquals(1, runs[0]);
        bh.delete();
    }

    @Test
    void deletedBottomHalfNeverRunsAndCannotBeScheduled() {
        int[] runs = {0};
        BottomHalf bh = ctx.newBottomHalf(() -> runs[0]++);
        bh.schedule();
        bh.delete();
        assertFalse(ctx.poll(false));
        assertEquals(0, runs[0]);
        assertThrows(IllegalStateException.class, bh::schedule);
    }

    @Test
    void idleBottomHalfRunsButIsNotProgress() {
        int[] runs = {0};
        BottomHalf bh = ctx.newBottomHalf(() -> runs[0]++);
        bh.scheduleIdle();
        assertFalse(ctx.poll(true));
        assertEquals(1, runs[0]);
        bh.delete();
    }

    @Test
    void oneShotRunsOnceFromAnotherThread() throws InterruptedException {
        int[] runs = {0};
        Thread other = new Thread(() -> ctx.oneShot(() -> runs[0]++));
        other.start();
        other.join();
        assertTrue(ctx.poll(true));
        assertEquals(1, runs[0]);
        assertFalse(ctx.poll(false));
    }

    @Test
    void blockingPollWakesForABottomHalfScheduledByAnotherThread() throws InterruptedException {
        int[] runs = {0};
        boolean[] gaveUp = {false};
        BottomHalf bh = ctx.newBottomHalf(() -> runs[0]++);
        // A backstop: a poll that the schedule fails to wake ends here, and the test fails.
        Timer backstop = ctx.newTimer(ClockType.REALTIME, () -> gaveUp[0] = true);
        backstop.modNs(ClockType.REALTIME.nowNs() + TimeUnit.SECONDS.toNanos(20));
        Thread home = Thread.currentThread();
        boolean[] sawWaiting = {false};
        Thread other = new Thread(() -> {
            // Schedules once the home thread waits in the event loop, inside poll(true).
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!(sawWaiting[0] = waitsInEventLoop(home)) && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            bh.schedule();
        });
        other.start();
        while (runs[0] == 0 && !gaveUp[0]) {
            ctx.poll(true);
        }
        other.join();
        assertTrue(sawWaiting[0], "the home thread waited in poll(true)");
        assertFalse(gaveUp[0], "the schedule woke the waiting poll");
        assertEquals(1, runs[0]);
        backstop.del();
        bh.delete();
    }

    /** Whether {@code t} is inside Netty's event loop wait, called from {@link AioContext#poll}. */
    private static boolean waitsInEventLoop(Thread t) {
        StackTraceElement[] stack = t.getStackTrace();
        for (int i = 1; i < stack.length; i++) {
            if (stack[i].getClassName().equals(AioContext.class.getName()) && stack[i].getMethodName().equals("poll")) {
                return stack[i - 1].getClassName().startsWith("io.netty.");
            }
        }
        return false;
    }

    @Test
    void nestedPollFromABottomHalfRunsTheRemainingOnes() {
        List<String> log = new ArrayList<>();
        BottomHalf first = ctx.newBottomHalf(() -> log.add("first"));
        BottomHalf nester = ctx.newBottomHalf(() -> {
            log.add("nester");
            ctx.poll(false);
            log.add("nester-end");
        });
        first.schedule();
        nester.schedule();
        assertTrue(ctx.poll(false));
        assertEquals(List.of("nester", "first", "nester-end"), log);
        first.delete();
        nester.delete();
    }

    @Test
    void pollFromAnotherThreadThrows() throws InterruptedException {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread other = new Thread(() -> {
            try {
                ctx.poll(false);
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        other.start();
        other.join();
        assertTrue(thrown.get() instanceof IllegalStateException);
        assertTrue(thrown.get().getMessage().contains("home thread"), thrown.get().getMessage());
    }

    @Test
    void closeReportsLeakedBottomHalves() {
        ctx.newBottomHalf(() -> { });
        IllegalStateException e = assertThrows(IllegalStateException.class, ctx::close);
        assertTrue(e.getMessage().contains("1 bottom half(s) leaked"), e.getMessage());
        ctx = AioContext.create();
    }

    @Test
    void timersFireInExpiryOrderWithTiesFirstArmedFirst() {
        VirtualClock.stop();
        List<String> log = new ArrayList<>();
        long now = ClockType.VIRTUAL.nowNs();
        Timer late = ctx.newTimer(ClockType.VIRTUAL, () -> log.add("late"));
        Timer tieA = ctx.newTimer(ClockType.VIRTUAL, () -> log.add("tieA"));
        Timer tieB = ctx.newTimer(ClockType.VIRTUAL, () -> log.add("tieB"));
        late.modNs(now + 2_000);
        tieA.modNs(now + 1_000);
        tieB.modNs(now + 1_000);
        assertFalse(ctx.poll(false));
        VirtualClock.advance(999);
        assertFalse(ctx.poll(false));
        VirtualClock.advance(1);
        assertTrue(ctx.poll(false));
        assertEquals(List.of("tieA", "tieB"), log);
        assertTrue(late.isPending());
        VirtualClock.advance(1_000);
        assertTrue(ctx.poll(true));
        assertEquals(List.of("tieA", "tieB", "late"), log);
        assertFalse(late.isPending());
    }

    @Test
    void deletedTimerDoesNotFire() {
        VirtualClock.stop();
        int[] runs = {0};
        Timer timer = ctx.newTimer(ClockType.VIRTUAL, () -> runs[0]++);
        timer.modNs(ClockType.VIRTUAL.nowNs() + 10);
        timer.del();
        VirtualClock.advance(100);
        assertFalse(ctx.poll(false));
        assertEquals(0, runs[0]);
    }

    @Test
    void blockingPollWaitsForARealtimeTimer() {
        int[] runs = {0};
        Timer timer = ctx.newTimer(ClockType.REALTIME, () -> runs[0]++);
        long start = System.nanoTime();
        timer.modNs(start + 20_000_000L);
        while (runs[0] == 0) {
            ctx.poll(true);
        }
        assertTrue(System.nanoTime() - start >= 20_000_000L, "fired no earlier than its expiry");
    }

    @Test
    void timerCallbackMayRearmItself() {
        VirtualClock.stop();
        int[] runs = {0};
        Timer[] timer = new Timer[1];
        timer[0] = ctx.newTimer(ClockType.VIRTUAL, () -> {
            runs[0]++;
            timer[0].modNs(ClockType.VIRTUAL.nowNs() + 100);
        });
        timer[0].modNs(ClockType.VIRTUAL.nowNs());
        assertTrue(ctx.poll(false));
        assertEquals(1, runs[0], "the re-armed timer waits for the clock");
        VirtualClock.advance(100);
        assertTrue(ctx.poll(false));
        assertEquals(2, runs[0]);
        timer[0].del();
    }

    @Test
    void sleepingCoroutineResumesWhenTheVirtualClockPassesItsDeadline() {
        VirtualClock.stop();
        List<String> log = new ArrayList<>();
        Coroutine sleeper = Coroutine.create(opaque -> {
            log.add("sleep");
            Coroutine.sleepNs(ClockType.VIRTUAL, 1_000_000);
            log.add("woke");
        }, null);
        sleeper.enter();
        VirtualClock.advance(999_999);
        assertFalse(ctx.poll(false));
        VirtualClock.advance(1);
        assertTrue(ctx.poll(false));
        assertEquals(List.of("sleep", "woke"), log);
    }

    @Test
    void zeroSleepResumesInTheNextPoll() {
        boolean[] woke = new boolean[1];
        Coroutine.create(opaque -> {
            Coroutine.sleepNs(ClockType.REALTIME, 0);
            woke[0] = true;
        }, null).enter();
        assertFalse(woke[0]);
        assertTrue(ctx.poll(false));
        assertTrue(woke[0]);
    }

    /** An AioContext has timers on its four clock types only; the sleeper stays usable. */
    @Test
    void sleepingOnAClockThatIsNoClockTypeIsRefused() {
        dev.jemu.coroutine.SleepClock foreign = new dev.jemu.coroutine.SleepClock() {
            @Override
            public long nowNs() {
                return 0;
            }

            @Override
            public String name() {
                return "SUNDIAL";
            }
        };
        List<String> log = new ArrayList<>();
        Coroutine co = Coroutine.create(opaque -> {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Coroutine.sleepNs(foreign, 1));
            log.add(e.getMessage());
            Coroutine.yield();
            log.add("entered again");
        }, null);
        co.enter();
        assertEquals(List.of("Coroutine.sleepNs: SUNDIAL is not one of the ClockType clocks"), log);
        co.enter();
        assertEquals("entered again", log.getLast());
    }

    @Test
    void enteringASleepingCoroutineThrows() {
        VirtualClock.stop();
        Coroutine sleeper = Coroutine.create(opaque -> Coroutine.sleepNs(ClockType.VIRTUAL, 1_000), null);
        sleeper.enter();
        IllegalStateException e = assertThrows(IllegalStateException.class, sleeper::enter);
        assertTrue(e.getMessage().contains("already scheduled in 'Coroutine.sleepNs'"), e.getMessage());
        IllegalStateException s = assertThrows(IllegalStateException.class, () -> ctx.schedule(sleeper));
        assertTrue(s.getMessage().contains("AioContext.schedule"), s.getMessage());
        VirtualClock.advance(1_000);
        assertTrue(ctx.poll(false));
        assertFalse(sleeper.isEntered());
    }

    @Test
    void scheduledCoroutineRunsInTheNextPollAndCannotBeEnteredBefore() {
        List<String> log = new ArrayList<>();
        Coroutine co = Coroutine.create(opaque -> {
            log.add("run");
            Coroutine.yield();
            log.add("again");
        }, null);
        co.enter(ctx);
        ctx.schedule(co);
        IllegalStateException e = assertThrows(IllegalStateException.class, co::enter);
        assertTrue(e.getMessage().contains("already scheduled in 'AioContext.schedule'"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> ctx.schedule(co));
        assertTrue(ctx.poll(false));
        assertEquals(List.of("run", "again"), log);
    }

    @Test
    void coroutinesScheduledTogetherRunInSchedulingOrder() {
        List<String> log = new ArrayList<>();
        List<Coroutine> all = new ArrayList<>();
        for (String name : List.of("a", "b", "c")) {
            Coroutine co = Coroutine.create(opaque -> {
                Coroutine.yield();
                log.add(name);
            }, null);
            co.enter();
            all.add(co);
        }
        all.forEach(ctx::schedule);
        assertTrue(ctx.poll(false));
        assertEquals(List.of("a", "b", "c"), log);
    }

    /** QEMU's /aio/coroutine/queue-chaining: enter-and-yield ping-pong chains, never nests. */
    @Test
    void queueChainingOf25000RoundsEachKeepsConstantStackDepth() {
        int rounds = 25_000;
        Coroutine[] pair = new Coroutine[2];
        int[] counts = new int[2];
        int[] depths = new int[2];
        for (int side = 0; side < 2; side++) {
            int me = side;
            pair[side] = Coroutine.create(opaque -> {
                while (counts[me] < rounds) {
                    counts[me]++;
                    if (me == 0 && counts[0] == 5) {
                        depths[0] = StackWalker.getInstance().walk(s -> (int) s.count());
                    }
                    if (me == 0 && counts[0] == rounds - 5) {
                        depths[1] = StackWalker.getInstance().walk(s -> (int) s.count());
                    }
                    ctx.enter(pair[1 - me]);
                    Coroutine.yield();
                }
            }, null);
        }
        pair[1].enter();
        pair[0].enter();
        assertEquals(rounds, counts[0]);
        assertEquals(depths[0], depths[1]);
    }
}
