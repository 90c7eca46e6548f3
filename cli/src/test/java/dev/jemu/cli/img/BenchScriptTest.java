package dev.jemu.cli.img;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code bin/jemu-bench --help}, the launcher beside jemu-img whose suites include jemu-img's. */
class BenchScriptTest {
    @Test
    void helpListsTheSuitesAndExitsZero() throws Exception {
        Path script = Path.of("..", "bin", "jemu-bench").toAbsolutePath().normalize();
        for (String help : new String[] {"--help", "-h"}) {
            Process p = new ProcessBuilder(script.toString(), help).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), out);
            assertTrue(out.startsWith("jemu-bench SUITE [ARGS...]"), out);
            // Every suite the script dispatches is listed.
            for (String suite : new String[] {"coroutine", "dispatch", "cpu", "block", "nbd", "startup", "boot",
                    "linux"}) {
                assertTrue(out.contains("\n  " + suite + " "), out);
            }
        }
    }
}
