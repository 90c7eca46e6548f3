package dev.jemu.cli.nbd;

import dev.jemu.block.BlockBackend;
import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockException;
import dev.jemu.block.BlockGraph;
import dev.jemu.block.CacheMode;
import dev.jemu.block.nbd.NbdExport;
import dev.jemu.block.nbd.NbdServer;
import dev.jemu.block.nbd.NbdServerHost;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * {@code jemu-nbd}: exports a disk image over NBD with qemu-nbd's options, in the foreground.
 * Listens on 127.0.0.1:10809 unless told otherwise ({@code -b}, {@code -p}, {@code -k}); serves
 * one client at a time unless {@code -e N}; exits once its clients have gone unless
 * {@code -t}. Errors are one line, {@code jemu-nbd: <what went wrong>}, on standard error.
 */
@Command(name = "jemu-nbd", mixinStandardHelpOptions = true, version = "jemu-nbd 0.1.0",
        description = "Export a disk image over the Network Block Device protocol (qemu-nbd compatible).")
public final class JemuNbd implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "FILE", description = "The image to export.")
    String filename;

    @Option(names = {"-f", "--format"}, paramLabel = "FMT", description = "Image format (default: probed).")
    String format;

    @Option(names = {"-r", "--read-only"}, description = "Export read-only.")
    boolean readOnly;

    @Option(names = {"-x", "--export-name"}, paramLabel = "NAME", description = "Export name (default: \"\").")
    String exportName = "";

    @Option(names = {"-D", "--description"}, paramLabel = "TEXT", description = "Export description.")
    String description;

    @Option(names = {"-b", "--bind"}, paramLabel = "ADDR", description = "Address to listen on (default: 127.0.0.1).")
    String bind;

    @Option(names = {"-p", "--port"}, paramLabel = "PORT", description = "TCP port (default: 10809).")
    Integer port;

    @Option(names = {"-k", "--socket"}, paramLabel = "PATH", description = "Listen on a unix socket instead of TCP.")
    Path socket;

    @Option(names = {"-t", "--persistent"}, description = "Keep serving after the last client disconnects.")
    boolean persistent;

    @Option(names = {"-e", "--shared"}, paramLabel = "N", description = "Clients served at once (default: 1).")
    int shared = 1;

    @Option(names = "--cache", paramLabel = "MODE",
            description = "Cache mode: writeback (default), writethrough, none, directsync, unsafe.")
    String cache = "writeback";

    @Option(names = "--discard", paramLabel = "MODE", description = "Discard requests: ignore (default) or unmap.")
    String discard = "ignore";

    @Option(names = "--detect-zeroes", paramLabel = "MODE", description = "Zero-write detection: off (default), on, unmap.")
    String detectZeroes = "off";

    @Option(names = "--handshake-limit", paramLabel = "SECONDS",
            description = "Disconnect clients that have not finished the handshake in this time (default: 10).")
    int handshakeLimit = 10;

    @Option(names = "--pid-file", paramLabel = "FILE",
            description = "Write the process ID to FILE once the server listens.")
    Path pidFile;

    @Option(names = {"-v", "--verbose"}, description = "Report clients on standard error.")
    boolean verbose;

    /** Runs the tool and exits with its status. */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the tool; returns the exit status. */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new JemuNbd());
        cl.setParameterExceptionHandler((ex, a) -> {
            System.err.println("jemu-nbd: " + ex.getMessage());
            System.err.println("Try 'jemu-nbd --help' for more information.");
            return 1;
        });
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            System.err.println("jemu-nbd: " + message(ex));
            return 1;
        });
        return cl.execute(args);
    }

    /**
     * Writes the PID file from a helper thread once {@code host} listens, so that whoever waits
     * for the file can connect at once. A server that fails to start writes none (run() reports why).
     */
    private void writePidFileOnceListening(NbdServerHost host) {
        Thread writer = new Thread(() -> {
            try {
                host.awaitStarted();
            } catch (IOException e) {
                return;
            }
            try {
                Files.writeString(pidFile, ProcessHandle.current().pid() + "\n");
            } catch (IOException e) {
                System.err.println("jemu-nbd: --pid-file=" + pidFile + ": " + e.getMessage());
            }
        }, "jemu-nbd-pid-file");
        writer.setDaemon(true);
        writer.start();
    }

    private static String message(Throwable ex) {
        if (ex instanceof IOException) {
            return ex.getMessage() != null ? ex.getMessage() : ex.toString();
        }
        if (ex instanceof IllegalArgumentException) {
            return ex.getMessage();
        }
        return "internal error: " + ex;
    }

    @Override
    public Integer call() throws IOException {
        NbdServer.Config config = config();
        CacheMode cacheMode = CacheMode.parse(cache);
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
        NbdExport.Settings settings = new NbdExport.Settings(exportName, description, readOnly,
                readOnly || shared > 1, unmap, zeroes);
        NbdServerHost host = new NbdServerHost(config, () -> {
            BlockDriverState bs = BlockGraph.open(filename, format, readOnly, cacheMode);
            int perms = BlockBackend.PERM_READ | (readOnly ? 0 : BlockBackend.PERM_WRITE);
            try {
                return new BlockBackend(bs, perms, cacheMode.writethrough());
            } catch (BlockException e) {
                bs.close();
                throw e;
            }
        }, backend -> settings);
        Thread main = Thread.currentThread();
        Thread hook = new Thread(() -> {
            host.stop();
            try {
                main.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "jemu-nbd-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        if (pidFile != null) {
            writePidFileOnceListening(host);
        }
        try {
            host.run();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // Shutting down already: the hook is running and waits for us.
            }
        }
        return 0;
    }

    private NbdServer.Config config() throws BlockException {
        if (socket != null && (bind != null || port != null)) {
            throw new BlockException("--socket cannot be combined with --bind or --port");
        }
        if (shared < 1) {
            throw new BlockException("Invalid shared device number '" + shared + "' (must be at least 1)");
        }
        int p = port == null ? 10809 : port;
        if (p < 0 || p > 65535) {
            throw new BlockException("Invalid port number '" + p + "'");
        }
        if (handshakeLimit < 1) {
            throw new BlockException("Invalid handshake limit '" + handshakeLimit + "' (must be at least 1 second)");
        }
        Consumer<String> log = verbose ? m -> System.err.println("jemu-nbd: " + m) : null;
        return new NbdServer.Config(bind == null ? "127.0.0.1" : bind, p, socket, shared, persistent,
                TimeUnit.SECONDS.toMillis(handshakeLimit), log);
    }
}
