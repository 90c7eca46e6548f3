package dev.jemu.cli.qmp;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;

/**
 * A QMP monitor on the process's standard input and output ({@code -qmp stdio}). A daemon
 * thread reads input and hands it to the main loop in chunks; at most {@link #MAX_PENDING}
 * bytes are handed over and not yet processed, so a flood of input waits in the pipe. Replies
 * are written to the output from the main loop; at the end of input the session ends and the
 * machine runs on, as QEMU's does.
 *
 * <p>Threading: the main loop thread, except the reader thread.
 */
public final class QmpStdio implements QmpMonitor {
    static final int MAX_PENDING = 64 << 10;
    private static final int CHUNK = 4096;

    private final QmpVm vm;
    private final OutputStream out;
    private final QmpSession session;
    private final Semaphore pending = new Semaphore(MAX_PENDING / CHUNK);
    /** Input read and not yet processed, in order; {@link #END} after the last. */
    private final ConcurrentLinkedQueue<byte[]> chunks = new ConcurrentLinkedQueue<>();
    private static final byte[] END = new byte[0];
    private boolean outputBroken;

    private QmpStdio(QmpVm vm, OutputStream out) {
        this.vm = vm;
        this.out = out;
        this.session = new QmpSession(vm, vm.commands(), new QmpSession.Transport() {
            @Override
            public void send(byte[] line) {
                write(line);
            }

            @Override
            public void close() {
                session().end();
            }
        });
    }

    private QmpSession session() {
        return session;
    }

    /** Starts a monitor on {@code in} and {@code out}: greets, then reads on a daemon thread. */
    public static QmpStdio start(QmpVm vm, InputStream in, OutputStream out) {
        QmpStdio m = new QmpStdio(vm, out);
        m.session.start();
        Thread reader = new Thread(() -> m.pump(in), "qmp-stdio");
        reader.setDaemon(true);
        reader.start();
        return m;
    }

    private void pump(InputStream in) {
        try {
            while (true) {
                pending.acquire();
                byte[] buf = new byte[CHUNK];
                int n = in.read(buf);
                if (n < 0) {
                    break;
                }
                chunks.add(java.util.Arrays.copyOf(buf, n));
                vm.mainContext().oneShot(this::drain);
            }
        } catch (IOException | InterruptedException e) {
            // the input is gone: as at its end
        }
        chunks.add(END);
        vm.mainContext().oneShot(this::drain);
    }

    /** Hands the chunks read so far to the session, in order; main loop thread. */
    private void drain() {
        byte[] chunk;
        while ((chunk = chunks.poll()) != null) {
            if (chunk == END) {
                session.end();
                return;
            }
            pending.release();
            if (!session.isClosed()) {
                session.input(chunk, 0, chunk.length);
            }
        }
    }

    private void write(byte[] line) {
        if (outputBroken) {
            return;
        }
        try {
            out.write(line);
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            outputBroken = true;
            session.end();
        }
    }

    /** Replies are written as they are made: nothing is queued. */
    @Override
    public void flush(long timeoutNs) {
    }

    @Override
    public void close() {
        session.end();
    }
}
