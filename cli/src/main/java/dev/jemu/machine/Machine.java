package dev.jemu.machine;

import dev.jemu.aio.AioContext;
import dev.jemu.cli.vm.OptionException;
import dev.jemu.cli.vm.PcVm;
import dev.jemu.core.log.Log;
import dev.jemu.core.machine.MachineLoop;
import dev.jemu.core.x86.HostDebug;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A virtual PC in this JVM, built from QEMU command-line words ({@link #fromArgs}) or a
 * {@link MachineBuilder}. Building opens the machine's files; {@link #start()} runs the guest;
 * {@link #pause()}, {@link #resume()}, {@link #reset()} and {@link #stop()} control it;
 * {@link #console()} is its serial console ({@link #console(int)} that of each serial port on
 * {@code stdio}); while it is paused or after it stopped,
 * {@link #readMemory}, {@link #writeMemory}, {@link #readVirtual}, {@link #writeVirtual} and
 * {@link #registers()} look inside; {@link #exitStatus()} and
 * {@link #stopReason()} tell how it ended. {@link #close()} stops it and releases its threads,
 * files and native buffers.
 *
 * <p>Each machine has a main-loop thread of its own (named {@code jemu-main}), which builds
 * the machine, owns its main AioContext and runs the vCPU thread ({@code jemu-vcpu0}, or
 * {@code jemu-NAME-vcpu0} with {@code -name NAME}); the machine's {@code -d} log is its own
 * ({@link #logLines()}), echoed on standard error. Several machines may run at once.
 *
 * <p>Threading: every method may be called from any thread; the state changes are serialized
 * on this object's monitor.
 */
public final class Machine implements AutoCloseable {
    /** How long {@link #pause()} waits for the vCPU to reach an instruction boundary. */
    private static final long PARK_TIMEOUT_NS = 10_000_000_000L;
    /** How many {@code -d} log lines are kept for {@link #logLines()}. */
    private static final int LOG_LINES = 200;

    private final Console console;
    /** The Console of each serial port whose back-end is {@code stdio}, by port (0 is COM1). */
    private final java.util.Map<Integer, Console> serialConsoles = new java.util.concurrent.ConcurrentHashMap<>();
    /** Every Console of the machine: {@link #console} and those of further stdio character devices. */
    private final List<Console> consoles = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final LogTail logTail;
    private final Log.Scope log;
    private final Thread main;
    private final Object state = new Object();
    private PcVm vm;
    private MachineException buildError;
    private boolean built;
    private boolean startRequested;
    private boolean closeRequested;
    private boolean ended;
    private int exitStatus;
    private StopReason reason;
    private Throwable failure;
    private volatile boolean hostStop;
    /** Whether a stdio character device has taken {@link #console}; main-loop thread. */
    private boolean consoleTaken;

    private Machine(List<String> args, List<PcVm.NodeDrive> nodeDrives, Console console, InputStream in, OutputStream out,
                    PrintStream logOut, boolean ownsInput) {
        this.console = console;
        if (console != null) {
            consoles.add(console);
        }
        this.logTail = new LogTail(LOG_LINES, logOut);
        this.log = new Log.Scope(logTail.stream());
        java.util.function.IntFunction<PcVm.StdioStreams> stdio = console == null ? PcVm.onceStdio(in, out) : this::consoleFor;
        main = new Thread(() -> mainLoop(args, nodeDrives, in, out, stdio, ownsInput), "jemu-main");
        main.setDaemon(true);
        main.start();
        synchronized (state) {
            while (!built && buildError == null) {
                awaitState();
            }
        }
        if (buildError != null) {
            joinMain();
            throw buildError;
        }
    }

    /**
     * Builds a machine from QEMU-style command-line words, as {@code jemu} takes them (for
     * example {@code "-m", "64M", "-serial", "stdio", "-kernel", "guest.bin"}); the
     * {@code stdio} character device is the machine's {@link #console()}. It does not run
     * until {@link #start()}.
     *
     * @throws MachineException a one-line error naming the option, as the launcher prints it
     */
    public static Machine fromArgs(String... args) {
        return fromArgs(List.of(args));
    }

    /** {@link #fromArgs(String...)} with the words in a list. */
    public static Machine fromArgs(List<String> args) {
        return build(args, List.of());
    }

    /** A machine of {@code args} with disks on the embedding program's block nodes too. */
    static Machine build(List<String> args, List<PcVm.NodeDrive> nodeDrives) {
        Console c = new Console();
        return new Machine(List.copyOf(args), List.copyOf(nodeDrives), c, c.guestInput(), c.sink, System.err, true);
    }

    /**
     * Builds a machine whose {@code stdio} character device is the host streams {@code in} and
     * {@code out} rather than a {@link Console} (the launcher's standard input and output), and
     * whose {@code -d} log goes to {@code logOut}. {@link #console()} is not available; the
     * thread that reads {@code in} is left to end with it.
     */
    public static Machine attachedTo(InputStream in, OutputStream out, PrintStream logOut, List<String> args) {
        return new Machine(List.copyOf(args), List.of(), null, in, out, logOut, false);
    }

    /** A builder for a machine; see {@link MachineBuilder}. */
    public static MachineBuilder builder() {
        return new MachineBuilder();
    }

    /**
     * The streams of a {@code stdio} character device (for serial port {@code port}, or -1):
     * the first one is {@link #console}, each further one a Console of its own. Main-loop thread.
     */
    private PcVm.StdioStreams consoleFor(int port) {
        Console c = consoleTaken ? new Console() : console;
        consoleTaken = true;
        if (c != console) {
            consoles.add(c);
        }
        if (port >= 0) {
            serialConsoles.put(port, c);
        }
        return new PcVm.StdioStreams(c.guestInput(), c.sink);
    }

    private void mainLoop(List<String> args, List<PcVm.NodeDrive> nodeDrives, InputStream in, OutputStream out,
                          java.util.function.IntFunction<PcVm.StdioStreams> stdio, boolean ownsInput) {
        PcVm v;
        try {
            v = PcVm.create(args, in, out, stdio, nodeDrives, log, ownsInput);
        } catch (OptionException | RuntimeException e) {
            releaseHalfBuilt();
            synchronized (state) {
                buildError = new MachineException(e.getMessage(), e);
                ended = true;
                state.notifyAll();
            }
            endConsole("the machine could not be built");
            return;
        }
        synchronized (state) {
            vm = v;
            built = true;
            state.notifyAll();
            while (!startRequested && !closeRequested) {
                awaitState();
            }
        }
        int status = 1;
        Throwable fail = null;
        boolean ran = startRequested;
        try {
            if (ran) {
                status = v.run();
            }
        } catch (Throwable t) {
            fail = t;
        }
        if (fail == null) {
            fail = v.vcpuFailure();
        }
        StopReason why;
        if (fail != null) {
            why = StopReason.ERROR;
        } else if (hostStop || !ran) {
            why = StopReason.HOST_STOP;
        } else if (v.board().loop().endedByReset()) {
            why = StopReason.GUEST_RESET;
        } else {
            why = StopReason.GUEST_SHUTDOWN;
        }
        // how the run ended is known before the console's waits fail with it, so that a
        // waiter that catches the failure sees the exit status and the reason
        synchronized (state) {
            exitStatus = status;
            failure = fail;
            reason = why;
            ended = true;
            state.notifyAll();
        }
        endConsole(fail != null ? "jemu failed: " + fail : "exit status " + status);
        try {
            v.close();
        } catch (RuntimeException e) {
            synchronized (state) {
                if (failure == null) {
                    failure = e;
                    reason = StopReason.ERROR;
                }
            }
        }
        log.logRepeatSummary();
    }

    /** A build that failed half way: the main context it may have made is closed. */
    private static void releaseHalfBuilt() {
        AioContext ctx = AioContext.current();
        if (ctx != null) {
            try {
                ctx.close();
            } catch (RuntimeException e) {
                // the build error is what is reported
            }
        }
    }

    private void endConsole(String why) {
        for (Console c : consoles) {
            c.end(why);
        }
    }

    private void awaitState() {
        try {
            state.wait();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MachineException("interrupted while waiting for the machine");
        }
    }

    private void joinMain() {
        boolean interrupted = false;
        while (main.isAlive()) {
            try {
                main.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Runs the guest; returns this machine. A machine starts once. */
    public Machine start() {
        synchronized (state) {
            if (startRequested || closeRequested) {
                throw new MachineException("the machine was already started or closed");
            }
            startRequested = true;
            state.notifyAll();
        }
        return this;
    }

    private MachineLoop loop() {
        synchronized (state) {
            if (!startRequested || ended) {
                throw new MachineException(ended ? "the machine has stopped" : "the machine was not started");
            }
        }
        return vm.board().loop();
    }

    /**
     * Stops the guest at an instruction boundary, and its clock with it; returns once the vCPU
     * stands still (so that {@link #registers()} and {@link #readMemory} see a fixed state).
     */
    public void pause() {
        MachineLoop l = loop();
        l.pause();
        try {
            if (!l.awaitParked(PARK_TIMEOUT_NS)) {
                throw new MachineException("the vCPU did not stop within " + PARK_TIMEOUT_NS / 1_000_000 + " ms");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MachineException("interrupted while pausing the machine");
        }
    }

    /** Lets a paused guest run again. */
    public void resume() {
        loop().resume();
    }

    /** Whether the guest is paused. */
    public boolean isPaused() {
        synchronized (state) {
            if (!startRequested || ended) {
                return false;
            }
        }
        return vm.board().loop().isPaused();
    }

    /** Resets the machine as its reset line would (with {@code -no-reboot}, the machine stops instead). */
    public void reset() {
        loop().requestReset();
    }

    /** Stops the machine (as QMP's {@code quit}: exit status 0) and waits until it has stopped. */
    public void stop() {
        synchronized (state) {
            if (!startRequested) {
                closeRequested = true;
                state.notifyAll();
            }
        }
        if (!hasEnded() && vm != null && !vm.board().loop().isShutdown()) {
            hostStop = true;
            vm.board().loop().requestShutdown(0);
        }
        joinMain();
    }

    /**
     * Waits until the guest ends the run, at most {@code timeout}; returns the exit status.
     *
     * @throws MachineException if it is still running after {@code timeout}
     */
    public int waitForExit(Duration timeout) {
        return awaitEnd(timeout.toNanos(), timeout);
    }

    /** Waits as long as it takes until the guest ends the run; returns the exit status. */
    public int waitForExit() {
        return awaitEnd(Long.MAX_VALUE, null);
    }

    private int awaitEnd(long timeoutNs, Duration timeout) {
        long start = System.nanoTime();
        synchronized (state) {
            while (!ended) {
                long left = timeoutNs == Long.MAX_VALUE ? Long.MAX_VALUE : timeoutNs - (System.nanoTime() - start);
                if (left <= 0) {
                    throw new MachineException("the machine did not stop within " + timeout.toMillis() + " ms");
                }
                try {
                    if (left == Long.MAX_VALUE) {
                        state.wait();
                    } else {
                        state.wait(left / 1_000_000, (int) (left % 1_000_000));
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new MachineException("interrupted while waiting for the machine to stop");
                }
            }
            return exitStatus;
        }
    }

    /**
     * Whether the machine has stopped running (or could not run); its threads and files may
     * still be being released until {@link #close()} returns.
     */
    public boolean hasEnded() {
        synchronized (state) {
            return ended;
        }
    }

    /**
     * The exit status the run ended with (QEMU's: isa-debug-exit's {@code (value << 1) | 1},
     * 0 for a power-off or a stop).
     *
     * @throws MachineException while it is still running
     */
    public int exitStatus() {
        synchronized (state) {
            if (!ended) {
                throw new MachineException("the machine is still running");
            }
            return exitStatus;
        }
    }

    /** Why the machine stopped; empty while it runs. */
    public Optional<StopReason> stopReason() {
        synchronized (state) {
            return Optional.ofNullable(reason);
        }
    }

    /** What made jemu fail when the stop reason is {@link StopReason#ERROR}; else null. */
    public Throwable failure() {
        synchronized (state) {
            return failure;
        }
    }

    /**
     * The serial console: the machine's {@code stdio} character device.
     *
     * @throws MachineException for a machine {@linkplain #attachedTo attached to host streams}
     */
    public Console console() {
        if (console == null) {
            throw new MachineException("this machine's stdio is attached to host streams; it has no Console");
        }
        return console;
    }

    /**
     * The Console of serial port {@code port} (0 is COM1, 1 is COM2; the order of
     * {@code -serial}), for a port whose back-end is {@code stdio} ({@code -serial stdio},
     * {@code -nographic}'s COM1, or {@link MachineBuilder#serial(String)}). In a machine of this
     * API each serial port may have a {@code stdio} of its own; {@link #console()} is the first.
     *
     * @throws MachineException if that port does not exist or is not on {@code stdio}
     */
    public Console console(int port) {
        Console c = serialConsoles.get(port);
        if (c == null) {
            throw new MachineException(port == 0 || port == 1
                    ? "COM" + (port + 1) + " has no Console: give it -serial stdio"
                    : "there is no serial port " + port + " (jemu has COM1 and COM2: ports 0 and 1)");
        }
        return c;
    }

    /** The last lines (at most 200) of the machine's {@code -d} log, oldest first. */
    public List<String> logLines() {
        return logTail.lines();
    }

    /** Instructions the vCPU has executed so far (exact while paused or stopped). */
    public long instructionCount() {
        return vm.board().cpu().instructionCount();
    }

    private void requireStill(String what) {
        synchronized (state) {
            if (ended || !startRequested) {
                return;
            }
        }
        if (!vm.board().loop().isPaused()) {
            throw new MachineException(what + ": the machine is running; pause() it first");
        }
    }

    /**
     * {@code length} bytes of guest physical memory from {@code address} (what the CPU would read
     * there). Paused, stopped or not
     * yet started.
     */
    public byte[] readMemory(long address, int length) {
        requireStill("readMemory");
        byte[] b = new byte[length];
        vm.board().bql().run(() -> vm.board().memory().readBytes(address, b, 0, length));
        return b;
    }

    /**
     * Writes {@code bytes} into guest physical memory at {@code address} (as a DMA would: the
     * CPU's decoded code of those pages is dropped). Paused, stopped or not yet started.
     */
    public void writeMemory(long address, byte[] bytes) {
        requireStill("writeMemory");
        vm.board().bql().run(() -> vm.board().memory().writeBytes(address, bytes, 0, bytes.length));
    }

    /**
     * {@code length} bytes of guest virtual memory from linear address {@code address},
     * translated through the page tables the vCPU's CR0, CR3, CR4 and EFER select now (no
     * accessed or dirty bits are set, access rights are not checked). Paused, stopped or not
     * yet started.
     *
     * @throws MachineException if a page of the range is not mapped
     */
    public byte[] readVirtual(long address, int length) {
        requireStill("readVirtual");
        byte[] b = new byte[length];
        virtualAccess("readVirtual", address, length, d -> d.read(address, b, 0, length));
        return b;
    }

    /**
     * Writes {@code bytes} at guest virtual (linear) address {@code address} through the
     * vCPU's current paging, as {@link #readVirtual} translates. Paused, stopped or not yet
     * started.
     *
     * @throws MachineException if a page of the range is not mapped (then nothing is written)
     */
    public void writeVirtual(long address, byte[] bytes) {
        requireStill("writeVirtual");
        virtualAccess("writeVirtual", address, bytes.length, d -> {
            for (long page = address; page - address < bytes.length; page = (page | 0xFFF) + 1) {
                if (d.translate(page) < 0) {
                    return false;
                }
            }
            return d.write(address, bytes, 0, bytes.length);
        });
    }

    /**
     * Runs {@code access} with a debugger's view of the CPU under the big lock: on the vCPU
     * thread while the machine is paused (CPU state belongs to it), on this thread when no
     * vCPU runs.
     */
    private void virtualAccess(String what, long address, int length, java.util.function.Predicate<HostDebug> access) {
        HostDebug d = new HostDebug(vm.board().cpu());
        java.util.concurrent.Callable<Boolean> task = () -> vm.board().bql().call(() -> access.test(d));
        boolean live;
        synchronized (state) {
            live = startRequested && !ended;
        }
        boolean mapped;
        try {
            mapped = live ? vm.board().loop().callOnVcpu(task) : task.call();
        } catch (Exception e) {
            throw new MachineException(what + ": " + e.getMessage(), e);
        }
        if (!mapped) {
            throw new MachineException(String.format("%s: guest virtual address range 0x%x+%d is not mapped", what,
                    address, length));
        }
    }

    /** The vCPU's registers. Paused, stopped or not yet started. */
    public Registers registers() {
        requireStill("registers");
        return Registers.of(vm.board().cpu());
    }

    /** Stops the machine if it runs, and releases its threads, files and native buffers. Idempotent. */
    @Override
    public void close() {
        stop();
    }
}
