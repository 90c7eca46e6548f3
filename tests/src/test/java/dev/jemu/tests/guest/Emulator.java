package dev.jemu.tests.guest;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The emulators a test kernel runs on. Both take the same command line; {@link #STANDARD_OPTIONS}
 * is the one the CPU test kernels use: a {@code pc} machine with 64 MiB, COM1 on standard
 * output, no display, no reboot, and {@code isa-debug-exit} at port 0xF4 so that the guest
 * chooses the exit status ({@code (value << 1) | 1}).
 */
public enum Emulator {
    /** Debian's QEMU with TCG, the reference. */
    QEMU,
    /** jemu through its launcher {@code bin/jemu}. */
    JEMU;

    public static final List<String> STANDARD_OPTIONS = List.of("-machine", "pc", "-m", "64M",
            "-display", "none", "-serial", "stdio", "-no-reboot",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04");

    private static final String QEMU_BINARY = "qemu-system-x86_64";

    /** The command that boots the multiboot {@code kernel} with {@code options} before {@code -kernel}. */
    public List<String> command(Workspace workspace, List<String> options, Path kernel) {
        List<String> all = new ArrayList<>(options);
        all.add("-kernel");
        all.add(kernel.toString());
        return command(workspace, all);
    }

    /** The command that starts this emulator with {@code options}. */
    public List<String> command(Workspace workspace, List<String> options) {
        List<String> command = new ArrayList<>();
        command.add(switch (this) {
            case QEMU -> QEMU_BINARY;
            case JEMU -> workspace.jemuLauncher().toString();
        });
        command.addAll(options);
        return List.copyOf(command);
    }

    /**
     * Environment for the emulator's process. jemu's standard output is the guest's serial
     * console, so the JVM's own diagnostics (unified logging writes warnings and errors to
     * standard output by default, e.g. about a class-data-sharing archive) go to standard
     * error instead, through the launcher's {@code JEMU_JAVA_OPTS}.
     */
    public Map<String, String> environment() {
        return switch (this) {
            case QEMU -> Map.of();
            case JEMU -> Map.of("JEMU_JAVA_OPTS", "-Xlog:disable -Xlog:all=warning:stderr");
        };
    }

    /**
     * Whether this emulator can be started here without further work. For jemu that means the
     * launcher and what it runs ({@code cli/target/jemu-cli.jar} and {@code cli/target/lib}, see
     * {@code bin/jemu-env}): without them the launcher would first build the whole tree, which
     * no test timeout allows for.
     */
    public boolean isInstalled(Workspace workspace) {
        return switch (this) {
            case QEMU -> onPath(QEMU_BINARY);
            case JEMU -> Files.isExecutable(workspace.jemuLauncher())
                    && Files.isRegularFile(workspace.root().resolve("cli/target/jemu-cli.jar"))
                    && Files.isDirectory(workspace.root().resolve("cli/target/lib"));
        };
    }

    public String displayName() {
        return switch (this) {
            case QEMU -> "qemu";
            case JEMU -> "jemu";
        };
    }

    private static boolean onPath(String binary) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, binary))) {
                return true;
            }
        }
        return false;
    }
}
