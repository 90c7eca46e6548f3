package dev.jemu.cli.qmp;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jemu.aio.AioContext;
import dev.jemu.aio.IOThread;
import dev.jemu.block.BlockBackend;
import dev.jemu.devices.pc.PcBoard;

import java.util.ArrayList;
import java.util.List;

/**
 * The virtual machine as its monitors see it: the board, the drives and IOThreads the
 * command line made, the run state QMP reports ({@code prelaunch}, {@code running},
 * {@code paused}, {@code shutdown}), and the open sessions, to which events go.
 *
 * <p>Threading: the main loop thread, except {@link #emit}, {@link #guestReset} and
 * {@link #guestPoweroff}, which any thread may call (the vCPU thread does, with the big
 * lock held); they hand the event to the main loop.
 */
public final class QmpVm {
    /**
     * A drive of the command line: its id, its root node's name, its cache mode as QEMU names
     * it ({@code writeback}, {@code none}, ...), its back-end.
     */
    public record Drive(String id, String nodeName, String cacheMode, BlockBackend backend) {
    }

    private final String version;
    private final PcBoard board;
    private final AioContext main;
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
        this.commands = new QmpCommands(this);
    }

    /** The command table all monitors of this machine share. */
    QmpCommands commands() {
        return commands;
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
     * QMP's run state: {@code prelaunch}, {@code running}, {@code paused}, {@code shutdown}, or
     * {@code io-error} when a disk's {@code werror/rerror=stop} paused the machine.
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
