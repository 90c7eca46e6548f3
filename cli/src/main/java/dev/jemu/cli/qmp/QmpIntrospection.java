package dev.jemu.cli.qmp;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jemu.aio.AioContext;
import dev.jemu.aio.AioInspector;
import dev.jemu.aio.IOThread;
import dev.jemu.coroutine.CoroutineInspector;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * jemu's own commands beyond QEMU: {@code x-query-coroutines} (every live coroutine: its
 * AioContext, state, what it waits on, the frames above its yield), {@code x-query-aio} (each
 * AioContext's fd handlers, timers and bottom halves) and HMP {@code info coroutines}. Each
 * context is inspected on its own home thread (a bottom half of that context), the only thread
 * that may walk its suspended coroutines; the main loop waits at most {@link #ANSWER_MS} for
 * the others. The coroutines of a context that does not answer in time, or of none, are listed
 * without frames.
 *
 * <p>Threading: the main loop thread.
 */
final class QmpIntrospection {
    /** How long the main loop waits for the other contexts' threads to answer. */
    static final long ANSWER_MS = 2000;
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final QmpVm vm;

    QmpIntrospection(QmpVm vm) {
        this.vm = vm;
    }

    /** The name QMP gives {@code ctx}: {@code main-loop}, an IOThread's id, or {@code thread NAME}. */
    private String contextName(AioContext ctx) {
        if (ctx == vm.mainContext()) {
            return "main-loop";
        }
        for (IOThread t : vm.iothreads()) {
            if (t.context() == ctx) {
                return t.name();
            }
        }
        return "thread " + ctx.homeThread().getName();
    }

    /** Runs {@code query} on each live context's home thread; the contexts that answered in time, with their answers. */
    private <T> Map<AioContext, T> onEachContext(Function<AioContext, T> query) throws QmpError {
        Map<AioContext, CompletableFuture<T>> pending = new LinkedHashMap<>();
        List<AioContext> contexts = new ArrayList<>(AioContext.live());
        contexts.remove(vm.mainContext());
        contexts.addFirst(vm.mainContext());
        for (AioContext ctx : contexts) {
            CompletableFuture<T> f = new CompletableFuture<>();
            pending.put(ctx, f);
            if (ctx.homeThread() == Thread.currentThread()) {
                f.complete(query.apply(ctx));
            } else {
                ctx.oneShot(() -> {
                    try {
                        f.complete(query.apply(ctx));
                    } catch (RuntimeException e) {
                        f.completeExceptionally(e);
                    }
                });
            }
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ANSWER_MS);
        Map<AioContext, T> out = new LinkedHashMap<>();
        for (Map.Entry<AioContext, CompletableFuture<T>> e : pending.entrySet()) {
            try {
                out.put(e.getKey(), e.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
            } catch (TimeoutException late) {
                // listed as unanswered
            } catch (ExecutionException failed) {
                throw QmpError.generic(contextName(e.getKey()) + ": " + failed.getCause().getMessage());
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                throw QmpError.generic("interrupted while waiting for " + contextName(e.getKey()));
            }
        }
        return out;
    }

    /** One coroutine with the name of its context. */
    private record Listed(String context, CoroutineInspector.Info info) {
    }

    private List<Listed> coroutines() throws QmpError {
        Map<AioContext, List<CoroutineInspector.Info>> answers = onEachContext(CoroutineInspector::inContext);
        List<Listed> out = new ArrayList<>();
        answers.forEach((ctx, infos) -> infos.forEach(i -> out.add(new Listed(contextName(ctx), i))));
        for (CoroutineInspector.Info i : CoroutineInspector.withoutContext(answers.keySet())) {
            out.add(new Listed(null, i));
        }
        return out;
    }

    /** {@code x-query-coroutines}. */
    ArrayNode queryCoroutines() throws QmpError {
        ArrayNode out = JSON.arrayNode();
        for (Listed l : coroutines()) {
            ObjectNode o = out.addObject();
            o.put("id", l.info().id());
            if (l.context() != null) {
                o.put("aio-context", l.context());
            }
            o.put("state", l.info().state());
            if (l.info().waitType() != null) {
                ObjectNode w = o.putObject("wait");
                w.put("type", l.info().waitType());
                w.put("description", l.info().waitDescription());
            }
            ArrayNode frames = o.putArray("frames");
            l.info().frames().forEach(frames::add);
        }
        return out;
    }

    /** HMP {@code info coroutines}: one line per coroutine, then its frames indented. */
    String infoCoroutines() throws QmpError {
        StringBuilder sb = new StringBuilder();
        for (Listed l : coroutines()) {
            CoroutineInspector.Info i = l.info();
            sb.append("Coroutine ").append(i.id()).append(" (").append(l.context() == null ? "no AioContext" : l.context())
                    .append("): ").append(i.state());
            if (i.waitType() != null) {
                sb.append(", waits on ").append(i.waitType()).append(": ").append(i.waitDescription());
            }
            sb.append("\r\n");
            for (String f : i.frames()) {
                sb.append("    at ").append(f).append("\r\n");
            }
        }
        return sb.toString();
    }

    /** {@code x-query-aio}. */
    ArrayNode queryAio() throws QmpError {
        Map<AioContext, AioInspector.Snapshot> answers = onEachContext(AioInspector::inspect);
        ArrayNode out = JSON.arrayNode();
        for (Map.Entry<AioContext, AioInspector.Snapshot> e : answers.entrySet()) {
            AioInspector.Snapshot s = e.getValue();
            ObjectNode o = out.addObject();
            o.put("aio-context", contextName(e.getKey()));
            o.put("thread", s.thread());
            o.put("engine", s.engine());
            ArrayNode fds = o.putArray("fd-handlers");
            for (AioInspector.FdHandler h : s.fdHandlers()) {
                ObjectNode f = fds.addObject();
                f.put("fd", h.fd());
                putIfPresent(f, "read", h.onReadable());
                putIfPresent(f, "write", h.onWritable());
            }
            ArrayNode timers = o.putArray("timers");
            for (AioInspector.TimerInfo t : s.timers()) {
                ObjectNode j = timers.addObject();
                j.put("clock", t.clock());
                j.put("expire-ns", t.expireNs());
                j.put("remaining-ns", t.remainingNs());
                j.put("callback", t.callback());
            }
            ArrayNode bhs = o.putArray("bottom-halves");
            for (AioInspector.BottomHalfInfo b : s.bottomHalves()) {
                ObjectNode j = bhs.addObject();
                j.put("callback", b.callback());
                j.put("scheduled", b.scheduled());
                j.put("idle", b.idle());
                j.put("oneshot", b.oneshot());
            }
        }
        return out;
    }

    private static void putIfPresent(ObjectNode o, String key, String value) {
        if (value != null) {
            o.put(key, value);
        }
    }
}
