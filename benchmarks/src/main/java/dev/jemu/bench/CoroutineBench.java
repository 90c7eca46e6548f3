package dev.jemu.bench;

import dev.jemu.aio.AioContext;
import dev.jemu.aio.IOThread;
import dev.jemu.coroutine.CoMutex;
import dev.jemu.coroutine.Coroutine;
import dev.jemu.coroutine.CoroutineEntry;
import java.util.concurrent.TimeUnit;
import jdk.internal.vm.Continuation;
import jdk.internal.vm.ContinuationScope;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.CompilerControl;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The figures of QEMU's test-coroutine perf tests, plus the lock and cross-thread paths. Each
 * benchmark method is one operation as named in {@code bin/jemu-bench coroutine}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CoroutineBench {
    private static final CoroutineEntry NOTHING = opaque -> { };
    private static final CoroutineEntry YIELD_ONCE = opaque -> Coroutine.yield();
    private static final int NESTING_DEPTH = 1000;
    private static final int MUTEX_BATCH = 1000;
    private static final int ROUND_TRIPS = 1000;

    /** A coroutine that yields forever: each enter is one enter plus one yield. */
    @State(Scope.Thread)
    public static class Yielder {
        Coroutine co;

        @Setup
        public void create() {
            co = Coroutine.create(opaque -> {
                while (true) {
                    Coroutine.yield();
                }
            }, null);
        }
    }

    @Benchmark
    public void yieldEnter(Yielder state) {
        state.co.enter();
    }

    /** A bare JDK continuation that only yields: the floor under {@link #yieldEnter}. */
    @State(Scope.Thread)
    public static class BareContinuation {
        private static final ContinuationScope SCOPE = new ContinuationScope("bench");
        private static final Runnable YIELD_ONCE = () -> Continuation.yield(SCOPE);
        Continuation continuation;

        @Setup
        public void create() {
            continuation = new Continuation(SCOPE, () -> {
                while (true) {
                    Continuation.yield(SCOPE);
                }
            });
        }
    }

    @Benchmark
    public void continuationFloor(BareContinuation state) {
        state.continuation.run();
    }

    /** What a bare JDK continuation pays for {@link #cost}: created, run, yielded, run to its end. */
    @Benchmark
    public void costFloor() {
        Continuation continuation = new Continuation(BareContinuation.SCOPE, BareContinuation.YIELD_ONCE);
        continuation.run();
        continuation.run();
    }

    @Benchmark
    public void lifecycle() {
        Coroutine.create(NOTHING, null).enter();
    }

    @Benchmark
    public void cost() {
        Coroutine co = Coroutine.create(YIELD_ONCE, null);
        co.enter();
        co.enter();
    }

    private static void nest(int[] depth) {
        if (++depth[0] < NESTING_DEPTH) {
            Coroutine.create(opaque -> nest(depth), null).enter();
        }
    }

    /** One operation is a whole chain of 1000 nested coroutines, created, entered and ended. */
    @Benchmark
    public int nesting() {
        int[] depth = {0};
        Coroutine.create(opaque -> nest(depth), null).enter();
        return depth[0];
    }

    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    private static int callee(int value) {
        return value + 1;
    }

    /** The baseline: one call of a method that is not inlined. */
    @Benchmark
    public int functionCall(Yielder unused) {
        return callee(unused.hashCode());
    }

    /** A coroutine that locks and unlocks a free CoMutex {@link #MUTEX_BATCH} times per enter. */
    @State(Scope.Thread)
    public static class UncontendedMutex {
        Coroutine co;

        @Setup
        public void create() {
            CoMutex mutex = new CoMutex();
            co = Coroutine.create(opaque -> {
                while (true) {
                    for (int i = 0; i < MUTEX_BATCH; i++) {
                        mutex.lock();
                        mutex.unlock();
                    }
                    Coroutine.yield();
                }
            }, null);
        }
    }

    @Benchmark
    @OperationsPerInvocation(MUTEX_BATCH)
    public void mutexUncontended(UncontendedMutex state) {
        state.co.enter();
    }

    /**
     * Two coroutines that each lock, yield and unlock in a loop: every enter of the holder hands
     * the mutex to the other one, which runs until it holds it and yields.
     */
    @State(Scope.Thread)
    public static class HandoffMutex {
        Coroutine[] pair = new Coroutine[2];
        int turn;

        @Setup
        public void create() {
            CoMutex mutex = new CoMutex();
            for (int i = 0; i < 2; i++) {
                pair[i] = Coroutine.create(opaque -> {
                    while (true) {
                        mutex.lock();
                        Coroutine.yield();
                        mutex.unlock();
                    }
                }, null);
            }
            pair[0].enter();
            pair[1].enter();
            turn = 0;
        }
    }

    @Benchmark
    public void mutexHandoff(HandoffMutex state) {
        state.pair[state.turn].enter();
        state.turn ^= 1;
    }

    /**
     * Two coroutines, homed in two IOThreads, waking each other: one operation is a round trip
     * (two cross-thread schedules).
     */
    @State(Scope.Benchmark)
    public static class CrossThread {
        IOThread first;
        IOThread second;
        Coroutine ping;
        Coroutine pong;
        volatile int remaining;
        volatile boolean done;

        @Setup(Level.Trial)
        public void start() {
            first = IOThread.start("bench-ping");
            second = IOThread.start("bench-pong");
            pong = Coroutine.create(opaque -> {
                while (true) {
                    Coroutine.yield();
                    ping.wake();
                }
            }, null);
            ping = Coroutine.create(opaque -> {
                while (true) {
                    Coroutine.yield();
                    while (remaining > 0) {
                        remaining--;
                        pong.wake();
                        Coroutine.yield();
                    }
                    done = true;
                }
            }, null);
            runOn(second.context(), pong);
            runOn(first.context(), ping);
        }

        private static void runOn(AioContext ctx, Coroutine co) {
            boolean[] entered = new boolean[1];
            Object guard = new Object();
            ctx.oneShot(() -> {
                co.enter(ctx);
                synchronized (guard) {
                    entered[0] = true;
                    guard.notifyAll();
                }
            });
            synchronized (guard) {
                while (!entered[0]) {
                    try {
                        guard.wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }

        @TearDown(Level.Trial)
        public void stop() {
            first.stop();
            second.stop();
        }
    }

    @Benchmark
    @OperationsPerInvocation(ROUND_TRIPS)
    public void scheduleCrossthread(CrossThread state) {
        state.done = false;
        state.remaining = ROUND_TRIPS;
        state.first.context().schedule(state.ping);
        while (!state.done) {
            Thread.onSpinWait();
        }
    }
}
