package dev.jemu.cli.gdb;

import dev.jemu.block.nbd.SocketPaths;
import dev.jemu.core.machine.MachineLoop;
import dev.jemu.core.x86.HostDebug;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * jemu's gdb stub: a listening socket ({@code -gdb tcp:[HOST]:PORT} or {@code -gdb
 * unix:PATH}, {@code -s} for {@code tcp::1234}) that serves one debugger at a time, as
 * QEMU's does: a connection pauses the machine, and a second debugger waits until the first
 * has gone. When the guest's run ends, the attached debugger is told the exit status.
 *
 * <p>Threading: {@link #listen} and {@link #close} from the launcher's thread;
 * {@link #machineExited} from any thread; connections are accepted and served on the stub's
 * own thread.
 */
public final class GdbStub implements AutoCloseable {
    /**
     * The machine's monitor, as the stub sees it: gdb's {@code monitor} command (packet
     * {@code qRcmd}) runs on it, and it is told when the debugger changes the run state, so
     * that it reports QEMU's states and events (STOP, RESUME, {@code paused (debug)}). The
     * notifications come from the session's thread or, for a stop, the vCPU thread.
     */
    public interface Monitor {
        /** Runs one command line; its output, lines ending in CR LF. */
        String execute(String line) throws InterruptedException;

        /** A debugger connected, and the machine is paused for it. */
        void debuggerAttached();

        /** The machine runs on the debugger's behalf (continue, a step, detach). */
        void debuggerResumed();

        /** The machine stopped for the debugger (breakpoint, watchpoint, the end of a step, Ctrl-C). */
        void debuggerStopped();
    }

    private final ServerSocketChannel server;
    private final Path unixPath;
    private final MachineLoop loop;
    private final HostDebug debug;
    private final Monitor monitor;
    private final Thread acceptor;
    private volatile GdbSession session;
    private volatile boolean closed;

    private GdbStub(ServerSocketChannel server, Path unixPath, MachineLoop loop, HostDebug debug, Monitor monitor) {
        this.server = server;
        this.unixPath = unixPath;
        this.loop = loop;
        this.debug = debug;
        this.monitor = monitor;
        loop.setDebugStopListener(this::debugStop);
        acceptor = new Thread(this::accept, "gdbstub");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /**
     * Listens on a TCP port ({@code unixPath} null) or a Unix socket; gdb's {@code monitor}
     * commands go to {@code monitor}.
     *
     * @throws IOException when the socket cannot be bound
     */
    public static GdbStub listen(String host, int port, Path unixPath, MachineLoop loop, HostDebug debug,
            Monitor monitor) throws IOException {
        ServerSocketChannel s;
        if (unixPath != null) {
            SocketPaths.unlinkForBind(unixPath);
            s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            // bound under a temporary name and renamed once listening, so that the path never
            // names a socket that refuses connections (bind and listen are two steps)
            Path pending = unixPath.resolveSibling(unixPath.getFileName() + ".binding");
            Files.deleteIfExists(pending);
            s.bind(UnixDomainSocketAddress.of(pending));
            Files.move(pending, unixPath, StandardCopyOption.ATOMIC_MOVE);
        } else {
            s = ServerSocketChannel.open();
            s.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            s.bind(new InetSocketAddress(host, port));
        }
        return new GdbStub(s, unixPath, loop, debug, monitor);
    }

    /** The TCP port listened on (useful with port 0), or -1 for a Unix socket. */
    public int port() throws IOException {
        return server.getLocalAddress() instanceof InetSocketAddress a ? a.getPort() : -1;
    }

    private void accept() {
        while (!closed) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    System.err.println("jemu: gdbstub: accept failed: " + e.getMessage());
                }
                return;
            }
            GdbSession s = new GdbSession(ch, loop, debug, monitor);
            session = s;
            s.serve();
            session = null;
        }
    }

    private void debugStop() {
        GdbSession s = session;
        if (s != null) {
            s.debugStop();
        } else {
            // no debugger attached any more: its breakpoints went with it
            debug.clear();
            loop.resume();
        }
    }

    /** The guest's run ended with {@code status}: an attached debugger is told so ({@code W} packet). */
    public void machineExited(int status) {
        GdbSession s = session;
        if (s != null) {
            s.exited(status);
        }
    }

    /** Stops listening and drops the connection. */
    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            System.err.println("jemu: gdbstub: " + e.getMessage());
        }
        GdbSession s = session;
        if (s != null) {
            s.close();
        }
        if (unixPath != null) {
            try {
                Files.deleteIfExists(unixPath);
            } catch (IOException e) {
                System.err.println("jemu: gdbstub: " + unixPath + ": " + e.getMessage());
            }
        }
    }
}
