package dev.jemu.block.file;

import static dev.jemu.block.TestImages.ok;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockException;
import dev.jemu.block.BlockGraph;
import dev.jemu.block.BlockOptions;
import dev.jemu.block.Preallocation;
import dev.jemu.block.SyncIo;
import dev.jemu.block.TestImages;
import dev.jemu.block.qcow2.Qcow2Create;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Image locks as QEMU takes them: jemu against jemu, and jemu against qemu-nbd, qemu-io and
 * qemu-img in both directions. The expected outcomes and messages are qemu-img's own.
 */
class ImageLockTest {
    private static final String SHARED_WRITE = "Failed to get shared \"write\" lock";
    private static final String WRITE = "Failed to get \"write\" lock";

    @TempDir
    Path dir;
    private Path img;
    private final List<BlockDriverState> opened = new ArrayList<>();
    private final List<Process> daemons = new ArrayList<>();

    @BeforeEach
    void create() throws IOException {
        img = dir.resolve("locked.qcow2");
        ok("qemu-img", "create", "-q", "-f", "qcow2", img.toString(), "1M");
    }

    @AfterEach
    void release() throws Exception {
        for (BlockDriverState bs : opened) {
            bs.close();
        }
        for (Process p : daemons) {
            p.destroy();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    private BlockDriverState open(String options) throws IOException {
        BlockDriverState bs = BlockGraph.open(BlockOptions.parse(options, "file.filename"));
        opened.add(bs);
        return bs;
    }

    private String openError(String options) {
        BlockException e = assertThrows(BlockException.class, () -> open(options));
        return e.getMessage();
    }

    private void assertRefused(String message, String expected, Path image) {
        assertEquals(expected + "\nIs another process using the image ["
                + image + "]?", message);
    }

    /**
     * Starts qemu-nbd with {@code args} on {@code image} and waits (at most 10 s, on a directory
     * watch) for its PID file, which qemu-nbd writes once it has opened the image and taken its
     * locks; then checks that the consistent-read lock is there.
     */
    private void serveWithQemuNbd(Path image, String... args) throws Exception {
        Path pidFile = dir.resolve("qemu-nbd" + daemons.size() + ".pid");
        Path log = dir.resolve("qemu-nbd" + daemons.size() + ".log");
        List<String> cmd = new ArrayList<>(List.of("qemu-nbd", "--pid-file=" + pidFile, "-k",
                dir.resolve("nbd" + daemons.size() + ".sock").toString()));
        cmd.addAll(List.of(args));
        cmd.add(image.toString());
        try (WatchService watch = dir.getFileSystem().newWatchService()) {
            dir.register(watch, StandardWatchEventKinds.ENTRY_CREATE);
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            daemons.add(p);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!Files.exists(pidFile)) {
                long left = deadline - System.nanoTime();
                WatchKey key = left > 0 ? watch.poll(left, TimeUnit.NANOSECONDS) : null;
                if (key == null) {
                    fail(String.join(" ", cmd) + " did not start: " + Files.readString(log));
                }
                key.pollEvents();
                key.reset();
            }
        }
        try (ImageLock probe = ImageLock.open(image.toString())) {
            BlockException e = assertThrows(BlockException.class, () -> probe.set(0, FileDriver.PERM_CONSISTENT_READ),
                    "qemu-nbd holds the consistent-read lock");
            assertTrue(e.getMessage().startsWith("Failed to get shared \"consistent read\" lock"), e.getMessage());
        }
    }

    /** Starts a second jemu JVM that opens {@code options}; returns its first line of output. */
    private String jemuProcess(String options) throws IOException {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process p = new ProcessBuilder(java, "--add-exports", "java.base/jdk.internal.vm=ALL-UNNAMED",
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                LockHolder.class.getName(), options).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        daemons.add(p);
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String first = out.readLine();
        if (first != null && !first.equals("opened")) {
            first += "\n" + out.readLine();
        }
        return first;
    }

    @Test
    void jemuAgainstJemuInAnotherProcess() throws IOException {
        assertEquals("opened", jemuProcess("driver=qcow2,file.filename=" + img));
        assertRefused(openError("driver=qcow2,read-only=on,file.filename=" + img), SHARED_WRITE, img);
        assertRefused(openError("driver=qcow2,file.filename=" + img), WRITE, img);
        open("driver=qcow2,read-only=on,force-share=on,file.filename=" + img);
        open("driver=qcow2,file.filename=" + img + ",file.locking=off");
    }

    @Test
    void anotherJemuProcessSeesOurLocks() throws Exception {
        open("driver=qcow2,read-only=on,file.filename=" + img);
        assertRefused(jemuProcess("driver=qcow2,file.filename=" + img), WRITE, img);
        assertEquals("opened", jemuProcess("driver=qcow2,read-only=on,file.filename=" + img));
        opened.remove(0).close();
        assertRefused(jemuProcess("driver=qcow2,file.filename=" + img), WRITE, img);
        Process reader = daemons.get(daemons.size() - 2);
        reader.getOutputStream().close();
        assertTrue(reader.waitFor(10, TimeUnit.SECONDS));
        assertEquals("opened", jemuProcess("driver=qcow2,file.filename=" + img));
    }

    /**
     * The nodes of one process share its locks, as one QEMU graph does (commit writes the base
     * that the overlay reads); other processes see their union, and closing a node gives up its
     * part.
     */
    @Test
    void nodesOfOneProcessShareTheirLocks() throws IOException {
        BlockDriverState reader = open("driver=qcow2,read-only=on,file.filename=" + img);
        BlockDriverState writer = open("driver=qcow2,file.filename=" + img);
        TestImages.Run info = TestImages.exec("qemu-img", "info", img.toString());
        assertTrue(info.err().contains(SHARED_WRITE), info.err());
        opened.remove(writer);
        writer.close();
        assertEquals(0, TestImages.exec("qemu-img", "info", img.toString()).exit());
        TestImages.Run resize = TestImages.exec("qemu-img", "resize", img.toString(), "2M");
        assertTrue(resize.err().contains(WRITE), resize.err());
        opened.remove(reader);
        reader.close();
        assertEquals(0, TestImages.exec("qemu-img", "resize", img.toString(), "2M").exit());
    }

    @Test
    void forceShareNeedsReadOnlyAndLockingTakesOnOffAuto() {
        assertEquals("force-share=on can only be used with read-only images",
                openError("driver=qcow2,force-share=on,file.filename=" + img));
        assertTrue(openError("driver=qcow2,file.filename=" + img + ",file.locking=bogus")
                .contains("invalid parameter value for 'locking': bogus"));
    }

    @Test
    void qemuImgSeesJemusLocks() throws IOException {
        open("driver=qcow2,file.filename=" + img);
        TestImages.Run info = TestImages.exec("qemu-img", "info", img.toString());
        assertEquals(1, info.exit());
        assertTrue(info.err().contains(SHARED_WRITE + "\nIs another process using the image [" + img + "]?"),
                info.err());
        TestImages.Run resize = TestImages.exec("qemu-img", "resize", img.toString(), "2M");
        assertEquals(1, resize.exit());
        assertTrue(resize.err().contains(WRITE), resize.err());
        assertEquals(0, TestImages.exec("qemu-img", "info", "-U", img.toString()).exit());
        opened.remove(0).close();
        assertEquals(0, TestImages.exec("qemu-img", "resize", img.toString(), "2M").exit());
    }

    @Test
    void qemuImgSeesJemusReadOnlyLocks() throws IOException {
        open("driver=qcow2,read-only=on,file.filename=" + img);
        assertEquals(0, TestImages.exec("qemu-img", "info", img.toString()).exit());
        TestImages.Run resize = TestImages.exec("qemu-img", "resize", img.toString(), "2M");
        assertEquals(1, resize.exit());
        assertTrue(resize.err().contains(WRITE), resize.err());
    }

    @Test
    void jemuSeesQemuNbdsLocks() throws Exception {
        serveWithQemuNbd(img, "-f", "qcow2");
        assertRefused(openError("driver=qcow2,read-only=on,file.filename=" + img), SHARED_WRITE, img);
        assertRefused(openError("driver=qcow2,file.filename=" + img), WRITE, img);
        open("driver=qcow2,read-only=on,force-share=on,file.filename=" + img);
        open("driver=qcow2,read-only=on,file.filename=" + img + ",file.locking=off");
    }

    @Test
    void jemuSeesQemuNbdsReadOnlyLocks() throws Exception {
        serveWithQemuNbd(img, "-r", "-f", "qcow2");
        open("driver=qcow2,read-only=on,file.filename=" + img);
        assertRefused(openError("driver=qcow2,file.filename=" + img), WRITE, img);
    }

    /** A raw file: QEMU's raw user shares everything, so only a resize against qemu-nbd conflicts. */
    @Test
    void resizingARawImageThatQemuNbdServesIsRefused() throws Exception {
        Path raw = dir.resolve("disk.raw");
        ok("qemu-img", "create", "-q", "-f", "raw", raw.toString(), "1M");
        serveWithQemuNbd(raw, "-f", "raw");
        BlockDriverState bs = open("driver=raw,file.filename=" + raw);
        BlockDriverState file = bs.file();
        BlockException e = assertThrows(BlockException.class,
                () -> SyncIo.run(() -> file.driver().coTruncate(2 << 20, Preallocation.OFF)));
        assertEquals(raw + ": Failed to get \"resize\" lock\nIs another process using the image [" + raw + "]?",
                e.getMessage());
    }

    @Test
    void qemuIoWritingIsRefusedWhileJemuReads() throws IOException {
        open("driver=qcow2,read-only=on,file.filename=" + img);
        TestImages.Run write = TestImages.exec("qemu-io", "-f", "qcow2", "-c", "write 0 512", img.toString());
        assertTrue(write.err().contains(WRITE), write.err() + write.out());
    }

    /** As qemu-img create, creating over an image in use is refused before the file is touched. */
    @Test
    void creatingOverAnImageQemuNbdServesIsRefusedAndLeavesItIntact() throws Exception {
        serveWithQemuNbd(img, "-f", "qcow2");
        byte[] before = Files.readAllBytes(img);
        TestImages.Run qemu = TestImages.exec("qemu-img", "create", "-q", "-f", "qcow2", img.toString(), "2M");
        String expected = img + ": " + WRITE + "\nIs another process using the image [" + img + "]?";
        assertTrue(qemu.err().contains(expected), qemu.err());
        BlockException e = assertThrows(BlockException.class, () -> Qcow2Create.create(img.toString(),
                new Qcow2Create.Options(2 << 20, 65536, 3, 16, false, Preallocation.OFF, null, null)));
        assertEquals(expected, e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(img));
    }
}
