package dev.jemu.block.nbd;

import dev.jemu.aio.AioContext;
import dev.jemu.block.BlockBackend;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;

/**
 * Runs an NBD server for one export on the calling thread: creates the thread's AioContext
 * (which becomes the export's context, so block I/O never leaves this thread except to the
 * context's worker pool), opens the backend there, starts the {@link NbdServer} and polls the
 * context until the server finishes or {@link #stop()} is called; then closes the connections,
 * waits for executing requests, and flushes and closes the backend.
 */
public final class NbdServerHost {

    /** Opens the backend; runs on the host thread, which has its AioContext. */
    @FunctionalInterface
    public interface Opener {
        /** Opens the disk to export. */
        BlockBackend open() throws IOException;
    }

    private final NbdServer.Config config;
    private final Opener opener;
    private final Function<BlockBackend, NbdExport.Settings> settings;
    private final CountDownLatch started = new CountDownLatch(1);
    private volatile boolean stopping;
    private volatile AioContext context;
    private volatile NbdServer server;
    private volatile IOException startFailure;

    /**
     * A host for the export that {@code opener} opens, with settings derived from the opened
     * backend by {@code settings}.
     */
    public NbdServerHost(NbdServer.Config config, Opener opener, Function<BlockBackend, NbdExport.Settings> settings) {
        this.config = config;
        this.opener = opener;
        this.settings = settings;
    }

    /**
     * Serves until the server finishes or {@link #stop()}; returns when all is closed.
     *
     * @throws IOException if the disk cannot be opened, the address bound, or the final flush fails
     */
    public void run() throws IOException {
        AioContext ctx = AioContext.create();
        context = ctx;
        BlockBackend backend = null;
        NbdExport export = null;
        IOException failure = null;
        try {
            backend = opener.open();
            export = new NbdExport(backend, ctx, settings.apply(backend));
            server = NbdServer.start(config, List.of(export), ctx::kick);
        } catch (IOException e) {
            startFailure = e;
            failure = e;
        } finally {
            started.countDown();
        }
        if (failure == null) {
            while (!stopping && !server.isFinished()) {
                ctx.poll(true);
            }
            server.close();
        }
        if (export != null) {
            while (export.isBusy()) {
                ctx.poll(true);
            }
            export.close();
        }
        if (backend != null) {
            try {
                backend.close();
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                }
            }
        }
        ctx.close();
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * Waits until the server listens and returns it.
     *
     * @throws IOException the reason it could not start
     */
    public NbdServer awaitStarted() throws IOException {
        boolean interrupted = false;
        while (started.getCount() > 0) {
            try {
                started.await();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (startFailure != null) {
            throw startFailure;
        }
        return server;
    }

    /** Makes {@link #run()} shut down and return. Any thread. */
    public void stop() {
        stopping = true;
        AioContext ctx = context;
        if (ctx != null) {
            ctx.kick();
        }
    }
}
