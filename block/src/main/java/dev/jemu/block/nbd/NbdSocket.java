package dev.jemu.block.nbd;

import dev.jemu.aio.AioContext;
import dev.jemu.block.BlockException;
import dev.jemu.coroutine.Coroutine;
import dev.jemu.coroutine.WaitReason;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.Socket;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;

/**
 * A non-blocking stream socket (TCP or unix) of the NBD client, read and written by coroutines
 * of one AioContext: a coroutine that would block registers the fd with the context and yields
 * until the socket is readable (the reader) or writable (a sender), QEMU's
 * {@code qemu_co_recv}/{@code qemu_co_send} over {@code aio_set_fd_handler}. The read and
 * write waits use one fd handler pair, so one reader and one sender may wait at the same time.
 *
 * <p>Buffers passed in must be direct (the kernel reads and writes them in place).
 * All methods run on the context's home thread; {@code readFully}, {@code writeFully} and
 * {@code connect} are coroutine functions.
 */
final class NbdSocket implements WaitReason {
    private final Socket socket;
    private final AioContext context;
    private final String name;
    private final Runnable onReadable = this::readable;
    private final Runnable onWritable = this::writable;
    private Coroutine readWaiter;
    private Coroutine writeWaiter;
    private boolean readWatched;
    private boolean writeWatched;
    private boolean closed;

    private NbdSocket(Socket socket, AioContext context, String name) {
        this.socket = socket;
        this.context = context;
        this.name = name;
    }

    /** Connects to {@code address}; a coroutine function. */
    static NbdSocket connect(NbdAddress address, AioContext context) throws IOException {
        Epoll.ensureAvailability();
        SocketAddress target;
        Socket s;
        if (address.socket() != null) {
            s = Socket.newSocketDomain();
            target = new DomainSocketAddress(address.socket());
        } else {
            InetSocketAddress inet = new InetSocketAddress(address.host(), address.port());
            if (inet.isUnresolved()) {
                s = null;
            } else {
                s = Socket.newSocketStream();
            }
            if (s == null) {
                throw new BlockException("address resolution failed for " + address.host() + ":" + address.port()
                        + ": Name or service not known");
            }
            target = inet;
        }
        NbdSocket sock = new NbdSocket(s, context, address.toString());
        try {
            if (address.socket() == null) {
                s.setTcpNoDelay(true);
            }
            if (!s.connect(target)) {
                sock.waitWritable();
                while (!s.finishConnect()) {
                    sock.waitWritable();
                }
            }
        } catch (IOException e) {
            sock.close();
            throw new BlockException(NbdErrors.connectFailure(address.socket() != null ? address.socket()
                    : address.host() + ":" + address.port(), e), e);
        }
        return sock;
    }

    /** Reads exactly {@code len} bytes into {@code buf[at..]}; throws on EOF. Coroutine function. */
    void readFully(ByteBuffer buf, int at, int len) throws IOException {
        int end = at + len;
        while (at < end) {
            checkOpen();
            int n = socket.read(buf, at, end);
            if (n > 0) {
                at += n;
            } else if (n < 0) {
                throw new BlockException("server closed the connection");
            } else {
                waitReadable();
            }
        }
    }

    /** Writes exactly {@code len} bytes of {@code buf[at..]}. Coroutine function. */
    void writeFully(ByteBuffer buf, int at, int len) throws IOException {
        int end = at + len;
        while (at < end) {
            checkOpen();
            int n = socket.write(buf, at, end);
            if (n > 0) {
                at += n;
            } else {
                waitWritable();
            }
        }
    }

    /** Writes what the socket takes now without waiting; for a last DISC. */
    void writeNow(ByteBuffer buf, int at, int len) {
        try {
            if (!closed) {
                socket.write(buf, at, at + len);
            }
        } catch (IOException e) {
            // The connection is going away anyway.
        }
    }

    private void checkOpen() throws BlockException {
        if (closed) {
            throw new BlockException("connection closed");
        }
    }

    private void waitReadable() throws BlockException {
        if (readWaiter != null) {
            throw new IllegalStateException("NbdSocket: two coroutines wait to read");
        }
        readWaiter = Coroutine.self();
        watch(true, writeWatched);
        Coroutine.yieldFor(this);
        checkOpen();
    }

    private void waitWritable() throws BlockException {
        if (writeWaiter != null) {
            throw new IllegalStateException("NbdSocket: two coroutines wait to write");
        }
        writeWaiter = Coroutine.self();
        watch(readWatched, true);
        Coroutine.yieldFor(this);
        checkOpen();
    }

    /**
     * Read readiness. The read watch stays on while the reader keeps coming back (it nearly
     * always does), which saves two epoll changes per reply; it goes off the first time the
     * socket is readable with nobody waiting.
     */
    private void readable() {
        Coroutine co = readWaiter;
        readWaiter = null;
        if (co == null) {
            watch(false, writeWatched);
        } else {
            co.enter(context);
        }
    }

    /** Write readiness: the write watch goes off at once, as a socket is writable most of the time. */
    private void writable() {
        Coroutine co = writeWaiter;
        writeWaiter = null;
        watch(readWatched, false);
        if (co != null) {
            co.enter(context);
        }
    }

    private void watch(boolean read, boolean write) {
        if (closed || (read == readWatched && write == writeWatched)) {
            return;
        }
        readWatched = read;
        writeWatched = write;
        context.setFdHandler(socket.intValue(), read ? onReadable : null, write ? onWritable : null);
    }

    /**
     * Closes the socket; coroutines waiting on it are resumed (with the context) and see the
     * connection closed. Home thread.
     */
    void close() {
        if (closed) {
            return;
        }
        context.setFdHandler(socket.intValue(), null, null);
        closed = true;
        try {
            socket.close();
        } catch (IOException e) {
            // Nothing more can be done with a descriptor that fails to close.
        }
        Coroutine r = readWaiter;
        Coroutine w = writeWaiter;
        readWaiter = null;
        writeWaiter = null;
        if (r != null) {
            context.enter(r);
        }
        if (w != null) {
            context.enter(w);
        }
    }

    @Override
    public String toString() {
        return name;
    }

    @Override
    public String waitType() {
        return "fd";
    }

    @Override
    public String describeWait() {
        return "fd " + socket.intValue() + " (" + name + ")" + (readWaiter != null ? " readable" : "")
                + (writeWaiter != null ? " writable" : "");
    }
}
