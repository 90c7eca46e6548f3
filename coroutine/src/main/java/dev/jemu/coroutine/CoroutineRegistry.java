package dev.jemu.coroutine;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The live coroutines, for {@link CoroutineInspector}: a coroutine is added when it is created
 * and marked ended when it terminates, and held weakly, so that one abandoned while suspended
 * (its waker dropped) is collected as before (on the continuation backend; the thread backend's
 * parked virtual threads are kept by the JDK). Nothing here runs on the enter or yield path.
 *
 * <p>The entries form one list that creation pushes onto with a single compare-and-set, which
 * also numbers the coroutine (one more than the head's number); termination only sets a flag.
 * Entries of ended or collected coroutines are unlinked in bulk by whoever registers once as many
 * coroutines were added since the last sweep as were left by it (at least {@link #SWEEP_MIN}), so
 * the list stays within twice the live count plus that minimum, at an amortised constant cost per
 * creation. The sweep never removes the head, whose number the next push reads.
 *
 * <p>Threading: any thread. Pushes race only on {@link #head}; the {@code older} links of entries
 * below the head are written only by a sweep, under {@link #SWEEP}, which {@link #live()} takes
 * too.
 */
final class CoroutineRegistry {
    /** Sweep after this many registrations at least. */
    static final int SWEEP_MIN = 1024;

    private static final VarHandle HEAD;
    private static final VarHandle ENDED;
    private static final ReentrantLock SWEEP = new ReentrantLock();

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            HEAD = lookup.findStaticVarHandle(CoroutineRegistry.class, "head", Entry.class);
            ENDED = lookup.findVarHandle(Entry.class, "ended", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The newest entry; accessed through {@link #HEAD}. */
    @SuppressWarnings("unused")
    private static volatile Entry head;
    /** Registrations since the last sweep (racy: a lost update only delays a sweep). */
    private static int sinceSweep;
    /** Entries left by the last sweep (written under {@link #SWEEP}). */
    private static int keptBySweep;

    /** A coroutine's registration: its number (from 1, in creation order) and a weak reference. */
    static final class Entry extends WeakReference<Coroutine> {
        final long id;
        /** The next older entry; changed only by a sweep. */
        Entry older;
        /** Set when the coroutine terminates (a release store, read with acquire). */
        @SuppressWarnings("unused") // accessed through ENDED
        private boolean ended;

        boolean ended() {
            return (boolean) ENDED.getAcquire(this);
        }

        private Entry(Coroutine co, long id, Entry older) {
            super(co);
            this.id = id;
            this.older = older;
        }
    }

    private CoroutineRegistry() {
    }

    static Entry register(Coroutine co) {
        Entry e;
        Entry top;
        do {
            top = head;
            e = new Entry(co, top == null ? 1 : top.id + 1, top);
        } while (!HEAD.compareAndSet(top, e));
        if (++sinceSweep >= Math.max(SWEEP_MIN, keptBySweep) && SWEEP.tryLock()) {
            try {
                sweep(e);
            } finally {
                SWEEP.unlock();
            }
        }
        return e;
    }

    static void unregister(Entry e) {
        ENDED.setRelease(e, true);
    }

    /** Unlinks the ended and collected entries older than {@code from}; under {@link #SWEEP}. */
    private static void sweep(Entry from) {
        sinceSweep = 0;
        int kept = 1;
        Entry keep = from;
        for (Entry e = from.older; e != null; e = e.older) {
            if (!e.ended() && e.get() != null) {
                keep.older = e;
                keep = e;
                kept++;
            }
        }
        keep.older = null;
        keptBySweep = kept;
    }

    /** The coroutines alive now (created and not terminated, not collected). */
    static List<Coroutine> live() {
        List<Coroutine> out = new ArrayList<>();
        SWEEP.lock();
        try {
            for (Entry e = head; e != null; e = e.older) {
                Coroutine co = e.get();
                if (co != null && !e.ended()) {
                    out.add(co);
                }
            }
        } finally {
            SWEEP.unlock();
        }
        return out;
    }
}
