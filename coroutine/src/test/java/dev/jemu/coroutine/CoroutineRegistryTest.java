package dev.jemu.coroutine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The registry behind {@link CoroutineInspector}: what is live, the numbering and the sweep. */
class CoroutineRegistryTest {

    private static List<Long> liveIds() {
        return CoroutineRegistry.live().stream().map(co -> co.registration.id).toList();
    }

    @Test
    void numbersFollowCreationAndOnlyUnterminatedCoroutinesAreLive() {
        Coroutine first = Coroutine.create(opaque -> Coroutine.yield(), null);
        Coroutine second = Coroutine.create(opaque -> { }, null);
        assertEquals(first.registration.id + 1, second.registration.id);
        assertTrue(liveIds().contains(first.registration.id));
        assertTrue(liveIds().contains(second.registration.id));
        second.enter();
        first.enter();
        assertTrue(liveIds().contains(first.registration.id), "suspended in its yield");
        assertFalse(liveIds().contains(second.registration.id), "terminated");
        first.enter();
        assertFalse(liveIds().contains(first.registration.id), "terminated");
    }

    @Test
    void sweepsDropEndedEntriesButKeepSuspendedOnes() {
        List<Coroutine> suspended = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            Coroutine co = Coroutine.create(opaque -> Coroutine.yield(), null);
            co.enter();
            suspended.add(co);
        }
        for (int i = 0; i < 5 * CoroutineRegistry.SWEEP_MIN; i++) {
            Coroutine.create(opaque -> { }, null).enter();
        }
        List<Long> live = liveIds();
        for (Coroutine co : suspended) {
            assertTrue(live.contains(co.registration.id), "suspended coroutine " + co.registration.id + " kept");
            co.enter();
        }
        List<Long> after = liveIds();
        for (Coroutine co : suspended) {
            assertFalse(after.contains(co.registration.id));
        }
    }

    /**
     * On the continuation backend an abandoned suspended coroutine is collected and leaves the
     * list; on the thread backend its parked virtual thread is kept by the JDK, so it stays
     * listed (the limit documented in {@link CoroutineRegistry}).
     */
    @Test
    void anAbandonedSuspendedCoroutineIsCollectedAndLeavesTheList() {
        long id = abandonOne();
        for (int attempt = 0; attempt < 50 && liveIds().contains(id); attempt++) {
            System.gc();
        }
        if (Coroutine.backendName().equals("continuation")) {
            assertFalse(liveIds().contains(id), "coroutine " + id + " should have been collected");
        } else {
            assertTrue(liveIds().contains(id), "a parked virtual thread is kept, and its coroutine with it");
        }
    }

    private static long abandonOne() {
        Coroutine co = Coroutine.create(opaque -> Coroutine.yield(), null);
        co.enter();
        return co.registration.id;
    }
}
