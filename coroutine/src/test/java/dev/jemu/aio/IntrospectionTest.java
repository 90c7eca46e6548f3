package dev.jemu.aio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jemu.coroutine.CoMutex;
import dev.jemu.coroutine.CoQueue;
import dev.jemu.coroutine.Coroutine;
import dev.jemu.coroutine.CoroutineInspector;
import dev.jemu.coroutine.CoroutineInspector.Info;
import io.netty.channel.epoll.Native;
import io.netty.channel.unix.FileDescriptor;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link CoroutineInspector} and {@link AioInspector} on coroutines and handlers set up here. */
class IntrospectionTest {
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
    void eachWaitIsNamedWithTheFramesAboveItsYield() throws Exception {
        CoMutex mutex = new CoMutex();
        CoQueue queue = new CoQueue();
        FileDescriptor eventFd = Native.newEventFd();
        try {
            Coroutine holder = Coroutine.create(o -> {
                mutex.lock();
                Coroutine.yield();
                mutex.unlock();
            }, null);
            Coroutine locker = Coroutine.create(o -> takeTheMutex(mutex), null);
            Coroutine queued = Coroutine.create(o -> waitOnTheQueue(queue), null);
            Coroutine sleeper = Coroutine.create(o -> Coroutine.sleepNs(ClockType.REALTIME, TimeUnit.SECONDS.toNanos(60)), null);
            Coroutine reader = Coroutine.create(o -> Coroutine.yieldUntilFdReadable(eventFd.intValue()), null);
            Coroutine fresh = Coroutine.create(o -> { }, null);
            for (Coroutine c : List.of(holder, locker, queued, sleeper, reader)) {
                c.enter(ctx);
            }
            Map<String, Info> byWait = CoroutineInspector.inContext(ctx).stream()
                    .collect(Collectors.toMap(i -> i.waitType() + "", Function.identity(), (a, b) -> a));
            Info lock = byWait.get("co-mutex");
            assertEquals("suspended", lock.state());
            assertTrue(lock.waitDescription().startsWith("CoMutex@"), lock.toString());
            assertTrue(lock.frames().getFirst().startsWith("dev.jemu.coroutine.CoMutex.lock("), lock.frames().toString());
            assertTrue(lock.frames().stream().anyMatch(f -> f.contains("IntrospectionTest.takeTheMutex(")), lock.frames().toString());
            Info bare = byWait.get("yield");
            assertTrue(lock.waitDescription().endsWith(" held by coroutine " + bare.id()), lock + " " + bare);
            assertTrue(byWait.get("co-queue").frames().stream().anyMatch(f -> f.contains("IntrospectionTest.waitOnTheQueue(")));
            Info sleep = byWait.get("timer");
            assertTrue(sleep.waitDescription().startsWith("sleep on the realtime clock, "), sleep.toString());
            assertTrue(sleep.frames().getFirst().startsWith("dev.jemu.coroutine.Coroutine.sleepNs("), sleep.frames().toString());
            assertEquals("fd " + eventFd.intValue() + " readable", byWait.get("fd").waitDescription());
            // never entered: no home context yet
            List<Info> homeless = CoroutineInspector.withoutContext(List.of(ctx));
            Info neverEntered = homeless.stream().filter(i -> i.state().equals("new")).reduce((a, b) -> b).orElseThrow();
            assertNull(neverEntered.waitType());
            assertEquals(List.of(), neverEntered.frames());
            fresh.enter(ctx);

            // the holder, scheduled, is listed so; once everyone but the sleeper is let go they end
            ctx.schedule(holder);
            Info scheduled = CoroutineInspector.inContext(ctx).stream().filter(i -> i.id() == bare.id()).findFirst().orElseThrow();
            assertEquals("scheduled", scheduled.state());
            ctx.poll(false);
            queue.restartAll();
            Native.eventFdWrite(eventFd.intValue(), 1);
            while (CoroutineInspector.inContext(ctx).stream().anyMatch(i -> !"timer".equals(i.waitType()))) {
                ctx.poll(true);
            }
            assertEquals(List.of("timer"), CoroutineInspector.inContext(ctx).stream().map(Info::waitType).toList());
            assertEquals(ctx, sleeper.context());
        } finally {
            eventFd.close();
        }
    }

    private static void takeTheMutex(CoMutex mutex) {
        mutex.lock();
        mutex.unlock();
    }

    private static void waitOnTheQueue(CoQueue queue) {
        queue.await(null);
    }

    @Test
    void inspectingFromAnotherThreadIsRefused() throws Exception {
        Throwable[] got = new Throwable[1];
        Thread t = new Thread(() -> got[0] = assertThrows(IllegalStateException.class, () -> CoroutineInspector.inContext(ctx)));
        t.start();
        t.join();
        assertTrue(got[0].getMessage().contains("home thread"), got[0].getMessage());
    }

    @Test
    void aioListsFdHandlersTimersAndBottomHalves() throws Exception {
        FileDescriptor eventFd = Native.newEventFd();
        BottomHalf bh = ctx.newBottomHalf(IntrospectionTest::noop);
        try {
            Runnable onRead = IntrospectionTest::noop;
            ctx.setFdHandler(eventFd.intValue(), onRead, null);
            Timer timer = ctx.newTimer(ClockType.REALTIME, IntrospectionTest::noop);
            long expire = ClockType.REALTIME.nowNs() + TimeUnit.SECONDS.toNanos(30);
            timer.modNs(expire);
            bh.schedule();
            AioInspector.Snapshot s = AioInspector.inspect(ctx);
            assertEquals(Thread.currentThread().getName(), s.thread());
            assertEquals(List.of(new AioInspector.FdHandler(eventFd.intValue(), IntrospectionTest.class.getName() + "$$Lambda", null)),
                    s.fdHandlers());
            assertEquals(1, s.timers().size());
            assertEquals("realtime", s.timers().getFirst().clock());
            assertEquals(expire, s.timers().getFirst().expireNs());
            assertTrue(s.timers().getFirst().remainingNs() <= TimeUnit.SECONDS.toNanos(30));
            assertTrue(s.bottomHalves().contains(new AioInspector.BottomHalfInfo(IntrospectionTest.class.getName() + "$$Lambda",
                    true, false, false)), s.bottomHalves().toString());
            timer.del();
            ctx.setFdHandler(eventFd.intValue(), null, null);
            assertEquals(List.of(), AioInspector.inspect(ctx).timers());
            assertEquals(List.of(), AioInspector.inspect(ctx).fdHandlers());
        } finally {
            bh.delete();
            eventFd.close();
        }
    }

    private static void noop() {
    }
}
