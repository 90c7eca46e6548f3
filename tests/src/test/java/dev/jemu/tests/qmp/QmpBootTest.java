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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A whole boot driven through QMP, on QEMU and on jemu alike: the machine starts paused
 * ({@code -S}), the test looks at it, continues it, and SeaBIOS boots the demo guest of
 * {@code images/disk/diskboot.asm}, which reads 16 MiB of the second IDE disk, writes 4 MiB
 * and reads them back, and powers the machine off through ACPI. With {@code -no-shutdown} the
 * machine then stays in state {@code shutdown}, its block statistics show the guest's I/O, and
 * {@code quit} ends the process with status 0.
 */
class QmpBootTest {
    private static final Duration BOOT_TIMEOUT = Duration.ofSeconds(240);
    private static final long MIB = 1 << 20;
    private static Workspace workspace;

    @BeforeAll
    static void emulatorsAreInstalled() {
        workspace = Workspace.current();
        assertTrue(Emulator.QEMU.isInstalled(workspace), "qemu-system-x86_64 is not on PATH (Debian package qemu-system-x86)");
        assertTrue(Emulator.JEMU.isInstalled(workspace), "jemu's launcher is not built");
    }

    /** The boot disk: the demo stage in front of 1 MiB. */
    static Path bootDisk(Path dir) throws IOException, InterruptedException {
        Path stage = dir.resolve("diskboot-demo.bin");
        Nasm.assemble(workspace, workspace.images().resolve("disk/diskboot.asm"), List.of("MODE_DEMO"), stage);
        Path disk = dir.resolve("boot.raw");
        try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "rw")) {
            f.setLength(MIB);
            f.write(Files.readAllBytes(stage));
        }
        return disk;
    }

    @ParameterizedTest
    @EnumSource(Emulator.class)
    void startsPausedContinuesAndTheGuestPowersOff(Emulator emulator) throws Exception {
        Path dir = workspace.buildDir("qmp/boot-" + emulator.displayName());
        Path boot = bootDisk(dir);
        Path data = dir.resolve("data.raw");
        Files.deleteIfExists(data);
        try (RandomAccessFile f = new RandomAccessFile(data.toFile(), "rw")) {
            f.setLength(32 * MIB);
        }
        Path serial = dir.resolve("serial.txt");
        List<String> options = List.of("-machine", "pc", "-m", "64M", "-display", "none", "-nodefaults",
                "-serial", "file:" + serial, "-no-shutdown", "-S",
                "-drive", "file=" + boot + ",format=raw,if=ide,index=0",
                "-drive", "file=" + data + ",format=raw,if=ide,index=1");
        try (QmpVmProcess vm = QmpVmProcess.start(emulator, workspace, dir, 1, options);
             QmpClient qmp = vm.connect(0).negotiate()) {
            JsonNode status = qmp.execute("query-status").path("return");
            assertEquals("prelaunch", status.path("status").asText(), status.toString());
            assertFalse(status.path("running").asBoolean());
            JsonNode block = qmp.execute("query-block").path("return");
            assertEquals(2, block.size(), block.toString());
            assertEquals("ide0-hd0", block.get(0).path("device").asText());
            assertEquals("ide0-hd1", block.get(1).path("device").asText());
            assertEquals(32 * MIB, block.get(1).path("inserted").path("image").path("virtual-size").asLong());

            assertTrue(qmp.execute("cont").path("return").isObject());
            qmp.awaitEvent("RESUME", QmpClient.REPLY_TIMEOUT);
            JsonNode shutdown = qmp.awaitEvent("SHUTDOWN", BOOT_TIMEOUT);
            assertTrue(shutdown.path("data").path("guest").asBoolean(), shutdown.toString());
            assertEquals("guest-shutdown", shutdown.path("data").path("reason").asText());
            qmp.awaitEvent("STOP", QmpClient.REPLY_TIMEOUT);
            assertEquals("shutdown", qmp.execute("query-status").path("return").path("status").asText());

            JsonNode stats = qmp.execute("query-blockstats").path("return");
            JsonNode second = stats.get(1);
            assertEquals("ide0-hd1", second.path("device").asText());
            assertTrue(second.path("stats").path("rd_bytes").asLong() >= 16 * MIB, second.toString());
            assertTrue(second.path("stats").path("wr_bytes").asLong() >= 4 * MIB, second.toString());

            assertTrue(qmp.execute("quit").path("return").isObject());
            JsonNode quit = qmp.awaitEvent("SHUTDOWN", QmpClient.REPLY_TIMEOUT);
            assertEquals("host-qmp-quit", quit.path("data").path("reason").asText());
            assertEquals(0, vm.awaitExit(QmpClient.REPLY_TIMEOUT), vm.stderr());
        }
        List<String> lines = Files.readAllLines(serial);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("read back and verified 4096 KiB")), lines.toString());
        assertEquals("powering off through ACPI", lines.getLast(), lines.toString());
    }
}
