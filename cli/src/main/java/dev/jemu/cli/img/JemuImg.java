package dev.jemu.cli.img;

import dev.jemu.block.BlockException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code jemu-img}: creates, inspects, checks, converts and benchmarks disk images with
 * qemu-img's subcommands, options, messages and exit codes. Errors are one line,
 * {@code jemu-img: <what went wrong>}, on standard error; usage errors add qemu-img's hint line.
 * Runs on the thread that calls {@link #run}.
 */
@Command(name = "jemu-img", version = "jemu-img 0.1.0",
        description = "Disk image utility (qemu-img compatible).")
public final class JemuImg implements Callable<Integer> {
    static final String HINT = "Try 'jemu-img --help' for more information";

    /**
     * The subcommands, in the order {@code --help} lists them. Only the one a command line
     * names is built (picocli reflects over a command's annotations when it is added, which
     * costs start-up time); all of them when it names none or an unknown one.
     */
    private static final List<String> COMMANDS = List.of("create", "info", "check", "convert", "dd", "map",
            "compare", "resize", "rebase", "commit", "snapshot", "amend", "bench", "measure");

    private static Callable<Integer> command(String name) {
        return switch (name) {
            case "create" -> new CreateCommand();
            case "info" -> new InfoCommand();
            case "check" -> new CheckCommand();
            case "convert" -> new ConvertCommand();
            case "dd" -> new DdCommand();
            case "map" -> new MapCommand();
            case "compare" -> new CompareCommand();
            case "resize" -> new ResizeCommand();
            case "rebase" -> new RebaseCommand();
            case "commit" -> new CommitCommand();
            case "snapshot" -> new SnapshotCommand();
            case "amend" -> new AmendCommand();
            case "bench" -> new BenchCommand();
            case "measure" -> new MeasureCommand();
            default -> throw new IllegalArgumentException(name);
        };
    }

    /** qemu-img 7.2's subcommands that jemu-img does not have. */
    private static final Set<String> QEMU_ONLY_COMMANDS = Set.of("bitmap");

    /**
     * qemu-img 7.2's options of every subcommand that jemu-img does not have: user-creatable
     * objects (secrets, TLS credentials) and images given as option strings ({@code create} has
     * no {@code --image-opts}).
     */
    private static final List<String> QEMU_ONLY_COMMON = List.of("--object", "--image-opts");

    /** Per subcommand, qemu-img 7.2's other options that jemu-img does not have. */
    private static final Map<String, List<String>> QEMU_ONLY_OPTIONS = Map.of(
            "commit", List.of("-b", "-r"),
            "compare", List.of("-p"),
            "convert", List.of("--target-image-opts", "--bitmaps", "--salvage", "-C", "-r"),
            "rebase", List.of("-T"));

    @Option(names = {"-h", "--help"}, usageHelp = true, scope = ScopeType.INHERIT,
            description = "display this help and exit")
    boolean help;

    @Option(names = {"-V", "--version"}, versionHelp = true, description = "output version information and exit")
    boolean version;

    /** Runs the tool and exits with its status. */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the tool; returns the exit status. */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new JemuImg());
        String first = args.length > 0 ? args[0] : "";
        if (COMMANDS.contains(first)) {
            cl.addSubcommand(first, command(first));
        } else if (!first.equals("-V") && !first.equals("--version")) {
            for (String name : COMMANDS) {
                cl.addSubcommand(name, command(name));
            }
        }
        String[] rest = args;
        if (cl.getSubcommands().get("resize") != null) {
            rest = ResizeCommand.takeSize(cl.getSubcommands().get("resize").getCommand(), args);
        }
        cl.setParameterExceptionHandler((ex, a) -> {
            System.err.println("jemu-img: " + usageMessage(ex, a));
            System.err.println(HINT);
            return 1;
        });
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            System.err.println("jemu-img: " + message(ex));
            if (ex instanceof UsageException) {
                System.err.println(HINT);
            }
            return 1;
        });
        return cl.execute(rest);
    }

    /** qemu-img's wording for a command line picocli could not parse. */
    private static String usageMessage(ParameterException ex, String[] args) {
        String command = ex.getCommandLine().getCommandName();
        if (ex instanceof CommandLine.UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) {
            String arg = u.getUnmatched().get(0);
            if (u.isUnknownOption() || arg.startsWith("-")) {
                for (String name : qemuOnlyOptions(command)) {
                    if (arg.equals(name) || arg.startsWith(name + "=") || (!name.startsWith("--") && arg.startsWith(name))) {
                        return "'" + command + " " + name + "' is not supported";
                    }
                }
                return "unrecognized option '" + arg + "'";
            }
            if (ex.getCommandLine().getCommand() instanceof JemuImg) {
                return QEMU_ONLY_COMMANDS.contains(arg) ? "'" + arg + "' is not supported"
                        : "Command not found: " + arg;
            }
            return "Unexpected argument: " + arg;
        }
        if (ex instanceof CommandLine.MissingParameterException m && !m.getMissing().isEmpty()
                && m.getMissing().get(0) instanceof OptionSpec o) {
            return "missing argument for option '" + typedName(o, args) + "'";
        }
        return ex.getMessage();
    }

    /** qemu-img 7.2's options of the subcommand {@code command} that jemu-img does not have. */
    private static List<String> qemuOnlyOptions(String command) {
        if (!COMMANDS.contains(command)) {
            return List.of();
        }
        List<String> names = new ArrayList<>(command.equals("create") ? List.of("--object") : QEMU_ONLY_COMMON);
        names.addAll(QEMU_ONLY_OPTIONS.getOrDefault(command, List.of()));
        return names;
    }

    /** The name of {@code option} as the user typed it (its last occurrence), else its longest name. */
    private static String typedName(ArgSpec option, String[] args) {
        List<String> names = Arrays.asList(((OptionSpec) option).names());
        for (int i = args.length - 1; i >= 0; i--) {
            if (names.contains(args[i])) {
                return args[i];
            }
        }
        return ((OptionSpec) option).longestName();
    }

    static String message(Throwable ex) {
        if (ex instanceof BlockException || ex instanceof UsageException) {
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
    public Integer call() throws UsageException {
        throw new UsageException("Not enough arguments");
    }
}
