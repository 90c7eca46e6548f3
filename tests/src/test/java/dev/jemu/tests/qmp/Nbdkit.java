package dev.jemu.tests.qmp;

import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** nbdkit in the foreground on a unix socket of a test's directory, started once its pid file exists (bounded). */
final class Nbdkit {
    private Nbdkit() {
    }

    /** Starts {@code nbdkit --foreground -U SOCKET -P PIDFILE ARGS...}, its output in {@code dir/nbdkit.log}. */
    static Process start(Path dir, Path socket, List<String> args) throws Exception {
        Path pid = dir.resolve("nbdkit.pid");
        Files.deleteIfExists(pid);
        Files.deleteIfExists(socket);
        List<String> command = new ArrayList<>(List.of("nbdkit", "--foreground", "-U", socket.toString(), "-P", pid.toString()));
        command.addAll(args);
        try (WatchService watch = FileSystems.getDefault().newWatchService()) {
            dir.register(watch, StandardWatchEventKinds.ENTRY_CREATE);
            Process p = new ProcessBuilder(command)
                    .redirectErrorStream(true).redirectOutput(dir.resolve("nbdkit.log").toFile()).start();
            long deadline = System.nanoTime() + QmpVmProcess.START_TIMEOUT.toNanos();
            while (!Files.exists(pid) && p.isAlive() && System.nanoTime() < deadline) {
                var key = watch.poll(100, TimeUnit.MILLISECONDS);
                if (key != null) {
                    key.pollEvents();
                    key.reset();
                }
            }
            assertTrue(Files.exists(pid), "nbdkit did not start: " + Files.readString(dir.resolve("nbdkit.log")));
            return p;
        }
    }
}
