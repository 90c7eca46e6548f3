package dev.jemu.cli.qmp;

import dev.jemu.aio.AioContext;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.Socket;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.jemu.block.nbd.SocketPaths;
import java.util.ArrayDeque;
import java.util.concurrent.locks.LockSupport;

/**
 * A QMP monitor on a listening socket (TCP or unix), QEMU's {@code -qmp
 * tcp:...,server=on,wait=off} and {@code -chardev socket,...,server=on,wait=off} with
 * {@code -mon mode=control}: served by fd handlers of the main loop's AioContext on
 * non-blocking sockets. As in QEMU, one client at a time is served; further connections wait
 * in the listen backlog until it leaves. Replies the client has not taken are bounded by
 * {@link #MAX_QUEUED} bytes: past that the client is dropped, and the monitor serves the next.
 *
 * <p>Threading: the main loop thread.
 */
public final class QmpSocketMonitor implements QmpMonitor {
    /** Reply bytes queued for a client that does not read before it is dropped. */
    static final int MAX_QUEUED = 1 << 20;
    private static final int READ_CHUNK = 4096;

    private final QmpVm vm;
    private final QmpCommands commands;
    private final AioContext ctx;
    private final Socket listener;
    private final Path socketPath;
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(READ_CHUNK);
    private final byte[] readBytes = new byte[READ_CHUNK];
    private final byte[] acceptAddress = new byte[32];
    private Connection client;
    private boolean closed;

    private QmpSocketMonitor(QmpVm vm, Socket listener, Path socketPath) {
        this.vm = vm;
        this.commands = vm.commands();
        this.ctx = vm.mainContext();
        this.listener = listener;
        this.socketPath = socketPath;
    }

    /**
     * Listens on unix socket {@code path} (replacing a stale one), or on TCP {@code host:port}
     * when {@code path} is null; port 0 lets the system choose.
     *
     * @throws IOException if the address cannot be bound, with the reason
     */
    public static QmpSocketMonitor listen(QmpVm vm, String host, int port, String path) throws IOException {
        Epoll.ensureAvailability();
        Socket s;
        SocketAddress address;
        if (path != null) {
            SocketPaths.unlinkForBind(Path.of(path));
            s = Socket.newSocketDomain();
            address = new DomainSocketAddress(path);
        } else {
            InetSocketAddress inet = new InetSocketAddress(host, port);
            if (inet.isUnresolved()) {
                throw new IOException("address resolution failed for " + host + ":" + port + ": Name or service not known");
            }
            s = Socket.newSocketStream();
            s.setReuseAddress(true);
            address = inet;
        }
        try {
            s.bind(address);
            s.listen(16);
        } catch (IOException e) {
            s.close();
            throw e;
        }
        QmpSocketMonitor m = new QmpSocketMonitor(vm, s, path == null ? null : Path.of(path));
        m.watchListener(true);
        return m;
    }

    /** The bound TCP port (for a TCP monitor). */
    public int port() {
        return listener.localAddress().getPort();
    }

    private void watchListener(boolean on) {
        ctx.setFdHandler(listener.intValue(), on ? this::accept : null, null);
    }

    private void accept() {
        if (client != null || closed) {
            watchListener(false);
            return;
        }
        int fd;
        try {
            fd = listener.accept(acceptAddress);
        } catch (IOException e) {
            return;
        }
        if (fd < 0) {
            return;
        }
        watchListener(false);
        Connection c = new Connection(new Socket(fd));
        client = c;
        c.session.start();
        c.watch();
    }

    @Override
    public void flush(long timeoutNs) {
        long deadline = System.nanoTime() + timeoutNs;
        Connection c = client;
        while (c != null && c == client && !c.out.isEmpty() && System.nanoTime() < deadline) {
            if (!c.writeQueued()) {
                LockSupport.parkNanos(1_000_000);
            }
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (client != null) {
            client.drop();
        }
        watchListener(false);
        try {
            listener.close();
        } catch (IOException e) {
            // nothing more to do with it
        }
        if (socketPath != null) {
            try {
                Files.deleteIfExists(socketPath);
            } catch (IOException e) {
                // left behind, as QEMU may leave it
            }
        }
    }

    /** The client being served. */
    private final class Connection implements QmpSession.Transport {
        private final Socket socket;
        private final QmpSession session;
        private final ArrayDeque<ByteBuffer> out = new ArrayDeque<>();
        private long queued;
        private boolean closeWhenFlushed;
        private boolean gone;

        Connection(Socket socket) {
            this.socket = socket;
            this.session = new QmpSession(vm, commands, this);
        }

        private void watch() {
            if (!gone) {
                ctx.setFdHandler(socket.intValue(), this::readable, out.isEmpty() ? null : this::writable);
            }
        }

        private void readable() {
            while (!gone) {
                int n;
                try {
                    n = socket.read(readBuffer, 0, READ_CHUNK);
                } catch (IOException e) {
                    n = -1;
                }
                if (n == 0) {
                    return;
                }
                if (n < 0) {
                    drop();
                    return;
                }
                readBuffer.get(0, readBytes, 0, n);
                session.input(readBytes, 0, n);
            }
        }

        private void writable() {
            writeQueued();
            if (out.isEmpty() && closeWhenFlushed) {
                drop();
            } else {
                watch();
            }
        }

        /** Writes queued bytes until the socket is full; returns whether any went out. */
        private boolean writeQueued() {
            boolean progress = false;
            while (!out.isEmpty() && !gone) {
                ByteBuffer b = out.peek();
                int n;
                try {
                    n = socket.write(b, b.position(), b.limit());
                } catch (IOException e) {
                    drop();
                    return progress;
                }
                if (n <= 0) {
                    return progress;
                }
                progress = true;
                b.position(b.position() + n);
                queued -= n;
                if (!b.hasRemaining()) {
                    out.poll();
                }
            }
            return progress;
        }

        @Override
        public void send(byte[] line) {
            if (gone || closeWhenFlushed) {
                return;
            }
            if (queued + line.length + 1 > MAX_QUEUED) {
                drop();
                return;
            }
            ByteBuffer b = ByteBuffer.allocateDirect(line.length + 1);
            b.put(line).put((byte) '\n').flip();
            out.add(b);
            queued += b.remaining();
            boolean wasWaiting = out.size() > 1;
            if (!wasWaiting) {
                writeQueued();
                if (!out.isEmpty()) {
                    watch();
                }
            }
        }

        @Override
        public void close() {
            closeWhenFlushed = true;
            if (out.isEmpty()) {
                drop();
            }
        }

        /** Closes the connection now and goes back to accepting. */
        void drop() {
            if (gone) {
                return;
            }
            gone = true;
            session.end();
            ctx.setFdHandler(socket.intValue(), null, null);
            try {
                socket.close();
            } catch (IOException e) {
                // the descriptor is gone either way
            }
            out.clear();
            if (client == this) {
                client = null;
                if (!closed) {
                    watchListener(true);
                }
            }
        }
    }
}
