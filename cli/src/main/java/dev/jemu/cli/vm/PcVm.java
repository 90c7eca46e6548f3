package dev.jemu.cli.vm;

import dev.jemu.aio.AioContext;
import dev.jemu.cli.gdb.GdbStub;
import dev.jemu.cli.qmp.QmpMonitor;
import dev.jemu.cli.qmp.QmpSocketMonitor;
import dev.jemu.cli.qmp.QmpStdio;
import dev.jemu.cli.qmp.QmpVm;
import dev.jemu.aio.IOThread;
import dev.jemu.core.log.Log;
import dev.jemu.core.log.LogCategory;
import dev.jemu.core.machine.GuestClock;
import dev.jemu.core.x86.CpuModel;
import dev.jemu.core.x86.HostDebug;
import dev.jemu.core.x86.jit.HiddenClassCache;
import dev.jemu.devices.pc.PcBoard;
import dev.jemu.devices.pc.boot.BootImageException;
import dev.jemu.devices.pc.boot.LinuxLoader;
import dev.jemu.devices.pc.boot.MultibootLoader;
import dev.jemu.devices.serial.Serial16550;
import dev.jemu.devices.virtio.blk.VirtioBlk;
import dev.jemu.devices.timer.Mc146818Rtc;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@code pc} virtual machine built from parsed command-line options: the board, its
 * character devices, its disks and the devices the options ask for. The thread that builds
 * it is the main loop: it owns the main AioContext, in which the disks' requests run, and
 * {@link #run()} polls it while a vCPU thread runs the guest, as QEMU's main loop and vCPU
 * thread do.
 *
 * <p>Threading: built and run on the launcher's main thread.
 */
public final class PcVm implements AutoCloseable {
    /** Default firmware, from Debian's seabios package. */
    static final String DEFAULT_BIOS = "/usr/share/seabios/bios-256k.bin";
    /** How long the last replies and events may take to reach QMP clients at the end of the run. */
    private static final long MONITOR_FLUSH_NS = 1_000_000_000L;

    private final VmOptions options;
    private final AioContext mainContext;
    /** Whether this machine created its main AioContext (and so closes it). */
    private final boolean ownsContext;
    /** Whether {@link #close()} stops the thread that reads the stdio input (see {@link #create}). */
    private final boolean stopsConsoleInput;
    /** The host streams of each {@code stdio} character device (see {@link #create}). */
    private final java.util.function.IntFunction<StdioStreams> stdio;
    /** What escaped the vCPU thread, or null. */
    private volatile Throwable vcpuFailure;
    private final PcBoard board;
    private final List<CharBackend> chardevs = new ArrayList<>();
    private final List<Drives.Drive> drives = new ArrayList<>();
    /** Drives on nodes the embedding program opened (see {@link #create}). */
    private final List<NodeDrive> nodeDrives;
    private final java.util.Map<String, IOThread> iothreads = new java.util.LinkedHashMap<>();
    private final List<VirtioBlk> virtioBlks = new ArrayList<>();
    private final java.util.Map<dev.jemu.block.BlockBackend, QmpVm.Device> attachments = new java.util.IdentityHashMap<>();
    /** The multiboot kernel {@code -kernel} names, loaded again after every reset; null for none or a Linux bzImage. */
    private final byte[] kernelImage;
    /** The machine as QMP sees it; null without monitors and {@code -S}. */
    private final QmpVm qmp;
    private final GdbStub gdb;
    private final List<QmpMonitor> monitors = new ArrayList<>();

    /**
     * Builds the machine; the files the options name are opened here.
     *
     * @param stdin the host side of {@code stdio} character devices: input
     * @param stdout the host side of {@code stdio} character devices: output
     * @param manualClock whether guest time moves only when a test steps it (device tests)
     */
    PcVm(VmOptions options, InputStream stdin, OutputStream stdout, boolean manualClock) throws OptionException {
        this(options, stdin, stdout, onceStdio(stdin, stdout), List.of(), manualClock, false);
    }

    private PcVm(VmOptions options, InputStream stdin, OutputStream stdout, java.util.function.IntFunction<StdioStreams> stdio,
                 List<NodeDrive> nodeDrives, boolean manualClock, boolean stopsConsoleInput) throws OptionException {
        this.options = options;
        this.nodeDrives = List.copyOf(nodeDrives);
        this.stdio = stdio;
        this.stopsConsoleInput = stopsConsoleInput;
        AioContext ctx = AioContext.current();
        this.ownsContext = ctx == null;
        this.mainContext = ctx != null ? ctx : AioContext.create();
        String biosPath = options.bios != null ? options.bios : DEFAULT_BIOS;
        byte[] bios = readBios(biosPath, options.bios == null);
        try {
            board = new PcBoard(options.ramBytes, bios, clock(options, manualClock),
                    options.noReboot, Mc146818Rtc.startTime(options.rtcBase, Clock.systemDefaultZone()), options.hpet);
        } catch (BootImageException e) {
            throw new OptionException("-bios " + biosPath, e.getMessage());
        }
        try {
            board.cpu().setModel(CpuModel.named(options.cpuModel));
            if (options.tier != null) {
                board.cpu().setTier(options.tier);
            }
            for (String id : options.iothreads) {
                iothreads.put(id, IOThread.start(id));
            }
            if (options.noShutdown) {
                board.setGuestPoweroff(() -> {
                    Log.log(LogCategory.CPU_RESET, "guest powered off: the machine stays paused (-no-shutdown)");
                    board.loop().pause();
                });
            }
            Devices.build(this, options);
            byte[] kernel = options.kernel != null ? readFile("-kernel " + options.kernel, options.kernel) : null;
            boolean linux = kernel != null && LinuxLoader.isLinux(kernel);
            if (linux) {
                installLinux(kernel);
            }
            board.realize(options.bootOrder, options.bootMenu, options.nographic);
            kernelImage = linux ? null : kernel;
            if (kernelImage != null) {
                loadMultiboot();
            }
            qmp = options.monitors.isEmpty() && !options.startPaused && options.gdb == null ? null
                    : startMonitors(stdin, stdout);
            gdb = options.gdb == null ? null : startGdb(options.gdb);
            if (gdb != null && options.gdbWait) {
                board.loop().pause();
            }
            if (kernelImage != null || qmp != null) {
                board.setAfterReset(() -> {
                    if (kernelImage != null) {
                        try {
                            loadMultiboot();
                        } catch (OptionException e) {
                            throw new IllegalStateException("the kernel that loaded at start-up failed to load on reset: "
                                    + e.getMessage(), e);
                        }
                    }
                    if (qmp != null) {
                        qmp.guestReset();
                    }
                });
            }
        } catch (OptionException | RuntimeException e) {
            // a half-built machine releases what it opened: the launcher exits, but an
            // embedding program goes on
            try {
                close();
            } catch (RuntimeException c) {
                e.addSuppressed(c);
            }
            throw e;
        }
    }

    private GdbStub startGdb(VmOptions.Monitor where) throws OptionException {
        try {
            return GdbStub.listen(where.host(), where.port(), where.path() == null ? null : Path.of(where.path()),
                    board.loop(), new HostDebug(board.cpu()), new GdbStub.Monitor() {
                        @Override
                        public String execute(String line) throws InterruptedException {
                            return qmp.humanMonitorCommand(line);
                        }

                        @Override
                        public void debuggerAttached() {
                            qmp.debuggerAttached();
                        }

                        @Override
                        public void debuggerResumed() {
                            qmp.debuggerResumed();
                        }

                        @Override
                        public void debuggerStopped() {
                            qmp.debuggerStopped();
                        }
                    });
        } catch (IOException | RuntimeException e) {
            throw new OptionException(where.option(), "Failed to listen on "
                    + (where.path() != null ? where.path() : where.host() + ":" + where.port()) + ": " + OsErrors.reason(e));
        }
    }

    private static GuestClock clock(VmOptions options, boolean manual) {
        if (manual) {
            return GuestClock.manual();
        }
        return options.icountShift >= 0 ? GuestClock.instructionCounted(options.icountShift) : GuestClock.hostDriven();
    }

    /**
     * Creates the QMP view of the machine and its monitors (made also when only the gdb stub is
     * there: its {@code monitor} command runs on the human monitor); {@code -S} pauses it.
     */
    private QmpVm startMonitors(InputStream stdin, OutputStream stdout) throws OptionException {
        List<QmpVm.Drive> qmpDrives = new ArrayList<>();
        for (Drives.Drive d : drives) {
            String cache = d.spec().block().copy().get("cache", "writeback");
            qmpDrives.add(new QmpVm.Drive(d.id(), d.spec().option().startsWith("-blockdev") ? d.id() : null, cache,
                    d.backend(), attachments.get(d.backend())));
        }
        QmpVm vm = new QmpVm(JemuMain.VERSION, board, mainContext, options.name, qmpDrives,
                List.copyOf(iothreads.values()), options.startPaused, options.noShutdown, () -> {
                    board.ide().resumeStoppedRequests();
                    virtioBlks.forEach(VirtioBlk::resume);
                });
        board.setGuestPoweroff(vm::guestPoweroff);
        for (VmOptions.Monitor m : options.monitors) {
            if (m.stdio()) {
                monitors.add(QmpStdio.start(vm, stdin, stdout));
                continue;
            }
            try {
                monitors.add(QmpSocketMonitor.listen(vm, m.host(), m.port(), m.path()));
            } catch (IOException | RuntimeException e) {
                closeMonitors();
                throw new OptionException(m.option(), "Failed to listen on "
                        + (m.path() != null ? m.path() : m.host() + ":" + m.port()) + ": " + OsErrors.reason(e));
            }
        }
        return vm;
    }

    private static byte[] readBios(String path, boolean isDefault) throws OptionException {
        try {
            return Files.readAllBytes(Path.of(path));
        } catch (IOException | java.nio.file.InvalidPathException e) {
            String hint = isDefault ? " (install Debian's seabios package, or give -bios FILE)" : "";
            throw new OptionException("could not load PC BIOS '" + path + "'" + hint);
        }
    }

    static byte[] readFile(String option, String path) throws OptionException {
        try {
            if (Files.isDirectory(Path.of(path))) {
                throw new OptionException(option, "Could not open '" + path + "': Is a directory");
            }
            return Files.readAllBytes(Path.of(path));
        } catch (IOException | java.nio.file.InvalidPathException e) {
            throw new OptionException(option, "Could not open '" + path + "': " + OsErrors.reason(e));
        }
    }

    /**
     * Puts a Linux bzImage, its initrd and command line into fw_cfg with jemu's boot ROM, which
     * SeaBIOS boots first (see {@link LinuxLoader}); before the board is realized.
     */
    private void installLinux(byte[] image) throws OptionException {
        String kernelOption = "-kernel " + options.kernel;
        byte[] initrd = options.initrd == null ? null : readFile("-initrd " + options.initrd, options.initrd);
        LinuxLoader.Kernel kernel;
        try {
            kernel = LinuxLoader.parse(image, initrd != null);
        } catch (BootImageException e) {
            throw new OptionException(kernelOption, e.getMessage());
        }
        try {
            kernel.checkCommandLine(options.append);
        } catch (BootImageException e) {
            throw new OptionException("-append", e.getMessage());
        }
        try {
            kernel.install(board.fwCfg(), options.append, initrd, board.ramBelow4g());
        } catch (BootImageException e) {
            throw new OptionException("-initrd " + options.initrd, e.getMessage());
        }
        board.setBootOrder(List.of(LinuxLoader.BOOT_PATH));
    }

    /** Loads a multiboot kernel into RAM and points the CPU at it (at start-up and after every reset). */
    private void loadMultiboot() throws OptionException {
        String cmdline = options.append.isEmpty() ? options.kernel : options.kernel + " " + options.append;
        try {
            if (!MultibootLoader.isMultiboot(kernelImage)) {
                throw new BootImageException("neither a Linux bzImage (no \"HdrS\" header at 0x202) nor a multiboot kernel"
                        + " (no multiboot header in the first 8 KiB)");
            }
            if (options.initrd != null) {
                throw new OptionException("-initrd " + options.initrd, "multiboot modules are not supported by jemu");
            }
            MultibootLoader.load(kernelImage, cmdline, board.memory(), board.ramBelow4g(), board.ramAbove4g(), board.cpu());
        } catch (BootImageException e) {
            throw new OptionException("-kernel " + options.kernel, e.getMessage());
        }
    }

    /**
     * Builds a machine from QEMU-style command-line words without running it: the qtest-style
     * harness of device tests drives it through its ports and memory, with guest time moving
     * only when the test steps it. The calling thread becomes the machine's main loop.
     */
    public static PcVm createForTest(String... args) throws OptionException {
        VmOptions options = VmOptions.parse(args);
        return new PcVm(options, InputStream.nullInputStream(), OutputStream.nullOutputStream(), true);
    }

    /**
     * Builds a machine from QEMU-style command-line words for the embedding API
     * ({@code dev.jemu.machine}): monitors on {@code stdio} read {@code console} and write
     * {@code consoleOut}; each {@code stdio} character device takes the streams {@code stdio}
     * gives for its serial port (see {@link #stdio(int)}); {@code nodeDrives} are disks on block
     * nodes the program opened, after those of the command line; {@code -d} and {@code -D}
     * configure {@code log}. The calling
     * thread becomes the machine's main loop; it binds {@code log} to itself, so that the
     * machine's threads log there. With {@code ownsConsole}, {@link #close()} interrupts the
     * thread that reads {@code console} and waits for it (the stream must answer an
     * interrupt). Words that ask for help or the version are refused.
     */
    public static PcVm create(List<String> args, InputStream console, OutputStream consoleOut,
                              java.util.function.IntFunction<StdioStreams> stdio, List<NodeDrive> nodeDrives,
                              Log.Scope log, boolean ownsConsole)
            throws OptionException {
        VmOptions options = VmOptions.parse(args.toArray(new String[0]));
        if (options.action != VmOptions.Action.RUN) {
            throw new OptionException("help and version options are for the jemu launcher, not for a machine");
        }
        Log.bind(log);
        if (options.logFile != null) {
            try {
                log.setOutput(new java.io.PrintStream(new java.io.FileOutputStream(options.logFile), true));
            } catch (java.io.FileNotFoundException e) {
                throw new OptionException("-D " + options.logFile, OsErrors.reason(e));
            }
        }
        log.enable(options.log.toArray(new LogCategory[0]));
        return new PcVm(options, console, consoleOut, stdio, nodeDrives, false, ownsConsole);
    }

    /**
     * A disk on a block node the embedding program opened: a drive {@code id} on
     * {@code iface} ({@code ide}: the next free IDE position; {@code virtio}: a virtio-blk-pci
     * device). The machine drains and flushes the node when it closes; the program closes it.
     */
    public record NodeDrive(String id, dev.jemu.block.BlockDriverState node, String iface) {
    }

    /** The drives on the embedding program's nodes. */
    List<NodeDrive> nodeDrives() {
        return nodeDrives;
    }

    /** The host side of one {@code stdio} character device: what it reads and where it writes. */
    public record StdioStreams(InputStream in, OutputStream out) {
    }

    /** A process's stdio: {@code in} and {@code out} for the first stdio character device, null (refused) after. */
    public static java.util.function.IntFunction<StdioStreams> onceStdio(InputStream in, OutputStream out) {
        boolean[] used = {false};
        return port -> {
            if (used[0]) {
                return null;
            }
            used[0] = true;
            return new StdioStreams(in, out);
        };
    }

    /**
     * The host streams of a {@code stdio} character device, for serial port {@code port} (0 is
     * COM1) or -1 for one that is not a serial port's own; null when stdio may not be used again.
     */
    StdioStreams stdio(int port) {
        return stdio.apply(port);
    }

    /** Whether {@link #close()} stops the thread that reads the stdio input. */
    boolean stopsConsoleInput() {
        return stopsConsoleInput;
    }

    /** The board. */
    public PcBoard board() {
        return board;
    }

    /** The main loop's AioContext. */
    public AioContext mainContext() {
        return mainContext;
    }

    void addChardev(CharBackend backend) {
        chardevs.add(backend);
    }

    void addDrive(Drives.Drive drive) {
        drives.add(drive);
    }

    /** Records the device using {@code drive}, for the monitor's query-block and BLOCK_IO_ERROR. */
    void attached(Drives.Drive drive, String qdev, AioContext context, boolean ioStatus) {
        attachments.put(drive.backend(), new QmpVm.Device(qdev, context, ioStatus));
    }

    void addVirtioBlk(VirtioBlk blk) {
        virtioBlks.add(blk);
    }

    /** The IOThread {@code -object iothread,id=ID} created, or null. */
    IOThread iothread(String id) {
        return iothreads.get(id);
    }

    /** Connects host input of {@code backend} to {@code serial}. */
    void connectInput(CharBackend backend, Serial16550 serial) {
        backend.startInput(b -> board.bql().call(() -> {
            if (!serial.canReceive()) {
                return false;
            }
            serial.receive(b);
            return true;
        }));
    }

    /**
     * Runs the guest on a vCPU thread while this thread polls the main loop, until the machine
     * shuts down; returns the exit status. With the system property {@code jemu.stats=true}
     * (the benchmarks set it through {@code JEMU_JAVA_OPTS}) the number of guest instructions
     * executed is printed on standard error at the end.
     */
    public int run() {
        int[] status = {1};
        java.util.concurrent.atomic.AtomicBoolean finished = new java.util.concurrent.atomic.AtomicBoolean();
        long[] vcpuCpuNanos = {0};
        Thread vcpu = new Thread(() -> {
            try {
                status[0] = board.loop().run();
            } catch (Throwable t) {
                vcpuFailure = t;
            } finally {
                vcpuCpuNanos[0] = java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
                finished.set(true);
                mainContext.kick();
            }
        }, threadName("vcpu0"));
        if (qmp != null) {
            qmp.setVcpuThread(vcpu);
        }
        vcpu.start();
        while (!finished.get()) {
            mainContext.poll(true);
        }
        if (qmp != null) {
            // the last events (SHUTDOWN, handed over as bottom halves) and replies (quit) reach
            // the clients before the exit
            for (int round = 0; round < 100; round++) {
                if (!mainContext.poll(false)) {
                    break;
                }
            }
            for (QmpMonitor m : monitors) {
                m.flush(MONITOR_FLUSH_NS);
            }
        }
        try {
            vcpu.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (gdb != null) {
            gdb.machineExited(status[0]);
        }
        if (Boolean.getBoolean("jemu.stats")) {
            HiddenClassCache t = board.cpu().translations();
            System.err.println("jemu: " + board.cpu().instructionCount() + " guest instructions");
            long metaspace = java.lang.management.ManagementFactory.getMemoryPoolMXBeans().stream()
                    .filter(pool -> pool.getName().equals("Metaspace")).mapToLong(pool -> pool.getUsage().getUsed())
                    .sum();
            System.err.printf("jemu: %d translations in %.3f s, %d released, %d flushes, %d class bytes live,"
                            + " %d chained entries, %d code pages evicted, metaspace %.1f MiB,"
                            + " CPU time %.3f s vCPU thread, %.3f s translation thread%n", t.translations(),
                    t.translationNanos() / 1e9, t.releases(), t.flushes(), t.liveBytes(), board.cpu().chainedEntries(),
                    board.cpu().codeCacheEvictions(), metaspace / 1048576.0, vcpuCpuNanos[0] / 1e9,
                    board.cpu().translationThreadCpuNanos() / 1e9);
        }
        return status[0];
    }

    /** What escaped the vCPU thread and ended the run (a bug in jemu, not a guest error), or null. */
    public Throwable vcpuFailure() {
        return vcpuFailure;
    }

    /** {@code jemu-NAME-what} with {@code -name NAME}, else {@code jemu-what}. */
    String threadName(String what) {
        return options.name == null ? "jemu-" + what : "jemu-" + options.name + "-" + what;
    }

    private void closeMonitors() {
        monitors.forEach(QmpMonitor::close);
        monitors.clear();
    }

    /**
     * Waits for the devices' requests, flushes and closes the disks, stops the IOThreads,
     * closes the monitors and the character devices, and the main AioContext if this machine
     * created it. On the main loop's thread.
     */
    @Override
    public void close() {
        closeMonitors();
        if (gdb != null) {
            gdb.close();
        }
        for (VirtioBlk b : virtioBlks) {
            b.close();
        }
        for (Drives.Drive d : drives) {
            try {
                d.release();
            } catch (IOException e) {
                System.err.println("jemu: drive " + d.id() + ": " + OsErrors.reason(e));
            }
        }
        for (IOThread t : iothreads.values()) {
            t.stop();
        }
        for (CharBackend c : chardevs) {
            try {
                c.close();
            } catch (IOException e) {
                System.err.println("jemu: chardev: " + OsErrors.reason(e));
            }
        }
        if (ownsContext) {
            mainContext.close();
        }
    }
}
