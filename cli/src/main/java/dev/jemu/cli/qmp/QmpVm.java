package dev.jemu.cli.qmp;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jemu.aio.AioContext;
import dev.jemu.aio.IOThread;
import dev.jemu.block.BlockBackend;
import dev.jemu.devices.pc.PcBoard;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The virtual machine as its monitors see it: the board, the drives and IOThreads the
 * command line made, the run state QMP reports ({@code prelaunch}, {@code running},
 * {@code paused}, {@code debug}, {@code shutdown}), and the open sessions, to which events go.
 *
 * <p>Threading: the main loop thread, except {@link #emit}, {@link #guestReset} and
 * {@link #guestPoweroff}, which any thread may call (the vCPU thread does, with the big
 * lock held); they hand the event to the main loop; {@link #humanMonitorCommand}, which
 * any other thread may call and which runs on the main loop; and the debugger's run-state
 * changes ({@link #debuggerAttached} and the like), which any thread may report.
 */
public final class QmpVm {
    /**
     * A drive of the command line: its id, its root node's name, its cache mode as QEMU names
     * it ({@code writeback}, {@code none}, ...), its back-end, and the device using it (null if none).
     */
    public record Drive(String id, String nodeName, String cacheMode, BlockBackend backend, Device device) {
    }

    /**
     * The device a drive is attached to: its {@code qdev} as query-block reports it (the
     * device's id, or a path naming it), the AioContext its requests run in, and whether its
     * error policy stops the VM ({@code werror=stop|enospc} or {@code rerror=stop}), which makes
     * query-block report {@code io-status}.
     */
    public record Device(String qdev, AioContext context, boolean ioStatus) {
    }

    private final String version;
    private final PcBoard board;
    private final AioContext main;
    /** The debugger's run-state changes not yet applied, in the order they happened. */
    private final ConcurrentLinkedQueue<Runnable> debuggerEvents = new ConcurrentLinkedQueue<>();
    private final String name;
    private final List<Drive> drives;
    private final List<IOThread> iothreads;
    private final boolean noShutdown;
    private final Runnable retryStoppedRequests;
    private final List<QmpSession> sessions = new ArrayList<>();
    private final QmpCommands commands;
    private volatile Thread vcpu;
    private volatile String status;
    /** A reset asked for by {@code system_reset} and not yet done; set on the main loop, read where the reset runs. */
    private volatile boolean hostReset;
    /** io-status of the drives whose device reports it: ok, failed or nospace; set from the devices' threads. */
    private final Map<BlockBackend, String> ioStatus = new ConcurrentHashMap<>();
    /** Set when an error-stop emitted STOP, until {@code cont}: later failed requests add no STOP. */
    private final AtomicBoolean stoppedOnError = new AtomicBoolean();

    /**
     * @param version jemu's version, {@code MAJOR.MINOR.MICRO}
     * @param board the machine
     * @param main the main loop's AioContext, whose thread is this object's
     * @param name {@code -name}, or null
     * @param drives the drives, in command-line order
     * @param iothreads the {@code -object iothread}s
     * @param startPaused {@code -S}: the machine starts in {@code prelaunch} until {@code cont}
     * @param noShutdown {@code -no-shutdown}: a guest power-off pauses instead of ending the run
     * @param retryStoppedRequests retries the disk requests that {@code werror/rerror=stop}
     *     held back; {@code cont} runs it under the big lock
     */
    public QmpVm(String version, PcBoard board, AioContext main, String name, List<Drive> drives, List<IOThread> iothreads,
                 boolean startPaused, boolean noShutdown, Runnable retryStoppedRequests) {
        this.version = version;
        this.board = board;
        this.main = main;
        this.name = name;
        this.drives = List.copyOf(drives);
        this.iothreads = List.copyOf(iothreads);
        this.noShutdown = noShutdown;
        this.retryStoppedRequests = retryStoppedRequests;
        this.status = startPaused ? "prelaunch" : "running";
        if (startPaused) {
            board.loop().pause();
        }
        for (Drive d : this.drives) {
            if (d.device() != null) {
                if (d.device().ioStatus()) {
                    ioStatus.put(d.backend(), "ok");
                }
                d.backend().setErrorListener((blk, read, action, error) -> blockIoError(d, read, action, error));
            }
        }
        this.commands = new QmpCommands(this);
    }

    /** query-block's {@code io-status} of {@code d}, or null when its device does not report one. */
    String ioStatus(Drive d) {
        return ioStatus.get(d.backend());
    }

    /**
     * A device's request on {@code d} failed: BLOCK_IO_ERROR, and when the policy stops the VM,
     * io-status {@code failed} ({@code nospace} for a full disk) and STOP once. The device's
     * thread; the device pauses the machine itself.
     */
    private void blockIoError(Drive d, boolean read, String action, IOException error) {
        String reason = reason(error);
        boolean nospace = reason.equals(ENOSPC);
        ObjectNode data = JsonNodeFactory.instance.objectNode();
        data.put("device", d.nodeName() != null ? "" : d.id());
        data.put("node-name", commands.nodeName(d.backend().root()));
        data.put("operation", read ? "read" : "write");
        data.put("action", action);
        if (ioStatus.containsKey(d.backend())) {
            data.put("nospace", nospace);
        }
        data.put("reason", reason);
        emit("BLOCK_IO_ERROR", data);
        if (action.equals("stop")) {
            ioStatus.computeIfPresent(d.backend(), (b, old) -> nospace ? "nospace" : "failed");
            if (status.equals("running") && stoppedOnError.compareAndSet(false, true)) {
                emit("STOP", null);
            }
        }
    }

    private static final String ENOSPC = "No space left on device";
    /** The C library's texts of the errors a block request can fail with, as BLOCK_IO_ERROR's {@code reason} gives them. */
    private static final List<String> STRERROR = List.of(ENOSPC, "Input/output error", "Operation not permitted",
            "Permission denied", "Invalid argument", "Operation not supported", "Read-only file system",
            "Connection reset by peer", "Broken pipe", "Cannot send after transport endpoint shutdown",
            "Transport endpoint is not connected", "Connection refused", "Operation canceled");

    /** QEMU's {@code reason}: the strerror text the error carries, else the error's own message. */
    private static String reason(IOException error) {
        String m = error.getMessage() == null ? "" : error.getMessage();
        for (String s : STRERROR) {
            if (m.contains(s)) {
                return s;
            }
        }
        return m.isEmpty() ? "Input/output error" : m;
    }

    /** The command table all monitors of this machine share. */
    QmpCommands commands() {
        return commands;
    }

    /**
     * Runs one human monitor command line for a front end of its own (the gdb stub's
     * {@code monitor} command, as QEMU's gdb stub passes it to its monitor): the command runs on
     * the main loop thread, as {@code human-monitor-command}'s do, and this returns its output
     * (lines ending in CR LF). Called from any thread but the main loop's, which it waits for.
     */
    public String humanMonitorCommand(String line) throws InterruptedException {
        CompletableFuture<String> out = new CompletableFuture<>();
        main.oneShot(() -> {
            try {
                applyDebuggerEvents(); // the stop gdb was told of before it sent this command
                out.complete(commands.hmp().execute(line));
            } catch (RuntimeException e) {
                out.completeExceptionally(e);
            }
        });
        try {
            return out.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("monitor command '" + line + "' failed", e.getCause());
        }
    }

    /** Tells the monitors which thread runs the vCPU (for {@code query-cpus-fast}). */
    public void setVcpuThread(Thread t) {
        vcpu = t;
    }

    Thread vcpuThread() {
        return vcpu;
    }

    String version() {
        return version;
    }

    PcBoard board() {
        return board;
    }

    AioContext mainContext() {
        return main;
    }

    String name() {
        return name;
    }

    List<Drive> drives() {
        return drives;
    }

    List<IOThread> iothreads() {
        return iothreads;
    }

    /**
     * QMP's run state: {@code prelaunch}, {@code running}, {@code paused}, {@code debug} (stopped
     * by the gdb stub), {@code shutdown}, or {@code io-error} when a disk's
     * {@code werror/rerror=stop} paused the machine.
     */
    String status() {
        return status.equals("running") && board.loop().isPaused() ? "io-error" : status;
    }

    /** {@code stop}: pauses the guest; STOP is emitted when it was running. */
    void stop() {
        if (status().equals("running")) {
            board.loop().pause();
            status = "paused";
            emit("STOP", null);
        }
    }

    /** {@code cont}: resumes the guest; RESUME is emitted when it was not running. */
    void cont() throws QmpError {
        if (status.equals("shutdown")) {
            throw QmpError.generic("Resetting the Virtual Machine is required");
        }
        if (!status().equals("running")) {
            status = "running";
            stoppedOnError.set(false);
            ioStatus.replaceAll((b, old) -> "ok");
            emit("RESUME", null);
            board.loop().resume();
            board.bql().run(retryStoppedRequests);
        }
    }

    /**
     * {@code system_reset}: the vCPU thread resets the machine at the next instruction boundary,
     * or at once if it is stopped (which it stays); RESET follows from the reset itself.
     */
    void systemReset() {
        hostReset = true;
        if (status.equals("shutdown")) {
            status = "paused";
        }
        board.loop().requestReset();
    }

    /** A debugger connected to the gdb stub and paused the machine: {@code paused} and STOP if it ran. Any thread. */
    public void debuggerAttached() {
        debuggerEvent(() -> stopFor("paused"));
    }

    /** The machine stopped for the debugger: {@code debug} and STOP, as QEMU's gdb stub stops it. Any thread. */
    public void debuggerStopped() {
        debuggerEvent(() -> stopFor("debug"));
    }

    /** The debugger let the machine run (continue, a step, detach): {@code running} and RESUME. Any thread. */
    public void debuggerResumed() {
        debuggerEvent(() -> {
            if (!status.equals("running") && !status.equals("shutdown")) {
                status = "running";
                emit("RESUME", null);
            }
        });
    }

    /**
     * Queues a run-state change of the debugger's for the main loop. The changes are applied in
     * the order they happened (the gdb stub's thread reports a continue before the vCPU thread
     * reports the stop that follows it), whichever bottom half runs first.
     */
    private void debuggerEvent(Runnable change) {
        debuggerEvents.add(change);
        main.oneShot(this::applyDebuggerEvents);
    }

    /** Applies the queued run-state changes of the debugger's, oldest first. Main loop thread. */
    private void applyDebuggerEvents() {
        for (Runnable change; (change = debuggerEvents.poll()) != null; ) {
            change.run();
        }
    }

    private void stopFor(String state) {
        if (status.equals("running")) {
            status = state;
            emit("STOP", null);
        }
    }

    /** {@code system_powerdown}: POWERDOWN, and the board's ACPI power button is pressed. */
    void systemPowerdown() {
        emit("POWERDOWN", null);
        board.bql().run(board::powerButton);
    }

    /** {@code quit}: SHUTDOWN, then the run ends with status 0. */
    void quit() {
        emitShutdown(false, "host-qmp-quit");
        status = "shutdown";
        board.loop().requestShutdown(0);
        board.loop().resume();
    }

    /** Called after every machine reset, on the thread that reset it: emits RESET. */
    public void guestReset() {
        boolean host = hostReset;
        hostReset = false;
        ObjectNode data = JsonNodeFactory.instance.objectNode();
        data.put("guest", !host);
        data.put("reason", host ? "host-qmp-system-reset" : "guest-reset");
        emit("RESET", data);
    }

    /**
     * The guest powered the machine off (ACPI S5): SHUTDOWN, then the run ends with status 0,
     * or with {@code -no-shutdown} the machine stays paused in state {@code shutdown}.
     */
    public void guestPoweroff() {
        emitShutdown(true, "guest-shutdown");
        if (noShutdown) {
            status = "shutdown";
            board.loop().pause();
            emit("STOP", null);
        } else {
            board.loop().requestShutdown(0);
        }
    }

    private void emitShutdown(boolean guest, String reason) {
        ObjectNode data = JsonNodeFactory.instance.objectNode();
        data.put("guest", guest);
        data.put("reason", reason);
        emit("SHUTDOWN", data);
    }

    /**
     * Sends event {@code name} with {@code data} (or none) to every negotiated session, stamped
     * now. Any thread: from elsewhere than the main loop it is handed over as a bottom half.
     */
    public void emit(String name, ObjectNode data) {
        java.time.Instant now = java.time.Instant.now();
        ObjectNode event = JsonNodeFactory.instance.objectNode();
        ObjectNode ts = event.putObject("timestamp");
        ts.put("seconds", now.getEpochSecond());
        ts.put("microseconds", now.getNano() / 1000);
        event.put("event", name);
        if (data != null) {
            event.set("data", data);
        }
        if (Thread.currentThread() == main.homeThread()) {
            broadcast(event);
        } else {
            main.oneShot(() -> broadcast(event));
        }
    }

    private void broadcast(ObjectNode event) {
        for (QmpSession s : List.copyOf(sessions)) {
            s.event(event);
        }
    }

    void addSession(QmpSession s) {
        sessions.add(s);
    }

    void removeSession(QmpSession s) {
        sessions.remove(s);
    }
}
