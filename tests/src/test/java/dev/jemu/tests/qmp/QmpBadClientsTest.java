package dev.jemu.tests.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jemu.tests.guest.Emulator;
import dev.jemu.tests.guest.Workspace;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Clients that misbehave, against one running jemu with two unix monitors of {@code -qmp},
 * one of {@code -chardev socket} with {@code -mon}, and a TCP one: a
 * value of megabytes, a client that never reads its replies, a client that vanishes in the
 * middle of a command, a thousand connections at once. Each gets an error reply or a closed
 * connection; afterwards the monitor serves the next client, and the other monitors answer
 * throughout.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QmpBadClientsTest {
    private static final Duration BOUND = Duration.ofSeconds(30);
    private Workspace workspace;
    private QmpVmProcess vm;
    private int tcpPort;

    @BeforeAll
    void start() throws Exception {
        workspace = Workspace.current();
        assertTrue(Emulator.JEMU.isInstalled(workspace), "jemu's launcher is not built");
        try (ServerSocket probe = new ServerSocket(0)) {
            tcpPort = probe.getLocalPort();
        }
        vm = QmpVmProcess.start(Emulator.JEMU, workspace, workspace.buildDir("qmp/bad-clients"), 2,
                List.of("-machine", "pc", "-m", "32M", "-display", "none", "-nodefaults", "-S",
                        "-qmp", "tcp::" + tcpPort + ",server=on,wait=off",
                        "-chardev", "socket,id=mon2,path=" + workspace.build().resolve("qmp/bad-clients/qmp2.sock")
                                + ",server=on,wait=off",
                        "-mon", "chardev=mon2,mode=control"));
    }

    @AfterAll
    void stop() {
        vm.close();
    }

    /** A fresh client on unix monitor {@code i} answers {@code query-status}. */
    private void monitorServes(int i) throws IOException {
        try (QmpClient c = vm.connect(i).negotiate()) {
            assertEquals("prelaunch", c.execute("query-status").path("return").path("status").asText());
        }
    }

    @Test
    void aValueOfMegabytesIsRefusedAndTheConnectionClosed() throws Exception {
        try (QmpClient c = vm.connect(0).negotiate()) {
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    c.sendRaw("{\"execute\":\"" + "x".repeat(2 << 20));
                } catch (IOException e) {
                    // closed by jemu before all of it was sent: what the test expects
                }
            });
            JsonNode r = c.reply();
            writer.get(BOUND.toSeconds(), TimeUnit.SECONDS);
            assertEquals("GenericError", r.path("error").path("class").asText(), r.toString());
            assertTrue(r.path("error").path("desc").asText().startsWith("JSON message too large"), r.toString());
            c.awaitEof(BOUND);
        }
        monitorServes(0);
    }

    @Test
    void aClientThatNeverReadsIsDroppedAndTheOthersGoOn() throws Exception {
        try (SocketChannel jam = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            jam.connect(UnixDomainSocketAddress.of(vm.socket(0)));
            byte[] requests = ("{\"execute\":\"qmp_capabilities\"}\n"
                    + "{\"execute\":\"query-qmp-schema\"}\n".repeat(4000)).getBytes(StandardCharsets.UTF_8);
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    jam.write(ByteBuffer.wrap(requests));
                } catch (IOException e) {
                    // dropped while writing: what the test expects
                }
            });
            // the other monitors answer while this one is jammed
            monitorServes(1);
            monitorServes(2);
            writer.get(BOUND.toSeconds(), TimeUnit.SECONDS);
            // what the client was sent ends: jemu dropped it instead of queueing without bound
            ByteBuffer sink = ByteBuffer.allocate(1 << 16);
            long total = 0;
            long deadline = System.nanoTime() + BOUND.toNanos();
            int n;
            try {
                while ((n = jam.read(sink.clear())) >= 0 && System.nanoTime() < deadline) {
                    total += n;
                }
            } catch (IOException e) {
                n = -1;
            }
            assertEquals(-1, n, "the jammed connection is still open after " + total + " bytes");
            assertTrue(total < 64 << 20, total + " bytes queued for a client that did not read");
        }
        monitorServes(0);
    }

    @Test
    void aClientThatVanishesMidCommandLeavesTheMonitorServing() throws Exception {
        try (QmpClient c = vm.connect(0).negotiate()) {
            c.sendRaw("{\"execute\":\"query-sta");
        }
        monitorServes(0);
        monitorServes(1);
    }

    @Test
    void aThousandConnectionsAtOnce() throws Exception {
        List<SocketChannel> many = new ArrayList<>();
        try {
            for (int i = 0; i < 1000; i++) {
                SocketChannel s = SocketChannel.open();
                s.configureBlocking(false);
                s.connect(new InetSocketAddress("127.0.0.1", tcpPort));
                many.add(s);
            }
            monitorServes(1);
        } finally {
            for (SocketChannel s : many) {
                s.close();
            }
        }
        // the TCP monitor goes through the closed connections and serves the next client
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (true) {
            try (QmpClient c = QmpClient.tcp(tcpPort).negotiate()) {
                assertEquals("prelaunch", c.execute("query-status").path("return").path("status").asText());
                break;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            }
        }
        monitorServes(0);
    }

    @Test
    void socatDrivesTheMonitorAsItDrivesQemus() throws Exception {
        Path dir = workspace.buildDir("qmp/socat");
        Path input = dir.resolve("socat.in");
        java.nio.file.Files.writeString(input, """
                {"execute":"qmp_capabilities"}
                {"execute":"query-status","id":"s1"}
                {"execute":"query-name","id":[2, {"k": null}]}
                {"execute":"nope"}
                """);
        List<String> jemu = socat(dir, input, vm.socket(0));
        assertTrue(Emulator.QEMU.isInstalled(workspace), "qemu-system-x86_64 is not on PATH");
        List<String> qemu;
        try (QmpVmProcess q = QmpVmProcess.start(Emulator.QEMU, workspace, dir, 1,
                List.of("-machine", "pc", "-m", "32M", "-display", "none", "-nodefaults", "-S"))) {
            q.connect(0).close();
            qemu = socat(dir, input, q.socket(0));
        }
        assertEquals(5, qemu.size(), qemu.toString());
        assertEquals("jemu", QmpClient.JSON.readTree(jemu.get(0)).path("QMP").path("version").path("package").asText());
        assertEquals(qemu.subList(1, qemu.size()), jemu.subList(1, jemu.size()));
        monitorServes(0);
    }

    /** The lines {@code socat} prints for {@code input} sent to {@code socket}. */
    private static List<String> socat(Path dir, Path input, Path socket) throws IOException, InterruptedException {
        Process socat = new ProcessBuilder("socat", "-t", "5", "-", "UNIX-CONNECT:" + socket)
                .redirectInput(input.toFile()).redirectError(dir.resolve("socat.err").toFile()).start();
        String out = new String(socat.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(socat.waitFor(BOUND.toSeconds(), TimeUnit.SECONDS));
        return out.lines().toList();
    }
}
