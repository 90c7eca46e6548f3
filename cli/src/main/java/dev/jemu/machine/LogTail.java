package dev.jemu.machine;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;

/**
 * The last lines of a machine's {@code -d} log, kept for failure reports, with every line
 * also passed on to where the log would go ({@code echo}).
 *
 * <p>Threading: any thread; synchronized.
 */
final class LogTail extends OutputStream {
    private final int maxLines;
    private final PrintStream echo;
    private final ArrayDeque<String> lines = new ArrayDeque<>();
    private final StringBuilder partial = new StringBuilder();

    LogTail(int maxLines, PrintStream echo) {
        this.maxLines = maxLines;
        this.echo = echo;
    }

    /** A print stream that writes here. */
    PrintStream stream() {
        return new PrintStream(this, true, StandardCharsets.UTF_8);
    }

    @Override
    public synchronized void write(int b) {
        echo.write(b);
        take(b);
    }

    private void take(int b) {
        if (b == '\n') {
            lines.add(partial.toString());
            partial.setLength(0);
            if (lines.size() > maxLines) {
                lines.removeFirst();
            }
        } else {
            partial.append((char) (b & 0xFF));
        }
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        echo.write(b, off, len);
        for (int i = off; i < off + len; i++) {
            take(b[i]);
        }
    }

    /** The kept lines, oldest first. */
    synchronized List<String> lines() {
        return List.copyOf(lines);
    }
}
