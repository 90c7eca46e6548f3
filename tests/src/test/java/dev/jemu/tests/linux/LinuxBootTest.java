package dev.jemu.tests.linux;

import dev.jemu.tests.guest.Emulator;
import dev.jemu.tests.guest.GuestProcess;
import dev.jemu.tests.guest.GuestRun;
import dev.jemu.tests.guest.Workspace;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Debian 12's kernel on the minimal board ({@code -machine pc,hpet=off,smm=off}, kernel
 * arguments {@code acpi=off noapic nolapic}) by {@code -kernel bzImage -initrd}, on QEMU and
 * then on jemu, each with fresh copies of the two ext4 disks (virtio-blk and IDE) that
 * {@code images/linux/build.sh} makes. On both SeaBIOS runs first and starts the kernel from
 * fw_cfg through an option ROM (QEMU's linuxboot_dma, jemu's own), so the kernel finds the
 * PCI BARs SeaBIOS assigned: its lines naming the IDE bus-master ports ({@code bmdma 0xc080})
 * must be the same. The guest must print the checksums of the known files
 * that the build script computed on the host, QEMU and jemu must print the same checksum
 * lines, and afterwards both images must pass {@code e2fsck -fn} and hold the file the guest
 * wrote ({@code debugfs -R 'cat /guest.txt'}). The guest ends with {@code reboot -f}, which
 * {@code -no-reboot} turns into an exit with status 0. Both boots skip the crypto manager's
 * self-tests ({@code cryptomgr.notests}): 0.3 s on QEMU, a fifth of the boot on jemu's
 * interpreter.
 */
class LinuxBootTest {
    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration TOOL_TIMEOUT = Duration.ofMinutes(1);
    private static final Duration QEMU_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration JEMU_TIMEOUT = Duration.ofMinutes(6);
    private static final String MARKER = "JEMU-LINUX: ";
    private static final List<String> DISKS = List.of("vda", "sda");

    private static Workspace workspace;
    private static Path images;

    @BeforeAll
    static void buildTheGuest() throws Exception {
        workspace = Workspace.current();
        assertTrue(Emulator.QEMU.isInstalled(workspace), "qemu-system-x86_64 is not on PATH (Debian package qemu-system-x86)");
        assertTrue(Emulator.JEMU.isInstalled(workspace), "jemu's launcher is not built");
        Path log = workspace.buildDir("linux");
        GuestRun build = GuestProcess.run(List.of("sh", workspace.images().resolve("linux/build.sh").toString()),
                BUILD_TIMEOUT, log, "build");
        assertTrue(!build.timedOut() && build.exitStatus() == 0,
                "images/linux/build.sh failed (" + build.summary() + "):\n" + build.stderr());
        images = workspace.images().resolve("build/linux");
    }

    @Test
    void debianKernelReadsAndWritesVirtioAndIdeDisksLikeQemu() throws Exception {
        List<String> expected = Files.readAllLines(images.resolve("expected.txt"), StandardCharsets.UTF_8);
        assertEquals(DISKS.size(), expected.size(), "expected.txt: " + expected);
        List<String> qemu = boot(Emulator.QEMU, QEMU_TIMEOUT);
        assertEquals(expected, checksumLines(qemu), "QEMU's guest read other data than the build script wrote");
        List<String> jemu = boot(Emulator.JEMU, JEMU_TIMEOUT);
        assertEquals(checksumLines(qemu), checksumLines(jemu), "jemu's guest printed other checksums than QEMU's");
        List<String> bmdma = kernelLines(qemu, " bmdma ");
        assertEquals(2, bmdma.size(), "QEMU's kernel names both IDE channels' bus-master ports: " + bmdma);
        assertEquals(bmdma, kernelLines(jemu, " bmdma "), "the bus-master BAR SeaBIOS assigned, as the kernel reports it");
    }

    /** The kernel's messages that contain {@code word}, without their timestamps. */
    private static List<String> kernelLines(List<String> serial, String word) {
        List<String> lines = new ArrayList<>();
        for (String line : serial) {
            if (line.startsWith("[") && line.contains(word)) {
                lines.add(line.substring(line.indexOf(']') + 1).strip());
            }
        }
        return lines;
    }

    private static List<String> checksumLines(List<String> serial) {
        List<String> lines = new ArrayList<>();
        for (String line : serial) {
            for (String disk : DISKS) {
                if (line.startsWith(MARKER + disk + " ")) {
                    lines.add(line);
                }
            }
        }
        return lines;
    }

    /** Boots the guest on {@code emulator} with fresh disks, checks the run and the disks, returns its serial lines. */
    private static List<String> boot(Emulator emulator, Duration timeout) throws Exception {
        Path dir = workspace.buildDir("linux/" + emulator.displayName());
        List<String> options = new ArrayList<>(List.of("-machine", "pc,hpet=off,smm=off", "-m", "256M", "-nodefaults",
                "-display", "none", "-serial", "stdio", "-no-reboot",
                "-kernel", images.resolve("bzImage").toString(),
                "-initrd", images.resolve("initramfs.cpio.gz").toString(),
                "-append", "acpi=off noapic nolapic console=ttyS0 panic=-1 cryptomgr.notests"));
        for (String disk : DISKS) {
            Path copy = dir.resolve(disk + ".ext4");
            Files.copy(images.resolve(disk + ".ext4"), copy, StandardCopyOption.REPLACE_EXISTING);
            options.add("-drive");
            options.add("file=" + copy + ",format=raw,if=" + (disk.equals("vda") ? "virtio" : "ide"));
        }
        GuestRun run = GuestProcess.run(emulator.command(workspace, options), emulator.environment(), timeout,
                dir, emulator.displayName());
        String who = emulator.displayName();
        String tail = String.join("\n", run.serialLines().subList(Math.max(0, run.serialLines().size() - 30),
                run.serialLines().size()));
        assertFalse(run.timedOut(), who + ": " + run.summary() + " (" + run.elapsed().toSeconds() + " s)\n" + tail);
        assertEquals(0, run.exitStatus(), who + ": " + run.summary() + "\n" + tail);
        assertTrue(run.serialLines().contains(MARKER + "done"), who + ": the guest did not finish\n" + tail);
        System.out.printf("%s: Linux booted, read and wrote both disks in %.1f s%n", who, run.elapsed().toMillis() / 1000.0);
        for (String disk : DISKS) {
            Path image = dir.resolve(disk + ".ext4");
            GuestRun fsck = GuestProcess.run(List.of("e2fsck", "-fn", image.toString()), TOOL_TIMEOUT, dir, "e2fsck-" + disk);
            assertEquals(0, fsck.exitStatus(), who + ": e2fsck -fn " + disk + ": " + fsck.summary()
                    + "\n" + String.join("\n", fsck.serialLines()));
            GuestRun cat = GuestProcess.run(List.of("debugfs", "-R", "cat /guest.txt", image.toString()), TOOL_TIMEOUT,
                    dir, "debugfs-" + disk);
            assertEquals(List.of("written by the guest on " + disk), cat.serialLines(), who + ": /guest.txt on " + disk);
        }
        return run.serialLines();
    }
}
