package dev.jemu.cli.nbd;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code --fork}: a JVM cannot fork, so the parent starts a second jemu-nbd with the same JVM
 * and arguments (less {@code --fork}) as a new process in its own session, relays what it
 * writes to standard error while it starts, and exits 0 once the server listens, or with the
 * server's status if it failed to start. The server tells it is listening by writing one byte
 * to its standard output and then points standard input, output and error at /dev/null
 * ({@code dup2} through the foreign function API), as qemu-nbd's forked server does.
 * Used on the main thread.
 */
final class NbdFork {
    /** Set in the server's environment: it is the forked one. */
    static final String CHILD_ENV = "JEMU_NBD_FORKED";
    private static final int READY = 'R';
    private static final int O_RDWR = 2;

    private NbdFork() {
    }

    /** True in the server started by {@link #startServer}. */
    static boolean isForkedServer() {
        return System.getenv(CHILD_ENV) != null;
    }

    /**
     * Starts the server with this JVM's command line, {@code args} being the arguments
     * jemu-nbd was given; returns the exit status for the parent.
     */
    static int startServer(String[] args) throws IOException, InterruptedException {
        ProcessHandle.Info self = ProcessHandle.current().info();
        List<String> all = Arrays.asList(self.arguments().orElseThrow(
                () -> new IOException("--fork: cannot read this process's command line")));
        List<String> cmd = new ArrayList<>();
        cmd.add(self.command().orElseThrow(() -> new IOException("--fork: cannot find the java executable")));
        cmd.addAll(all.subList(0, all.size() - args.length));
        for (String a : args) {
            if (!a.equals("--fork")) {
                cmd.add(a);
            }
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().put(CHILD_ENV, "1");
        Process server = pb.start();
        Thread relay = new Thread(() -> {
            try (InputStream err = server.getErrorStream()) {
                err.transferTo(System.err);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, "jemu-nbd-fork-stderr");
        relay.start();
        int first;
        try (InputStream out = server.getInputStream()) {
            first = out.read();
        }
        relay.join();
        System.err.flush();
        return first == READY ? 0 : server.waitFor();
    }

    /**
     * In the forked server, once it listens: reports readiness to the parent, leaves the
     * parent's session and detaches from the parent's pipes.
     */
    static void detach() {
        System.out.write(READY);
        System.out.flush();
        Linker linker = Linker.nativeLinker();
        SymbolLookup libc = linker.defaultLookup();
        try (Arena arena = Arena.ofConfined()) {
            MethodHandle setsid = linker.downcallHandle(libc.find("setsid").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT));
            MethodHandle open = linker.downcallHandle(libc.find("open").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
            MethodHandle dup2 = linker.downcallHandle(libc.find("dup2").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            MethodHandle close = linker.downcallHandle(libc.find("close").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            // Failures of setsid (already a session leader), dup2 and close leave nothing to undo.
            int status = (int) setsid.invokeExact();
            int devNull = (int) open.invokeExact(arena.allocateFrom("/dev/null"), O_RDWR);
            if (devNull < 0) {
                throw new IllegalStateException("--fork: cannot open /dev/null");
            }
            for (int fd = 0; fd <= 2; fd++) {
                status = (int) dup2.invokeExact(devNull, fd);
            }
            if (devNull > 2) {
                status = (int) close.invokeExact(devNull);
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("--fork: " + e, e);
        }
    }
}
