package dev.jemu.cli.nbd;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** jemu-nbd's options against qemu-nbd 7.2's: errors, -e 0, -o, --image-opts, -s, --fork and signals. */
class JemuNbdOptionsTest {
    @TempDir
    Path dir;
    private int servers;

    private Path rawImage() throws Exception {
        Path img = dir.resolve("d.raw");
        Files.write(img, new byte[1 << 20]);
        NbdRun.qemuIo("file:" + img, "write -P 0x5a 64k 64k");
        return img;
    }

    @Test
    void badCommandLinesAreQemuNbdsErrors() throws Exception {
        Path img = rawImage();
        String[][] cases = {
            {"--bogus", img.toString()},
            {},
            {"-f"},
            {"--format"},
            {"-e", "-1", img.toString()},
            {"-e", "0x1g", img.toString()},
            {"-f", "raw", "--aio=foo", img.toString()},
            {"-f", "raw", "-o", "abc", img.toString()},
            {"-f", "raw", "-o", "1M", img.toString()},
            {"-f", "raw", "-n", "--cache=none", img.toString()},
            {"--image-opts", "-f", "raw", "driver=raw,file.filename=" + img},
            {"-f", "raw", "-b", "999.1.1.1", img.toString()},
            {"-f", "raw", "-o", "2097152", "-k", dir.resolve("o.sock").toString(), img.toString()},
            {img.toString(), img.toString()},
        };
        for (String[] args : cases) {
            assertEquals(NbdRun.qemuNbd(dir, args), NbdRun.jemu(args), String.join(" ", args));
        }
    }

    @Test
    void addressesThatCannotBeBoundAreQemuNbdsErrors() throws Exception {
        Path img = rawImage();
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String[][] cases = {
                {"-f", "raw", "-k", dir.resolve("nonexistent/dir/s").toString(), img.toString()},
                {"-f", "raw", "-b", "192.0.2.1", img.toString()},
                {"-f", "raw", "-b", "127.0.0.1", "-p", Integer.toString(taken.getLocalPort()), img.toString()},
            };
            for (String[] args : cases) {
                assertEquals(NbdRun.qemuNbd(dir, args), NbdRun.jemu(args), String.join(" ", args));
            }
        }
    }

    /** An image that cannot be opened: qemu-nbd's "Failed to blk_new_open" line, byte for byte. */
    @Test
    void imagesThatCannotBeOpenedAreQemuNbdsErrors() throws Exception {
        Path img = rawImage();
        String missing = dir.resolve("missing.img").toString();
        String sock = dir.resolve("s").toString();
        String[][] cases = {
            {"-k", sock, missing},
            {"-k", sock, "-f", "raw", missing},
            {"-k", sock, "-f", "bogus", img.toString()},
            {"-k", sock, "-f", "qcow2", img.toString()},
            {"-k", sock, "-f", "file", missing},
            {"-k", sock, "-s", missing},
            {"-k", sock, "--image-opts", "driver=qcow2,file.filename=" + img},
        };
        for (String[] args : cases) {
            assertEquals(NbdRun.qemuNbd(dir, args), NbdRun.jemu(args), String.join(" ", args));
        }
    }

    @Test
    void aSocketPathThatIsADirectoryIsRefusedAndKept() throws Exception {
        Path img = rawImage();
        Path adir = Files.createDirectory(dir.resolve("adir"));
        String[] args = {"-f", "raw", "-k", adir.toString(), img.toString()};
        assertEquals(NbdRun.qemuNbd(dir, args), NbdRun.jemu(args));
        assertTrue(Files.isDirectory(adir), "the directory is still there");
    }

    @Test
    void optionsThatNeedWhatJemuLacksAreRefusedByName() {
        String[][] cases = {
            {"-c", "-c", "/dev/nbd0"},
            {"--connect", "--connect=/dev/nbd0"},
            {"--tls-creds", "--tls-creds=tls0"},
            {"--object", "--object", "secret,id=s0,data=x"},
            {"-A", "-A"},
            {"-l", "-l", "snap1"},
            {"-T", "-T", "nbd_*"},
        };
        for (String[] c : cases) {
            String[] args = Stream.concat(Stream.of(c).skip(1), Stream.of("x.img")).toArray(String[]::new);
            NbdRun.Result r = NbdRun.jemu(args);
            assertEquals(1, r.status());
            assertTrue(r.err().startsWith("jemu-nbd: " + c[0] + " is not supported: "), r.err());
            assertEquals(1, r.err().lines().count(), r.err());
        }
    }

    /** Starts jemu-nbd in a thread of this JVM, serving on a unix socket; returns the socket's NBD URI. */
    private String serveInProcess(String... args) throws Exception {
        servers++;
        Path sock = dir.resolve(servers + ".sock");
        Path pid = dir.resolve(servers + ".pid");
        String[] all = Stream.concat(Stream.of("-k", sock.toString(), "--pid-file=" + pid), Stream.of(args))
                .toArray(String[]::new);
        Thread t = new Thread(() -> JemuNbd.run(all));
        t.setDaemon(true);
        t.start();
        NbdRun.awaitPidFile(pid, null);
        return "nbd+unix:///?socket=" + sock;
    }

    @Test
    void offsetImageOptsAndSnapshotServeWhatQemuNbdServes() throws Exception {
        Path img = rawImage();
        // -o 64k: the export starts at the image's byte 64k.
        NbdRun.qemuIo(serveInProcess("-f", "raw", "-o", "65536", img.toString()),
                "read -P 0x5a 0 64k", "read -P 0 64k 64k", "read -P 0 895k 64k");
        // --image-opts: FILE is the block options.
        NbdRun.qemuIo(serveInProcess("--image-opts", "driver=raw,file.filename=" + img), "read -P 0x5a 64k 64k");
        // -s: writes go to a temporary overlay; the image is untouched and no overlay is left.
        NbdRun.qemuIo(serveInProcess("-s", "-f", "raw", img.toString()), "write -P 0x77 0 128k", "read -P 0x77 64k 64k");
        NbdRun.qemuIo("file:" + img, "read -P 0 0 64k", "read -P 0x5a 64k 64k");
        try (Stream<Path> tmp = Files.list(Path.of("/var/tmp"))) {
            assertFalse(tmp.anyMatch(p -> p.getFileName().toString().startsWith("jemu-nbd-")));
        }
    }

    @Test
    void sharedZeroServesClientsAtOnce() throws Exception {
        Path img = rawImage();
        String uri = serveInProcess("-t", "-e", "0", "-f", "raw", img.toString());
        // The first client stays connected while the second connects, reads and leaves.
        Process first = new ProcessBuilder("qemu-io", "-f", "raw", "-c", "sleep 60000", uri).start();
        try {
            NbdRun.qemuIo(uri, "read -P 0x5a 64k 64k");
            assertTrue(first.isAlive(), "the first client is still connected");
        } finally {
            first.destroy();
        }
    }

    @Test
    void termIntAndHupEndTheServerAtOnceWithStatusZero() throws Exception {
        Path img = rawImage();
        for (String signal : new String[] {"TERM", "INT", "HUP"}) {
            Path pid = dir.resolve(signal + ".pid");
            Process server = NbdRun.jemuProcess(dir, "-t", "-e", "2", "-k", dir.resolve("s.sock").toString(), "--pid-file=" + pid,
                    "-f", "raw", img.toString());
            NbdRun.awaitPidFile(pid, server);
            // A connected client does not hold the server up.
            Process client = new ProcessBuilder("qemu-io", "-f", "raw", "-c", "sleep 60000",
                    "nbd+unix:///?socket=" + dir.resolve("s.sock")).start();
            try {
                NbdRun.qemuIo("nbd+unix:///?socket=" + dir.resolve("s.sock"), "read 0 4k");
                Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(server.pid())).start();
                assertEquals(0, kill.waitFor());
                assertTrue(server.waitFor(5, TimeUnit.SECONDS), "jemu-nbd ends within 5 s of SIG" + signal);
                assertEquals(0, server.exitValue(), new String(server.getInputStream().readAllBytes()));
                assertFalse(Files.exists(dir.resolve("s.sock")), "the socket is removed");
            } finally {
                client.destroy();
                server.destroyForcibly();
            }
        }
    }

    @Test
    void forkReturnsOnceTheServerListens() throws Exception {
        Path img = rawImage();
        Path pid = dir.resolve("f.pid");
        Path sock = dir.resolve("f.sock");
        Process parent = NbdRun.jemuProcess(dir, "--fork", "-t", "-k", sock.toString(), "--pid-file=" + pid, "-f", "raw",
                img.toString());
        assertTrue(parent.waitFor(30, TimeUnit.SECONDS), "the parent returns");
        assertEquals(0, parent.exitValue(), new String(parent.getInputStream().readAllBytes()));
        long serverPid = Long.parseLong(Files.readString(pid).trim());
        assertNotEquals(parent.pid(), serverPid);
        ProcessHandle server = ProcessHandle.of(serverPid).orElseThrow();
        try {
            NbdRun.qemuIo("nbd+unix:///?socket=" + sock, "read -P 0x5a 64k 64k");
        } finally {
            server.destroy();
        }
        server.onExit().get(10, TimeUnit.SECONDS);
        // A server that cannot start: the parent reports why and fails.
        Process failing = NbdRun.jemuProcess(dir, "--fork", "-k", sock.toString(), "-f", "raw",
                dir.resolve("none.raw").toString());
        assertTrue(failing.waitFor(30, TimeUnit.SECONDS));
        assertEquals(1, failing.exitValue());
        // qemu-nbd's words (qemu-nbd --fork -f raw MISSING)
        String missing = dir.resolve("none.raw").toString();
        assertEquals("jemu-nbd: Failed to blk_new_open '" + missing + "': Could not open '" + missing
                + "': No such file or directory\n",
                new String(failing.getInputStream().readAllBytes()));
    }
}
