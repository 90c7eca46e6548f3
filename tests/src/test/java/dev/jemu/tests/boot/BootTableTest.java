package dev.jemu.tests.boot;

import dev.jemu.junit.JemuExtension;
import dev.jemu.junit.JemuMachines;
import dev.jemu.machine.Machine;
import dev.jemu.machine.MachineException;
import dev.jemu.tests.guest.Emulator;
import dev.jemu.tests.guest.GuestProcess;
import dev.jemu.tests.guest.GuestRun;
import dev.jemu.tests.guest.Workspace;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every row of the boot-test table, on QEMU (the reference, a process) and on jemu with
 * Debian's SeaBIOS (a machine in this JVM, booted through the JUnit extension of
 * {@code jemu-junit}, which closes it after the row and reports its transcript, log and CPU
 * state when the row fails), each on fresh copies of the disks: both print the same serial
 * lines, exit with the row's status and print the checksums this test computes from the disk
 * pattern; jemu leaves the images as the row says. (QEMU's isa-debug-exit ends the process
 * without flushing its qcow2 metadata cache, so a qcow2 QEMU wrote may lack the guest's last
 * writes: its images are not checked.)
 */
@ExtendWith(JemuExtension.class)
class BootTableTest {
    private static final List<String> COMMON = List.of("-machine", "pc", "-m", "64M", "-display", "none",
            "-serial", "stdio", "-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04");
    private static final Pattern GEOMETRY = Pattern.compile("80 geometry c=\\p{XDigit}+ h=\\p{XDigit}+ s=(\\p{XDigit}+) .*");

    private static Workspace workspace;

    @BeforeAll
    static void emulatorsAreInstalled() {
        workspace = Workspace.current();
        assertTrue(Emulator.QEMU.isInstalled(workspace), "qemu-system-x86_64 is not on PATH (Debian package qemu-system-x86)");
        assertTrue(Files.isRegularFile(Path.of("/usr/share/seabios/bios-256k.bin")), "Debian package seabios is missing");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.jemu.tests.boot.BootCases#all")
    void jemuAndQemuBootTheDiskAlike(BootCase row, JemuMachines machines) throws Exception {
        Path dir = workspace.buildDir("boot/" + row.name());
        byte[] stage = DiskImages.stage(workspace, workspace.buildDir("boot"), row.mode());
        GuestRun qemu = run(row, Emulator.QEMU, dir, stage, machines);
        GuestRun jemu = run(row, Emulator.JEMU, dir, stage, machines);
        assertEquals(qemu.serialLines(), jemu.serialLines(), row + ": jemu's serial output differs from QEMU's; " + jemu.summary());
        if (row.after() == BootCase.After.REFUSED) {
            assertEquals(errorText(qemu), errorText(jemu), row + ": jemu's error differs from QEMU's");
        }
        assertEquals(row.exitStatus(), jemu.exitStatus(), row + ": " + jemu.summary());
    }

    private GuestRun run(BootCase row, Emulator emulator, Path dir, byte[] stage, JemuMachines machines) throws Exception {
        Path runDir = Files.createDirectories(dir.resolve(emulator.displayName()));
        List<Path> disks = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<Process> servers = new ArrayList<>();
        List<byte[]> before = new ArrayList<>();
        for (int i = 0; i < row.disks().size(); i++) {
            BootCase.Disk d = row.disks().get(i);
            Path raw = DiskImages.patternDisk(runDir.resolve("d" + i + ".raw"), (long) d.sizeMiB() << 20, d.boot() ? stage : null);
            before.add(Files.readAllBytes(raw));
            Path image = switch (d.format()) {
                case "raw" -> raw;
                case "qcow2" -> {
                    Path q = runDir.resolve("d" + i + ".qcow2");
                    DiskImages.qemuImg(runDir, "convert", "-f", "raw", "-O", "qcow2", raw.toString(), q.toString());
                    yield q;
                }
                case "overlay" -> {
                    Path q = runDir.resolve("d" + i + ".overlay.qcow2");
                    DiskImages.qemuImg(runDir, "create", "-f", "qcow2", "-F", "raw", "-b", raw.toString(), q.toString());
                    yield q;
                }
                case "nbd-eio-writes" -> raw;
                default -> throw new IllegalArgumentException(d.format());
            };
            disks.add(image);
            if (d.format().equals("nbd-eio-writes")) {
                Path socket = runDir.resolve("d" + i + ".sock");
                servers.add(nbdkitFailingWrites(raw, socket, runDir));
                names.add("nbd+unix:///?socket=" + socket);
            } else {
                names.add(image.toString());
            }
        }
        try {
            return runOn(row, emulator, runDir, disks, names, before, machines);
        } finally {
            for (Process p : servers) {
                p.destroy();
                p.waitFor();
            }
        }
    }

    /** nbdkit serving {@code raw} on {@code socket} with every write failing with EIO. */
    private static Process nbdkitFailingWrites(Path raw, Path socket, Path runDir) throws Exception {
        Path pid = runDir.resolve(socket.getFileName() + ".pid");
        Files.deleteIfExists(pid);
        Files.deleteIfExists(socket);
        Process p = new ProcessBuilder("nbdkit", "--foreground", "-U", socket.toString(), "-P", pid.toString(),
                "--filter=error", "file", raw.toString(), "error-pwrite=EIO", "error-pwrite-rate=100%")
                .redirectErrorStream(true).redirectOutput(runDir.resolve("nbdkit.log").toFile()).start();
        long deadline = System.nanoTime() + DiskImages.TOOL_TIMEOUT.toNanos();
        while (!Files.exists(pid) && p.isAlive() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertTrue(Files.exists(pid), "nbdkit did not start: " + Files.readString(runDir.resolve("nbdkit.log")));
        return p;
    }

    private GuestRun runOn(BootCase row, Emulator emulator, Path runDir, List<Path> disks, List<String> names,
                           List<byte[]> before, JemuMachines machines) throws Exception {
        List<String> options = new ArrayList<>(COMMON);
        for (String o : row.options()) {
            for (int i = 0; i < names.size(); i++) {
                o = o.replace("{d" + i + "}", names.get(i));
            }
            options.add(o);
        }
        GuestRun run = emulator == Emulator.JEMU ? inProcess(options, row.timeout(), machines)
                : GuestProcess.run(emulator.command(workspace, options), emulator.environment(), row.timeout(), runDir,
                        emulator.displayName());
        String who = row + " on " + emulator.displayName();
        assertFalse(run.timedOut(), who + ": " + run.summary());
        assertEquals(row.exitStatus(), run.exitStatus(), who + ": " + run.summary() + "\n" + String.join("\n", run.serialLines()));
        if (row.after() != BootCase.After.REFUSED) {
            checkSums(who, row, run.serialLines());
        }
        if (emulator == Emulator.JEMU) {
            checkImages(who, row, disks, before, runDir);
        }
        return run;
    }

    /**
     * jemu's run of {@code options} as a machine in this JVM: the serial lines are its console's,
     * a command line it refuses gives exit status 1 and its error line, as the launcher would.
     */
    private static GuestRun inProcess(List<String> options, Duration timeout, JemuMachines machines) {
        long start = System.nanoTime();
        Machine m;
        try {
            m = machines.boot(options);
        } catch (MachineException e) {
            return new GuestRun(1, List.of(), "jemu: " + e.getMessage() + "\n", false, Duration.ofNanos(System.nanoTime() - start));
        }
        boolean timedOut = false;
        int status = -1;
        try {
            status = m.waitForExit(timeout);
        } catch (MachineException e) {
            timedOut = true;
            m.stop();
        }
        return new GuestRun(status, m.console().transcript().lines().toList(), "", timedOut,
                Duration.ofNanos(System.nanoTime() - start));
    }

    /** The first line of standard error without the program's name (JVM log lines skipped). */
    private static String errorText(GuestRun run) {
        String first = run.stderr().lines().filter(l -> !l.startsWith("[")).findFirst().orElse("");
        int colon = first.indexOf(": ");
        return colon < 0 ? first : first.substring(colon + 2);
    }

    /** The checksums the guest printed are those of the pattern (computed here, not by an emulator). */
    private static void checkSums(String who, BootCase row, List<String> lines) {
        if (row.mode().equals("READ")) {
            Matcher g = lines.stream().map(GEOMETRY::matcher).filter(Matcher::matches).findFirst()
                    .orElseThrow(() -> new AssertionError(who + ": no geometry line in " + lines));
            int spt = Integer.parseInt(g.group(1), 16);
            assertTrue(lines.contains(String.format("chs-read ah=00 sum=%08x", DiskImages.patternSum(spt, 8))), who + ": " + lines);
            assertTrue(lines.contains(String.format("edd-read ah=00 sum=%08x", DiskImages.patternSum(1000, 64))), who + ": " + lines);
            if (row.disks().size() > 1) {
                assertTrue(lines.contains(String.format("hdb-read ah=00 sum=%08x", DiskImages.patternSum(0, 64))), who + ": " + lines);
            }
        } else if (row.after() != BootCase.After.UNCHANGED || row.options().stream().anyMatch(o -> o.contains("snapshot"))) {
            assertTrue(lines.contains(String.format("readback ah=00 sum=%08x", DiskImages.writeSum(2048, 64))), who + ": " + lines);
        }
        assertEquals("done", lines.getLast(), who);
    }

    private static void checkImages(String who, BootCase row, List<Path> disks, List<byte[]> before, Path runDir)
            throws IOException, InterruptedException {
        for (int i = 0; i < disks.size(); i++) {
            byte[] expected = before.get(i).clone();
            boolean written = i == 0 && (row.after() == BootCase.After.WRITTEN || row.after() == BootCase.After.WRITTEN_TO_OVERLAY);
            if (written) {
                writeSectors(expected, 19, 8);
                writeSectors(expected, 2048, 64);
            }
            byte[] actual = DiskImages.contents(disks.get(i), runDir);
            assertTrue(Arrays.equals(expected, actual), who + ": disk " + i + " does not hold what the guest wrote (and only that)");
            if (row.after() == BootCase.After.WRITTEN_TO_OVERLAY) {
                assertArrayEquals(before.get(i), Files.readAllBytes(runDir.resolve("d" + i + ".raw")),
                        who + ": the overlay's backing file changed");
            }
        }
    }

    private static void writeSectors(byte[] image, int first, int count) {
        for (int k = first; k < first + count; k++) {
            for (int b = 0; b < DiskImages.SECTOR; b++) {
                image[k * DiskImages.SECTOR + b] = (byte) DiskImages.writePattern(k, b);
            }
        }
    }
}
