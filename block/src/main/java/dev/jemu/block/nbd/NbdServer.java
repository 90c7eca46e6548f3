package dev.jemu.block.nbd;

import dev.jemu.aio.AioContext;
import dev.jemu.aio.AioEngine;
import dev.jemu.block.BlockException;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.uring.IoUringServerDomainSocketChannel;
import io.netty.channel.uring.IoUringServerSocketChannel;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The NBD server behind {@code jemu-nbd}: listens on a TCP address or a unix socket and serves
 * one or more {@link NbdExport}s of one {@link AioContext}. The listening socket and every
 * connection are Netty channels registered on that context's own event loop ({@link
 * AioContext#eventLoop()}, io_uring or epoll channels as the context's engine), so the context's
 * home thread accepts, decodes, executes each request in a coroutine and writes its reply, with
 * no hand-off to another thread. Create it, and {@link #close()} it, on that home thread.
 *
 * <p>Like qemu-nbd it stops accepting while {@code sharedClients} connections are open, and
 * unless persistent it finishes once the last client of the first batch has gone; the owner
 * learns this through {@link #isFinished()} and the {@code onFinished} callback.
 *
 * <p>Memory is bounded per connection (see {@link NbdServerConnection}) and for the server as a
 * whole: past {@link #MAX_PINNED_BYTES} of READ and WRITE data held for requests in flight and
 * replies not yet taken by their clients, connections stop reading, except that a connection
 * that holds nothing may always have one request executed, so that clients which never read
 * their replies cannot starve the others.
 */
public final class NbdServer implements AutoCloseable {
    /** Request and reply data all connections together may hold before they stop reading. */
    static final long MAX_PINNED_BYTES = 256L << 20;
    /** How long binding or closing may take the event loop. */
    private static final long SETTLE_NS = TimeUnit.SECONDS.toNanos(2);

    /**
     * Where and how to listen.
     *
     * @param bindAddress host or address to listen on (ignored with {@code socket})
     * @param port TCP port; 0 lets the system choose
     * @param socket unix socket path, or null for TCP
     * @param sharedClients how many clients may be connected at once (qemu-nbd's {@code -e})
     * @param persistent whether to keep serving after the last client has gone ({@code -t})
     * @param handshakeTimeoutMs how long a client may take from connecting to transmission
     * @param log where one-line messages about clients go
     */
    public record Config(String bindAddress, int port, Path socket, int sharedClients, boolean persistent,
                         long handshakeTimeoutMs, Consumer<String> log) {
        /** The default time a client may spend in the handshake. */
        public static final long DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

        public Config {
            if (sharedClients < 1) {
                throw new IllegalArgumentException("sharedClients must be at least 1");
            }
            if (handshakeTimeoutMs <= 0) {
                throw new IllegalArgumentException("handshakeTimeoutMs must be positive");
            }
        }
    }

    private final Config config;
    private final Map<String, NbdExport> exports = new LinkedHashMap<>();
    private final Runnable onFinished;
    private final Set<NbdServerConnection> connections = ConcurrentHashMap.newKeySet();
    private final AioContext context;
    private Channel listener;
    /** Set by {@link #close()}; home thread. */
    private boolean closed;
    private int open;
    /** Numbers connections for log messages; home thread. */
    private int clientNumber;
    private boolean everConnected;
    private volatile boolean finished;
    /** Data bytes held for all connections; home thread. */
    private long pinnedBytes;
    /** Connections that stopped reading for lack of memory; home thread. */
    private final ArrayDeque<NbdServerConnection> waitingForMemory = new ArrayDeque<>();
    /** Connections accepted over the {@code sharedClients} limit, not yet greeted; home thread. */
    private final ArrayDeque<NbdServerConnection> waitingForSlot = new ArrayDeque<>();

    private NbdServer(Config config, List<NbdExport> exports, Runnable onFinished) {
        this.config = config;
        this.context = exports.getFirst().context();
        for (NbdExport e : exports) {
            if (e.context() != context) {
                throw new IllegalArgumentException("NbdServer: export '" + e.name()
                        + "' runs in another AioContext than the server's");
            }
            this.exports.put(e.name(), e);
        }
        this.onFinished = onFinished;
    }

    /**
     * Starts listening on the event loop of the exports' context; call on that context's home
     * thread, outside a coroutine.
     *
     * @param exports one or more exports, all of one AioContext
     * @param onFinished run (on the home thread) once a non-persistent server has served its last
     *     client, or null
     * @throws BlockException if the address cannot be bound, with the reason
     */
    public static NbdServer start(Config config, List<NbdExport> exports, Runnable onFinished) throws BlockException {
        NbdServer server = new NbdServer(config, exports, onFinished);
        server.bind();
        return server;
    }

    private void bind() throws BlockException {
        boolean uring = context.engine() == AioEngine.IO_URING;
        ServerBootstrap b = new ServerBootstrap().group(context.eventLoop())
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new NbdServerConnection(NbdServer.this, ++clientNumber));
                    }
                });
        // Unwritable from the first queued byte, writable again once all of it is sent: the
        // writability event tells a connection that its replies have been drained.
        b.childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(1, 1));
        // Reply buffers (a READ's data is read into its reply) come from the pooled allocator: the
        // default adaptive one keeps only a few chunks for reuse, so with 64 READs of 256 KiB in
        // flight per connection it kept freeing chunks and allocating (and zeroing) new ones.
        b.childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT);
        SocketAddress address;
        String what;
        if (config.socket() != null) {
            b.channel(uring ? IoUringServerDomainSocketChannel.class : EpollServerDomainSocketChannel.class);
            address = new DomainSocketAddress(config.socket().toString());
            what = "unix socket " + config.socket();
        } else {
            Class<? extends ServerChannel> type = uring ? IoUringServerSocketChannel.class
                    : EpollServerSocketChannel.class;
            b.channel(type).childOption(ChannelOption.TCP_NODELAY, true).option(ChannelOption.SO_REUSEADDR, true);
            address = new InetSocketAddress(config.bindAddress(), config.port());
            what = config.bindAddress() + ":" + config.port();
        }
        if (config.socket() != null) {
            try {
                SocketPaths.unlinkForBind(config.socket());
            } catch (java.io.IOException e) {
                throw new BlockException(e.getMessage(), e);
            }
        }
        ChannelFuture bound = b.bind(address);
        pollUntil(bound::isDone);
        if (!bound.isSuccess()) {
            throw new BlockException(NbdErrors.bindFailure(config.socket(), bound.cause()), bound.cause());
        }
        listener = bound.channel();
        log("listening on " + (config.socket() != null ? what : config.bindAddress() + ":" + port()));
    }

    /**
     * Polls the context without waiting until {@code done}, for what the event loop completes in
     * a few iterations (a bind, the closing of channels); gives up after {@link #SETTLE_NS}.
     */
    private void pollUntil(Supplier<Boolean> done) {
        long deadline = System.nanoTime() + SETTLE_NS;
        while (!done.get() && System.nanoTime() - deadline < 0) {
            context.poll(false);
        }
    }

    /** The bound address: an {@link InetSocketAddress} (with the chosen port) or the unix socket. */
    public SocketAddress localAddress() {
        return listener.localAddress();
    }

    /** The bound TCP port. */
    public int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    /** Whether a non-persistent server has served its clients and stopped listening. */
    public boolean isFinished() {
        return finished;
    }

    /** Connections open now, including those waiting for a slot. */
    public int connectionCount() {
        return connections.size();
    }

    NbdExport export(String name) {
        return exports.get(name);
    }

    Collection<NbdExport> exports() {
        return exports.values();
    }

    long handshakeTimeoutMs() {
        return config.handshakeTimeoutMs();
    }

    void log(String message) {
        if (config.log() != null) {
            config.log().accept(message);
        }
    }

    /** Data bytes held for all connections. Home thread. */
    long pinnedBytes() {
        return pinnedBytes;
    }

    /** Counts {@code bytes} more held for a connection. Home thread. */
    void pin(long bytes) {
        pinnedBytes += bytes;
    }

    /** Counts {@code bytes} released; resumes the connections waiting for memory. Home thread. */
    void unpin(long bytes) {
        pinnedBytes -= bytes;
        if (pinnedBytes < MAX_PINNED_BYTES) {
            NbdServerConnection c;
            while ((c = waitingForMemory.poll()) != null) {
                c.resumeLater();
            }
        }
    }

    /** {@code c} stopped reading for lack of memory and waits for {@link #unpin}. Home thread. */
    void waitForMemory(NbdServerConnection c) {
        waitingForMemory.add(c);
    }

    /**
     * A client connected: it starts if fewer than {@code sharedClients} are being served, else it
     * waits unanswered until one leaves, as in the listen backlog of qemu-nbd, which stops
     * accepting at the limit (an io_uring listener may have accepted it already). Home thread.
     */
    void connectionArrived(NbdServerConnection c) {
        connections.add(c);
        if (open >= config.sharedClients() || finished || closed) {
            waitingForSlot.add(c);
            return;
        }
        open(c);
    }

    private void open(NbdServerConnection c) {
        everConnected = true;
        if (++open >= config.sharedClients()) {
            listener.config().setAutoRead(false);
        }
        c.start();
    }

    /** Home thread. */
    void connectionClosed(NbdServerConnection c) {
        connections.remove(c);
        if (waitingForSlot.remove(c)) {
            return;
        }
        open--;
        if (!config.persistent() && everConnected && open == 0) {
            finished = true;
            listener.close();
            if (onFinished != null) {
                onFinished.run();
            }
            return;
        }
        if (open < config.sharedClients() && !finished && !closed) {
            NbdServerConnection next = waitingForSlot.poll();
            if (next != null) {
                open(next);
            } else {
                listener.config().setAutoRead(true);
            }
        }
    }

    /**
     * Stops listening and closes every connection. Requests already executing may still be: the
     * export's owner polls the context until {@link NbdExport#isBusy()} turns false before closing
     * it. Home thread, outside a coroutine.
     */
    @Override
    public void close() {
        if (closed || listener == null) {
            return;
        }
        closed = true;
        Channel closing = listener;
        closing.close();
        for (NbdServerConnection c : new ArrayList<>(connections)) {
            c.close();
        }
        pollUntil(() -> !closing.isOpen() && connections.isEmpty());
        if (config.socket() != null) {
            try {
                Files.deleteIfExists(config.socket());
            } catch (java.io.IOException e) {
                log("cannot remove " + config.socket() + ": " + e.getMessage());
            }
        }
    }
}
