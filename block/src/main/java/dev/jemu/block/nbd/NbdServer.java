package dev.jemu.block.nbd;

import dev.jemu.block.BlockException;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;

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

/**
 * The NBD server behind {@code jemu-nbd}: listens on a TCP address or a unix socket with Netty's
 * epoll transport (one event loop thread for all connections) and serves one or more
 * {@link NbdExport}s, whose requests run on their own AioContexts.
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
    private EventLoopGroup group;
    private Channel listener;
    private int open;
    /** Numbers connections for log messages; event loop thread. */
    private int clientNumber;
    private boolean everConnected;
    private volatile boolean finished;
    /** Data bytes held for all connections; event loop thread. */
    private long pinnedBytes;
    /** Connections that stopped reading for lack of memory; event loop thread. */
    private final ArrayDeque<NbdServerConnection> waitingForMemory = new ArrayDeque<>();

    private NbdServer(Config config, List<NbdExport> exports, Runnable onFinished) {
        this.config = config;
        for (NbdExport e : exports) {
            this.exports.put(e.name(), e);
        }
        this.onFinished = onFinished;
    }

    /**
     * Starts listening.
     *
     * @param onFinished run (on the server's thread) once a non-persistent server has served its
     *     last client, or null
     * @throws BlockException if the address cannot be bound, with the reason
     */
    public static NbdServer start(Config config, List<NbdExport> exports, Runnable onFinished) throws BlockException {
        Epoll.ensureAvailability();
        NbdServer server = new NbdServer(config, exports, onFinished);
        server.bind();
        return server;
    }

    private void bind() throws BlockException {
        group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        ServerBootstrap b = new ServerBootstrap().group(group)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new NbdServerConnection(NbdServer.this, ++clientNumber));
                    }
                });
        // Unwritable from the first queued byte, writable again once all of it is sent: the
        // writability event tells a connection that its replies have been drained.
        b.childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(1, 1));
        SocketAddress address;
        String what;
        if (config.socket() != null) {
            b.channel(EpollServerDomainSocketChannel.class);
            address = new DomainSocketAddress(config.socket().toString());
            what = "unix socket " + config.socket();
        } else {
            b.channel(EpollServerSocketChannel.class).childOption(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.SO_REUSEADDR, true);
            address = new InetSocketAddress(config.bindAddress(), config.port());
            what = config.bindAddress() + ":" + config.port();
        }
        if (config.socket() != null) {
            try {
                SocketPaths.unlinkForBind(config.socket());
            } catch (java.io.IOException e) {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
                throw new BlockException(e.getMessage(), e);
            }
        }
        try {
            listener = b.bind(address).syncUninterruptibly().channel();
            log("listening on " + (config.socket() != null ? what : config.bindAddress() + ":" + port()));
        } catch (Exception e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            throw new BlockException("Failed to listen on " + what + ": " + e.getMessage(), e);
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

    /** Connections open now. */
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

    /** Data bytes held for all connections. Event loop thread. */
    long pinnedBytes() {
        return pinnedBytes;
    }

    /** Counts {@code bytes} more held for a connection. Event loop thread. */
    void pin(long bytes) {
        pinnedBytes += bytes;
    }

    /** Counts {@code bytes} released; resumes the connections waiting for memory. Event loop thread. */
    void unpin(long bytes) {
        pinnedBytes -= bytes;
        if (pinnedBytes < MAX_PINNED_BYTES) {
            NbdServerConnection c;
            while ((c = waitingForMemory.poll()) != null) {
                c.resumeLater();
            }
        }
    }

    /** {@code c} stopped reading for lack of memory and waits for {@link #unpin}. Event loop thread. */
    void waitForMemory(NbdServerConnection c) {
        waitingForMemory.add(c);
    }

    /** Event loop thread. */
    void connectionOpened(NbdServerConnection c) {
        connections.add(c);
        everConnected = true;
        if (++open >= config.sharedClients()) {
            listener.config().setAutoRead(false);
        }
    }

    /** Event loop thread. */
    void connectionClosed(NbdServerConnection c) {
        connections.remove(c);
        open--;
        if (!config.persistent() && everConnected && open == 0) {
            finished = true;
            listener.close();
            if (onFinished != null) {
                onFinished.run();
            }
            return;
        }
        if (open < config.sharedClients() && !finished) {
            listener.config().setAutoRead(true);
        }
    }

    /**
     * Stops listening, closes every connection and stops the event loop. Requests already handed
     * to an export may still be executing: the export's owner waits for {@link NbdExport#isBusy()}
     * to turn false before closing it.
     */
    @Override
    public void close() {
        if (group == null) {
            return;
        }
        listener.close().syncUninterruptibly();
        for (NbdServerConnection c : new ArrayList<>(connections)) {
            c.close();
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        group = null;
        if (config.socket() != null) {
            try {
                Files.deleteIfExists(config.socket());
            } catch (java.io.IOException e) {
                log("cannot remove " + config.socket() + ": " + e.getMessage());
            }
        }
    }
}
