package dev.jemu.tests.cpu;

import dev.jemu.tests.guest.Emulator;
import dev.jemu.tests.guest.GuestProcess;
import dev.jemu.tests.guest.GuestRun;
import dev.jemu.tests.guest.Nasm;
import dev.jemu.tests.guest.Workspace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds each kernel once and runs it once per emulator, sharing the results between the test
 * classes of one test JVM (the QEMU run of a kernel is the reference for several tests); the
 * maps are guarded by the class's lock. Kernels go to {@code target/kernels/}, serial logs to
 * {@code target/runs/}.
 */
final class KernelRuns {

    private static final Workspace WORKSPACE = Workspace.current();
    private static final Map<String, Path> KERNELS = new HashMap<>();
    private static final Map<String, GuestRun> RUNS = new HashMap<>();

    private KernelRuns() {
    }

    static Workspace workspace() {
        return WORKSPACE;
    }

    /** The assembled kernel of {@code kernelCase}. */
    static synchronized Path kernel(KernelCase kernelCase) throws IOException, InterruptedException {
        Path built = KERNELS.get(kernelCase.name());
        if (built == null) {
            built = build(kernelCase);
            KERNELS.put(kernelCase.name(), built);
        }
        return built;
    }

    /** The run of {@code kernelCase} under {@code emulator}. */
    static GuestRun run(KernelCase kernelCase, Emulator emulator) throws IOException, InterruptedException {
        return run(kernelCase, emulator, List.of(), "", "");
    }

    /**
     * The run of {@code kernelCase} under {@code emulator} with {@code extraOptions} before its
     * own and {@code javaOptions} added to the JVM's (jemu only), kept under a name ending in
     * {@code variant} (its log beside the others).
     */
    static synchronized GuestRun run(KernelCase kernelCase, Emulator emulator, List<String> extraOptions,
                                     String javaOptions, String variant) throws IOException, InterruptedException {
        String key = kernelCase.name() + "." + emulator.displayName() + variant;
        GuestRun run = RUNS.get(key);
        if (run == null) {
            Path kernel = kernel(kernelCase);
            List<String> options = new ArrayList<>(extraOptions);
            options.addAll(kernelCase.options());
            Map<String, String> env = new HashMap<>(emulator.environment());
            if (!javaOptions.isEmpty()) {
                env.merge("JEMU_JAVA_OPTS", javaOptions, (a, b) -> a + " " + b);
            }
            run = GuestProcess.run(emulator.command(WORKSPACE, options, kernel), env, kernelCase.timeout(),
                    WORKSPACE.buildDir("runs"), key);
            RUNS.put(key, run);
        }
        return run;
    }

    private static Path build(KernelCase kernelCase) throws IOException, InterruptedException {
        Path dir = WORKSPACE.buildDir("kernels");
        Path output = dir.resolve(kernelCase.name() + ".bin");
        return switch (kernelCase.source()) {
            case KernelSource.Image image -> Nasm.assemble(WORKSPACE,
                    WORKSPACE.images().resolve(image.path()), image.defines(), output);
            case KernelSource.Made made -> make(kernelCase.name(), made, dir);
            case KernelSource.Random random -> {
                Path source = dir.resolve(kernelCase.name() + ".asm");
                Files.writeString(source, RandomProgram.generate(random.mode(), random.seed(),
                        random.blocks(), random.steps(), random.trace()));
                yield Nasm.assemble(WORKSPACE, source, List.of(), output);
            }
        };
    }

    /** Runs {@code make} in {@code images/} for {@code made}, in a directory of the case's own. */
    private static Path make(String name, KernelSource.Made made, Path dir) throws IOException, InterruptedException {
        Path out = dir.resolve(name);
        Files.createDirectories(out);
        List<String> command = new ArrayList<>(List.of("make", "-s", "-C", WORKSPACE.images().toString(),
                "OUT=" + out));
        command.addAll(made.variables());
        command.add(out.resolve(made.kernel() + ".bin").toString());
        GuestRun run = GuestProcess.run(command, java.time.Duration.ofSeconds(120), dir, name + ".make");
        if (run.timedOut() || run.exitStatus() != 0) {
            String reason = run.stderr().lines().findFirst().orElse(run.summary());
            throw new IOException("make " + made.kernel() + ".bin: " + reason);
        }
        return out.resolve(made.kernel() + ".bin");
    }
}
