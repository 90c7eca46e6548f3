package dev.jemu.coroutine;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The live coroutines, for {@link CoroutineInspector}: a coroutine is added when it is created
 * and removed when it terminates, and held weakly, so that one abandoned while suspended (its
 * waker dropped) is collected as before and its entry purged at a later creation. Nothing here
 * runs on the enter or yield path.
 *
 * <p>Threading: any thread.
 */
final class CoroutineRegistry {
    private static final Set<Entry> LIVE = ConcurrentHashMap.newKeySet();
    private static final ReferenceQueue<Coroutine> COLLECTED = new ReferenceQueue<>();
    private static final AtomicLong IDS = new AtomicLong();

    /** A coroutine's registration: its number (from 1, in creation order) and a weak reference. */
    static final class Entry extends WeakReference<Coroutine> {
        final long id;

        private Entry(Coroutine co, long id) {
            super(co, COLLECTED);
            this.id = id;
        }
    }

    private CoroutineRegistry() {
    }

    static Entry register(Coroutine co) {
        for (Object gone; (gone = COLLECTED.poll()) != null; ) {
            LIVE.remove(gone);
        }
        Entry e = new Entry(co, IDS.incrementAndGet());
        LIVE.add(e);
        return e;
    }

    static void unregister(Entry e) {
        LIVE.remove(e);
    }

    /** The coroutines alive now (created and not terminated, not collected). */
    static List<Coroutine> live() {
        List<Coroutine> out = new ArrayList<>();
        for (Entry e : LIVE) {
            Coroutine co = e.get();
            if (co != null) {
                out.add(co);
            }
        }
        return out;
    }
}
