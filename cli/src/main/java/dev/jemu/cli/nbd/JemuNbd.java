package dev.jemu.cli.nbd;

import dev.jemu.block.BlockException;
import dev.jemu.block.CacheMode;
import dev.jemu.block.nbd.NbdExport;
import dev.jemu.block.nbd.NbdServer;
import dev.jemu.block.nbd.NbdServerHost;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import sun.misc.Signal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * {@code jemu-nbd}: exports a disk image over NBD with qemu-nbd's options. Listens on
 * 127.0.0.1:10809 unless told otherwise ({@code -b}, {@code -p}, {@code -k}); serves one client
 * at a time unless {@code -e N} (0: any number); exits once its clients have gone unless
 * {@code -t}, and at once, with status 0, on SIGTERM, SIGINT or SIGHUP. qemu-nbd's options that
 * need what jemu does not have are refused by name with the reason. Errors are one line,
 * {@code jemu-nbd: <what went wrong>}, on standard error. The server runs on the thread that
 * calls {@link #run}.
 */
@Command(name = "jemu-nbd", version = "jemu-nbd 0.1.0",
        description = "Export a disk image over the Network Block Device protocol (qemu-nbd compatible).")
public final class JemuNbd implements Callable<Integer> {
    private static final String HINT = "Try `jemu-nbd --help' for more information.";

    /** qemu-nbd 7.2's options that jemu-nbd does not have, with the reason. */
    private static final Map<String, String> QEMU_ONLY_OPTIONS = Map.ofEntries(
            Map.entry("--connect", "it needs the kernel's NBD client device (/dev/nbdN), which jemu does not drive"),
            Map.entry("-c", "it needs the kernel's NBD client device (/dev/nbdN), which jemu does not drive"),
            Map.entry("--disconnect", "it needs the kernel's NBD client device (/dev/nbdN), which jemu does not drive"),
            Map.entry("-d", "it needs the kernel's NBD client device (/dev/nbdN), which jemu does not drive"),
            Map.entry("--tls-creds", "jemu's NBD server has no TLS"),
            Map.entry("--tls-authz", "jemu's NBD server has no TLS"),
            Map.entry("--object", "jemu has no objects (secrets, TLS credentials) to define"),
            Map.entry("--allocation-depth", "jemu's NBD server has no qemu:allocation-depth metadata context"),
            Map.entry("-A", "jemu's NBD server has no qemu:allocation-depth metadata context"),
            Map.entry("--bitmap", "jemu has no dirty bitmaps"),
            Map.entry("-B", "jemu has no dirty bitmaps"),
            Map.entry("--load-snapshot", "jemu's qcow2 driver cannot open an internal snapshot"),
            Map.entry("-l", "jemu's qcow2 driver cannot open an internal snapshot"),
            Map.entry("--list", "jemu-nbd only serves exports; nbdinfo --list lists a server's"),
            Map.entry("-L", "jemu-nbd only serves exports; nbdinfo --list lists a server's"),
            Map.entry("--trace", "jemu has no trace events"),
            Map.entry("-T", "jemu has no trace events"),
            Map.entry("--selinux-label", "jemu-nbd does not label its socket"));

    /** The server of the running {@link #main}, which the signal handlers stop. */
    private static final AtomicReference<NbdServerHost> RUNNING = new AtomicReference<>();

    @Parameters(paramLabel = "FILE", description = "The image to export (with --image-opts: its block options).")
    List<String> files = List.of();

    @Option(names = {"-f", "--format"}, paramLabel = "FORMAT", description = "Image format (default: probed).")
    String format;

    @Option(names = {"-r", "--read-only"}, description = "Export read-only.")
    boolean readOnly;

    @Option(names = {"-x", "--export-name"}, paramLabel = "NAME", description = "Export name (default: \"\").")
    String exportName = "";

    @Option(names = {"-D", "--description"}, paramLabel = "TEXT", description = "Export description.")
    String description;

    @Option(names = {"-b", "--bind"}, paramLabel = "IFACE", description = "Address to listen on (default: 127.0.0.1).")
    String bind;

    @Option(names = {"-p", "--port"}, paramLabel = "PORT", description = "TCP port (default: 10809).")
    Integer port;

    @Option(names = {"-k", "--socket"}, paramLabel = "PATH", description = "Listen on a unix socket instead of TCP.")
    Path socket;

    @Option(names = {"-t", "--persistent"}, description = "Keep serving after the last client disconnects.")
    boolean persistent;

    @Option(names = {"-e", "--shared"}, paramLabel = "NUM",
            description = "Clients served at once (default: 1; 0: any number).")
    String shared = "1";

    @Option(names = {"-o", "--offset"}, paramLabel = "OFFSET", description = "Export the image from this byte on.")
    String offset;

    @Option(names = {"-s", "--snapshot"},
            description = "Writes go to a temporary qcow2 overlay over FILE, deleted at exit.")
    boolean snapshot;

    @Option(names = "--image-opts", description = "FILE is a set of block options (driver=qcow2,file.filename=...).")
    boolean imageOpts;

    @Option(names = {"-n", "--nocache"}, description = "Bypass the host page cache (--cache=none).")
    boolean nocache;

    @Option(names = "--cache", paramLabel = "MODE",
            description = "Cache mode: writeback (default), writethrough, none, directsync, unsafe.")
    String cache;

    @Option(names = "--aio", paramLabel = "MODE",
            description = "AIO mode: threads, native or io_uring; jemu's file driver serves all three with its thread pool.")
    String aio;

    @Option(names = "--discard", paramLabel = "MODE", description = "Discard requests: ignore (default) or unmap.")
    String discard = "ignore";

    @Option(names = "--detect-zeroes", paramLabel = "MODE", description = "Zero-write detection: off (default), on, unmap.")
    String detectZeroes = "off";

    @Option(names = "--handshake-limit", paramLabel = "SECONDS",
            description = "Disconnect clients that have not finished the handshake in this time (default: 10).")
    int handshakeLimit = 10;

    @Option(names = "--fork", description = "Serve from a new process and exit once it listens.")
    boolean fork;

    @Option(names = "--pid-file", paramLabel = "PATH",
            description = "Write the server's process ID to PATH once it listens.")
    Path pidFile;

    @Option(names = {"-v", "--verbose"}, description = "Report clients on standard error.")
    boolean verbose;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Display this help and exit.")
    boolean help;

    @Option(names = {"-V", "--version"}, versionHelp = true, description = "Output version information and exit.")
    boolean version;

    private final String[] args;

    private JemuNbd(String[] args) {
        this.args = args;
    }

    /** Runs the tool and exits with its status; SIGTERM, SIGINT and SIGHUP stop the server cleanly. */
    public static void main(String[] args) {
        for (String name : new String[] {"TERM", "INT", "HUP"}) {
            Signal.handle(new Signal(name), s -> {
                NbdServerHost host = RUNNING.get();
                if (host != null) {
                    host.stop();
                } else {
                    System.exit(0);
                }
            });
        }
        System.exit(run(args));
    }

    /** Runs the tool; returns the exit status. */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new JemuNbd(args));
        cl.setParameterExceptionHandler((ex, a) -> {
            String refused = refusal(ex);
            if (refused != null) {
                System.err.println("jemu-nbd: " + refused);
                return 1;
            }
            System.err.println("jemu-nbd: " + usageMessage(ex, a));
            System.err.println("jemu-nbd: " + HINT);
            return 1;
        });
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            System.err.println("jemu-nbd: " + message(ex));
            return 1;
        });
        return cl.execute(args);
    }

    /** "--tls-creds is not supported: REASON" for a qemu-nbd option jemu-nbd lacks, else null. */
    private static String refusal(CommandLine.ParameterException ex) {
        if (!(ex instanceof CommandLine.UnmatchedArgumentException u) || u.getUnmatched().isEmpty()) {
            return null;
        }
        String arg = u.getUnmatched().get(0);
        for (Map.Entry<String, String> e : QEMU_ONLY_OPTIONS.entrySet()) {
            String name = e.getKey();
            if (arg.equals(name) || arg.startsWith(name + "=") || (!name.startsWith("--") && arg.startsWith(name))) {
                return name + " is not supported: " + e.getValue();
            }
        }
        return null;
    }

    /** getopt's wording, as qemu-nbd prints it. */
    private static String usageMessage(CommandLine.ParameterException ex, String[] args) {
        if (ex instanceof CommandLine.UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) {
            return "unrecognized option '" + u.getUnmatched().get(0) + "'";
        }
        if (ex instanceof CommandLine.MissingParameterException m && !m.getMissing().isEmpty()
                && m.getMissing().get(0) instanceof CommandLine.Model.OptionSpec o) {
            // The option lacking its value is the last argument, as typed.
            String name = args.length > 0 && List.of(o.names()).contains(args[args.length - 1])
                    ? args[args.length - 1] : o.longestName();
            return name.startsWith("--") ? "option '" + name + "' requires an argument"
                    : "option requires an argument -- '" + name.substring(1) + "'";
        }
        return ex.getMessage();
    }

    private static String message(Throwable ex) {
        if (ex instanceof IOException || ex instanceof IllegalArgumentException) {
            return ex.getMessage() != null ? ex.getMessage() : ex.toString();
        }
        return "internal error: " + ex;
    }

    @Override
    public Integer call() throws Exception {
        if (files.size() != 1) {
            System.err.println("jemu-nbd: Invalid number of arguments");
            System.err.println(HINT);
            return 1;
        }
        NbdServer.Config config = config();
        NbdImage image = image();
        NbdExport.Settings settings = settings();
        if (fork) {
            return NbdFork.startServer(args);
        }
        NbdServerHost host = new NbdServerHost(config, image::open, backend -> settings);
        if (pidFile != null || NbdFork.isForkedServer()) {
            whenListening(host);
        }
        RUNNING.set(host);
        try {
            host.run();
        } finally {
            RUNNING.compareAndSet(host, null);
        }
        return 0;
    }

    /**
     * From a helper thread once {@code host} listens: writes the PID file (so that whoever waits
     * for it can connect at once) and, in a forked server, tells the parent. A server that fails
     * to start does neither; run() reports why.
     */
    private void whenListening(NbdServerHost host) {
        Thread t = new Thread(() -> {
            try {
                host.awaitStarted();
            } catch (IOException e) {
                return;
            }
            if (pidFile != null) {
                try {
                    Files.writeString(pidFile, ProcessHandle.current().pid() + "\n");
                } catch (IOException e) {
                    System.err.println("jemu-nbd: --pid-file=" + pidFile + ": " + e.getMessage());
                }
            }
            if (NbdFork.isForkedServer()) {
                NbdFork.detach();
            }
        }, "jemu-nbd-listening");
        t.setDaemon(true);
        t.start();
    }

    private NbdImage image() throws BlockException {
        if (imageOpts && format != null) {
            throw new BlockException("--image-opts and -f are mutually exclusive");
        }
        if (imageOpts && snapshot) {
            throw new BlockException("--snapshot cannot be combined with --image-opts in jemu-nbd");
        }
        if (nocache && cache != null) {
            throw new BlockException("-n and --cache can only be specified once");
        }
        CacheMode cacheMode = CacheMode.parse(nocache ? "none" : cache == null ? "writeback" : cache);
        if (aio != null && !List.of("threads", "native", "io_uring").contains(aio)) {
            throw new BlockException("Invalid aio mode '" + aio + "'");
        }
        long start = 0;
        if (offset != null) {
            try {
                start = Long.decode(offset);
            } catch (NumberFormatException e) {
                throw new BlockException("Invalid offset '" + offset + "'");
            }
            if (start < 0) {
                throw new BlockException("Offset must be positive '" + offset + "'");
            }
        }
        return new NbdImage(files.get(0), format, imageOpts, readOnly, cacheMode, snapshot, start);
    }

    private NbdExport.Settings settings() throws BlockException {
        boolean unmap = switch (discard) {
            case "ignore", "off" -> false;
            case "unmap", "on" -> true;
            default -> throw new BlockException("Invalid discard mode '" + discard + "' (ignore or unmap)");
        };
        NbdExport.DetectZeroes zeroes = switch (detectZeroes) {
            case "off" -> NbdExport.DetectZeroes.OFF;
            case "on" -> NbdExport.DetectZeroes.ON;
            case "unmap" -> NbdExport.DetectZeroes.UNMAP;
            default -> throw new BlockException("Invalid detect-zeroes mode '" + detectZeroes + "' (off, on or unmap)");
        };
        if (zeroes == NbdExport.DetectZeroes.UNMAP && !unmap) {
            throw new BlockException("--detect-zeroes=unmap can only be used if --discard=unmap is also set");
        }
        return new NbdExport.Settings(exportName, description, readOnly, readOnly || sharedClients() > 1, unmap,
                zeroes);
    }

    /** {@code -e}: as qemu-nbd 7.2, 0 is any number of clients. */
    private int sharedClients() throws BlockException {
        int n;
        try {
            n = Integer.decode(shared);
        } catch (NumberFormatException e) {
            throw new BlockException("Invalid shared device number '" + shared + "'");
        }
        if (n < 0) {
            throw new BlockException("Invalid shared device number '" + shared + "'");
        }
        return n == 0 ? Integer.MAX_VALUE : n;
    }

    private NbdServer.Config config() throws BlockException {
        if (socket != null && (bind != null || port != null)) {
            throw new BlockException("--socket cannot be combined with --bind or --port");
        }
        int clients = sharedClients();
        int p = port == null ? 10809 : port;
        if (p < 0 || p > 65535) {
            throw new BlockException("Invalid port number '" + p + "'");
        }
        if (handshakeLimit < 1) {
            throw new BlockException("Invalid handshake limit '" + handshakeLimit + "' (must be at least 1 second)");
        }
        String address = bind == null ? "127.0.0.1" : bind;
        if (socket == null) {
            try {
                InetAddress.getByName(address);
            } catch (UnknownHostException e) {
                throw new BlockException("address resolution failed for " + address + ":" + p
                        + ": Name or service not known");
            }
        }
        Consumer<String> log = verbose ? m -> System.err.println("jemu-nbd: " + m) : null;
        return new NbdServer.Config(address, p, socket, clients, persistent,
                TimeUnit.SECONDS.toMillis(handshakeLimit), log);
    }
}
