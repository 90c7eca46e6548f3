package dev.jemu.tests.conformance;

import dev.jemu.tests.guest.Emulator;
import dev.jemu.tests.guest.GuestProcess;
import dev.jemu.tests.guest.GuestRun;
import dev.jemu.tests.guest.Workspace;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * test386.asm as the BIOS ROM on QEMU and on jemu, its POST codes on port 0x190 captured by an
 * isa-debugcon into a file. The ROM halts after its last test (0xFF) or at the first test that
 * fails, so each emulator runs for a fixed bound and the codes it wrote are compared: jemu must
 * get through every test QEMU gets through (QEMU 7.2 stops at 0x20), and through all of them to
 * 0xFF. It runs as the archive configures it (a 64 KiB ROM) and with ROM128 set (128 KiB, which
 * adds the hardware task-switch tests of POST 22).
 */
class Test386Test {
    private static final Duration QEMU_BOUND = Duration.ofSeconds(10);
    private static final Duration JEMU_BOUND = Duration.ofSeconds(60);
    private static final int ALL_PASSED = 0xFF;

    private static byte[] postCodes(Workspace workspace, Path rom, Emulator emulator, Duration bound) throws Exception {
        Path dir = workspace.buildDir("conformance-runs");
        String name = rom.getFileName().toString().replace(".bin", "");
        Path post = dir.resolve(name + ".post." + emulator.displayName());
        Files.deleteIfExists(post);
        List<String> options = List.of("-machine", "pc", "-nodefaults", "-display", "none", "-serial", "none",
                "-bios", rom.toString(), "-chardev", "file,id=post,path=" + post,
                "-device", "isa-debugcon,iobase=0x190,chardev=post");
        GuestRun run = GuestProcess.run(emulator.command(workspace, options), emulator.environment(), bound, dir,
                name + "." + emulator.displayName());
        assertTrue(run.timedOut() || run.exitStatus() == 0, emulator.displayName() + ": " + run.summary());
        return Files.exists(post) ? Files.readAllBytes(post) : new byte[0];
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"test386.bin", "test386-rom128.bin"})
    void jemuPassesEveryTest(String romName) throws Exception {
        Workspace workspace = Workspace.current();
        assertTrue(Emulator.QEMU.isInstalled(workspace), "qemu-system-x86_64 is not on PATH");
        assertTrue(Emulator.JEMU.isInstalled(workspace), "bin/jemu is not runnable (package the cli module first)");
        Path rom = Suites.build(workspace).resolve("test386.asm").resolve(romName);
        byte[] qemu = postCodes(workspace, rom, Emulator.QEMU, QEMU_BOUND);
        byte[] jemu = postCodes(workspace, rom, Emulator.JEMU, JEMU_BOUND);
        HexFormat hex = HexFormat.ofDelimiter(" ");
        System.out.printf("%s POST codes: qemu %s, jemu %s%n", romName, hex.formatHex(qemu), hex.formatHex(jemu));
        assertTrue(qemu.length > 0, "QEMU wrote no POST code");
        assertTrue(jemu.length >= qemu.length, "jemu's POST codes (" + hex.formatHex(jemu)
                + ") end before QEMU's (" + hex.formatHex(qemu) + ")");
        for (int i = 0; i < qemu.length; i++) {
            assertEquals(qemu[i], jemu[i], "POST code #" + i + " (QEMU: " + hex.formatHex(qemu) + ", jemu: "
                    + hex.formatHex(jemu) + ")");
        }
        assertEquals(ALL_PASSED, jemu[jemu.length - 1] & 0xFF, "jemu's last POST code (" + hex.formatHex(jemu) + ")");
    }
}
