package dev.jemu.machine;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A machine's serial console: a {@code stdio} character device of its command line
 * ({@code -serial stdio}, {@code -nographic}, or the {@link MachineBuilder}'s default COM1);
 * each serial port on {@code stdio} has one ({@link Machine#console(int)}).
 * Everything the guest writes is kept in a transcript; {@link #expect(String)} and
 * {@link #waitForLine(String, Duration)} wait for text after a cursor and move the cursor
 * past it, as {@code expect} does; {@link #send(String)} types to the guest. A wait fails at
 * once, rather than at its timeout, when the machine stops first. Bytes are read as
 * ISO-8859-1, one character per byte.
 *
 * <p>Threading: any thread. The guest side (the UART) appends under the machine's big lock;
 * waits are guarded by this object's monitor. The transcript grows for the machine's life.
 */
public final class Console {
    /** How many characters of the transcript an error message quotes. */
    private static final int MESSAGE_TAIL = 2000;

    private final Object lock = new Object();
    private byte[] bytes = new byte[4096];
    private int length;
    /** Where the next expect looks from. */
    private int cursor;
    /** Why waits are over (the machine stopped), or null while it may still write. */
    private String ended;
    private Duration defaultTimeout = Duration.ofSeconds(30);
    private final Input input = new Input();

    /** What the machine's UART writes into. */
    final OutputStream sink = new OutputStream() {
        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            synchronized (lock) {
                if (length + len > bytes.length) {
                    bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + len));
                }
                System.arraycopy(b, off, bytes, length, len);
                length += len;
                lock.notifyAll();
            }
        }
    };

    Console() {
    }

    /** What the machine's {@code stdio} character device reads: the bytes {@link #send} typed. */
    InputStream guestInput() {
        return input;
    }

    /** No more output will come: waits fail with {@code why}. */
    void end(String why) {
        synchronized (lock) {
            ended = why;
            lock.notifyAll();
        }
        input.close();
    }

    /** Sets how long {@link #expect(String)}, {@link #expect(Pattern)} and {@link #waitForLine(String)} wait. */
    public void setDefaultTimeout(Duration timeout) {
        synchronized (lock) {
            defaultTimeout = timeout;
        }
    }

    /** Everything the guest has written so far. */
    public String transcript() {
        synchronized (lock) {
            return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
        }
    }

    /** The transcript's last lines, at most {@code maxLines}. */
    public String tail(int maxLines) {
        String t = transcript();
        int at = t.length();
        for (int n = 0; n < maxLines && at > 0; n++) {
            at = t.lastIndexOf('\n', at - 2) + 1;
        }
        return t.substring(Math.max(0, at));
    }

    /**
     * Waits for {@code text} after the cursor with the default timeout; moves the cursor past
     * it and returns what the guest wrote from the cursor to the end of the match.
     *
     * @throws ConsoleTimeoutException if it did not appear in time or the machine stopped
     */
    public String expect(String text) {
        Duration timeout = timeout();
        synchronized (lock) {
            int start = cursor;
            find(Pattern.compile(Pattern.quote(text)), timeout, "'" + text + "'");
            return new String(bytes, start, cursor - start, StandardCharsets.ISO_8859_1);
        }
    }

    /** {@link #expect(String)} for a regular expression; returns the match. */
    public Matcher expect(Pattern pattern) {
        return expect(pattern, timeout());
    }

    /** {@link #expect(Pattern)} with its own timeout. */
    public Matcher expect(Pattern pattern, Duration timeout) {
        return find(pattern, timeout, "/" + pattern.pattern() + "/");
    }

    private Matcher find(Pattern pattern, Duration timeout, String what) {
        long end = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (true) {
                Matcher m = pattern.matcher(new String(bytes, cursor, length - cursor, StandardCharsets.ISO_8859_1));
                if (m.find()) {
                    cursor += m.end();
                    return m;
                }
                await(end, what, timeout);
            }
        }
    }

    /**
     * Waits, with the default timeout, for a whole line after the cursor that matches
     * {@code regex} entirely (without its line end); moves the cursor past the line and
     * returns it.
     */
    public String waitForLine(String regex) {
        return waitForLine(regex, timeout());
    }

    /** {@link #waitForLine(String)} with its own timeout. */
    public String waitForLine(String regex, Duration timeout) {
        Pattern pattern = Pattern.compile(regex);
        long end = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (true) {
                int from = cursor;
                for (int i = cursor; i < length; i++) {
                    if (bytes[i] == '\n') {
                        int stop = i > from && bytes[i - 1] == '\r' ? i - 1 : i;
                        String line = new String(bytes, from, stop - from, StandardCharsets.ISO_8859_1);
                        from = i + 1;
                        if (pattern.matcher(line).matches()) {
                            cursor = from;
                            return line;
                        }
                    }
                }
                await(end, "a line matching '" + regex + "'", timeout);
            }
        }
    }

    /** Types {@code text} (ISO-8859-1) to the guest. */
    public void send(String text) {
        byte[] b = text.getBytes(StandardCharsets.ISO_8859_1);
        input.offer(b);
    }

    /** A stream to type bytes to the guest. */
    public OutputStream input() {
        return new OutputStream() {
            @Override
            public void write(int b) {
                input.offer(new byte[] {(byte) b});
            }

            @Override
            public void write(byte[] b, int off, int len) {
                input.offer(Arrays.copyOfRange(b, off, off + len));
            }
        };
    }

    /**
     * A stream of what the guest writes, from the start of the transcript; reading blocks
     * until the guest writes more, and ends when the machine stops. Each call gives a new
     * reader; none moves the cursor.
     */
    public InputStream output() {
        return new InputStream() {
            private int at;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) {
                    return 0;
                }
                synchronized (lock) {
                    while (at == length && ended == null) {
                        try {
                            lock.wait();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new InterruptedIOException("console output: interrupted");
                        }
                    }
                    if (at == length) {
                        return -1;
                    }
                    int n = Math.min(len, length - at);
                    System.arraycopy(bytes, at, b, off, n);
                    at += n;
                    return n;
                }
            }
        };
    }

    private Duration timeout() {
        synchronized (lock) {
            return defaultTimeout;
        }
    }

    /** Waits for more output until {@code end}; throws when the time is up or the machine stopped. Under {@code lock}. */
    private void await(long end, String what, Duration timeout) {
        if (ended != null) {
            throw failure(what + " did not appear before the machine stopped (" + ended + ")");
        }
        long left = end - System.nanoTime();
        if (left <= 0) {
            throw failure(what + " did not appear within " + timeout.toMillis() + " ms");
        }
        try {
            lock.wait(left / 1_000_000, (int) (left % 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failure("interrupted while waiting for " + what);
        }
    }

    private ConsoleTimeoutException failure(String message) {
        String t = new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
        String shown = t.length() > MESSAGE_TAIL ? "..." + t.substring(t.length() - MESSAGE_TAIL) : t;
        return new ConsoleTimeoutException("console: " + message + "; transcript:\n" + shown, t);
    }

    /** The guest's input: bytes {@link #send} queued, read by the character device's pump thread. */
    private static final class Input extends InputStream {
        private final java.util.ArrayDeque<byte[]> queue = new java.util.ArrayDeque<>();
        private byte[] current;
        private int pos;
        private boolean closed;

        synchronized void offer(byte[] b) {
            if (!closed && b.length > 0) {
                queue.add(b);
                notifyAll();
            }
        }

        @Override
        public synchronized int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public synchronized int read(byte[] b, int off, int len) throws IOException {
            while ((current == null || pos == current.length) && queue.isEmpty() && !closed) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    throw new InterruptedIOException("console input: interrupted");
                }
            }
            if (current == null || pos == current.length) {
                if (queue.isEmpty()) {
                    return -1;
                }
                current = queue.poll();
                pos = 0;
            }
            int n = Math.min(len, current.length - pos);
            System.arraycopy(current, pos, b, off, n);
            pos += n;
            return n;
        }

        @Override
        public synchronized void close() {
            closed = true;
            notifyAll();
        }
    }
}
