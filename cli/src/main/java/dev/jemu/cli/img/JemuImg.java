package dev.jemu.cli.img;

import dev.jemu.block.BlockException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;

/**
 * {@code jemu-img}: creates, inspects, checks, converts and benchmarks disk images with
 * qemu-img's subcommands, options, messages and exit codes. Errors are one line,
 * {@code jemu-img: <what went wrong>}, on standard error.
 */
@Command(name = "jemu-img", mixinStandardHelpOptions = true, version = "jemu-img 0.1.0",
        description = "Disk image utility (qemu-img compatible).",
        subcommands = {CreateCommand.class, InfoCommand.class, CheckCommand.class, ConvertCommand.class,
                MapCommand.class, CompareCommand.class, ResizeCommand.class, RebaseCommand.class,
                CommitCommand.class, SnapshotCommand.class, BenchCommand.class})
public final class JemuImg implements Callable<Integer> {

    /** Runs the tool and exits with its status. */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the tool; returns the exit status. */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new JemuImg());
        // "resize img -1G": a leading dash in a size is a value, not an option.
        cl.setUnmatchedOptionsArePositionalParams(true);
        cl.setParameterExceptionHandler((ex, a) -> {
            System.err.println("jemu-img: " + ex.getMessage());
            System.err.println("Try 'jemu-img --help' for more information.");
            return 1;
        });
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            System.err.println("jemu-img: " + message(ex));
            return 1;
        });
        return cl.execute(args);
    }

    static String message(Throwable ex) {
        if (ex instanceof BlockException) {
            return ex.getMessage();
        }
        if (ex instanceof IOException) {
            return ex.getMessage() != null ? ex.getMessage() : ex.toString();
        }
        if (ex instanceof OutOfMemoryError) {
            return "Out of memory";
        }
        return "internal error: " + ex;
    }

    @Override
    public Integer call() {
        PrintWriter err = new PrintWriter(System.err, true);
        err.println("jemu-img: Not enough arguments");
        err.println("Try 'jemu-img --help' for more information.");
        return 1;
    }
}
