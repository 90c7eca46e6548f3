package dev.jemu.tests.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jemu.tests.guest.Emulator;
import dev.jemu.tests.guest.Nasm;
import dev.jemu.tests.guest.Workspace;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code werror=stop} through QMP, on QEMU and on jemu alike: the WRITE disk guest boots from
 * an NBD disk served by nbdkit whose writes fail with EIO while a trigger file exists. The
 * first failing write emits BLOCK_IO_ERROR (operation write, action stop, reason EIO's text) and
 * then STOP, and stops the machine ({@code query-status}: {@code io-error}, not running;
 * query-block: {@code io-status} {@code failed});
 * the test removes the trigger and continues, the held-back write is retried, and the guest
 * finishes its writes and read-backs and leaves with its "done" status (33).
 */
class QmpIoErrorStopTest {
    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(120);
    private static final long MIB = 1 << 20;
    private static Workspace workspace;

    @BeforeAll
    static void toolsAreInstalled() {
        workspace = Workspace.current();
        assertTrue(Emulator.QEMU.isInstalled(workspace), "qemu-system-x86_64 is not on PATH (Debian package qemu-system-x86)");
        assertTrue(Emulator.JEMU.isInstalled(workspace), "jemu's launcher is not built");
    }

    @ParameterizedTest
    @EnumSource(Emulator.class)
    void aFailedWriteStopsTheMachineAndContRetriesIt(Emulator emulator) throws Exception {
        Path dir = workspace.buildDir("qmp/io-error-" + emulator.displayName());
        Path stage = dir.resolve("diskboot-write.bin");
        Nasm.assemble(workspace, workspace.images().resolve("disk/diskboot.asm"), List.of("MODE_WRITE"), stage);
        Path raw = dir.resolve("boot.raw");
        Files.deleteIfExists(raw);
        try (RandomAccessFile f = new RandomAccessFile(raw.toFile(), "rw")) {
            f.setLength(4 * MIB);
            f.write(Files.readAllBytes(stage));
        }
        Path trigger = dir.resolve("fail-writes");
        Files.writeString(trigger, "");
        Path socket = dir.resolve("nbd.sock");
        Process nbdkit = Nbdkit.start(dir, socket, List.of("--filter=error", "file", raw.toString(), "error-pwrite=EIO",
                "error-pwrite-rate=100%", "error-file=" + trigger));
        Path serial = dir.resolve("serial.txt");
        List<String> options = List.of("-S", "-machine", "pc", "-m", "64M", "-display", "none", "-nodefaults",
                "-serial", "file:" + serial, "-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
                "-drive", "file=nbd+unix:///?socket=" + socket + ",format=raw,if=ide,werror=stop");
        try (QmpVmProcess vm = QmpVmProcess.start(emulator, workspace, dir, 1, options);
             QmpClient qmp = vm.connect(0).negotiate()) {
            // started paused, so that the events of the failed write come after the negotiation
            assertTrue(qmp.execute("cont").path("return").isObject());
            JsonNode error = qmp.awaitEvent("BLOCK_IO_ERROR", RUN_TIMEOUT);
            JsonNode stop = qmp.awaitEvent("STOP", RUN_TIMEOUT);
            JsonNode data = error.path("data");
            assertEquals("ide0-hd0", data.path("device").asText(), error.toString());
            assertEquals("write", data.path("operation").asText(), error.toString());
            assertEquals("stop", data.path("action").asText(), error.toString());
            assertEquals("Input/output error", data.path("reason").asText(), error.toString());
            assertEquals(false, data.path("nospace").asBoolean(true), error.toString());
            assertTrue(data.path("node-name").isTextual(), error.toString());
            assertEquals(List.of("RESUME", "BLOCK_IO_ERROR", "STOP"), qmp.eventNames().subList(0, 3), "the order of the events");
            assertTrue(stop.path("data").isMissingNode(), stop.toString());
            JsonNode status = awaitStatus(qmp, "io-error");
            assertEquals(false, status.path("running").asBoolean(), status.toString());
            JsonNode drive = qmp.execute("query-block").path("return").get(0);
            assertEquals("failed", drive.path("io-status").asText(), drive.toString());
            assertTrue(drive.path("qdev").asText().startsWith("/machine/unattached/"), drive.toString());
            Files.delete(trigger);
            assertTrue(qmp.execute("cont").path("return").isObject());
            assertEquals(33, vm.awaitExit(RUN_TIMEOUT), vm.stderr());
        } finally {
            nbdkit.destroy();
            nbdkit.waitFor(10, TimeUnit.SECONDS);
        }
        List<String> lines = Files.readAllLines(serial);
        assertEquals("done", lines.getLast(), lines.toString());
    }

    /** Asks {@code query-status} until it says {@code want}, within the run timeout. */
    private static JsonNode awaitStatus(QmpClient qmp, String want) throws IOException {
        long deadline = System.nanoTime() + RUN_TIMEOUT.toNanos();
        while (true) {
            JsonNode s = qmp.execute("query-status").path("return");
            if (s.path("status").asText().equals(want)) {
                return s;
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("status is still " + s + " after " + RUN_TIMEOUT.toSeconds() + " s");
            }
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }
}
