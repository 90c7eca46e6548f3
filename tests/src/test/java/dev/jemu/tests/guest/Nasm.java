package dev.jemu.tests.guest;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Assembles flat binaries with nasm, the way {@code images/Makefile} does. */
public final class Nasm {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private Nasm() {
    }

    /**
     * Assembles {@code source} into {@code output} with the shared include directory and the
     * given {@code -D} definitions ({@code NAME} or {@code NAME=VALUE}).
     *
     * @throws IOException when nasm fails; the message carries nasm's first error line
     */
    public static Path assemble(Workspace workspace, Path source, List<String> defines, Path output)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("nasm", "-f", "bin", "-w+error=number-overflow",
                "-I", workspace.imageLib() + "/"));
        for (String define : defines) {
            command.add("-D" + define);
        }
        command.addAll(List.of("-o", output.toString(), source.toString()));
        String name = output.getFileName().toString();
        GuestRun run = GuestProcess.run(command, TIMEOUT, output.getParent(), name + ".nasm");
        if (run.timedOut() || run.exitStatus() != 0) {
            String reason = run.stderr().lines().findFirst().orElse(run.summary());
            throw new IOException("nasm " + source.getFileName() + ": " + reason);
        }
        return output;
    }
}
