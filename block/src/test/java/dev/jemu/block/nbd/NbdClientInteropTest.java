package dev.jemu.block.nbd;

import dev.jemu.aio.AioContext;
import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockException;
import dev.jemu.block.BlockOptions;
import dev.jemu.block.BlockStatus;
import dev.jemu.block.RequestFlags;
import dev.jemu.block.SyncIo;
import dev.jemu.coroutine.Coroutine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.jemu.block.nbd.NbdTesting.ok;
import static dev.jemu.block.nbd.NbdTesting.qemuIo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** jemu's {@code nbd} driver against qemu-nbd and nbdkit (with its error and delay filters). */
class NbdClientInteropTest {
    private static final int MIB = 1 << 20;

    @TempDir
    Path dir;
    private final List<Process> servers = new ArrayList<>();
    private final List<BlockDriverState> opened = new ArrayList<>();

    @AfterEach
    void stopServers() throws Exception {
        for (BlockDriverState bs : opened) {
            bs.close();
        }
        for (Process p : servers) {
            p.destroy();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * Starts a qemu-nbd or nbdkit server and waits until it accepts connections. The socket file
     * appears when the socket is bound, before listen(), so the signal is the PID file, which both
     * write once they listen (nbdkit documents it; qemu-nbd 7.2 writes it after opening its
     * listener). A probe connection is no signal: qemu-nbd without -t would exit after it.
     */
    private Process daemon(Path sock, String... cmd) throws Exception {
        Path pidFile = dir.resolve("server-" + servers.size() + ".pid");
        List<String> command = new ArrayList<>(List.of(cmd));
        command.add(1, cmd[0].equals("qemu-nbd") ? "--pid-file=" + pidFile : "--pidfile=" + pidFile);
        try (WatchService watch = FileSystems.getDefault().newWatchService()) {
            // Woken when a file of the directory appears or changes (the socket, the PID file).
            dir.register(watch, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("server-" + servers.size() + ".log").toFile()).start();
            servers.add(p);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!Files.exists(sock) || !Files.exists(pidFile) || Files.size(pidFile) == 0) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    fail(String.join(" ", cmd) + " did not start: "
                            + Files.readString(dir.resolve("server-" + (servers.size() - 1) + ".log")));
                }
                WatchKey key = watch.poll(100, TimeUnit.MILLISECONDS);
                if (key != null) {
                    key.pollEvents();
                    key.reset();
                }
            }
            return p;
        }
    }

    private BlockDriverState open(String uri, boolean readOnly) throws IOException {
        BlockOptions opts = BlockOptions.empty().put("filename", uri);
        BlockDriverState bs = new BlockDriverState(NbdClientDriver.open(opts, readOnly), uri, readOnly);
        opened.add(bs);
        return bs;
    }

    private static ByteBuffer read(BlockDriverState bs, long offset, int len) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(len);
        SyncIo.run(() -> bs.coPreadv(offset, b, 0, len));
        return b;
    }

    private static void assertFilled(ByteBuffer b, int value) {
        for (int i = 0; i < b.capacity(); i++) {
            if (b.get(i) != (byte) value) {
                throw new AssertionError("byte " + i + " is " + b.get(i) + ", expected " + (byte) value);
            }
        }
    }

    private static ByteBuffer filled(int len, int value) {
        ByteBuffer b = ByteBuffer.allocate(len);
        for (int i = 0; i < len; i++) {
            b.put(i, (byte) value);
        }
        return b;
    }

    @Test
    void readsAndMapsAQcow2ServedByQemuNbdOverAUnixSocket() throws Exception {
        Path img = dir.resolve("a.qcow2");
        ok("qemu-img", "create", "-q", "-f", "qcow2", img.toString(), "32M");
        qemuIo("qcow2", img.toString(), "write -P 0x44 4M 1M");
        Path sock = dir.resolve("qemu.sock");
        daemon(sock, "qemu-nbd", "-f", "qcow2", "-k", sock.toString(), "-x", "exp", "-t", "-e", "4", img.toString());
        BlockDriverState bs = open("nbd+unix:///exp?socket=" + sock, false);
        assertEquals(32L * MIB, bs.length());
        ByteBuffer b = read(bs, 3 * MIB, 3 * MIB);
        assertFilled(b.slice(0, MIB), 0);
        assertFilled(b.slice(MIB, MIB), 0x44);
        assertFilled(b.slice(2 * MIB, MIB), 0);
        BlockStatus st = new BlockStatus();
        SyncIo.run(() -> bs.coBlockStatus(0, 32L * MIB, st));
        assertEquals(4L * MIB, st.pnum);
        assertFalse(st.has(BlockStatus.DATA));
        SyncIo.run(() -> bs.coBlockStatus(4L * MIB, 28L * MIB, st));
        assertEquals(MIB, st.pnum);
        assertTrue(st.has(BlockStatus.DATA));
    }

    @Test
    void writesZeroesAndTrimsThroughQemuNbd() throws Exception {
        Path img = dir.resolve("w.qcow2");
        ok("qemu-img", "create", "-q", "-f", "qcow2", img.toString(), "16M");
        Path sock = dir.resolve("qemu-w.sock");
        Process qemuNbd = daemon(sock, "qemu-nbd", "-f", "qcow2", "-k", sock.toString(), "--discard=unmap",
                img.toString());
        BlockDriverState bs = open("nbd+unix:///?socket=" + sock, false);
        SyncIo.run(() -> {
            bs.coPwritev(MIB, filled(2 * MIB, 0x5e), 0, 2 * MIB, RequestFlags.FUA);
            bs.coPwriteZeroes(MIB, 4096, 0);
            bs.coPdiscard(2 * MIB, MIB);
            bs.coPwritev(5 * MIB + 3, filled(10, 0x21), 0, 10, 0);
            bs.coFlush();
        });
        bs.close();
        opened.remove(bs);
        assertTrue(qemuNbd.waitFor(10, TimeUnit.SECONDS), "qemu-nbd exits after its only client");
        qemuIo("qcow2", img.toString(), "read -P 0 1M 4k", "read -P 0x5e 1028k 1020k", "read -P 0x21 5242883 10");
        String map = ok("qemu-img", "map", "--output=json", img.toString());
        assertTrue(map.matches("(?s).*\"start\": 2097152, \"length\": 1048576, \"depth\": 0, \"present\": \\w+, \"zero\": true, \"data\": false.*"), map);
    }

    @Test
    void readsAndWritesNbdkitMemoryWithSimpleReplies() throws Exception {
        Path sock = dir.resolve("kit.sock");
        daemon(sock, "nbdkit", "-f", "--no-sr", "-U", sock.toString(), "memory", "8M");
        BlockDriverState bs = open("nbd+unix:///?socket=" + sock, false);
        assertFalse(((NbdClientDriver) bs.driver()).structuredReplies());
        SyncIo.run(() -> bs.coPwritev(4096, filled(8192, 0x19), 0, 8192, 0));
        assertFilled(read(bs, 4096, 8192), 0x19);
        BlockStatus st = new BlockStatus();
        SyncIo.run(() -> bs.coBlockStatus(0, 8 * MIB, st));
        assertTrue(st.has(BlockStatus.DATA));
        assertEquals(8L * MIB, st.pnum);
    }

    @Test
    void negotiatesWithServersThatAreNotFixedNewstyleOrSendZeroes() throws Exception {
        for (String mask : new String[] {"0", "1"}) {
            Path sock = dir.resolve("mask" + mask + ".sock");
            daemon(sock, "nbdkit", "-f", "--mask-handshake=" + mask, "-U", sock.toString(), "memory", "1M");
            BlockDriverState bs = open("nbd+unix:///?socket=" + sock, false);
            assertEquals(MIB, bs.length());
            SyncIo.run(() -> bs.coPwritev(0, filled(512, 0x66), 0, 512, 0));
            assertFilled(read(bs, 0, 512), 0x66);
        }
    }

    @Test
    void reportsErrorsInjectedByNbdkitWithTheErrnoText() throws Exception {
        Path sock = dir.resolve("err.sock");
        daemon(sock, "nbdkit", "-f", "-U", sock.toString(), "--filter=error", "memory", "4M",
                "error-pread=EIO", "error-pread-rate=100%");
        BlockDriverState bs = open("nbd+unix:///?socket=" + sock, false);
        SyncIo.run(() -> bs.coPwritev(0, filled(4096, 1), 0, 4096, 0));
        BlockException e = assertThrows(BlockException.class, () -> read(bs, 0, 4096));
        assertTrue(e.getMessage().contains("READ failed: Input/output error"), e.getMessage());
        SyncIo.run(() -> bs.coPwritev(4096, filled(4096, 2), 0, 4096, 0));
    }

    @Test
    void failsRequestsInFlightWhenTheServerIsKilled() throws Exception {
        Path sock = dir.resolve("slow.sock");
        Process kit = daemon(sock, "nbdkit", "-f", "-U", sock.toString(), "--filter=delay", "memory", "4M",
                "rdelay=20");
        BlockDriverState bs = open("nbd+unix:///?socket=" + sock, true);
        AioContext ctx = AioContext.current();
        Throwable[] failures = new Throwable[4];
        int[] finished = new int[1];
        for (int i = 0; i < failures.length; i++) {
            int n = i;
            Coroutine.create(opaque -> {
                try {
                    bs.coPreadv(n * 4096L, ByteBuffer.allocate(4096), 0, 4096);
                } catch (Throwable t) {
                    failures[n] = t;
                }
                finished[0]++;
            }, null).enter();
        }
        while (ctx.poll(false)) {
            // Let the requests go out.
        }
        assertEquals(0, finished[0], "the delay filter holds every read");
        kit.destroyForcibly();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (finished[0] < failures.length && System.nanoTime() < deadline) {
            ctx.poll(true);
        }
        assertEquals(failures.length, finished[0], "every request in flight has failed");
        for (Throwable t : failures) {
            assertNotNull(t);
            assertTrue(t.getMessage().contains("connection to the NBD server lost"), t.getMessage());
        }
    }

    @Test
    void reconnectsWithinReconnectDelayAndResendsTheRequest() throws Exception {
        Path sock = dir.resolve("pattern.sock");
        Process first = daemon(sock, "nbdkit", "-f", "-U", sock.toString(), "pattern", "1M");
        BlockOptions opts = BlockOptions.parse("server.type=unix,server.path=" + sock + ",reconnect-delay=20", null);
        BlockDriverState bs = new BlockDriverState(NbdClientDriver.open(opts, true), "pattern", true);
        opened.add(bs);
        opts.checkAllUsed("nbd");
        assertEquals(4096, read(bs, 4096, 8).getLong(0));
        first.destroyForcibly();
        first.waitFor(5, TimeUnit.SECONDS);
        Files.deleteIfExists(sock);
        AioContext ctx = AioContext.current();
        ByteBuffer b = ByteBuffer.allocate(8);
        Throwable[] failure = new Throwable[1];
        boolean[] done = new boolean[1];
        Coroutine.create(opaque -> {
            try {
                bs.coPreadv(65536, b, 0, 8);
            } catch (Throwable t) {
                failure[0] = t;
            }
            done[0] = true;
        }, null).enter();
        for (int i = 0; i < 5; i++) {
            ctx.poll(true);
        }
        assertFalse(done[0], "the read waits for the server to come back");
        daemon(sock, "nbdkit", "-f", "-U", sock.toString(), "pattern", "1M");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!done[0] && System.nanoTime() < deadline) {
            ctx.poll(true);
        }
        assertTrue(done[0]);
        assertEquals(null, failure[0]);
        assertEquals(65536, b.getLong(0));
    }

    @Test
    void failsRequestsOnceTheReconnectDelayHasPassed() throws Exception {
        Path sock = dir.resolve("gone.sock");
        Process kit = daemon(sock, "nbdkit", "-f", "-U", sock.toString(), "pattern", "1M");
        BlockOptions opts = BlockOptions.parse("server.type=unix,server.path=" + sock + ",reconnect-delay=1", null);
        BlockDriverState bs = new BlockDriverState(NbdClientDriver.open(opts, true), "gone", true);
        opened.add(bs);
        kit.destroyForcibly();
        kit.waitFor(5, TimeUnit.SECONDS);
        BlockException e = assertThrows(BlockException.class, () -> read(bs, 0, 512));
        assertTrue(e.getMessage().contains("connection to the NBD server lost"), e.getMessage());
    }

    /** A server that comes back with a different export is reported, not retried in silence. */
    @Test
    void reportsAnExportThatChangedAcrossReconnection() throws Exception {
        Path sock = dir.resolve("changed.sock");
        Process first = daemon(sock, "nbdkit", "-f", "-U", sock.toString(), "pattern", "1M");
        BlockOptions opts = BlockOptions.parse("server.type=unix,server.path=" + sock + ",reconnect-delay=60", null);
        BlockDriverState bs = new BlockDriverState(NbdClientDriver.open(opts, true), "changed", true);
        opened.add(bs);
        first.destroyForcibly();
        first.waitFor(5, TimeUnit.SECONDS);
        Files.deleteIfExists(sock);
        daemon(sock, "nbdkit", "-f", "-U", sock.toString(), "pattern", "2M");
        long start = System.nanoTime();
        BlockException e = assertThrows(BlockException.class, () -> read(bs, 0, 512));
        assertTrue(e.getMessage().contains("the export changed across reconnection")
                && e.getMessage().contains("size 1048576 -> 2097152"), e.getMessage());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(30), "failed at once, not after reconnect-delay");
        BlockException again = assertThrows(BlockException.class, () -> read(bs, 512, 512));
        assertTrue(again.getMessage().contains("the export changed across reconnection"), again.getMessage());
    }
}
