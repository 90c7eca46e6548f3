package dev.jemu.coroutine;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * Lists the live coroutines (jemu's {@code x-query-coroutines}): each one's number, state, what
 * it waits on and the frames above its yield. It reads what the coroutines already keep: the
 * registry of {@link CoroutineRegistry}, the wait reason {@link Coroutine#yieldFor} records, the
 * queue or lock a coroutine is on; the frames are walked only here, when asked.
 *
 * <p>Threading: {@link #inContext} on the home thread of its context, where no coroutine of that
 * context can be entered while the walk runs (a suspended continuation may be walked only by the
 * thread that could mount it); {@link #withoutContext} on any thread.
 */
public final class CoroutineInspector {
    /** At most this many frames are reported per coroutine. */
    public static final int MAX_FRAMES = 48;

    /**
     * One coroutine.
     *
     * @param id its number, from 1 in creation order
     * @param state {@code new}, {@code running}, {@code scheduled} or {@code suspended}
     * @param waitType what kind of thing it waits on ({@code co-mutex}, {@code co-queue},
     *     {@code co-rwlock}, {@code timer}, {@code fd}, {@code thread-pool}, {@code io-uring}, a
     *     {@link WaitReason}'s own kind, {@code yield} for a bare yield), or null when not suspended
     * @param waitDescription one line naming it, or null
     * @param frames where it suspended, innermost first ({@code Class.method(File:line)}), from the
     *     caller of the yield down to the coroutine's entry; empty unless suspended or scheduled
     */
    public record Info(long id, String state, String waitType, String waitDescription, List<String> frames) {
    }

    private CoroutineInspector() {
    }

    /**
     * The live coroutines whose home is {@code ctx} (the context of their last enter), by number.
     *
     * @throws IllegalStateException if not called on {@code ctx}'s home thread, or in a coroutine
     */
    public static List<Info> inContext(HomeContext ctx) {
        if (Thread.currentThread() != ctx.homeThread() || Coroutine.inCoroutine()) {
            throw new IllegalStateException("CoroutineInspector.inContext: must run on the context's home thread ("
                    + ctx.homeThread().getName() + ") outside coroutines");
        }
        List<Info> out = new ArrayList<>();
        for (Coroutine co : sorted(CoroutineRegistry.live())) {
            if (co.context == ctx) {
                out.add(describe(co, true));
            }
        }
        return out;
    }

    /**
     * The live coroutines whose home is none of {@code contexts}: never entered, or entered on a
     * thread without a context or in a context since closed. Their frames are not walked (no
     * thread owns them), so the list gives state and wait only.
     */
    public static List<Info> withoutContext(Collection<? extends HomeContext> contexts) {
        Set<HomeContext> known = Set.copyOf(contexts);
        List<Info> out = new ArrayList<>();
        for (Coroutine co : sorted(CoroutineRegistry.live())) {
            if (co.context == null || !known.contains(co.context)) {
                out.add(describe(co, false));
            }
        }
        return out;
    }

    private static List<Coroutine> sorted(List<Coroutine> live) {
        live.sort(Comparator.comparingLong(co -> co.registration.id));
        return live;
    }

    private static Info describe(Coroutine co, boolean walk) {
        String state = co.stateName();
        boolean parked = state.equals("suspended") || state.equals("scheduled");
        String type = null;
        String description = null;
        if (state.equals("suspended")) {
            Object reason = co.waitingOn;
            switch (reason) {
                case null -> {
                    type = "yield";
                    description = "Coroutine.yield(): its waker is not recorded";
                }
                case CoMutex m -> {
                    type = "co-mutex";
                    Coroutine holder = m.holder();
                    description = name(m) + (holder == null || holder.registration == null ? ""
                            : " held by coroutine " + holder.registration.id);
                }
                case CoQueue q -> {
                    type = "co-queue";
                    description = name(q);
                }
                case CoRwlock l -> {
                    type = "co-rwlock";
                    description = name(l);
                }
                case WaitReason w -> {
                    type = w.waitType();
                    description = w.describeWait();
                }
                default -> {
                    type = "other";
                    description = reason.toString();
                }
            }
        }
        List<String> frames = parked && walk ? frames(co) : List.of();
        return new Info(co.registration.id, state, type, description, frames);
    }

    private static String name(Object lock) {
        return lock.getClass().getSimpleName() + "@" + Integer.toHexString(System.identityHashCode(lock));
    }

    /** The frames from the caller of the yield down to the coroutine's body, bounded. */
    private static List<String> frames(Coroutine co) {
        StackTraceElement[] all = Backend.INSTANCE.frames(co);
        int from = 0;
        while (from < all.length && isSwitchFrame(all[from])) {
            from++;
        }
        List<String> out = new ArrayList<>();
        for (int i = from; i < all.length && out.size() < MAX_FRAMES; i++) {
            StackTraceElement f = all[i];
            if (f.getClassName().equals(Coroutine.class.getName()) && f.getMethodName().equals("body")) {
                break;
            }
            out.add(f.getClassName() + "." + f.getMethodName() + "(" + f.getFileName() + ":" + f.getLineNumber() + ")");
        }
        return out;
    }

    /** A frame of the switch itself (the JDK's continuation or park, the backend, the yield). */
    private static boolean isSwitchFrame(StackTraceElement f) {
        String c = f.getClassName();
        return c.startsWith("jdk.internal.") || c.startsWith("java.lang.VirtualThread") || c.startsWith("java.lang.System$")
                || c.startsWith("java.util.concurrent.locks.LockSupport")
                || c.startsWith(ContinuationBackend.class.getName()) || c.startsWith(ThreadBackend.class.getName())
                || c.equals(Coroutine.class.getName()) && (f.getMethodName().equals("yield") || f.getMethodName().equals("yieldFor"));
    }
}
