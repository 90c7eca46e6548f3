package dev.jemu.block.qcow2;

import dev.jemu.aio.AioEngine;
import dev.jemu.block.Preallocation;
import dev.jemu.block.TestImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A writer killed with SIGKILL in the middle of allocating writes leaves no corruption (leaks allowed). */
class CrashTest {
    @TempDir
    Path dir;

    /** The writer's first output line, waiting at most 30 s (the process is killed on timeout). */
    private static String firstLine(Process p) throws IOException, InterruptedException {
        StringBuilder sb = new StringBuilder();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        var in = p.getInputStream();
        while (System.nanoTime() < deadline) {
            while (in.available() > 0) {
                int c = in.read();
                if (c == '\n') {
                    return sb.toString();
                }
                sb.append((char) c);
            }
            if (!p.isAlive() && in.available() == 0) {
                break;
            }
            Thread.sleep(10);
        }
        p.destroyForcibly();
        return sb.toString();
    }

    @Test
    void killedWriterLeavesNoCorruption() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        for (int run = 0; run < 3; run++) {
            Path img = dir.resolve("crash" + run + ".qcow2");
            int cs = run == 1 ? 4096 : 65536;
            Qcow2Create.create(img.toString(), new Qcow2Create.Options(256L << 20, cs, 3, 16, false,
                    Preallocation.OFF, null, null));
            Process p = new ProcessBuilder(List.of(java, "--add-exports", "java.base/jdk.internal.vm=ALL-UNNAMED",
                    "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                    "-D" + AioEngine.PROPERTY + "=" + AioEngine.selected().propertyValue(),
                    CrashWriter.class.getName(), img.toString(), Integer.toString(run)))
                    .redirectErrorStream(true).start();
            assertEquals("writing", firstLine(p), "the writer got going");
            Thread.sleep(150L + 200L * run);
            p.destroyForcibly();
            assertTrue(p.waitFor(10, TimeUnit.SECONDS));
            TestImages.Run check = TestImages.exec("qemu-img", "check", img.toString());
            assertTrue(check.exit() == 0 || check.exit() == 3, "qemu-img check after kill -9 (exit "
                    + check.exit() + "):\n" + check.out() + check.err());
            assertFalse(check.err().contains("ERROR"), check.err());
        }
    }
}
