package dev.jemu.cli.vm;

import dev.jemu.aio.AioContext;
import dev.jemu.cli.qmp.QmpMonitor;
import dev.jemu.cli.qmp.QmpSocketMonitor;
import dev.jemu.cli.qmp.QmpStdio;
import dev.jemu.cli.qmp.QmpVm;
import dev.jemu.aio.IOThread;
import dev.jemu.core.log.Log;
import dev.jemu.core.log.LogCategory;
import dev.jemu.core.machine.GuestClock;
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
    private final PcBoard board;
    private final List<CharBackend> chardevs = new ArrayList<>();
    private final List<Drives.Drive> drives = new ArrayList<>();
    private final java.util.Map<String, IOThread> iothreads = new java.util.LinkedHashMap<>();
    private final List<VirtioBlk> virtioBlks = new ArrayList<>();
    private final byte[] kernelImage;
    /** The machine as QMP sees it; null without monitors and {@code -S}. */
    private final QmpVm qmp;
    private final List<QmpMonitor> monitors = new ArrayList<>();

    /**
     * Builds the machine; the files the options name are opened here.
     *
     * @param stdin the host side of {@code stdio} character devices: input
     * @param stdout the host side of {@code stdio} character devices: output
     * @param manualClock whether guest time moves only when a test steps it (device tests)
     */
    PcVm(VmOptions options, InputStream stdin, OutputStream stdout, boolean manualClock) throws OptionException {
        this.options = options;
        AioContext ctx = AioContext.current();
        this.mainContext = ctx != null ? ctx : AioContext.create();
        String biosPath = options.bios != null ? options.bios : DEFAULT_BIOS;
        byte[] bios = readBios(biosPath, options.bios == null);
        try {
            board = new PcBoard(options.ramBytes, bios, manualClock ? GuestClock.manual() : GuestClock.hostDriven(),
                    options.noReboot, Mc146818Rtc.startTime(options.rtcBase, Clock.systemDefaultZone()), options.hpet);
        } catch (BootImageException e) {
            throw new OptionException("-bios " + biosPath, e.getMessage());
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
        Devices.build(this, options, stdin, stdout);
        board.realize(options.bootOrder, options.bootMenu, options.nographic);
        kernelImage = options.kernel != null ? readFile("-kernel " + options.kernel, options.kernel) : null;
        if (kernelImage != null) {
            loadKernel();
        }
        qmp = options.monitors.isEmpty() && !options.startPaused ? null : startMonitors(stdin, stdout);
        if (kernelImage != null || qmp != null) {
            board.setAfterReset(() -> {
                if (kernelImage != null) {
                    try {
                        loadKernel();
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
    }

    /** Creates the QMP view of the machine and its monitors; {@code -S} pauses it. */
    private QmpVm startMonitors(InputStream stdin, OutputStream stdout) throws OptionException {
        List<QmpVm.Drive> qmpDrives = new ArrayList<>();
        for (Drives.Drive d : drives) {
            String cache = d.spec().block().copy().get("cache", "writeback");
            qmpDrives.add(new QmpVm.Drive(d.id(), d.spec().option().startsWith("-blockdev") ? d.id() : null, cache,
                    d.backend()));
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

    private void loadKernel() throws OptionException {
        String cmdline = options.append.isEmpty() ? options.kernel : options.kernel + " " + options.append;
        try {
            if (LinuxLoader.isLinux(kernelImage)) {
                byte[] initrd = options.initrd == null ? null : readFile("-initrd " + options.initrd, options.initrd);
                LinuxLoader.load(kernelImage, initrd, options.append, board.memory(), board.io(), board.ramBelow4g(),
                        board.ramAbove4g(), board.cpu(), board.acpiTables());
                return;
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
        Thread vcpu = new Thread(() -> {
            try {
                status[0] = board.loop().run();
            } finally {
                finished.set(true);
                mainContext.kick();
            }
        }, "vcpu0");
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
        if (Boolean.getBoolean("jemu.stats")) {
            System.err.println("jemu: " + board.cpu().instructionCount() + " guest instructions");
        }
        return status[0];
    }

    private void closeMonitors() {
        monitors.forEach(QmpMonitor::close);
        monitors.clear();
    }

    /** Waits for the devices' requests, flushes and closes the disks, stops the IOThreads, closes the monitors and the character devices. */
    @Override
    public void close() {
        closeMonitors();
        for (VirtioBlk b : virtioBlks) {
            b.close();
        }
        for (Drives.Drive d : drives) {
            try {
                d.backend().close();
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
    }
}
