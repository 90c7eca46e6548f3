package dev.jemu.tests.conformance;

import dev.jemu.tests.guest.GuestProcess;
import dev.jemu.tests.guest.GuestRun;
import dev.jemu.tests.guest.Workspace;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Where the suites come from and where they are built: the archives in the directory of the
 * {@code jemu.ext} system property (the tests module's Surefire configuration passes
 * {@code ../shared/ext} beside the checkout), built once per build directory by
 * {@code images/conformance/build-suites.sh}.
 */
final class Suites {
    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(20);
    private static Path built;

    private Suites() {
    }

    /** The folder the suites are built in (kvm-unit-tests/, test386.asm/), building them first if needed. */
    static synchronized Path build(Workspace workspace) throws IOException, InterruptedException {
        if (built != null) {
            return built;
        }
        String ext = System.getProperty("jemu.ext");
        if (ext == null || ext.isBlank()) {
            throw new IllegalStateException(
                    "system property jemu.ext is not set (the tests module's Surefire configuration sets it)");
        }
        Path extDir = Path.of(ext).toAbsolutePath().normalize();
        if (!Files.isRegularFile(extDir.resolve("README.md"))) {
            throw new IllegalStateException("jemu.ext=" + extDir + ": not the folder of the suites' archives (no README.md)");
        }
        Path work = workspace.buildDir("conformance");
        Path script = workspace.images().resolve("conformance/build-suites.sh");
        GuestRun run = GuestProcess.run(List.of(script.toString(), extDir.toString(), work.toString()),
                BUILD_TIMEOUT, work, "build-suites");
        if (run.timedOut() || run.exitStatus() != 0) {
            throw new IllegalStateException(script + " failed: " + run.summary());
        }
        built = work;
        return work;
    }
}
