package dev.jemu.cli.nbd;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** {@code jemu-nbd} run in-process against qemu-img as the client. */
class JemuNbdTest {
    @TempDir
    Path dir;

    private static String run(long seconds, String... cmd) throws Exception {
        Path out = Files.createTempFile("jemu-nbd-test", ".out");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("timed out: " + String.join(" ", cmd));
        }
        String text = Files.readString(out);
        Files.delete(out);
        if (p.exitValue() != 0) {
            fail(String.join(" ", cmd) + " exited " + p.exitValue() + ": " + text);
        }
        return text;
    }

    @Test
    void servesAnImageOnAUnixSocketUntilItsOnlyClientLeaves() throws Exception {
        Path img = dir.resolve("d.qcow2");
        Path sock = dir.resolve("s.sock");
        run(30, "qemu-img", "create", "-q", "-f", "qcow2", img.toString(), "16M");
        Path pidFile = dir.resolve("s.pid");
        int[] exit = {-1};
        Thread t = new Thread(() -> exit[0] = JemuNbd.run("-f", "qcow2", "-x", "e", "-k", sock.toString(),
                "--pid-file=" + pidFile, "--discard=unmap", "--detect-zeroes=unmap", img.toString()));
        t.setDaemon(true);
        try (WatchService watch = FileSystems.getDefault().newWatchService()) {
            // Woken when the PID file appears or is written.
            dir.register(watch, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
            t.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            // The socket file exists once bound, before listen(); the PID file only once it listens.
            while (!Files.exists(pidFile) || Files.size(pidFile) == 0) {
                if (System.nanoTime() > deadline || !t.isAlive()) {
                    fail("jemu-nbd did not start listening");
                }
                WatchKey key = watch.poll(100, TimeUnit.MILLISECONDS);
                if (key != null) {
                    key.pollEvents();
                    key.reset();
                }
            }
        }
        String uri = "nbd+unix:///e?socket=" + sock;
        String io = run(30, "qemu-io", "-f", "raw", "-c", "write -P 0x3c 1M 64k", "-c", "write -P 0x3c 2M 64k", "-c", "write -P 0 2M 64k",
                "-c", "read -P 0x3c 1M 64k", uri);
        assertFalse(io.contains("failed"), io);
        assertEquals(ProcessHandle.current().pid() + "\n", Files.readString(pidFile));
        t.join(TimeUnit.SECONDS.toMillis(20));
        assertFalse(t.isAlive(), "jemu-nbd exits once its client has gone");
        assertEquals(0, exit[0]);
        assertFalse(Files.exists(sock), "the socket is removed");
        String map = run(30, "qemu-img", "map", "--output=json", img.toString());
        assertTrue(map.contains("\"start\": 1048576, \"length\": 65536, \"depth\": 0, \"present\": true, \"zero\": false, \"data\": true"), map);
        assertTrue(map.matches("(?s).*\"start\": 2097152, \"length\": 65536, \"depth\": 0, \"present\": \\w+, \"zero\": true, \"data\": false.*"), map);
    }

    private static String errorOf(String... args) throws IOException {
        PrintStream saved = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        int status;
        try {
            status = JemuNbd.run(args);
        } finally {
            System.setErr(saved);
        }
        assertEquals(1, status);
        return buf.toString(StandardCharsets.UTF_8);
    }

    @Test
    void reportsBadOptionsAndImagesInOneLine() throws Exception {
        String missing = dir.resolve("none.img").toString();
        assertEquals("jemu-nbd: Failed to blk_new_open '" + missing + "': Could not open '" + missing
                + "': No such file or directory\n",
                errorOf("-k", dir.resolve("x.sock").toString(), dir.resolve("none.img").toString()));
        assertEquals("jemu-nbd: --socket cannot be combined with --bind or --port\n",
                errorOf("-k", "s", "-p", "1234", "x.img"));
        assertEquals("jemu-nbd: Invalid cache option: 'fast'\n", errorOf("--cache=fast", "x.img"));
        Path img = dir.resolve("busy.raw");
        Files.write(img, new byte[4096]);
        try (java.net.ServerSocket busy = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            String err = errorOf("-f", "raw", "-p", Integer.toString(busy.getLocalPort()), img.toString());
            // qemu-nbd's line (JemuNbdOptionsTest runs qemu-nbd on the same case)
            assertEquals("jemu-nbd: Failed to find an available port: Address already in use\n", err);
        }
    }
}
