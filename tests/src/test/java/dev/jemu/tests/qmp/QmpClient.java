package dev.jemu.tests.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A small QMP client: connects to a unix or TCP socket, reads every message on a thread of
 * its own into a queue, and offers {@link #execute} (skipping and keeping the events that
 * arrive before the reply) and {@link #awaitEvent}; every wait has a bound.
 *
 * <p>Threading: one test thread; the reader thread only fills the queue.
 */
final class QmpClient implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration REPLY_TIMEOUT = Duration.ofSeconds(20);
    /** Marks the end of the stream in the queue. */
    private static final JsonNode EOF = JSON.createObjectNode().put("eof", true);

    private final SocketChannel channel;
    private final OutputStream out;
    private final LinkedBlockingQueue<JsonNode> incoming = new LinkedBlockingQueue<>();
    private final List<JsonNode> events = new ArrayList<>();
    /** The names of every event received, in order. */
    private final List<String> eventNames = new ArrayList<>();
    private final JsonNode greeting;
    private boolean eof;

    private QmpClient(SocketChannel channel) throws IOException {
        this.channel = channel;
        this.out = Channels.newOutputStream(channel);
        BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
        Thread reader = new Thread(() -> {
            try {
                String line;
                while ((line = in.readLine()) != null) {
                    incoming.add(JSON.readTree(line));
                }
            } catch (IOException e) {
                // the connection is gone: as at its end
            }
            incoming.add(EOF);
        }, "qmp-client-reader");
        reader.setDaemon(true);
        reader.start();
        greeting = next(REPLY_TIMEOUT);
    }

    static QmpClient unix(Path socket) throws IOException {
        SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
        c.connect(UnixDomainSocketAddress.of(socket));
        return new QmpClient(c);
    }

    static QmpClient tcp(int port) throws IOException {
        return new QmpClient(SocketChannel.open(new InetSocketAddress("127.0.0.1", port)));
    }

    /** The names of the events received so far, in order. */
    List<String> eventNames() {
        return List.copyOf(eventNames);
    }

    JsonNode greeting() {
        return greeting;
    }

    /** Sends raw text. */
    void sendRaw(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** The next message; fails after {@code timeout}; {@code {"eof": true}} once the server closed. */
    JsonNode next(Duration timeout) throws IOException {
        if (eof) {
            return EOF;
        }
        JsonNode n;
        try {
            n = incoming.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
        if (n == null) {
            throw new IOException("no QMP message within " + timeout.toSeconds() + " s");
        }
        if (n == EOF) {
            eof = true;
        } else if (n.has("event")) {
            eventNames.add(n.path("event").asText());
        }
        return n;
    }

    /** Whether the server closed the connection. */
    static boolean isEof(JsonNode n) {
        return n.path("eof").asBoolean(false);
    }

    /** Sends {@code text} and returns the next reply (a message with "return" or "error"), keeping events. */
    JsonNode request(String text) throws IOException {
        sendRaw(text + "\n");
        return reply();
    }

    /** The next reply, keeping the events before it. */
    JsonNode reply() throws IOException {
        while (true) {
            JsonNode n = next(REPLY_TIMEOUT);
            if (isEof(n)) {
                throw new IOException("the server closed the connection before replying");
            }
            if (n.has("event")) {
                events.add(n);
            } else {
                return n;
            }
        }
    }

    /** Executes {@code command} with {@code args} (or none). */
    JsonNode execute(String command, ObjectNode args) throws IOException {
        ObjectNode req = JSON.createObjectNode().put("execute", command);
        if (args != null) {
            req.set("arguments", args);
        }
        return request(JSON.writeValueAsString(req));
    }

    JsonNode execute(String command) throws IOException {
        return execute(command, null);
    }

    /** {@code human-monitor-command}'s output. */
    String hmp(String line) throws IOException {
        return execute("human-monitor-command", JSON.createObjectNode().put("command-line", line)).path("return").asText();
    }

    /** The first event {@code name}, from those already seen or arriving within {@code timeout}. */
    JsonNode awaitEvent(String name, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (int i = 0; i < events.size(); i++) {
                if (events.get(i).path("event").asText().equals(name)) {
                    return events.remove(i);
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new IOException("no " + name + " event within " + timeout.toSeconds() + " s; events: " + events);
            }
            JsonNode n = next(Duration.ofNanos(left));
            if (isEof(n)) {
                throw new IOException("the server closed the connection before " + name + "; events: " + events);
            }
            if (n.has("event")) {
                events.add(n);
            }
        }
    }

    /** Waits for the server to close the connection, skipping what it still sends. */
    void awaitEof(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!isEof(next(Duration.ofNanos(Math.max(1, deadline - System.nanoTime()))))) {
            continue;
        }
    }

    /** Negotiates capabilities; fails unless the reply is {@code {"return": {}}}. */
    QmpClient negotiate() throws IOException {
        JsonNode r = execute("qmp_capabilities");
        if (!r.path("return").isObject()) {
            throw new IOException("qmp_capabilities: " + r);
        }
        return this;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
