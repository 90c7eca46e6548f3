package dev.jemu.core.x86;

import dev.jemu.core.x86.jit.SpscRing;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The translation thread of one CPU: the vCPU {@linkplain #submit submits} blocks it has
 * decoded, a daemon thread of its own ({@code jemu-translator-N}) {@linkplain
 * BlockTranslator#finish emits, builds and defines} their classes in order, and the vCPU
 * {@linkplain #takeFinished takes} the finished ones back and installs them, so that the
 * vCPU never stops for the class generation and definition that make up most of a
 * translation's cost. Blocks go there and back through two bounded single-producer
 * single-consumer rings of {@value #CAPACITY} slots; at most that many blocks are in flight,
 * and the vCPU submits no more (it goes on interpreting) while they are. The thread ends
 * after {@value #IDLE_SECONDS} s without work, so that a machine no longer used leaves no
 * thread behind, and is started again by the next submission.
 *
 * <p>Threading: {@link #submit}, {@link #takeFinished}, {@link #full}, {@link #hasFinished}
 * and {@link #awaitFinished} by the vCPU thread only; {@link #cpuNanos} from any thread.
 */
final class TranslationWorker {
    /** Blocks in flight at most (submitted and not yet taken back). */
    static final int CAPACITY = 32;
    static final int IDLE_SECONDS = 2;
    private static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(IDLE_SECONDS);
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final BlockTranslator translator;
    private final SpscRing<BlockTranslator.Pending> requests = new SpscRing<>(CAPACITY);
    private final SpscRing<BlockTranslator.Pending> finished = new SpscRing<>(CAPACITY);
    /** Whether a thread serves the requests (set by the vCPU when it starts one, cleared by the thread as it ends). */
    private final AtomicBoolean running = new AtomicBoolean();
    private final String name = "jemu-translator-" + THREADS.incrementAndGet();
    /** The thread last started (vCPU only). */
    private Thread thread;
    /** Blocks submitted and not yet taken back (vCPU only). */
    private int inFlight;
    /** CPU time of the translation threads, up to their last finished block. */
    private volatile long cpuNanos;

    TranslationWorker(BlockTranslator translator) {
        this.translator = translator;
    }

    /** Whether as many blocks are in flight as the rings hold: nothing may be submitted. */
    boolean full() {
        return inFlight == CAPACITY;
    }

    /** Whether a finished block waits to be taken. */
    boolean hasFinished() {
        return inFlight != 0 && !finished.isEmpty();
    }

    /** Hands {@code p} to the translation thread, starting one if none runs; the worker must not be {@link #full}. */
    void submit(BlockTranslator.Pending p) {
        requests.offer(p);
        inFlight++;
        if (!running.get() && running.compareAndSet(false, true)) {
            thread = Thread.ofPlatform().name(name).daemon().start(this::serve);
        } else {
            LockSupport.unpark(thread);
        }
    }

    /** The oldest finished block, or null. */
    BlockTranslator.Pending takeFinished() {
        BlockTranslator.Pending p = finished.poll();
        if (p != null) {
            inFlight--;
        }
        return p;
    }

    /**
     * Waits until every block in flight is finished, at most {@code timeoutNanos}; whether
     * they are (for tests, which need to know what the vCPU will find).
     */
    boolean awaitFinished(long timeoutNanos) {
        long deadline = System.nanoTime() + timeoutNanos;
        while (finished.size() < inFlight) {
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            Thread.onSpinWait();
        }
        return true;
    }

    /** CPU time the translation threads have spent, in nanoseconds, up to their last finished block. */
    long cpuNanos() {
        return cpuNanos;
    }

    /** The translation thread's loop: finishes requests in order until idle for {@value #IDLE_SECONDS} s. */
    private void serve() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long cpuBefore = mx.getCurrentThreadCpuTime();
        long idleSince = System.nanoTime();
        while (true) {
            BlockTranslator.Pending p = requests.poll();
            if (p != null) {
                translator.finish(p);
                finished.offer(p);
                long cpuNow = mx.getCurrentThreadCpuTime();
                cpuNanos += cpuNow - cpuBefore;
                cpuBefore = cpuNow;
                idleSince = System.nanoTime();
            } else if (System.nanoTime() - idleSince < IDLE_NANOS) {
                LockSupport.parkNanos(this, IDLE_NANOS);
            } else {
                // End, unless a request came in before the vCPU could see that no thread runs.
                running.set(false);
                if (requests.isEmpty() || !running.compareAndSet(false, true)) {
                    return;
                }
            }
        }
    }
}
