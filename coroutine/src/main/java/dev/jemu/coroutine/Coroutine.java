package dev.jemu.coroutine;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;

/**
 * A stackful coroutine with QEMU's semantics ({@code qemu/coroutine.h}).
 *
 * <p>{@link #enter()} runs the coroutine until it yields or terminates, then runs every coroutine
 * that it woke meanwhile (depth-first) before returning: a loop over pending coroutines, never
 * recursion, so chains of wakeups run in constant stack depth. Create, enter and yield are
 * operations of the calling thread; a coroutine moves to another thread only by yielding and
 * being entered there (normally through {@link HomeContext#schedule}).
 *
 * <p>Every misuse that QEMU aborts on throws {@link IllegalStateException} with a message naming
 * it: entering a running, scheduled, sleeping, queued or terminated coroutine, yielding outside a
 * coroutine, a coroutine terminating while it holds a {@link CoMutex} or {@link CoRwlock}, waking
 * yourself, and (when assertions or {@code -Djemu.coroutine.checkMonitors=true} are on) yielding
 * while holding a Java monitor.
 */
public final class Coroutine {
    static final String TAG_SCHEDULE = "AioContext.schedule";
    static final String TAG_SLEEP = "Coroutine.sleepNs";

    private static final int NEW = 0;
    private static final int ENTERED = 1;
    private static final int YIELDED = 2;
    private static final int TERMINATED = 3;

    private static final VarHandle SCHEDULED;

    static {
        try {
            SCHEDULED = MethodHandles.lookup().findVarHandle(Coroutine.class, "scheduled", String.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final CoroutineEntry entry;
    private final Object opaque;
    final Object stack;
    /** This coroutine's entry in the registry of live coroutines; null for a thread's leader. */
    final CoroutineRegistry.Entry registration;
    /** What the coroutine waits on while suspended in {@link #yieldFor}, else null (for introspection). */
    Object waitingOn;

    /** Non-null exactly while entered: whoever entered it (a coroutine or a thread's leader). */
    Coroutine caller;
    /** The state of the thread that entered it last ({@link #enterer()}). */
    private CoThread lastEnterer;
    /** The context of the last enter: where {@link #wake()} sends it. */
    HomeContext context;
    /** Who has queued it for a later entry ({@link #TAG_SCHEDULE}, {@link #TAG_SLEEP}), or null. */
    @SuppressWarnings("unused") // accessed through SCHEDULED
    private volatile String scheduled;
    int locksHeld;
    private int state;
    private Throwable failure;

    /** Deferred wakeups: coroutines this one woke that run when it yields or terminates. */
    private Coroutine wakeHead;
    private Coroutine wakeTail;
    /** The one intrusive link shared by CoQueues, wakeup lists and the pending list of enter. */
    Coroutine next;
    /** The list the coroutine is on through {@link #next}, or null. */
    Object list;
    /** Link of the per-context stack of scheduled coroutines. */
    Coroutine scheduledNext;

    /** State of {@link #yieldUntilFdReadable}: the fd handler, created on first use. */
    private FdWait fdWait;

    private Coroutine(CoroutineEntry entry, Object opaque, boolean leader) {
        this.entry = entry;
        this.opaque = opaque;
        this.stack = leader ? null : Backend.INSTANCE.newStack(this);
        this.state = leader ? ENTERED : NEW;
        this.registration = leader ? null : CoroutineRegistry.register(this);
    }

    static Coroutine newLeader() {
        return new Coroutine(null, null, true);
    }

    /** QEMU's {@code qemu_coroutine_create}: makes a coroutine; nothing runs until it is entered. */
    public static Coroutine create(CoroutineEntry entry, Object opaque) {
        return new Coroutine(Objects.requireNonNull(entry, "entry"), opaque, false);
    }

    /** The backend in use: {@code continuation} or {@code thread}. */
    public static String backendName() {
        return Backend.INSTANCE.name();
    }

    /** QEMU's {@code qemu_coroutine_enter}: enters in the calling thread's current context. */
    public void enter() {
        CoThread thread = enterer();
        enterLoop(thread, thread.context, "Coroutine.enter");
    }

    /** QEMU's {@code qemu_aio_coroutine_enter}: enters, making {@code ctx} the coroutine's home. */
    public void enter(HomeContext ctx) {
        enterLoop(enterer(), ctx, "Coroutine.enter");
    }

    /**
     * The calling thread's state, without the thread-local lookup when the thread that entered
     * this coroutine last is entering it again (a state's thread is the one whose thread-local
     * holds it, except for the thread backend's adopted states, which take the lookup).
     */
    private CoThread enterer() {
        CoThread thread = lastEnterer;
        if (thread == null || thread.thread != Thread.currentThread()) {
            thread = CoThread.get();
            lastEnterer = thread;
        }
        return thread;
    }

    /** QEMU's {@code qemu_coroutine_enter_if_inactive}: enters unless it is already entered. */
    public void enterIfInactive() {
        if (caller == null) {
            enter();
        }
    }

    /** QEMU's {@code qemu_coroutine_entered}: true while on the active chain of some thread. */
    public boolean isEntered() {
        return caller != null;
    }

    /** The context of the coroutine's last enter (QEMU's {@code qemu_coroutine_get_aio_context}). */
    public HomeContext context() {
        return context;
    }

    /** QEMU's {@code qemu_coroutine_self}: the running coroutine, or null outside any coroutine. */
    public static Coroutine self() {
        Coroutine current = CoThread.get().current;
        return current.caller == null ? null : current;
    }

    /** QEMU's {@code qemu_in_coroutine}. */
    public static boolean inCoroutine() {
        return CoThread.get().current.caller != null;
    }

    /** QEMU's {@code qemu_coroutine_yield}: returns to the enterer; resumes on the next enter. */
    public static void yield() {
        Coroutine self = Backend.INSTANCE.running();
        Coroutine caller = self == null ? null : self.caller;
        if (caller == null) {
            throw new IllegalStateException("Coroutine.yield: Co-routine is yielding to no one (not in a coroutine)");
        }
        MonitorCheck.beforeYield("Coroutine.yield");
        self.caller = null;
        self.state = YIELDED;
        try {
            Backend.INSTANCE.suspend(self);
        } catch (IllegalStateException pinned) {
            self.caller = caller;
            self.state = ENTERED;
            throw pinned;
        }
    }

    /**
     * {@link #yield()}, recording {@code reason} (a {@link CoMutex}, a {@link CoQueue}, a timer, a
     * {@link WaitReason}) as what the coroutine waits on until it resumes, for {@link
     * CoroutineInspector}. One field write on each side of the yield.
     */
    public static void yieldFor(Object reason) {
        Coroutine self = CoThread.get().current;
        self.waitingOn = reason;
        try {
            Coroutine.yield();
        } finally {
            self.waitingOn = null;
        }
    }

    /**
     * QEMU's {@code aio_co_wake}: enters the coroutine in its home context, now if that is this
     * thread's context and we are outside a coroutine, after the current coroutine yields if we
     * are inside one, or through {@link HomeContext#schedule} if its home is another thread.
     */
    public void wake() {
        enterIn(context, this);
    }

    /**
     * QEMU's {@code aio_co_enter}; {@link HomeContext#enter(Coroutine)} calls this. Either context
     * may be null when no event loop exists (test-coroutine's mode).
     */
    static void enterIn(HomeContext ctx, Coroutine co) {
        CoThread thread = CoThread.get();
        if (ctx != thread.context) {
            if (ctx == null) {
                throw new IllegalStateException("Coroutine.wake: coroutine has no home AioContext and this thread has one");
            }
            ctx.schedule(co);
            return;
        }
        Coroutine self = thread.current;
        if (self.caller != null) {
            if (co == self) {
                throw new IllegalStateException("Coroutine.wake: a coroutine cannot wake itself");
            }
            co.checkNotQueued("Coroutine.wake");
            co.list = self;
            co.next = null;
            if (self.wakeTail == null) {
                self.wakeHead = co;
            } else {
                self.wakeTail.next = co;
            }
            self.wakeTail = co;
        } else {
            co.enterLoop(thread, ctx, "Coroutine.wake");
        }
    }

    /**
     * QEMU's {@code qemu_co_sleep_ns}: yields until {@code ns} nanoseconds of {@code clock} have
     * passed, on a timer of the current thread's context. A zero or negative time still yields
     * until the context's next poll runs its timers.
     */
    public static void sleepNs(SleepClock clock, long ns) {
        CoThread thread = CoThread.get();
        Coroutine self = thread.current;
        if (self.caller == null) {
            throw new IllegalStateException("Coroutine.sleepNs: called outside a coroutine");
        }
        HomeContext ctx = thread.context;
        if (ctx == null) {
            throw new IllegalStateException("Coroutine.sleepNs: no AioContext on this thread to run the timer");
        }
        MonitorCheck.beforeYield("Coroutine.sleepNs");
        self.markScheduled(TAG_SLEEP, "Coroutine.sleepNs");
        WaitReason timer;
        try {
            timer = ctx.armSleep(clock, clock.nowNs() + ns, () -> {
                if (SCHEDULED.compareAndSet(self, TAG_SLEEP, null)) {
                    self.wake();
                }
            });
        } catch (RuntimeException e) {
            self.clearScheduled(TAG_SLEEP);
            throw e;
        }
        try {
            yieldFor(timer);
        } finally {
            ctx.cancelSleep(timer);
        }
    }

    /**
     * QEMU's {@code yield_until_fd_readable}: yields until {@code fd} (a raw descriptor: pipe,
     * socket, eventfd or tty) is readable, through a read handler on the current thread's
     * context that replaces any handler of that fd and is removed before the coroutine resumes.
     *
     * @throws IllegalArgumentException if the descriptor is closed or cannot be polled (a regular
     *     file is always readable)
     */
    public static void yieldUntilFdReadable(int fd) {
        CoThread thread = CoThread.get();
        Coroutine self = thread.current;
        if (self.caller == null) {
            throw new IllegalStateException("Coroutine.yieldUntilFdReadable: called outside a coroutine");
        }
        HomeContext ctx = thread.context;
        if (ctx == null) {
            throw new IllegalStateException("Coroutine.yieldUntilFdReadable: no AioContext on this thread");
        }
        MonitorCheck.beforeYield("Coroutine.yieldUntilFdReadable");
        if (self.fdWait == null) {
            self.fdWait = new FdWait(self);
        }
        FdWait wait = self.fdWait;
        wait.fd = fd;
        wait.context = ctx;
        ctx.setFdHandler(fd, wait, null);
        yieldFor(wait);
    }

    /** Sets the scheduled tag; throws if another one is set. */
    void markScheduled(String tag, String function) {
        if (!SCHEDULED.compareAndSet(this, (String) null, tag)) {
            throw new IllegalStateException(function + ": Co-routine was already scheduled in '" + scheduledTag() + "'");
        }
    }

    /** Clears the scheduled tag if it is {@code tag}. */
    boolean clearScheduled(String tag) {
        return SCHEDULED.compareAndSet(this, tag, (String) null);
    }

    /**
     * For {@link CoroutineInspector}: {@code new}, {@code running}, {@code scheduled} (queued by
     * {@link HomeContext#schedule} or woken and due to run) or {@code suspended}.
     */
    String stateName() {
        if (state == NEW) {
            return "new";
        }
        if (caller != null) {
            return "running";
        }
        return TAG_SCHEDULE.equals(scheduledTag()) || list instanceof Coroutine ? "scheduled" : "suspended";
    }

    private String scheduledTag() {
        return (String) SCHEDULED.getVolatile(this);
    }

    private void checkNotQueued(String function) {
        if (list != null) {
            throw new IllegalStateException(function + ": coroutine is already queued (on a CoQueue, a lock's wait list "
                    + "or a wakeup list); a coroutine can wait in one place only");
        }
    }

    /** Null when this coroutine may be entered, else what is wrong. */
    private String enterError(String function) {
        String tag = scheduledTag();
        if (tag != null) {
            return function + ": Co-routine was already scheduled in '" + tag + "'";
        }
        if (caller != null || state == ENTERED) {
            return function + ": Co-routine re-entered recursively";
        }
        if (state == TERMINATED) {
            return function + ": coroutine has terminated and cannot be entered again";
        }
        return null;
    }

    /**
     * QEMU's enter loop: runs this coroutine, then what it woke, depth-first. The common case (the
     * coroutine yields without waking anyone) is one check of the coroutine's state, the switch,
     * and one test of its wakeup list and state after it.
     */
    private void enterLoop(CoThread thread, HomeContext ctx, String function) {
        if (caller != null || state == ENTERED || state == TERMINATED || list != null || scheduledTag() != null) {
            String error = enterError(function);
            throw new IllegalStateException(error != null ? error
                    : function + ": coroutine is queued (on a CoQueue, a lock's wait list or a wakeup list)");
        }
        Coroutine from = thread.current;
        next = null;
        switchTo(thread, from, ctx);
        if (wakeHead != null || state == TERMINATED) {
            runWoken(thread, from, ctx, function);
        }
    }

    /** Runs {@code this} (checked) from {@code from} until it yields or terminates. */
    private void switchTo(CoThread thread, Coroutine from, HomeContext ctx) {
        caller = from;
        context = ctx;
        state = ENTERED;
        thread.current = this;
        Backend.INSTANCE.resume(this, thread);
        thread.current = from;
    }

    /**
     * The rest of the enter loop once this coroutine has run: reports its termination, then runs
     * the coroutines it woke, and those they woke, depth-first.
     */
    private void runWoken(CoThread thread, Coroutine from, HomeContext ctx, String function) {
        Coroutine head = null;
        Throwable failures = null;
        Coroutine to = this;
        while (true) {
            if (to.wakeHead != null) {
                to.wakeTail.next = head;
                head = to.wakeHead;
                to.wakeHead = null;
                to.wakeTail = null;
            }
            if (to.state == TERMINATED) {
                if (to.locksHeld != 0) {
                    failures = chain(failures, new IllegalStateException("Coroutine terminated while holding "
                            + to.locksHeld + " CoMutex/CoRwlock lock(s)"));
                }
                if (to.failure != null) {
                    failures = chain(failures, to.failure);
                    to.failure = null;
                }
            }
            do {
                if (head == null) {
                    if (failures != null) {
                        throw Coroutine.<RuntimeException>sneaky(failures);
                    }
                    return;
                }
                to = head;
                head = to.next;
                to.next = null;
                to.list = null;
                String wrong = to.enterError(function);
                if (wrong != null) {
                    failures = chain(failures, new IllegalStateException(wrong));
                    to = null;
                }
            } while (to == null);
            to.switchTo(thread, from, ctx);
        }
    }

    private static Throwable chain(Throwable first, Throwable next) {
        if (first == null) {
            return next;
        }
        first.addSuppressed(next);
        return first;
    }

    @SuppressWarnings("unchecked")
    private static <T extends Throwable> T sneaky(Throwable t) throws T {
        throw (T) t;
    }

    /** The coroutine's body as its stack runs it. */
    void body() {
        try {
            entry.run(opaque);
        } catch (Throwable t) {
            failure = t;
        }
        caller = null;
        state = TERMINATED;
        CoroutineRegistry.unregister(registration);
    }

    /**
     * The read handler of {@link #yieldUntilFdReadable}, made on a coroutine's first fd wait and
     * reused: it removes itself and enters the coroutine; it is also what the coroutine waits on.
     */
    private static final class FdWait implements Runnable, WaitReason {
        private final Coroutine co;
        int fd;
        HomeContext context;

        FdWait(Coroutine co) {
            this.co = co;
        }

        @Override
        public void run() {
            context.setFdHandler(fd, null, null);
            co.enter();
        }

        @Override
        public String waitType() {
            return "fd";
        }

        @Override
        public String describeWait() {
            return "fd " + fd + " readable";
        }
    }

    @Override
    public String toString() {
        return "Coroutine[" + switch (state) {
            case NEW -> "new";
            case ENTERED -> "entered";
            case YIELDED -> "yielded";
            default -> "terminated";
        } + "]";
    }
}
