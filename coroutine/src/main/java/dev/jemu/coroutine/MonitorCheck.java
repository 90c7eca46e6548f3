package dev.jemu.coroutine;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Set;

/**
 * Refuses a yield while the coroutine's own frames hold a Java monitor. Since JDK 24 a
 * {@code synchronized} block no longer pins a continuation or a virtual thread, so such a yield
 * would suspend the coroutine with the monitor still locked, and any thread that then enters that
 * monitor (often the very thread that would resume the coroutine) would block for good.
 *
 * <p>The JVM keeps no cheap count of the monitors a frame chain holds, so the check walks the
 * coroutine's frames ({@code java.lang.LiveStackFrame}), about 4 µs against the 0.14 µs of a
 * switch. It is therefore on when assertions are enabled for this package (every test run) or
 * when {@code -Djemu.coroutine.checkMonitors=true}, and off otherwise; {@code =false} turns it
 * off. It needs {@code --add-opens java.base/java.lang=ALL-UNNAMED}.
 *
 * <p>Stateless; any thread.
 */
final class MonitorCheck {
    static final String PROPERTY = "jemu.coroutine.checkMonitors";

    /** True when yields are checked. */
    static final boolean ENABLED = enabled();

    private static final StackWalker WALKER;
    private static final MethodHandle MONITORS;

    static {
        if (ENABLED) {
            try {
                Class<?> live = Class.forName("java.lang.LiveStackFrame");
                MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(live, MethodHandles.lookup());
                Class<?> scopeClass = Class.forName("jdk.internal.vm.ContinuationScope");
                MethodHandle factory = lookup.findStatic(live, "getStackWalker",
                        MethodType.methodType(StackWalker.class, Set.class, scopeClass));
                WALKER = (StackWalker) factory.invoke(Set.of(), Backend.INSTANCE.walkScope());
                MONITORS = lookup.findVirtual(live, "getMonitors", MethodType.methodType(Object[].class));
            } catch (Throwable e) {
                throw new IllegalStateException("-D" + PROPERTY + ": checking coroutines for held monitors needs the "
                        + "JVM option --add-opens java.base/java.lang=ALL-UNNAMED (or -D" + PROPERTY + "=false)", e);
            }
        } else {
            WALKER = null;
            MONITORS = null;
        }
    }

    private MonitorCheck() {
    }

    private static boolean enabled() {
        String value = System.getProperty(PROPERTY);
        if (value == null) {
            return MonitorCheck.class.desiredAssertionStatus();
        }
        return switch (value) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalStateException("-D" + PROPERTY + "=" + value + ": expected true or false");
        };
    }

    /**
     * Called by code about to yield the current coroutine, before it changes any state: throws if
     * the coroutine's frames hold a Java monitor.
     */
    static void beforeYield(String function) {
        if (ENABLED && holdsMonitor()) {
            throw new IllegalStateException(function + ": the coroutine holds a Java monitor (a synchronized block "
                    + "or method) and would stay suspended with it locked; leave the synchronized block before "
                    + "yielding, or use a CoMutex");
        }
    }

    private static boolean holdsMonitor() {
        return WALKER.walk(frames -> frames.anyMatch(MonitorCheck::hasMonitors));
    }

    /** A frame's monitor slots can keep an object after its block exits: only a held one counts. */
    private static boolean hasMonitors(StackWalker.StackFrame frame) {
        Object[] monitors;
        try {
            monitors = (Object[]) MONITORS.invoke(frame);
        } catch (Throwable e) {
            throw new IllegalStateException("LiveStackFrame.getMonitors failed", e);
        }
        for (Object monitor : monitors) {
            if (monitor != null && Thread.holdsLock(monitor)) {
                return true;
            }
        }
        return false;
    }
}
