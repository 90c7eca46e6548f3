package dev.jemu.tests.memory;

import dev.jemu.tests.guest.Emulator;
import dev.jemu.tests.guest.GuestProcess;
import dev.jemu.tests.guest.GuestRun;
import dev.jemu.tests.guest.Nasm;
import dev.jemu.tests.guest.Workspace;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Guest RAM is reserved, not committed: a 16 GiB guest that touches 64 MiB starts on this
 * 24 GiB machine and its peak resident size stays far below its RAM size (measured with GNU
 * time, Debian package {@code time}).
 */
class LargeGuestMemoryTest {
    /** Far below 16 GiB, above the JVM, the 64 MiB touched and the heap's own overhead. */
    private static final long RSS_BOUND_KB = 512 * 1024;

    @Test
    void sixteenGibibyteGuestTouchingSixtyFourMibibytesStaysSmall() throws Exception {
        Workspace ws = Workspace.current();
        Path dir = ws.buildDir("memory");
        Path kernel = Nasm.assemble(ws, ws.images().resolve("memtouch/memtouch.asm"), List.of(), dir.resolve("memtouch.bin"));
        Path times = dir.resolve("time.txt");
        Files.deleteIfExists(times);
        List<String> command = new ArrayList<>(List.of("/usr/bin/time", "-f", "%M", "-o", times.toString()));
        command.addAll(Emulator.JEMU.command(ws, List.of("-m", "16G", "-nodefaults", "-display", "none", "-serial", "stdio",
                "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-kernel", kernel.toString())));
        GuestRun run = GuestProcess.run(command, Emulator.JEMU.environment(), Duration.ofSeconds(60), dir, "memtouch");
        assertEquals(85, run.exitStatus(), run.summary());
        assertEquals(List.of("touched 64 MiB"), run.serialLines());
        List<String> lines = Files.readAllLines(times);
        long rssKb = Long.parseLong(lines.getLast().trim());
        assertTrue(rssKb < RSS_BOUND_KB, "peak RSS " + rssKb + " KiB for a 16 GiB guest that touched 64 MiB");
    }
}
