package dev.jemu.tests.guest;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a command with a hard timeout: standard output and error go to files (so a chatty guest
 * can never block on a full pipe), standard input is empty, and a process still running at the
 * deadline is killed together with its descendants.
 */
public final class GuestProcess {

    private static final Duration KILL_GRACE = Duration.ofSeconds(5);

    private GuestProcess() {
    }

    /**
     * Runs {@code command}, keeping its output in {@code logDir} as {@code name.out} and
     * {@code name.err}.
     */
    public static GuestRun run(List<String> command, Duration timeout, Path logDir, String name)
            throws IOException, InterruptedException {
        return run(command, Map.of(), timeout, logDir, name);
    }

    /** Like {@link #run(List, Duration, Path, String)}, with {@code environment} added. */
    public static GuestRun run(List<String> command, Map<String, String> environment, Duration timeout,
                               Path logDir, String name) throws IOException, InterruptedException {
        Path out = logDir.resolve(name + ".out");
        Path err = logDir.resolve(name + ".err");
        long start = System.nanoTime();
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        builder.environment().putAll(environment);
        Process process = builder.start();
        boolean exited = process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS);
        if (!exited) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            if (!process.waitFor(KILL_GRACE.toNanos(), TimeUnit.NANOSECONDS)) {
                throw new IOException(command.getFirst() + ": did not die within "
                        + KILL_GRACE.toSeconds() + " s of being killed");
            }
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        List<String> lines = Files.readAllLines(out, StandardCharsets.ISO_8859_1);
        String stderr = Files.readString(err, StandardCharsets.ISO_8859_1);
        return new GuestRun(exited ? process.exitValue() : -1, lines, stderr, !exited, elapsed);
    }
}
