package dev.jemu.tests.qmp;

import dev.jemu.tests.guest.Emulator;
import dev.jemu.tests.guest.Workspace;

import java.io.File;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An emulator process (jemu or QEMU) with QMP monitors on unix sockets in a directory of its
 * own: standard output and error go to files there, and {@link #start} returns once every
 * socket exists (watched with a {@link WatchService}, bounded). Closing kills what still runs.
 */
final class QmpVmProcess implements AutoCloseable {
    static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final Process process;
    private final Path dir;

    private QmpVmProcess(Process process, Path dir) {
        this.process = process;
        this.dir = dir;
    }

    /**
     * Starts {@code emulator} with {@code options} plus one {@code -qmp unix:DIR/qmpN.sock} per
     * monitor ({@code monitors} of them).
     */
    static QmpVmProcess start(Emulator emulator, Workspace ws, Path dir, int monitors, List<String> options)
            throws IOException, InterruptedException {
        List<String> all = new ArrayList<>(options);
        for (int i = 0; i < monitors; i++) {
            Path sock = dir.resolve("qmp" + i + ".sock");
            Files.deleteIfExists(sock);
            all.add("-qmp");
            all.add("unix:" + sock + ",server=on,wait=off");
        }
        ProcessBuilder b = new ProcessBuilder(emulator.command(ws, all))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(dir.resolve(emulator.displayName() + ".out").toFile())
                .redirectError(dir.resolve(emulator.displayName() + ".err").toFile());
        b.environment().putAll(emulator.environment());
        try (WatchService watch = FileSystems.getDefault().newWatchService()) {
            dir.register(watch, StandardWatchEventKinds.ENTRY_CREATE);
            QmpVmProcess p = new QmpVmProcess(b.start(), dir);
            long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
            for (int i = 0; i < monitors; i++) {
                while (!Files.exists(p.socket(i))) {
                    if (!p.process.isAlive()) {
                        throw new IOException(emulator.displayName() + " exited with " + p.process.exitValue()
                                + " before listening: " + p.stderr());
                    }
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        p.close();
                        throw new IOException(emulator.displayName() + ": no QMP socket within " + START_TIMEOUT.toSeconds() + " s");
                    }
                    var key = watch.poll(Math.min(left, TimeUnit.MILLISECONDS.toNanos(500)), TimeUnit.NANOSECONDS);
                    if (key != null) {
                        key.pollEvents();
                        key.reset();
                    }
                }
            }
            return p;
        }
    }

    /**
     * Connects to monitor {@code i}. The socket file exists from the emulator's bind, a moment
     * before it listens, and monitors beyond those {@link #start} waited for may not exist yet:
     * a failed connection is tried again until the start timeout.
     */
    QmpClient connect(int i) throws IOException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true) {
            try {
                return QmpClient.unix(socket(i));
            } catch (java.net.SocketException e) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw e;
                }
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
            }
        }
    }

    Path socket(int i) {
        return dir.resolve("qmp" + i + ".sock");
    }

    Process process() {
        return process;
    }

    String stderr() throws IOException {
        try (var files = Files.list(dir)) {
            StringBuilder sb = new StringBuilder();
            for (Path f : files.filter(f -> f.toString().endsWith(".err")).toList()) {
                sb.append(Files.readString(f));
            }
            return sb.toString();
        }
    }

    /** The exit status, waiting at most {@code timeout}; fails if it still runs. */
    int awaitExit(Duration timeout) throws IOException, InterruptedException {
        if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
            throw new IOException("the emulator did not exit within " + timeout.toSeconds() + " s");
        }
        return process.exitValue();
    }

    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
