package dev.jemu.tests.guest;

import java.time.Duration;
import java.util.List;

/**
 * The outcome of one guest run: its exit status (meaningless when {@code timedOut}), the lines it
 * wrote on the serial console (the process's standard output), what it wrote on standard error,
 * whether it was killed for running past its timeout, and the wall time it took.
 */
public record GuestRun(int exitStatus, List<String> serialLines, String stderr, boolean timedOut,
                       Duration elapsed) {

    public GuestRun {
        serialLines = List.copyOf(serialLines);
    }

    /** A one-line summary for assertion messages. */
    public String summary() {
        String status = timedOut ? "killed after timeout" : "exit status " + exitStatus;
        String firstError = stderr.lines().findFirst().map(line -> ", stderr: " + line).orElse("");
        return status + ", " + serialLines.size() + " serial lines" + firstError;
    }
}
