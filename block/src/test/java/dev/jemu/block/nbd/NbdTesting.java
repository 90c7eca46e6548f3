package dev.jemu.block.nbd;

import dev.jemu.block.BlockBackend;
import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockGraph;
import dev.jemu.block.CacheMode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/** Shared helpers of the NBD tests: serving an image on a thread, running outside programs with a timeout. */
final class NbdTesting {
    private NbdTesting() {
    }

    /** Output of a finished program. */
    record Run(int exit, String out, String err) {
    }

    /** A running server with its thread. */
    static final class Served implements AutoCloseable {
        final NbdServerHost host;
        final NbdServer server;
        final Thread thread;
        final Throwable[] failure = new Throwable[1];

        Served(NbdServerHost host, Thread thread, NbdServer server) {
            this.host = host;
            this.thread = thread;
            this.server = server;
        }

        int port() {
            return server.port();
        }

        /** {@code nbd://127.0.0.1:PORT/NAME}. */
        String uri(String name) {
            return "nbd://127.0.0.1:" + port() + "/" + name;
        }

        @Override
        public void close() throws Exception {
            host.stop();
            thread.join(TimeUnit.SECONDS.toMillis(20));
            if (thread.isAlive()) {
                fail("NBD server thread did not stop");
            }
            if (failure[0] != null) {
                throw new AssertionError("server failed: " + failure[0], failure[0]);
            }
        }
    }

    /** Default test settings: export {@code name}, writable unless {@code readOnly}, discard=unmap. */
    static NbdExport.Settings settings(String name, boolean readOnly, int shared) {
        return new NbdExport.Settings(name, "jemu test disk", readOnly, readOnly || shared > 1, true,
                NbdExport.DetectZeroes.OFF);
    }

    /** Serves {@code image} (format probed) on an OS-chosen loopback port. */
    static Served serve(Path image, NbdExport.Settings settings, int shared, long handshakeTimeoutMs) throws IOException {
        NbdServer.Config config = new NbdServer.Config("127.0.0.1", 0, null, shared, true, handshakeTimeoutMs, null);
        return serve(image, settings, config);
    }

    static Served serve(Path image, NbdExport.Settings settings, NbdServer.Config config) throws IOException {
        NbdServerHost host = new NbdServerHost(config, () -> {
            BlockDriverState bs = BlockGraph.open(image.toString(), null, settings.readOnly(), CacheMode.WRITEBACK);
            int perms = BlockBackend.PERM_READ | (settings.readOnly() ? 0 : BlockBackend.PERM_WRITE);
            return new BlockBackend(bs, perms, false);
        }, backend -> settings);
        Throwable[] failure = new Throwable[1];
        Thread t = new Thread(() -> {
            try {
                host.run();
            } catch (Throwable e) {
                failure[0] = e;
            }
        }, "nbd-test-server");
        t.setDaemon(true);
        t.start();
        NbdServer server = host.awaitStarted();
        Served s = new Served(host, t, server);
        return s;
    }

    /** Runs a program with a time limit, killing it if it overstays. */
    static Run exec(long timeoutSeconds, String... cmd) throws IOException {
        Path out = Files.createTempFile("nbd-test", ".out");
        Path err = Files.createTempFile("nbd-test", ".err");
        try {
            Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            try {
                if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                    p.waitFor(5, TimeUnit.SECONDS);
                    fail("timed out after " + timeoutSeconds + " s: " + String.join(" ", cmd) + "\n"
                            + Files.readString(err));
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** Runs a program that must succeed within 60 s; returns its standard output. */
    static String ok(String... cmd) throws IOException {
        Run r = exec(60, cmd);
        if (r.exit() != 0) {
            fail(String.join(" ", cmd) + " exited " + r.exit() + ": " + r.err() + r.out());
        }
        return r.out();
    }

    /** qemu-io with {@code -c} commands on {@code target} (an image path or an nbd:// URI), format given. */
    static String qemuIo(String fmt, String target, String... commands) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("qemu-io", "-f", fmt));
        for (String c : commands) {
            cmd.add("-c");
            cmd.add(c);
        }
        cmd.add(target);
        String out = ok(cmd.toArray(new String[0]));
        if (out.contains("failed") || out.contains("Pattern verification") || out.contains("error")) {
            fail("qemu-io " + String.join(" ; ", commands) + ": " + out);
        }
        return out;
    }
}
