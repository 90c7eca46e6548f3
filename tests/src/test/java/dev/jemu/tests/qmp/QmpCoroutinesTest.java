package dev.jemu.tests.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jemu.tests.guest.Emulator;
import dev.jemu.tests.guest.Nasm;
import dev.jemu.tests.guest.Workspace;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * jemu's coroutine introspection against a disk request held in the block layer: the WRITE disk
 * guest boots from an NBD disk served by nbdkit whose writes take ten minutes (the delay
 * filter), so its first write stays in flight. {@code x-query-coroutines} must show the request
 * suspended in the NBD client awaiting the server's reply to that WRITE, reached from the block
 * layer, and the connection's reader waiting on a descriptor that the kernel says is a socket of
 * the jemu process and that {@code x-query-aio} lists among the main loop's fd handlers; HMP
 * {@code info coroutines} says the same in text. QEMU has no such commands: it answers
 * CommandNotFound.
 */
class QmpCoroutinesTest {
    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(120);
    private static final long MIB = 1 << 20;
    private static Workspace workspace;

    @BeforeAll
    static void toolsAreInstalled() {
        workspace = Workspace.current();
        assertTrue(Emulator.QEMU.isInstalled(workspace), "qemu-system-x86_64 is not on PATH (Debian package qemu-system-x86)");
        assertTrue(Emulator.JEMU.isInstalled(workspace), "jemu's launcher is not built");
    }

    /** Boots the WRITE guest from a delayed NBD disk under {@code emulator}; runs {@code check} while its write is held. */
    private static void withHeldWrite(Emulator emulator, QmpCheck check) throws Exception {
        Path dir = workspace.buildDir("qmp/coroutines-" + emulator.displayName());
        Path stage = dir.resolve("diskboot-write.bin");
        Nasm.assemble(workspace, workspace.images().resolve("disk/diskboot.asm"), List.of("MODE_WRITE"), stage);
        Path raw = dir.resolve("boot.raw");
        Files.deleteIfExists(raw);
        try (RandomAccessFile f = new RandomAccessFile(raw.toFile(), "rw")) {
            f.setLength(4 * MIB);
            f.write(Files.readAllBytes(stage));
        }
        Path socket = dir.resolve("nbd.sock");
        Process nbdkit = Nbdkit.start(dir, socket, List.of("--filter=delay", "file", raw.toString(), "delay-write=600"));
        List<String> options = List.of("-machine", "pc", "-m", "64M", "-display", "none", "-nodefaults",
                "-serial", "file:" + dir.resolve("serial.txt"), "-no-reboot",
                "-drive", "file=nbd+unix:///?socket=" + socket + ",format=raw,if=ide,id=boot");
        try (QmpVmProcess vm = QmpVmProcess.start(emulator, workspace, dir, 1, options);
             QmpClient qmp = vm.connect(0).negotiate()) {
            check.run(vm, qmp);
        } finally {
            nbdkit.destroy();
            nbdkit.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private interface QmpCheck {
        void run(QmpVmProcess vm, QmpClient qmp) throws Exception;
    }

    @Test
    void theListingShowsAWriteSuspendedInTheBlockLayer() throws Exception {
        withHeldWrite(Emulator.JEMU, (vm, qmp) -> {
            JsonNode request = awaitCoroutine(qmp, c -> c.path("wait").path("type").asText().equals("nbd-reply")
                    && c.path("wait").path("description").asText().startsWith("reply to WRITE"));
            assertEquals("suspended", request.path("state").asText(), request.toString());
            assertEquals("main-loop", request.path("aio-context").asText(), request.toString());
            List<String> frames = texts(request.path("frames"));
            assertTrue(frames.getFirst().startsWith("dev.jemu.block.nbd.NbdClient.request("), frames.toString());
            assertTrue(frames.stream().anyMatch(f -> f.startsWith("dev.jemu.block.BlockBackend.")), frames.toString());

            JsonNode reader = awaitCoroutine(qmp, c -> c.path("wait").path("type").asText().equals("fd"));
            Matcher m = Pattern.compile("fd (\\d+) ").matcher(reader.path("wait").path("description").asText());
            assertTrue(m.find(), reader.toString());
            int fd = Integer.parseInt(m.group(1));
            String target = Files.readSymbolicLink(Path.of("/proc/" + vm.process().pid() + "/fd/" + fd)).toString();
            assertTrue(target.startsWith("socket:["), "fd " + fd + " of jemu is " + target);
            JsonNode mainLoop = null;
            for (JsonNode ctx : qmp.execute("x-query-aio").path("return")) {
                if (ctx.path("aio-context").asText().equals("main-loop")) {
                    mainLoop = ctx;
                }
            }
            assertTrue(mainLoop != null, "x-query-aio has no main-loop");
            boolean watched = false;
            for (JsonNode h : mainLoop.path("fd-handlers")) {
                watched |= h.path("fd").asInt() == fd && h.has("read");
            }
            assertTrue(watched, "fd " + fd + " is not among the main loop's read handlers: " + mainLoop);

            String text = qmp.hmp("info coroutines");
            assertTrue(text.contains("(main-loop): suspended, waits on nbd-reply: reply to WRITE"), text);
            assertTrue(text.contains("\r\n    at dev.jemu.block.nbd.NbdClient.request("), text);
        });
    }

    /**
     * An IOThread's context is inspected on the IOThread itself: {@code x-query-aio} lists {@code
     * io0} with its thread named so and the bottom halves of the virtio-blk device the command
     * line put in it, beside the main loop's.
     */
    @Test
    void eachIothreadIsInspectedOnItsOwnThread() throws Exception {
        Path dir = workspace.buildDir("qmp/coroutines-iothread");
        Path raw = dir.resolve("disk.raw");
        Files.deleteIfExists(raw);
        try (RandomAccessFile f = new RandomAccessFile(raw.toFile(), "rw")) {
            f.setLength(MIB);
        }
        try (QmpVmProcess vm = QmpVmProcess.start(Emulator.JEMU, workspace, dir, 1, List.of("-S", "-machine", "pc", "-m", "64M",
                "-display", "none", "-nodefaults", "-object", "iothread,id=io0", "-drive", "file=" + raw + ",format=raw,if=none,id=d0",
                "-device", "virtio-blk-pci,drive=d0,iothread=io0"));
             QmpClient qmp = vm.connect(0).negotiate()) {
            List<String> contexts = new ArrayList<>();
            JsonNode io0 = null;
            for (JsonNode ctx : qmp.execute("x-query-aio").path("return")) {
                contexts.add(ctx.path("aio-context").asText());
                if (ctx.path("aio-context").asText().equals("io0")) {
                    io0 = ctx;
                }
            }
            assertTrue(contexts.containsAll(List.of("main-loop", "io0")), contexts.toString());
            assertEquals("io0", io0.path("thread").asText(), io0.toString());
            boolean device = false;
            for (JsonNode bh : io0.path("bottom-halves")) {
                device |= bh.path("callback").asText().startsWith("dev.jemu.devices.virtio.blk.VirtioBlk");
            }
            assertTrue(device, "no bottom half of the virtio-blk device in io0: " + io0);
            assertTrue(qmp.execute("x-query-coroutines").path("return").isArray());
        }
    }

    @Test
    void qemuHasNoSuchCommands() throws Exception {
        Path dir = workspace.buildDir("qmp/coroutines-qemu");
        try (QmpVmProcess vm = QmpVmProcess.start(Emulator.QEMU, workspace, dir, 1,
                List.of("-machine", "pc", "-m", "64M", "-display", "none", "-nodefaults", "-S"));
             QmpClient qmp = vm.connect(0).negotiate()) {
            for (String command : List.of("x-query-coroutines", "x-query-aio")) {
                assertEquals("CommandNotFound", qmp.execute(command).path("error").path("class").asText(), command);
            }
        }
    }

    /** Asks {@code x-query-coroutines} until one coroutine matches, within the run timeout. */
    private static JsonNode awaitCoroutine(QmpClient qmp, Predicate<JsonNode> wanted) throws IOException {
        long deadline = System.nanoTime() + RUN_TIMEOUT.toNanos();
        while (true) {
            JsonNode reply = qmp.execute("x-query-coroutines");
            assertTrue(reply.path("return").isArray(), reply.toString());
            for (JsonNode c : reply.path("return")) {
                if (wanted.test(c)) {
                    return c;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("no such coroutine after " + RUN_TIMEOUT.toSeconds() + " s: " + reply);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
