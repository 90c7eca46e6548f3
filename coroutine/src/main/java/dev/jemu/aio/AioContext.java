package dev.jemu.aio;

import dev.jemu.coroutine.Coroutine;
import dev.jemu.coroutine.HomeContext;
import dev.jemu.coroutine.ScheduleQueue;
import dev.jemu.coroutine.SleepClock;
import dev.jemu.coroutine.WaitReason;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.ManualIoEventLoop;
import io.netty.channel.IoHandle;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * QEMU's {@code AioContext}: an event loop owned by one home thread, which drives it with {@link
 * #poll(boolean)}. It holds fd handlers, bottom halves, timers on the four clocks and a stack of
 * coroutines scheduled from other threads. It waits on Netty's io_uring or epoll handler, as
 * {@link AioEngine#selected()} chooses when it is created; on io_uring it also carries the block
 * requests of {@link RingRequest}.
 *
 * <p>Threading: {@link #kick()}, {@link #schedule}, {@link #enter}, {@link #oneShot}, {@link
 * #newBottomHalf} and {@link BottomHalf#schedule()} may be called from any thread; everything else
 * only on the home thread (or inside a coroutine entered there).
 *
 * <p>One {@code poll}: wait (unless non-blocking, kicked or something is due) for fds, the
 * earliest timer or a kick; then run bottom halves (newest first), then ready fd handlers (read
 * before write), then expired timers. It returns true only if one of those made progress.
 */
public final class AioContext implements HomeContext, AutoCloseable {
    private static final Set<AioContext> LIVE = ConcurrentHashMap.newKeySet();
    private static final long IDLE_BH_WAIT_NS = 10_000_000L;
    private static final VarHandle NOTIFIED;
    private static final VarHandle NOTIFY_ME;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            NOTIFIED = lookup.findVarHandle(AioContext.class, "notified", boolean.class);
            NOTIFY_ME = lookup.findVarHandle(AioContext.class, "notifyMe", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Thread homeThread;
    private final AioEngine engine;
    private final Loop loop;

    /** Set by {@link #kick()}; makes the next wait return at once; cleared after each wait. */
    @SuppressWarnings("unused") // accessed through NOTIFIED
    private volatile boolean notified;
    /** True while the home thread is about to wait or waiting: only then must a kick wake it. */
    @SuppressWarnings("unused") // accessed through NOTIFY_ME
    private volatile boolean notifyMe;

    private final AtomicReference<BottomHalf> scheduledBottomHalves = new AtomicReference<>();
    private BottomHalf runHead;
    private BottomHalf runTail;
    /** The bottom halves made by {@link #newBottomHalf} and not deleted. */
    private final Set<BottomHalf> liveBottomHalves = ConcurrentHashMap.newKeySet();

    private final ScheduleQueue scheduledCoroutines = new ScheduleQueue();
    private final BottomHalf coroutineScheduleBh;

    private final Timer[] timers = new Timer[ClockType.values().length];
    private static final ClockType[] CLOCKS = ClockType.values();

    private final IntObjectHashMap<FdWatch> fdWatches = new IntObjectHashMap<>();
    private FdWatch readyHead;
    private FdWatch readyTail;
    /** Thread backend: fd handler changes made off the home thread, applied by the next poll. */
    private boolean fdChangesPending;

    private ThreadPool threadPool;
    private Ring ring;
    private boolean closed;

    private AioContext(Thread homeThread, AioEngine engine) {
        this.homeThread = homeThread;
        this.engine = engine;
        this.loop = new Loop(this, homeThread, engine.handlerFactory());
        this.coroutineScheduleBh = new BottomHalf(this, () -> scheduledCoroutines.enterAll(this), 0);
        if (engine == AioEngine.IO_URING) {
            this.ring = new Ring(this);
        }
    }

    /**
     * Creates a context whose home is the calling thread, which polls it itself. It becomes that
     * thread's {@link #current()}, replacing any earlier one; {@link #close()} releases it.
     *
     * @throws IllegalStateException if the engine {@link AioEngine#PROPERTY} names is not available
     */
    public static AioContext create() {
        return create(AioEngine.selected());
    }

    /**
     * As {@link #create()}, on {@code engine} whatever {@link AioEngine#PROPERTY} says.
     *
     * @throws IllegalStateException if {@code engine} is not available here
     */
    public static AioContext create(AioEngine engine) {
        if (Coroutine.inCoroutine()) {
            throw new IllegalStateException("AioContext.create: called inside a coroutine");
        }
        engine.checkAvailable("AioContext.create");
        AioContext ctx = new AioContext(Thread.currentThread(), engine);
        HomeContext.setCurrent(ctx);
        LIVE.add(ctx);
        return ctx;
    }

    /** The contexts created and not closed, for introspection ({@link AioInspector}). Any thread. */
    public static List<AioContext> live() {
        return List.copyOf(LIVE);
    }

    /**
     * QEMU's {@code qemu_get_current_aio_context}: this thread's context, or null (also when the
     * thread's {@link HomeContext#current()} is some other implementation).
     */
    public static AioContext current() {
        return HomeContext.current() instanceof AioContext ctx ? ctx : null;
    }

    static void kickAll() {
        for (AioContext ctx : LIVE) {
            ctx.kick();
        }
    }

    /** QEMU's {@code aio_notify}: the ongoing or next {@link #poll} does not wait. Any thread. */
    public void kick() {
        NOTIFIED.setVolatile(this, true);
        if ((boolean) NOTIFY_ME.getVolatile(this)) {
            loop.wakeup();
        }
    }

    /**
     * QEMU's {@code aio_co_schedule}: enters {@code co} in this context's next poll, making this
     * its home. Any thread. {@code co} must have yielded, or be about to yield in this context.
     */
    @Override
    public void schedule(Coroutine co) {
        scheduledCoroutines.push(co);
        coroutineScheduleBh.schedule();
    }

    /**
     * QEMU's {@code aio_co_enter}: on another thread than this context's, {@link #schedule}s
     * {@code co}; inside a coroutine of this context, runs it once that coroutine yields or
     * terminates; otherwise enters it now.
     */
    @Override
    public void enter(Coroutine co) {
        HomeContext.super.enter(co);
    }

    /** A reusable bottom half running {@code callback}; {@link BottomHalf#delete()} frees it. */
    public BottomHalf newBottomHalf(Runnable callback) {
        BottomHalf bh = new BottomHalf(this, callback, 0);
        liveBottomHalves.add(bh);
        return bh;
    }

    /** Runs {@code callback} once in the next poll (QEMU's {@code aio_bh_schedule_oneshot}). Any thread. */
    public void oneShot(Runnable callback) {
        BottomHalf bh = new BottomHalf(this, callback, BottomHalf.ONESHOT | BottomHalf.PENDING | BottomHalf.SCHEDULED);
        pushBottomHalf(bh);
        kick();
    }

    /** For {@link Coroutine#sleepNs}: a timer on {@code clock} (a {@link ClockType}) armed for {@code deadlineNs}. */
    @Override
    public WaitReason armSleep(SleepClock clock, long deadlineNs, Runnable wake) {
        if (!(clock instanceof ClockType type)) {
            throw new IllegalArgumentException("Coroutine.sleepNs: " + clock.name() + " is not one of the ClockType clocks");
        }
        Timer timer = newTimer(type, wake);
        timer.modNs(deadlineNs);
        return timer;
    }

    @Override
    public void cancelSleep(WaitReason timer) {
        ((Timer) timer).del();
    }

    /** A timer on {@code clock} whose callback runs in this context's timer phase. Home thread. */
    public Timer newTimer(ClockType clock, Runnable callback) {
        checkHome("AioContext.newTimer");
        return new Timer(this, clock, callback);
    }

    /**
     * QEMU's {@code aio_set_fd_handler}: watches raw descriptor {@code fd}, replacing any earlier
     * handlers of it; both callbacks null removes them (a no-op for an fd not watched). Read
     * handlers run when the fd is readable, hung up or in error; write handlers when it is
     * writable or in error. Home thread.
     *
     * @throws IllegalArgumentException if the descriptor is closed or epoll cannot watch it
     */
    @Override
    public void setFdHandler(int fd, Runnable onReadable, Runnable onWritable) {
        checkHome("AioContext.setFdHandler");
        FdWatch watch = fdWatches.get(fd);
        if (onReadable == null && onWritable == null) {
            if (watch != null) {
                fdWatches.remove(fd);
                watch.removed = true;
                watch.onReadable = null;
                watch.onWritable = null;
                if (watch.registration != null && Thread.currentThread() == homeThread) {
                    watch.unregister();
                } else {
                    fdChangesPending = true;
                }
            }
            return;
        }
        boolean onHome = Thread.currentThread() == homeThread;
        if (watch == null) {
            if (!onHome) {
                checkPollable(fd, null);
            }
            watch = new FdWatch(this, fd);
            fdWatches.put(fd, watch);
        }
        watch.onReadable = onReadable;
        watch.onWritable = onWritable;
        watch.ready = 0;
        if (onHome) {
            syncWatch(watch);
        } else {
            fdChangesPending = true;
            kick();
        }
    }

    /** Brings epoll or the ring's poll in line with {@code watch}; on the real home thread only. */
    private void syncWatch(FdWatch watch) {
        if (watch.removed) {
            watch.unregister();
            return;
        }
        int wanted = watch.wantedInterest();
        try {
            if (watch.registration == null) {
                if (engine == AioEngine.IO_URING) {
                    checkPollable(watch.fd, null); // the ring would report it only in a completion
                }
                watch.registration = register(watch);
            }
            if (watch.interest != wanted) {
                watch.interest = wanted;
                if (engine == AioEngine.IO_URING) {
                    watch.arm();
                } else {
                    watch.registration.submit(EpollIoOps.valueOf(wanted));
                }
            }
        } catch (Throwable e) {
            fdWatches.remove(watch.fd);
            watch.removed = true;
            watch.unregister();
            checkPollable(watch.fd, e);
            throw new IllegalArgumentException("fd " + watch.fd + ": cannot be watched: " + e.getMessage(), e);
        }
    }

    /** Registers {@code handle} with the loop; home thread. */
    IoRegistration register(IoHandle handle) throws Throwable {
        Future<IoRegistration> registered = loop.register(handle);
        if (!registered.isSuccess()) {
            throw registered.cause();
        }
        return registered.getNow();
    }

    /** Throws a clear error for a closed descriptor or a regular file. */
    private static void checkPollable(int fd, Throwable cause) {
        Path link = Path.of("/proc/self/fd/" + fd);
        try {
            Files.readSymbolicLink(link);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("fd " + fd + ": Bad file descriptor (not open)", cause);
        } catch (IOException | UnsupportedOperationException e) {
            return;
        }
        if (Files.isRegularFile(link) || Files.isDirectory(link)) {
            throw new IllegalArgumentException("fd " + fd + ": is a regular file or directory, which is always "
                    + "readable and cannot be waited on", cause);
        }
    }

    /**
     * QEMU's {@code aio_poll}: one iteration of the loop; {@code blocking} lets it wait for
     * something to do. Returns true iff a bottom half (not idle), an fd handler or a timer ran. A
     * kick alone is not progress. Home thread only, outside coroutines; handlers may call it
     * re-entrantly.
     */
    public boolean poll(boolean blocking) {
        if (Thread.currentThread() != homeThread) {
            throw new IllegalStateException("AioContext.poll: called from " + Thread.currentThread().getName()
                    + ", not from the context's home thread " + homeThread.getName());
        }
        if (Coroutine.inCoroutine()) {
            throw new IllegalStateException("AioContext.poll: called inside a coroutine");
        }
        if (closed) {
            throw new IllegalStateException("AioContext.poll: the context is closed");
        }
        if (fdChangesPending) {
            applyFdChanges();
        }
        if (ring != null) {
            ring.submitQueued();
        }
        long waitNs = blocking ? waitTimeNs() : -1;
        if (waitNs >= 0) {
            NOTIFY_ME.setVolatile(this, true);
            loop.run(waitNs);
            NOTIFY_ME.setVolatile(this, false);
        } else {
            loop.runNow();
        }
        NOTIFIED.setVolatile(this, false);
        boolean progress = runBottomHalves();
        progress |= dispatchFds();
        if (ring != null) {
            progress |= ring.dispatchCompletions();
        }
        progress |= runTimers();
        return progress;
    }

    /** Netty's wait argument: -1 do not wait, 0 wait without limit, else the limit in ns. */
    private long waitTimeNs() {
        int bottomHalves = pendingBottomHalves();
        if (bottomHalves == 2) {
            return -1;
        }
        long timerNs = timerTimeoutNs();
        if (timerNs == 0) {
            return -1;
        }
        if (bottomHalves == 1) {
            return timerNs < 0 ? IDLE_BH_WAIT_NS : Math.min(timerNs, IDLE_BH_WAIT_NS);
        }
        return timerNs < 0 ? 0 : timerNs;
    }

    /** 2 if a non-idle BH is scheduled, 1 if only idle ones are, else 0. */
    private int pendingBottomHalves() {
        int kind = Math.max(pendingIn(scheduledBottomHalves.get()), pendingIn(runHead));
        return kind;
    }

    private static int pendingIn(BottomHalf bh) {
        int kind = 0;
        for (; bh != null; bh = bh.next) {
            int flags = bh.flags();
            if ((flags & (BottomHalf.SCHEDULED | BottomHalf.DELETED)) == BottomHalf.SCHEDULED) {
                if ((flags & BottomHalf.IDLE) == 0) {
                    return 2;
                }
                kind = 1;
            }
        }
        return kind;
    }

    void pushBottomHalf(BottomHalf bh) {
        BottomHalf head;
        do {
            head = scheduledBottomHalves.get();
            bh.next = head;
        } while (!scheduledBottomHalves.compareAndSet(head, bh));
    }

    void bottomHalfDeleted(BottomHalf bh) {
        liveBottomHalves.remove(bh);
    }

    private boolean runBottomHalves() {
        BottomHalf slice = scheduledBottomHalves.getAndSet(null);
        if (slice != null) {
            BottomHalf last = slice;
            while (last.next != null) {
                last = last.next;
            }
            if (runTail == null) {
                runHead = slice;
            } else {
                runTail.next = slice;
            }
            runTail = last;
        }
        boolean progress = false;
        while (runHead != null) {
            BottomHalf bh = runHead;
            runHead = bh.next;
            if (runHead == null) {
                runTail = null;
            }
            bh.next = null;
            int flags = bh.takeFlags();
            if ((flags & (BottomHalf.SCHEDULED | BottomHalf.DELETED)) == BottomHalf.SCHEDULED) {
                if ((flags & BottomHalf.IDLE) == 0) {
                    progress = true;
                }
                bh.callback.run();
            }
        }
        return progress;
    }

    /** Called by Netty during the wait for each ready fd. */
    void fdReady(FdWatch watch, int events) {
        watch.ready |= events;
        if (!watch.queued) {
            watch.queued = true;
            watch.nextReady = null;
            if (readyTail == null) {
                readyHead = watch;
            } else {
                readyTail.nextReady = watch;
            }
            readyTail = watch;
        }
    }

    private boolean dispatchFds() {
        boolean progress = false;
        while (readyHead != null) {
            FdWatch watch = readyHead;
            readyHead = watch.nextReady;
            if (readyHead == null) {
                readyTail = null;
            }
            watch.nextReady = null;
            watch.queued = false;
            int ready = watch.ready;
            watch.ready = 0;
            if (watch.removed) {
                continue;
            }
            Runnable onReadable = watch.onReadable;
            if ((ready & FdWatch.READ_READY) != 0 && onReadable != null) {
                progress = true;
                onReadable.run();
            }
            Runnable onWritable = watch.onWritable;
            if ((ready & FdWatch.WRITE_READY) != 0 && onWritable != null && !watch.removed) {
                progress = true;
                onWritable.run();
            }
            if (engine == AioEngine.IO_URING && !watch.removed && !watch.armed && watch.interest != 0
                    && watch.registration != null) {
                watch.arm();
            }
        }
        return progress;
    }

    private void applyFdChanges() {
        fdChangesPending = false;
        for (FdWatch watch : fdWatches.values()) {
            if (watch.registration == null || watch.interest != watch.wantedInterest()) {
                syncWatch(watch);
            }
        }
    }

    void modTimer(Timer timer, long expireNs) {
        checkHome("Timer.modNs");
        unlinkTimer(timer);
        timer.expireNs = expireNs;
        int index = timer.clock.ordinal();
        Timer prev = null;
        Timer cursor = timers[index];
        while (cursor != null && cursor.expireNs <= expireNs) {
            prev = cursor;
            cursor = cursor.next;
        }
        timer.next = cursor;
        if (prev == null) {
            timers[index] = timer;
        } else {
            prev.next = timer;
        }
    }

    void delTimer(Timer timer) {
        checkHome("Timer.del");
        unlinkTimer(timer);
    }

    private void unlinkTimer(Timer timer) {
        if (timer.expireNs < 0) {
            return;
        }
        int index = timer.clock.ordinal();
        Timer prev = null;
        for (Timer cursor = timers[index]; cursor != null; prev = cursor, cursor = cursor.next) {
            if (cursor == timer) {
                if (prev == null) {
                    timers[index] = cursor.next;
                } else {
                    prev.next = cursor.next;
                }
                break;
            }
        }
        timer.next = null;
        timer.expireNs = -1;
    }

    /** Time until the earliest timer: -1 if none, 0 if one is due. */
    private long timerTimeoutNs() {
        long timeout = -1;
        for (ClockType clock : CLOCKS) {
            Timer head = timers[clock.ordinal()];
            if (head != null) {
                long left = Math.max(0, head.expireNs - clock.nowNs());
                timeout = timeout < 0 ? left : Math.min(timeout, left);
            }
        }
        return timeout;
    }

    private boolean runTimers() {
        boolean progress = false;
        for (ClockType clock : CLOCKS) {
            int index = clock.ordinal();
            if (timers[index] == null) {
                continue;
            }
            long now = clock.nowNs();
            Timer head;
            while ((head = timers[index]) != null && head.expireNs <= now) {
                timers[index] = head.next;
                head.next = null;
                head.expireNs = -1;
                progress = true;
                head.callback.run();
            }
        }
        return progress;
    }

    /** For {@link AioInspector}, on the home thread: the fd handlers. */
    Iterable<FdWatch> fdWatches() {
        return fdWatches.values();
    }

    /** For {@link AioInspector}, on the home thread: the head of {@code clock}'s timer list. */
    Timer timerHead(ClockType clock) {
        return timers[clock.ordinal()];
    }

    /** For {@link AioInspector}: the live reusable bottom halves and the queued ones (one-shots too). */
    Set<BottomHalf> bottomHalves() {
        Set<BottomHalf> all = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        all.addAll(liveBottomHalves);
        for (BottomHalf bh = scheduledBottomHalves.get(); bh != null; bh = bh.next) {
            all.add(bh);
        }
        for (BottomHalf bh = runHead; bh != null; bh = bh.next) {
            all.add(bh);
        }
        all.add(coroutineScheduleBh);
        return all;
    }

    /**
     * The Netty event loop this context polls. A Netty channel registered on it (an io_uring
     * channel class under {@link AioEngine#IO_URING}, an epoll one under {@link AioEngine#EPOLL})
     * is served by the home thread inside {@link #poll}: its handlers and the tasks given to the
     * loop run there, in the wait phase, before bottom halves and fd handlers.
     */
    public IoEventLoop eventLoop() {
        return loop;
    }

    /** This context's io_uring requests; null under epoll. */
    Ring ring() {
        return ring;
    }

    /** The engine this context waits on. */
    public AioEngine engine() {
        return engine;
    }

    /** This context's worker pool, created on first use. */
    ThreadPool threadPool() {
        if (threadPool == null) {
            threadPool = new ThreadPool(this);
        }
        return threadPool;
    }

    private void checkHome(String function) {
        if (HomeContext.current() != this) {
            throw new IllegalStateException(function + ": must be called on the context's home thread ("
                    + homeThread.getName() + "), not " + Thread.currentThread().getName());
        }
    }

    /** The thread that polls this context. */
    @Override
    public Thread homeThread() {
        return homeThread;
    }

    /**
     * Releases the context: its ring requests (cancelled, their coroutines resumed with
     * {@code -ECANCELED} unless they completed first), its fd registrations (not the fds), its
     * worker pool and its epoll or io_uring instance. Home thread only.
     *
     * @throws IllegalStateException after releasing, if bottom halves made by {@link
     *     #newBottomHalf} were never deleted (QEMU's "BH leaked")
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (Thread.currentThread() != homeThread) {
            throw new IllegalStateException("AioContext.close: must be called on the context's home thread");
        }
        if (ring != null) {
            ring.cancelAll(loop);
        }
        closed = true;
        LIVE.remove(this);
        if (threadPool != null) {
            threadPool.shutdown();
        }
        for (FdWatch watch : fdWatches.values()) {
            watch.removed = true;
            watch.unregister();
        }
        fdWatches.clear();
        loop.shutdownGracefully(0, 0, TimeUnit.NANOSECONDS);
        while (!loop.isTerminated()) {
            loop.runNow();
        }
        if (HomeContext.current() == this) {
            HomeContext.setCurrent(null);
        }
        int leaked = liveBottomHalves.size();
        if (leaked > 0) {
            throw new IllegalStateException("AioContext.close: " + leaked + " bottom half(s) leaked (never deleted)");
        }
    }

    /** Netty's manual loop; it may block only while no kick is pending. */
    private static final class Loop extends ManualIoEventLoop {
        private final AioContext owner;

        Loop(AioContext owner, Thread home, IoHandlerFactory factory) {
            super(home, factory);
            this.owner = owner;
        }

        @Override
        protected boolean canBlock() {
            return !(boolean) NOTIFIED.getVolatile(owner);
        }
    }
}
