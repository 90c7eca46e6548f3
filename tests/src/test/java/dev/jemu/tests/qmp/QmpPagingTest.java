package dev.jemu.tests.qmp;

import dev.jemu.tests.guest.Emulator;
import dev.jemu.tests.guest.Nasm;
import dev.jemu.tests.guest.Workspace;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * HMP {@code x} through the guest's paging, beside QEMU: the test kernels of {@code images/}
 * (2-level paging with 4 MiB pages, PAE with 2 MiB pages, 4-level paging) run their tests and
 * halt with paging on (no isa-debug-exit to leave through); then {@code x} at addresses their
 * page maps remap (0x3F3000 maps 0x3F4000, 0x800000 is a large page on 0x400000, the first
 * GiB again at 0xFFFF800000000000), leave unmapped (0x3F0000, 0x7FFFFFFFF000) or map as is
 * must print QEMU's text, as must {@code xp} of the physical pages behind them.
 */
class QmpPagingTest {
    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(120);
    private static Workspace workspace;

    @BeforeAll
    static void emulatorsAreInstalled() {
        workspace = Workspace.current();
        assertTrue(Emulator.QEMU.isInstalled(workspace), "qemu-system-x86_64 is not on PATH (Debian package qemu-system-x86)");
        assertTrue(Emulator.JEMU.isInstalled(workspace), "jemu's launcher is not built");
    }

    @ParameterizedTest
    @CsvSource({"pmode,pmode.asm,", "pmode-pae,pmode.asm,PAE", "longmode,longmode.asm,"})
    void xTranslatesAsQemuDoes(String name, String source, String define) throws Exception {
        List<String> commands = new ArrayList<>(List.of("x /4wx 0x3f3000", "xp /4wx 0x3f4000", "x /4wx 0x3f0000",
                "x /4wx 0x800000", "xp /4wx 0x400000", "x /8bx 0x100000", "x /2gx 0x3f2ff8"));
        if (name.equals("longmode")) {
            commands.addAll(List.of("x /4gx 0xffff800000100000", "x /2gx 0x7ffffffff000", "x /2gx 0x8000000000000000"));
        }
        Path kernel = workspace.buildDir("qmp/paging-" + name).resolve(name + ".bin");
        Nasm.assemble(workspace, workspace.images().resolve(source), define == null ? List.of() : List.of(define), kernel);
        List<String> qemu = dumps(Emulator.QEMU, name, kernel, commands);
        List<String> jemu = dumps(Emulator.JEMU, name, kernel, commands);
        for (int i = 0; i < commands.size(); i++) {
            assertEquals(qemu.get(i), jemu.get(i), name + ": " + commands.get(i));
        }
        assertTrue(qemu.get(2).endsWith(": Cannot access memory\r\n"), "QEMU: " + qemu.get(2));
    }

    private static List<String> dumps(Emulator emulator, String name, Path kernel, List<String> commands) throws Exception {
        Path dir = workspace.buildDir("qmp/paging-" + name + "-" + emulator.displayName());
        Path serial = dir.resolve("serial.txt");
        Files.deleteIfExists(serial);
        List<String> options = List.of("-machine", "pc", "-m", "64M", "-display", "none", "-nodefaults",
                "-serial", "file:" + serial, "-kernel", kernel.toString());
        List<String> out = new ArrayList<>();
        try (QmpVmProcess vm = QmpVmProcess.start(emulator, workspace, dir, 1, options);
             QmpClient qmp = vm.connect(0).negotiate()) {
            awaitDone(serial);
            qmp.execute("stop");
            String registers = qmp.hmp("info registers");
            Matcher cr0 = Pattern.compile("CR0=([0-9a-f]+)").matcher(registers);
            assertTrue(cr0.find() && (Long.parseLong(cr0.group(1), 16) & (1L << 31)) != 0,
                    emulator.displayName() + ": paging is off at the end: " + registers);
            for (String c : commands) {
                out.add(qmp.hmp(c));
            }
        }
        return out;
    }

    /** Waits until the kernel has printed its "done" line (it then halts). */
    private static void awaitDone(Path serial) throws IOException {
        long deadline = System.nanoTime() + RUN_TIMEOUT.toNanos();
        while (!Files.exists(serial) || !Files.readString(serial).contains("done")) {
            if (System.nanoTime() > deadline) {
                throw new IOException("the kernel did not finish within " + RUN_TIMEOUT.toSeconds() + " s: "
                        + (Files.exists(serial) ? Files.readString(serial) : "no output"));
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
    }
}
