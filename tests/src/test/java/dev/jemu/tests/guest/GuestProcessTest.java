package dev.jemu.tests.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
        GuestRun run = GuestProcess.run(List.of("sh", "-c", "sleep 60 & echo $!; wait"),
                Duration.ofMillis(500), logs, "sleeper");

        assertTrue(run.timedOut());
        long sleeper = Long.parseLong(run.serialLines().getFirst());
        // SIGKILL has been sent; give the kernel a moment to take the process down.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (isRunning(sleeper) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertFalse(isRunning(sleeper), "the killed process's child " + sleeper + " is gone too");
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
