package dev.jemu.cli.vm;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.jemu.block.nbd.SocketPaths;
import java.util.function.IntPredicate;

/**
 * The host side of a character device (QEMU's chardev back-ends): where a UART's or a debug
 * console's bytes go and where the guest's input comes from. Kinds: {@code stdio},
 * {@code file} (output only), {@code null}, and a listening {@code socket} on TCP or a Unix
 * path ({@code server=on,wait=off}: output is dropped while no client is connected, one
 * client at a time, as QEMU does).
 *
 * <p>Input is pumped by a daemon thread of the back-end into a {@link Sink} that the device
 * side gives; the sink takes the big lock itself. Output may be written from any thread that
 * holds the big lock (device register writes).
 */
abstract class CharBackend implements AutoCloseable {
    /** Takes guest input; returns whether the byte was accepted (false: try again later). */
    interface Sink extends IntPredicate {
    }

    /** The guest's output, towards the host. */
    abstract OutputStream output();

    /** Starts pumping host input into {@code sink}; no effect for output-only kinds. */
    void startInput(Sink sink) {
    }

    @Override
    public void close() throws IOException {
    }

    /** A back-end that discards output and has no input. */
    static CharBackend nullBackend() {
        return new CharBackend() {
            @Override
            OutputStream output() {
                return OutputStream.nullOutputStream();
            }
        };
    }

    /**
     * Standard input and output of the process, or an embedded machine's console streams:
     * with {@code stopOnClose}, {@link #close()} interrupts the input pump and waits for it to
     * end (the console's input answers an interrupt; the process's standard input does not).
     */
    static CharBackend stdio(InputStream in, OutputStream out, boolean stopOnClose) {
        return new CharBackend() {
            private Thread pump;

            @Override
            OutputStream output() {
                return out;
            }

            @Override
            void startInput(Sink sink) {
                pump = pump("stdio", in, sink);
            }

            @Override
            public void close() {
                if (stopOnClose && pump != null) {
                    pump.interrupt();
                    boolean interrupted = false;
                    while (pump.isAlive()) {
                        try {
                            pump.join();
                        } catch (InterruptedException e) {
                            interrupted = true;
                        }
                    }
                    if (interrupted) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        };
    }

    /** A file opened for writing (truncated, as QEMU's file back-end does). */
    static CharBackend file(String option, String path) throws OptionException {
        OutputStream out;
        try {
            out = Files.newOutputStream(Path.of(path));
        } catch (IOException | java.nio.file.InvalidPathException e) {
            throw new OptionException(option, "Could not open '" + path + "': " + OsErrors.reason(e));
        }
        return new CharBackend() {
            @Override
            OutputStream output() {
                return out;
            }

            @Override
            public void close() throws IOException {
                out.close();
            }
        };
    }

    /** A listening socket: TCP on {@code host:port}, or Unix at {@code path} when it is not null. */
    static CharBackend listen(String option, String host, int port, String path) throws OptionException {
        ServerSocketChannel server;
        try {
            if (path != null) {
                SocketPaths.unlinkForBind(Path.of(path));
                server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
                server.bind(UnixDomainSocketAddress.of(path));
            } else {
                server = ServerSocketChannel.open();
                server.bind(new InetSocketAddress(host.isEmpty() ? "127.0.0.1" : host, port));
            }
        } catch (IOException | RuntimeException e) {
            throw new OptionException(option, "Failed to listen on " + (path != null ? path : host + ":" + port) + ": "
                    + OsErrors.reason(e));
        }
        return new SocketBackend(server);
    }

    /** Reads {@code in} on a daemon thread and offers every byte to {@code sink} until it takes it; returns the thread. */
    static Thread pump(String name, InputStream in, Sink sink) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[256];
            try {
                int n;
                while ((n = in.read(buf)) > 0) {
                    for (int i = 0; i < n; i++) {
                        while (!sink.test(buf[i] & 0xFF)) {
                            Thread.sleep(1);
                        }
                    }
                }
            } catch (IOException | InterruptedException e) {
                // the host side went away: no more input, as for end of file
            }
        }, "chardev-" + name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** One client at a time on a listening socket; output without a client is dropped. */
    private static final class SocketBackend extends CharBackend {
        private final ServerSocketChannel server;
        private volatile SocketChannel client;
        private final OutputStream out = new OutputStream() {
            @Override
            public void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                SocketChannel c = client;
                if (c == null) {
                    return;
                }
                try {
                    ByteBuffer bb = ByteBuffer.wrap(b, off, len);
                    while (bb.hasRemaining()) {
                        c.write(bb);
                    }
                } catch (IOException e) {
                    drop(c);
                }
            }
        };

        SocketBackend(ServerSocketChannel server) {
            this.server = server;
        }

        @Override
        OutputStream output() {
            return out;
        }

        @Override
        void startInput(Sink sink) {
            Thread t = new Thread(() -> {
                while (server.isOpen()) {
                    try {
                        SocketChannel c = server.accept();
                        client = c;
                        byte[] buf = new byte[256];
                        InputStream in = Channels.newInputStream(c);
                        int n;
                        while ((n = in.read(buf)) > 0) {
                            for (int i = 0; i < n; i++) {
                                while (!sink.test(buf[i] & 0xFF)) {
                                    Thread.sleep(1);
                                }
                            }
                        }
                        drop(c);
                    } catch (IOException | InterruptedException e) {
                        if (!server.isOpen()) {
                            return;
                        }
                    }
                }
            }, "chardev-socket");
            t.setDaemon(true);
            t.start();
        }

        private void drop(SocketChannel c) {
            if (client == c) {
                client = null;
            }
            try {
                c.close();
            } catch (IOException e) {
                // already gone
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            SocketChannel c = client;
            if (c != null) {
                c.close();
            }
        }
    }
}
