package dev.jemu.cli.nbd;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Ways to run jemu-nbd in tests, and the clients and oracles they talk to. */
final class NbdRun {
    private NbdRun() {
    }

    /** Exit status and standard error of a run. */
    record Result(int status, String err) {
    }

    /** jemu-nbd in this JVM with standard error captured (for command lines that end at once). */
    static Result jemu(String... args) {
        PrintStream saved = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        int status;
        try {
            status = JemuNbd.run(args);
        } finally {
            System.setErr(saved);
        }
        return new Result(status, buf.toString(StandardCharsets.UTF_8));
    }

    /** qemu-nbd with {@code args}, which must end within 20 s; its stderr with qemu-nbd renamed jemu-nbd. */
    static Result qemuNbd(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("qemu-nbd"));
        cmd.addAll(List.of(args));
        Process p = start(dir, cmd);
        String err = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("qemu-nbd did not end: " + cmd);
        }
        return new Result(p.exitValue(), err.replace("qemu-nbd", "jemu-nbd"));
    }

    /** jemu-nbd as its own process (a JVM with this test's class path), stdout and stderr merged. */
    static Process jemuProcess(Path dir, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--add-exports", "java.base/jdk.internal.vm=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow", "-cp", System.getProperty("java.class.path"),
                JemuNbd.class.getName()));
        cmd.addAll(List.of(args));
        return start(dir, cmd);
    }

    private static Process start(Path dir, List<String> cmd) throws IOException {
        return new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    }

    /** Waits (at most 30 s) until {@code pidFile} holds a PID, that is until the server listens; returns it. */
    static long awaitPidFile(Path pidFile, Process server) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.exists(pidFile) || Files.size(pidFile) == 0) {
            if (System.nanoTime() > deadline || (server != null && !server.isAlive())) {
                fail("jemu-nbd did not start listening"
                        + (server != null && !server.isAlive() ? ": " + new String(server.getInputStream().readAllBytes()) : ""));
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
        return Long.parseLong(Files.readString(pidFile).trim());
    }

    /** Runs {@code qemu-io -f raw -c ... uri}, which must succeed within 30 s; returns its output. */
    static String qemuIo(String uri, String... commands) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("qemu-io", "-f", "raw"));
        for (String c : commands) {
            cmd.add("-c");
            cmd.add(c);
        }
        cmd.add(uri);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "qemu-io did not end");
        assertTrue(p.exitValue() == 0 && !out.contains("failed") && !out.contains("Pattern verification"), out);
        return out;
    }
}
