package dev.jemu.tests.gdb;

import dev.jemu.tests.guest.Emulator;
import dev.jemu.tests.guest.GuestProcess;
import dev.jemu.tests.guest.GuestRun;
import dev.jemu.tests.guest.Workspace;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Debian's gdb against jemu's stub and against QEMU's, with one script: break at a symbol,
 * continue, read registers (general, RIP, CR0, EFLAGS with its bit names) and memory, single
 * step, a hardware watchpoint, a memory write that changes the guest's exit status, and a
 * final continue. The guest ({@code images/gdb/gdbguest.asm}) is a multiboot ELF kernel with
 * symbols that counts to five in long mode. Everything gdb prints between the first stop and
 * the last continue must be the same on both; the expected values also follow from the
 * guest's code (RCX is 1 and 2 at the first two stops, the watchpoint sees 2 become 3). QEMU
 * starts the kernel through SeaBIOS and jemu directly, so the first stop (the reset vector
 * on QEMU, the kernel's entry on jemu) is not compared; and QEMU closes the connection when
 * the guest exits where jemu tells gdb the exit status. A second guest
 * ({@code images/gdb/gdbguest32.asm}) runs in 32-bit protected mode, long mode and
 * compatibility mode: gdb, given the 32-bit ELF and {@code set architecture i386:x86-64} as
 * {@code qemu-system-x86_64} requires (it describes the x86-64 register file in every mode),
 * must see the same registers on both, cut to 32 bits outside 64-bit code; its script also
 * passes commands to the monitor ({@code monitor info status}, {@code x}, {@code xp}), whose
 * output must be QEMU's.
 */
class GdbStubTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final String SCRIPT = """
            set pagination off
            set confirm off
            target remote %s
            break tick
            continue
            print $rcx
            continue
            print $rcx
            x/gx &counter
            info registers rip
            delete
            stepi
            info registers rip
            stepi
            stepi
            print $rcx
            watch *(long *)&counter
            continue
            print $rcx
            delete
            set var *(char *)&exit_code = 0x20
            print/x $cr0
            print $eflags
            continue
            """;
    private static final String SCRIPT32 = """
            set pagination off
            set confirm off
            set architecture i386:x86-64
            target remote %s
            break tick32
            break tick64
            break tick_compat
            monitor info status
            continue
            monitor info status
            monitor x /3i $pc
            monitor xp /4xw 0x100000
            monitor xp /2x $ecx+2*$esi
            info registers
            x/2i $pc
            stepi
            info registers rip rcx
            x/wx &counter
            continue
            info registers rax rbx r8 rip cs
            continue
            info registers rax rbx rcx r8 rip cs efer cr0 cr4
            set var $rbx = 0x42
            set var $r8 = 0x99
            print/x $rbx
            print/x $r8
            set {char} &exit_code = 0x20
            continue
            """;

    private static Workspace ws;
    private static Path dir;
    private static Path kernel;
    private static Path symbols;
    private static Path kernel32;

    @BeforeAll
    static void build() throws Exception {
        ws = Workspace.current();
        dir = ws.buildDir("gdb");
        Path object = dir.resolve("gdbguest.o");
        kernel = dir.resolve("gdbguest.elf");
        symbols = dir.resolve("gdbguest64.elf");
        nasm(object, "gdbguest.asm");
        tool(List.of("ld", "-m", "elf_i386", "-N", "--no-warn-rwx-segments", "-Ttext=0x100000", "-o", kernel.toString(),
                object.toString()));
        tool(List.of("objcopy", "-O", "elf64-x86-64", kernel.toString(), symbols.toString()));
        Path object32 = dir.resolve("gdbguest32.o");
        kernel32 = dir.resolve("gdbguest32.elf");
        nasm(object32, "gdbguest32.asm");
        tool(List.of("ld", "-m", "elf_i386", "-N", "--no-warn-rwx-segments", "-Ttext=0x100000", "-o", kernel32.toString(),
                object32.toString()));
    }

    /** Assembles {@code images/gdb/NAME} (which includes {@code longmode.inc} from its directory). */
    private static void nasm(Path object, String name) throws IOException, InterruptedException {
        Path src = ws.images().resolve("gdb");
        tool(List.of("nasm", "-f", "elf32", "-i", src + "/", "-o", object.toString(), src.resolve(name).toString()));
    }

    private static void tool(List<String> command) throws IOException, InterruptedException {
        GuestRun r = GuestProcess.run(command, Duration.ofSeconds(60), dir, command.get(0));
        if (r.timedOut() || r.exitStatus() != 0) {
            throw new IOException(String.join(" ", command) + ": " + r.summary());
        }
    }

    /** What gdb printed, what it passed on from the monitor (on its standard error), and the emulator's exit status. */
    private record Session(List<String> gdb, List<String> monitor, int exitStatus) {
    }

    /** Runs {@code guest} under {@code emulator} and gdb with {@code script} (its %s the socket) and {@code symbolFile}. */
    private static Session debug(Emulator emulator, Path guest, String script, Path symbolFile) throws Exception {
        String name = emulator.displayName() + "-" + guest.getFileName();
        Path sock = dir.resolve(name + ".sock");
        Files.deleteIfExists(sock);
        List<String> options = List.of("-display", "none", "-nodefaults", "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
                "-kernel", guest.toString(), "-S", "-gdb", "unix:" + sock + ",server=on");
        ProcessBuilder b = new ProcessBuilder(emulator.command(ws, options))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(dir.resolve(name + ".out").toFile())
                .redirectError(dir.resolve(name + ".err").toFile());
        b.environment().putAll(emulator.environment());
        Process vm = b.start();
        try {
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (!Files.exists(sock)) {
                assertTrue(vm.isAlive(), emulator.displayName() + " exited before listening: "
                        + Files.readString(dir.resolve(name + ".err")));
                assertTrue(System.nanoTime() < deadline, emulator.displayName() + " does not listen on " + sock);
                vm.waitFor(20, TimeUnit.MILLISECONDS);
            }
            Path scriptFile = dir.resolve(name + ".gdb");
            Files.writeString(scriptFile, script.formatted(sock));
            GuestRun gdb = GuestProcess.run(List.of("gdb", "-nx", "-batch", "-x", scriptFile.toString(), symbolFile.toString()),
                    TIMEOUT, dir, name + "-gdb");
            assertFalse(gdb.timedOut(), "gdb timed out against " + emulator.displayName());
            assertTrue(vm.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS), emulator.displayName() + " did not exit");
            // the monitor's lines (status, x /i, xp), without gdb's own warnings
            List<String> monitor = gdb.stderr().lines().filter(l -> l.startsWith("VM status: ") || l.startsWith("0x00")
                    || l.startsWith("00000000")).toList();
            return new Session(gdb.serialLines(), monitor, vm.exitValue());
        } finally {
            vm.destroyForcibly();
        }
    }

    @Test
    void gdbSeesTheSameGuestOnJemuAndQemu() throws Exception {
        Session qemu = debug(Emulator.QEMU, kernel, SCRIPT, symbols);
        Session jemu = debug(Emulator.JEMU, kernel, SCRIPT, symbols);
        List<String> q = between(qemu.gdb(), "$6 = ");
        List<String> j = between(jemu.gdb(), "$6 = ");
        assertEquals(q, j, "gdb's view of jemu differs from its view of QEMU");
        assertTrue(j.containsAll(List.of("$1 = 1", "$2 = 2", "$3 = 3", "Old value = 2", "New value = 3")), j::toString);
        assertTrue(j.stream().anyMatch(l -> l.startsWith("rip            0x10008d")), j::toString);
        // the memory write took: both exit with (0x20 << 1) | 1
        assertEquals(65, qemu.exitStatus());
        assertEquals(65, jemu.exitStatus());
        assertEquals("[Inferior 1 (Remote target) exited with code 0101]", jemu.gdb().get(jemu.gdb().size() - 1));
    }

    @Test
    void gdbSeesThe32BitModesAsOnQemu() throws Exception {
        Session qemu = debug(Emulator.QEMU, kernel32, SCRIPT32, kernel32);
        Session jemu = debug(Emulator.JEMU, kernel32, SCRIPT32, kernel32);
        List<String> q = between(qemu.gdb(), "$2 = ");
        List<String> j = between(jemu.gdb(), "$2 = ");
        assertEquals(q, j, "gdb's view of jemu differs from its view of QEMU");
        // from the guest's code: 64-bit values at tick64, their low halves (and R8 as zero) in
        // compatibility mode, where a debugger's write of EBX takes and one of R8 does not
        assertTrue(j.contains("rax            0x1122334455667788  1234605616436508552"), j::toString);
        assertTrue(j.contains("rax            0x55667788          1432778632"), j::toString);
        assertTrue(j.contains("r8             0x0                 0"), j::toString);
        assertTrue(j.containsAll(List.of("$1 = 0x42", "$2 = 0x0")), j::toString);
        // gdb's monitor command runs on the human monitor: the run state before the first
        // continue and at a breakpoint, the code at the breakpoint, memory from the guest's
        // multiboot header, an address from registers (ECX + 2 * ESI, past the end of RAM)
        assertEquals(qemu.monitor(), jemu.monitor(), "the monitor's output through gdb");
        List<String> m = jemu.monitor();
        assertEquals(8, m.size(), m::toString);
        assertEquals(List.of("VM status: paused (prelaunch)", "VM status: paused (debug)"), m.subList(0, 2));
        assertTrue(m.get(2).startsWith("0x00100055:  41 ") && m.get(2).endsWith("incl     %ecx"), m::toString);
        assertTrue(m.get(6).startsWith("0000000000100000: 0x1badb002 0x00000000 "), m::toString);
        assertEquals("000000002468acf1: Cannot access memory", m.get(7));
        assertEquals(65, qemu.exitStatus());
        assertEquals(65, jemu.exitStatus());
    }

    /**
     * A client speaking garbage gets protocol answers, not a dead stub: a bad checksum is
     * refused with '-', malformed and unknown packets get an error or the empty reply, a
     * packet past the size limit closes that connection, and the next debugger is served.
     */
    @Test
    void garbageFromAClientIsAnsweredAndTheNextDebuggerServed() throws Exception {
        Path sock = dir.resolve("garbage.sock");
        Files.deleteIfExists(sock);
        List<String> options = List.of("-display", "none", "-nodefaults", "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
                "-kernel", kernel.toString(), "-S", "-gdb", "unix:" + sock + ",server=on,wait=off");
        ProcessBuilder b = new ProcessBuilder(Emulator.JEMU.command(ws, options))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(dir.resolve("garbage.out").toFile())
                .redirectError(dir.resolve("garbage.err").toFile());
        b.environment().putAll(Emulator.JEMU.environment());
        Process vm = b.start();
        try {
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (!Files.exists(sock)) {
                assertTrue(vm.isAlive() && System.nanoTime() < deadline, "jemu does not listen on " + sock);
                vm.waitFor(20, TimeUnit.MILLISECONDS);
            }
            try (RawClient c = new RawClient(sock)) {
                c.send("$g#00");
                assertEquals('-', c.read());
                assertEquals("E01", c.request("mzz,4"));
                assertEquals("E01", c.request("Z0"));
                assertEquals("", c.request("qNoSuchThing"));
                assertEquals("", c.request("Z9,1000,1"));
                assertEquals("E14", c.request("p999"));
                c.send("$" + "x".repeat(0x5000) + "#00");
                assertEquals(-1, c.readUntilClosed(), "an over-long packet must close the connection");
            }
            try (RawClient c = new RawClient(sock)) {
                assertEquals("T05thread:01;", c.request("?"));
                c.send("$k#6b");
                assertEquals('+', c.read());
            }
            assertTrue(vm.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS), "jemu did not exit on 'k'");
            assertEquals(0, vm.exitValue());
        } finally {
            vm.destroyForcibly();
        }
    }

    /** A remote-protocol client on a Unix socket, speaking bytes. */
    private static final class RawClient implements AutoCloseable {
        private final java.nio.channels.SocketChannel ch;
        private final java.io.InputStream in;

        RawClient(Path sock) throws IOException {
            ch = java.nio.channels.SocketChannel.open(java.net.UnixDomainSocketAddress.of(sock));
            in = java.nio.channels.Channels.newInputStream(ch);
        }

        void send(String s) throws IOException {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(s.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            while (b.hasRemaining()) {
                ch.write(b);
            }
        }

        int read() throws IOException {
            return in.read();
        }

        /** Sends {@code packet} framed with its checksum; returns the reply's data (after the '+' acknowledgement). */
        String request(String packet) throws IOException {
            int sum = 0;
            for (char c : packet.toCharArray()) {
                sum += c;
            }
            send("$" + packet + "#" + String.format("%02x", sum & 0xFF));
            assertEquals('+', read());
            assertEquals('$', read());
            StringBuilder reply = new StringBuilder();
            for (int c; (c = read()) != '#'; ) {
                assertTrue(c >= 0, "connection closed mid-reply");
                reply.append((char) c);
            }
            read();
            read();
            return reply.toString();
        }

        int readUntilClosed() throws IOException {
            int c;
            do {
                c = read();
            } while (c >= 0);
            return c;
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }

    /**
     * The lines from the breakpoint's creation to the output of the last command before the
     * final continue (the line starting with {@code lastPrint}).
     */
    private static List<String> between(List<String> lines, String lastPrint) {
        int from = -1;
        int to = -1;
        for (int k = 0; k < lines.size(); k++) {
            if (from < 0 && lines.get(k).startsWith("Breakpoint 1 at ")) {
                from = k;
            }
            if (lines.get(k).startsWith(lastPrint)) {
                to = k;
            }
        }
        assertTrue(from >= 0 && to > from, "gdb's output lacks the breakpoint or the last print: " + lines);
        return new ArrayList<>(lines.subList(from, to + 1));
    }
}
