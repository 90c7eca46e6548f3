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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Debian 12's kernel by {@code -kernel bzImage -initrd}, on QEMU and then on jemu, each with
 * fresh copies of the two ext4 disks (virtio-blk and IDE) that {@code images/linux/build.sh}
 * makes: the guest must print the checksums of the known files that the build script
 * computed on the host, QEMU and jemu must print the same checksum lines, and afterwards both
 * images must pass {@code e2fsck -fn} and hold the file the guest wrote
 * ({@code debugfs -R 'cat /guest.txt'}). On both SeaBIOS runs first and starts a
 * {@code -kernel} from fw_cfg through an option ROM (QEMU's linuxboot_dma, jemu's own), so the
 * kernel finds the PCI BARs SeaBIOS assigned. Both boots skip the crypto manager's self-tests
 * ({@code cryptomgr.notests}): 0.3 s on QEMU, a fifth of the boot on jemu's interpreter.
 *
 * <p>Rows (each jemu boot costs about two minutes on the interpreter, so the dimensions are
 * combined):
 * <ul>
 *   <li>the minimal board ({@code -machine pc,hpet=off,smm=off}, kernel arguments
 *       {@code acpi=off noapic nolapic}), virtio-blk in the main loop; the guest ends with
 *       {@code reboot -f}, which {@code -no-reboot} turns into an exit with status 0;</li>
 *   <li>QEMU's default board ({@code -machine pc}: ACPI, IO-APIC, local APIC, HPET, MSI-X),
 *       virtio-blk in an IOThread; the guest ends with {@code poweroff -f}, which the ACPI
 *       S5 sleep state turns into an exit with status 0 (no {@code -no-reboot}); the
 *       kernel's lines about devices, clock sources and IRQ routing are compared;</li>
 *   <li>the SYSLINUX chain on the default board: SeaBIOS boots the first IDE disk
 *       ({@code boot.img}: MBR, Debian's SYSLINUX on FAT, the same kernel and initramfs),
 *       the ext4 disk is the second IDE disk, virtio-blk in the main loop; the guest powers
 *       off.</li>
 * </ul>
 */
class LinuxBootTest {
    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration TOOL_TIMEOUT = Duration.ofMinutes(1);
    private static final Duration QEMU_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration JEMU_TIMEOUT = Duration.ofMinutes(6);
    private static final String MARKER = "JEMU-LINUX: ";
    private static final List<String> DISKS = List.of("vda", "sda");
    private static final String COMMON_APPEND = "console=ttyS0 panic=-1 cryptomgr.notests";

    private static Workspace workspace;
    private static Path images;

    /** One boot-test row: the machine, the kernel's extra arguments, and how the virtio disk is attached. */
    private record Row(String name, String machine, String append, boolean iothread, boolean noReboot,
            boolean syslinux) {
    }

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
        List<List<String>> both = bootRow(new Row("minimal", "pc,hpet=off,smm=off", "acpi=off noapic nolapic",
                false, true, false));
        List<String> bmdma = kernelLines(both.get(0), " bmdma ");
        assertEquals(2, bmdma.size(), "QEMU's kernel names both IDE channels' bus-master ports: " + bmdma);
        assertEquals(bmdma, kernelLines(both.get(1), " bmdma "),
                "the bus-master BAR SeaBIOS assigned, as the kernel reports it");
    }

    /** The kernel's messages that contain {@code word}, without their timestamps. */
    private static List<String> kernelLines(List<String> serial, String word) {
        List<String> lines = new ArrayList<>();
        for (String line : serial) {
            Matcher stamp = TIMESTAMP.matcher(line);
            if (stamp.find() && line.contains(word)) {
                lines.add(line.substring(stamp.end()).strip());
            }
        }
        return lines;
    }

    @Test
    void defaultBoardWithVirtioInAnIothreadPowersOffLikeQemu() throws Exception {
        List<List<String>> both = bootRow(new Row("default", "pc", "jemu.end=poweroff", true, false, false));
        List<String> jemu = both.get(1);
        assertTrue(jemu.stream().anyMatch(l -> l.contains("ACPI: PM: Preparing to enter system sleep state S5")),
                "jemu: poweroff -f went through ACPI S5");
        assertEquals(hardwareLines(both.get(0)), hardwareLines(jemu),
                "the kernel's lines about devices, clock sources and IRQ routing (known differences: README)");
    }

    @Test
    void syslinuxFromIdeBootsTheSameKernelLikeQemu() throws Exception {
        List<List<String>> both = bootRow(new Row("syslinux", "pc", "", false, false, true));
        for (List<String> serial : both) {
            assertTrue(serial.stream().anyMatch(l -> l.contains("Loading initrd.gz...ok")), "SYSLINUX loaded the initramfs");
        }
    }

    /**
     * The kernel's lines that name devices, clock sources and IRQ routing, without their
     * timestamps, sorted (when a timer-driven line such as the TSC's refined calibration comes
     * depends on the host's speed); the known differences (README, "Linux on jemu and on
     * QEMU") are left out.
     */
    static List<String> hardwareLines(List<String> serial) {
        List<String> out = new ArrayList<>();
        for (String line : serial) {
            String text = PNP_NUMBER.matcher(TIMESTAMP.matcher(line).replaceFirst("")).replaceFirst("$1");
            if (text.equals(line) || KNOWN_DIFFERENCES.stream().anyMatch(p -> p.matcher(text).find())) {
                continue;
            }
            if (HARDWARE.stream().anyMatch(p -> p.matcher(text).find())) {
                out.add(text);
            }
        }
        out.sort(null);
        return out;
    }

    private static final Pattern TIMESTAMP = Pattern.compile("^\\[ *[0-9]+\\.[0-9]+\\] ");
    /**
     * The ACPI PNP number of COM1 and the RTC ({@code 00:03} on QEMU, {@code 00:02} on jemu):
     * QEMU's pc has a floppy controller (FDC0) among the ISA devices even with
     * {@code -nodefaults}, jemu has none (README, "Linux on jemu and on QEMU").
     */
    private static final Pattern PNP_NUMBER = Pattern.compile("^(rtc_cmos )?00:0[0-9]:? ");
    private static final List<Pattern> HARDWARE = Stream.of(
            "^ACPI: PM-Timer IO Port", "^IOAPIC\\[", "^ACPI: INT_SRC_OVR", "^ACPI: LAPIC_NMI", "^ACPI: HPET id",
            "^APIC: Switch to symmetric", "^ACPI: Using IOAPIC",
            "^ACPI: PM: \\(supports", "^ACPI: PCI: Interrupt link", "^PCI: Using ACPI for IRQ routing", "^hpet",
            "^clocksource: Switched to clocksource", "ttyS0 at I/O", "^i8042: ", "^serio: i8042",
            "^rtc_cmos .*(registered|alarms|wake)", "^ACPI: \\\\_SB_\\.LNK.: Enabled at IRQ", "^virtio_blk virtio0",
            "^ata[12]: PATA", "^scsi 0:0:0:0: ", "^sd 0:0:0:0: \\[sda\\] [0-9]+ 512-byte")
            .map(Pattern::compile).toList();
    /** Lines that differ between jemu and QEMU for reasons the README lists. */
    private static final List<Pattern> KNOWN_DIFFERENCES = Stream.of(
            // QEMU's DSDT offers S3 (suspend to RAM), which jemu does not have
            "^ACPI: PM: \\(supports",
            // the HPET's RTC emulation counts periodic interrupts the guest took late: whether any
            // were lost depends on how busy the host was (seen on jemu under load)
            "^hpet: Lost [0-9]+ RTC interrupts")
            .map(Pattern::compile).toList();

    /** Boots {@code row} on QEMU and then jemu; returns their serial lines. */
    private static List<List<String>> bootRow(Row row) throws Exception {
        List<String> expected = Files.readAllLines(images.resolve("expected.txt"), StandardCharsets.UTF_8);
        assertEquals(DISKS.size(), expected.size(), "expected.txt: " + expected);
        List<String> qemu = boot(Emulator.QEMU, row, QEMU_TIMEOUT);
        assertEquals(expected, checksumLines(qemu), "QEMU's guest read other data than the build script wrote");
        List<String> jemu = boot(Emulator.JEMU, row, JEMU_TIMEOUT);
        assertEquals(checksumLines(qemu), checksumLines(jemu), "jemu's guest printed other checksums than QEMU's");
        return List.of(qemu, jemu);
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

    /** Boots the guest of {@code row} on {@code emulator} with fresh disks, checks the run and the disks, returns its serial lines. */
    private static List<String> boot(Emulator emulator, Row row, Duration timeout) throws Exception {
        Path dir = workspace.buildDir("linux/" + row.name() + "/" + emulator.displayName());
        List<String> options = new ArrayList<>(List.of("-machine", row.machine(), "-m", "256M", "-nodefaults",
                "-display", "none", "-serial", "stdio"));
        if (row.syslinux()) {
            // SeaBIOS boots the first IDE disk: MBR, SYSLINUX, the kernel with syslinux.cfg's arguments
            Path boot = dir.resolve("boot.img");
            Files.copy(images.resolve("boot.img"), boot, StandardCopyOption.REPLACE_EXISTING);
            options.addAll(List.of("-drive", "file=" + boot + ",format=raw,if=ide,index=0"));
        } else {
            options.addAll(List.of("-kernel", images.resolve("bzImage").toString(),
                    "-initrd", images.resolve("initramfs.cpio.gz").toString(),
                    "-append", row.append() + " " + COMMON_APPEND));
        }
        if (row.noReboot()) {
            options.add("-no-reboot");
        }
        if (row.iothread()) {
            options.addAll(List.of("-object", "iothread,id=io0"));
        }
        for (String disk : DISKS) {
            Path copy = dir.resolve(disk + ".ext4");
            Files.copy(images.resolve(disk + ".ext4"), copy, StandardCopyOption.REPLACE_EXISTING);
            boolean virtio = disk.equals("vda");
            if (virtio && row.iothread()) {
                options.addAll(List.of("-drive", "file=" + copy + ",format=raw,if=none,id=" + disk,
                        "-device", "virtio-blk-pci,drive=" + disk + ",iothread=io0"));
            } else {
                options.addAll(List.of("-drive", "file=" + copy + ",format=raw,if=" + (virtio ? "virtio"
                        : "ide,index=" + (row.syslinux() ? 1 : 0))));
            }
        }
        GuestRun run = GuestProcess.run(emulator.command(workspace, options), emulator.environment(), timeout,
                dir, emulator.displayName());
        String who = emulator.displayName() + " (" + row.name() + " board)";
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
