package dev.jemu.tests.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GuestProcessTest {

    @TempDir
    Path logs;

    @Test
    void capturesOutputLinesAndExitStatus() throws Exception {
        GuestRun run = GuestProcess.run(List.of("sh", "-c", "printf 'one\\ntwo\\n'; echo oops >&2; exit 3"),
                Duration.ofSeconds(30), logs, "echo");

        assertFalse(run.timedOut());
        assertEquals(3, run.exitStatus());
        assertEquals(List.of("one", "two"), run.serialLines());
        assertEquals("oops\n", run.stderr());
    }

    @Test
    void killsProcessThatOutlivesItsTimeoutTogetherWithItsChildren() throws Exception {
        // The shell and its child hold the only writing ends of a FIFO: its reader sees the end
        // of the file once both are dead (a dead process's descriptors close even before it is reaped).
        Path fifo = logs.resolve("alive.fifo");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertTrue(mkfifo.waitFor(10, TimeUnit.SECONDS) && mkfifo.exitValue() == 0, "mkfifo");
        CompletableFuture<Integer> writersGone = CompletableFuture.supplyAsync(() -> {
            try (InputStream in = Files.newInputStream(fifo)) {
                return in.read();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        GuestRun run = GuestProcess.run(List.of("sh", "-c", "exec 3>" + fifo + "; sleep 60 & echo $!; wait"),
                Duration.ofMillis(500), logs, "sleeper");

        assertTrue(run.timedOut());
        long sleeper = Long.parseLong(run.serialLines().getFirst());
        // SIGKILL has been sent; the kernel takes the processes down soon after.
        assertEquals(-1, writersGone.get(10, TimeUnit.SECONDS), "the shell and its child " + sleeper + " are gone");
        assertTrue(stopsRunning(sleeper), "the killed process's child " + sleeper + " is gone too");
    }

    /**
     * Whether {@code pid} stops running within 10 s: a killed process closes its descriptors
     * early in the kernel's exit path, so the FIFO's reader may see the end of the file an
     * instant before the process leaves the running state.
     */
    private static boolean stopsRunning(long pid) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (isRunning(pid)) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.onSpinWait();
        }
        return true;
    }

    /** Alive and not a zombie (a killed orphan may wait for a reaper that never comes). */
    private static boolean isRunning(long pid) throws Exception {
        Path stat = Path.of("/proc", Long.toString(pid), "stat");
        if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) || !Files.exists(stat)) {
            return false;
        }
        try {
            String text = Files.readString(stat);
            return text.charAt(text.lastIndexOf(')') + 2) != 'Z';
        } catch (NoSuchFileException gone) {
            return false;
        }
    }
}
