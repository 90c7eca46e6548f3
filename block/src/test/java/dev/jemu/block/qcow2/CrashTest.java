package dev.jemu.block.qcow2;

import dev.jemu.aio.AioEngine;
import dev.jemu.block.Preallocation;
import dev.jemu.block.TestImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A writer killed with SIGKILL in the middle of allocating writes leaves no corruption (leaks allowed). */
class CrashTest {
    @TempDir
    Path dir;

    /**
     * Reads the writer's lines until it reports {@code writes} writes done; false if it ends or
     * says anything else first, or 60 s pass (the process is killed then, which ends the read).
     */
    private static boolean awaitWrites(Process p, int writes) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<Boolean> reached = CompletableFuture.supplyAsync(() -> {
            try {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (!line.startsWith("written ")) {
                        return false;
                    }
                    if (Integer.parseInt(line.substring(8)) >= writes) {
                        return true;
                    }
                }
                return false;
            } catch (IOException e) {
                return false;
            }
        });
        try {
            return reached.get(60, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            p.destroyForcibly();
            return false;
        }
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
            // Killed at a different point of its work in each run.
            assertTrue(awaitWrites(p, 100 + 300 * run), "the writer got going");
            p.destroyForcibly();
            assertTrue(p.waitFor(10, TimeUnit.SECONDS));
            TestImages.Run check = TestImages.exec("qemu-img", "check", img.toString());
            assertTrue(check.exit() == 0 || check.exit() == 3, "qemu-img check after kill -9 (exit "
                    + check.exit() + "):\n" + check.out() + check.err());
            assertFalse(check.err().contains("ERROR"), check.err());
        }
    }
}
