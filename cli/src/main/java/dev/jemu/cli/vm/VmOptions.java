package dev.jemu.cli.vm;

import dev.jemu.block.BlockOptions;
import dev.jemu.core.log.LogCategory;
import dev.jemu.core.x86.jit.Tier;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The launcher's command line, parsed as QEMU parses it: options with one or two dashes, each
 * option's argument the next word, structured arguments in {@link QemuOpts} syntax. Nothing
 * is opened here; {@link PcVm} builds the machine from the result. Unknown options, options
 * of QEMU that jemu does not have, and malformed values are refused with one line naming the
 * option.
 *
 * <p>Threading: the launcher's main thread.
 */
final class VmOptions {
    static final long DEFAULT_RAM = 128L << 20;
    /** The largest RAM jemu accepts (what its RAM blocks can address). */
    static final long MAX_RAM = 1L << 40;
    /** The largest {@code -icount shift=N}, as QEMU's. */
    static final int MAX_ICOUNT_SHIFT = 10;

    /** What {@link #parse} found besides a machine to run. */
    enum Action { RUN, HELP, VERSION, DEVICE_HELP, MACHINE_HELP, CPU_HELP, LOG_HELP }

    Action action = Action.RUN;
    long ramBytes = DEFAULT_RAM;
    String cpuModel = "qemu64";
    /** The CPU tier chosen with {@code -accel tcg,tier=...}, or null for the default. */
    Tier tier;
    String bios;
    String kernel;
    String append = "";
    /** Whether {@code -append} was given (QEMU refuses it without {@code -kernel}). */
    private boolean appendGiven;
    String initrd;
    boolean noReboot;
    /** {@code -machine hpet=}: QEMU's pc has the HPET unless it is off. */
    boolean hpet = true;
    boolean noShutdown;
    boolean startPaused;
    /** Where the gdb stub listens ({@code -gdb}, {@code -s}), or null. */
    Monitor gdb;
    /** Whether the guest waits for the debugger to connect and continue. */
    boolean gdbWait;
    boolean nodefaults;
    boolean snapshotAll;
    boolean nographic;
    String bootOrder = "cad";
    boolean bootMenu;
    String rtcBase = "utc";
    /** {@code -icount shift=N}: guest time is N-th power of two nanoseconds per instruction; -1 without {@code -icount}. */
    int icountShift = -1;
    String name;
    final Set<LogCategory> log = EnumSet.noneOf(LogCategory.class);
    String logFile;
    final List<DriveSpec> drives = new ArrayList<>();
    final List<QemuOpts> devices = new ArrayList<>();
    final Map<String, QemuOpts> chardevs = new LinkedHashMap<>();
    /** {@code -serial} arguments in order (COM1, COM2, ...). */
    final List<String> serials = new ArrayList<>();
    final List<String> iothreads = new ArrayList<>();
    /** QMP monitors of {@code -qmp} and {@code -mon}, in command-line order. */
    final List<Monitor> monitors = new ArrayList<>();
    private final List<QemuOpts> mons = new ArrayList<>();

    /**
     * A QMP monitor or the gdb stub: on standard input and output, on a unix socket
     * {@code path}, or on TCP {@code host:port}; {@code option} is the option as typed, for
     * messages.
     */
    record Monitor(String option, boolean stdio, String path, String host, int port) {
    }

    /** Options QEMU has that jemu does not (yet): refused by name rather than ignored. */
    private static final Set<String> NOT_SUPPORTED = Set.of("netdev", "net", "nic", "vga", "usb", "usbdevice",
            "audiodev", "soundhw", "cdrom", "fda", "fdb", "mtdblock", "sd", "pflash", "enable-kvm",
            "qmp-pretty", "monitor", "gdb", "s", "smbios", "fw_cfg", "acpitable", "numa",
            "loadvm", "incoming", "daemonize", "pidfile", "spice", "vnc", "sdl", "curses", "k", "parallel",
            "virtfs", "tpmdev", "watchdog", "watchdog-action", "global", "readconfig", "writeconfig",
            "option-rom", "overcommit", "mem-path", "mem-prealloc", "runas", "chroot", "sandbox", "trace",
            "plugin", "semihosting", "full-screen", "g", "portrait", "rotate", "win2k-hack", "no-acpi",
            "no-hpet", "singlestep", "L", "prom-env", "add-fd", "action", "compat", "msg", "xen-domid",
            "tb-size", "cpu-throttle", "device-tree", "dtb", "preconfig", "qtest", "qtest-log", "rtc-td-hack",
            "old-param", "alt-grab", "ctrl-grab", "no-quit", "no-frame", "show-cursor", "enable-sync-profile",
            "echr", "virtioconsole", "uuid", "seed", "dump-vmstate", "bt", "vmwarevga", "hdachs");

    /** Parses {@code args}. */
    static VmOptions parse(String[] args) throws OptionException {
        VmOptions o = new VmOptions();
        for (int k = 0; k < args.length; k++) {
            String arg = args[k];
            if (!arg.startsWith("-") || arg.length() == 1) {
                o.drives.add(o.hdDrive("-hda", arg, -1));
                continue;
            }
            String name = arg.startsWith("--") ? arg.substring(2) : arg.substring(1);
            if (o.flag(name)) {
                continue;
            }
            if (!takesArgument(name)) {
                if (NOT_SUPPORTED.contains(name)) {
                    throw new OptionException(arg, "not supported by jemu");
                }
                throw new OptionException(arg, "invalid option");
            }
            if (k + 1 >= args.length) {
                throw new OptionException(arg, "requires an argument");
            }
            o.withArgument(arg, name, args[++k]);
        }
        if (o.action == Action.RUN && o.initrd != null && o.kernel == null) {
            throw new OptionException("-initrd only allowed with -kernel option");
        }
        if (o.action == Action.RUN && o.appendGiven && o.kernel == null) {
            throw new OptionException("-append only allowed with -kernel option");
        }
        for (QemuOpts mon : o.mons) {
            o.monitors.add(o.controlMonitor(mon));
        }
        o.checkStdioMonitor();
        return o;
    }

    private boolean flag(String name) throws OptionException {
        switch (name) {
            case "no-reboot" -> noReboot = true;
            case "no-shutdown" -> noShutdown = true;
            case "nographic" -> nographic = true;
            case "S" -> startPaused = true;
            case "s" -> gdb = gdb("-s", "tcp::1234");
            case "nodefaults" -> nodefaults = true;
            case "snapshot" -> snapshotAll = true;
            case "h", "help" -> action = Action.HELP;
            case "version" -> action = Action.VERSION;
            default -> {
                return false;
            }
        }
        return true;
    }

    private static boolean takesArgument(String name) {
        return switch (name) {
            case "machine", "M", "accel", "m", "cpu", "smp", "bios", "kernel", "append", "initrd", "drive",
                 "hda", "hdb", "hdc", "hdd", "blockdev", "device", "serial", "chardev", "display", "boot", "rtc",
                 "name", "d", "D", "object", "qmp", "mon", "gdb", "icount" -> true;
            default -> false;
        };
    }

    private void withArgument(String arg, String name, String value) throws OptionException {
        String opt = arg + " " + value;
        switch (name) {
            case "machine", "M" -> machine(arg, value);
            case "accel" -> accel(arg, value);
            case "m" -> ramBytes = parseRam(opt, value);
            case "cpu" -> cpu(opt, value);
            case "smp" -> smp(arg, value);
            case "bios" -> bios = value;
            case "kernel" -> kernel = value;
            case "append" -> {
                append = value;
                appendGiven = true;
            }
            case "initrd" -> initrd = value;
            case "drive" -> drives.add(drive(QemuOpts.parse(arg, value, null)));
            case "hda" -> drives.add(hdDrive(arg, value, 0));
            case "hdb" -> drives.add(hdDrive(arg, value, 1));
            case "hdc" -> drives.add(hdDrive(arg, value, 2));
            case "hdd" -> drives.add(hdDrive(arg, value, 3));
            case "blockdev" -> drives.add(blockdev(QemuOpts.parse(arg, value, null)));
            case "device" -> device(QemuOpts.parse(arg, value, "driver"));
            case "serial" -> serials.add(value);
            case "chardev" -> chardev(QemuOpts.parse(arg, value, "backend"));
            case "display" -> display(opt, value);
            case "boot" -> boot(QemuOpts.parse(arg, value, "order"));
            case "rtc" -> rtc(QemuOpts.parse(arg, value, null));
            case "icount" -> icount(QemuOpts.parse(arg, value, "shift"));
            case "name" -> this.name = QemuOpts.parse(arg, value, "guest").get("guest");
            case "d" -> {
                if (value.equals("help")) {
                    action = Action.LOG_HELP;
                } else {
                    log.addAll(parseLog(opt, value));
                }
            }
            case "D" -> logFile = value;
            case "object" -> object(QemuOpts.parse(arg, value, "qom-type"));
            case "qmp" -> monitors.add(qmp(opt, value));
            case "gdb" -> gdb = gdb(opt, value);
            case "mon" -> mons.add(QemuOpts.parse(arg, value, "chardev"));
            default -> throw new IllegalStateException(name);
        }
    }

    /** {@code -qmp stdio}, {@code -qmp unix:PATH,server=on,wait=off}, {@code -qmp tcp:[HOST]:PORT,server=on,wait=off}. */
    private static Monitor qmp(String opt, String value) throws OptionException {
        if (value.equals("stdio")) {
            return new Monitor(opt, true, null, null, 0);
        }
        boolean unix = value.startsWith("unix:");
        if (!unix && !value.startsWith("tcp:")) {
            throw new OptionException(opt, "'" + value + "' is not a valid char driver (jemu's -qmp takes stdio, "
                    + "unix:PATH,server=on,wait=off or tcp:[HOST]:PORT,server=on,wait=off)");
        }
        String[] parts = value.substring(unix ? 5 : 4).split(",", 2);
        boolean server = false;
        boolean wait = true;
        for (String p : parts.length > 1 ? parts[1].split(",") : new String[0]) {
            switch (p) {
                case "server", "server=on" -> server = true;
                case "server=off" -> server = false;
                case "nowait", "wait=off" -> wait = false;
                case "wait", "wait=on" -> wait = true;
                default -> throw new OptionException(opt, "Invalid parameter '" + p.split("=")[0] + "'");
            }
        }
        if (!server || wait) {
            throw new OptionException(opt, "jemu's QMP sockets listen: add server=on,wait=off");
        }
        return unix ? new Monitor(opt, false, parts[0], null, 0) : tcpListener(opt, parts[0]);
    }

    /**
     * {@code -gdb tcp:[HOST]:PORT} (loopback when the host is omitted) or {@code -gdb
     * unix:PATH[,server=on][,wait=off]}; {@code -s} is {@code -gdb tcp::1234}; {@code none}
     * turns it off. As in QEMU, a Unix socket waits for the debugger (the guest starts when
     * it continues) unless {@code wait=off} is given; TCP does not wait.
     */
    private Monitor gdb(String opt, String value) throws OptionException {
        if (value.equals("none")) {
            return null;
        }
        boolean unix = value.startsWith("unix:");
        if (!unix && !value.startsWith("tcp:")) {
            throw new OptionException(opt, "'" + value + "' is not a gdb device jemu has (it takes tcp:[HOST]:PORT "
                    + "or unix:PATH)");
        }
        String[] parts = value.substring(unix ? 5 : 4).split(",", 2);
        boolean wait = unix;
        for (String p : parts.length > 1 ? parts[1].split(",") : new String[0]) {
            switch (p) {
                case "server", "server=on", "nodelay", "nodelay=on" -> { }
                case "nowait", "wait=off" -> wait = false;
                case "wait", "wait=on" -> wait = true;
                default -> throw new OptionException(opt, "Invalid parameter '" + p.split("=")[0] + "'");
            }
        }
        gdbWait = wait;
        return unix ? new Monitor(opt, false, parts[0], null, 0) : tcpListener(opt, parts[0]);
    }

    /** A listening TCP socket from {@code [HOST]:PORT}, loopback when the host is omitted. */
    private static Monitor tcpListener(String opt, String hostPort) throws OptionException {
        int colon = hostPort.lastIndexOf(':');
        if (colon < 0) {
            throw new OptionException(opt, "host and port must be given as [HOST]:PORT");
        }
        String host = hostPort.substring(0, colon);
        String port = hostPort.substring(colon + 1);
        int n;
        try {
            n = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            n = -1;
        }
        if (n < 0 || n > 65535) {
            throw new OptionException(opt, "Parameter 'port' expects a number from 0 to 65535, not '" + port + "'");
        }
        return new Monitor(opt, false, null, host.isEmpty() ? "127.0.0.1" : host, n);
    }

    /** {@code -mon chardev=ID,mode=control}: the monitor takes over the chardev, which then is no device's. */
    private Monitor controlMonitor(QemuOpts mon) throws OptionException {
        String id = mon.get("chardev");
        if (id == null) {
            throw mon.error("Parameter 'chardev' is missing");
        }
        String mode = mon.choice("mode", "readline", "readline", "control");
        if (mode.equals("readline")) {
            throw mon.error("jemu has no human monitor: give mode=control for QMP");
        }
        if (mon.bool("pretty", false)) {
            throw mon.error("pretty=on is not supported by jemu (its replies are one line each)");
        }
        mon.rejectUnused(k -> "Invalid parameter '" + k + "'");
        QemuOpts c = chardevs.remove(id);
        if (c == null) {
            throw mon.error("chardev \"" + id + "\" not found");
        }
        Monitor m;
        switch (c.get("backend")) {
            case "stdio" -> m = new Monitor(mon.option(), true, null, null, 0);
            case "socket" -> {
                if (!c.bool("server", false) || c.bool("wait", true)) {
                    throw c.error("jemu's QMP sockets listen: give server=on,wait=off");
                }
                String path = c.get("path");
                if (path != null) {
                    m = new Monitor(mon.option(), false, path, null, 0);
                } else {
                    String port = c.get("port");
                    if (port == null) {
                        throw c.error("chardev: socket: needs a port (port=N) or a path (path=P)");
                    }
                    m = new Monitor(mon.option(), false, null, c.get("host", "127.0.0.1"),
                            (int) c.parseNumber("port", port, 65535));
                }
            }
            default -> throw c.error("a QMP monitor needs a socket or stdio character device");
        }
        c.get("id");
        c.bool("signal", true);
        c.bool("mux", false);
        c.rejectUnused(k -> "Invalid parameter '" + k + "'");
        return m;
    }

    /** Standard input and output serve one character device or monitor, as in QEMU. */
    private void checkStdioMonitor() throws OptionException {
        Monitor stdio = monitors.stream().filter(Monitor::stdio).findFirst().orElse(null);
        if (stdio == null) {
            return;
        }
        boolean serialStdio = serials.contains("stdio") || serials.contains("mon:stdio")
                || (serials.isEmpty() && nographic && !nodefaults)
                || chardevs.values().stream().anyMatch(c -> "stdio".equals(c.get("backend")));
        if (serialStdio || monitors.stream().filter(Monitor::stdio).count() > 1) {
            throw new OptionException(stdio.option(), "cannot use stdio by multiple character devices");
        }
    }

    private void machine(String arg, String value) throws OptionException {
        QemuOpts m = QemuOpts.parse(arg, value, "type");
        String type = m.get("type", "pc");
        if (type.equals("help")) {
            action = Action.MACHINE_HELP;
            return;
        }
        if (!type.equals("pc") && !type.startsWith("pc-i440fx-")) {
            throw m.error("unsupported machine type '" + type + "' (jemu has 'pc'; see -machine help)");
        }
        checkAccel(m, m.get("accel", "tcg"));
        hpet = m.bool("hpet", true);
        if (m.bool("smm", false)) {
            throw m.error("Parameter 'smm': jemu's pc machine has no SMM; use smm=off");
        }
        m.bool("usb", false);
        m.choice("vmport", "off", "off", "auto");
        m.rejectUnused(k -> "Invalid parameter '" + k + "'");
    }

    private void accel(String arg, String value) throws OptionException {
        QemuOpts a = QemuOpts.parse(arg, value, "accel");
        checkAccel(a, a.get("accel"));
        a.choice("thread", "single", "single");
        String t = a.choice("tier", null, "interp", "translate");
        if (t != null) {
            tier = Tier.fromOptionName(t);
        }
        a.rejectUnused(k -> "Invalid parameter '" + k + "'");
    }

    private static void checkAccel(QemuOpts o, String accel) throws OptionException {
        for (String a : accel.split(":")) {
            if (!a.equals("tcg")) {
                throw o.error("invalid accelerator " + a + " (jemu has tcg, its own interpreter)");
            }
        }
    }

    private void cpu(String opt, String value) throws OptionException {
        String model = value.split(",", 2)[0];
        switch (model) {
            case "help" -> action = Action.CPU_HELP;
            case "qemu64", "max" -> cpuModel = model;
            default -> throw new OptionException(opt, "unable to find CPU model '" + model + "' (see -cpu help)");
        }
        if (value.contains(",")) {
            throw new OptionException(opt, "CPU feature flags are not supported yet");
        }
    }

    private void smp(String arg, String value) throws OptionException {
        QemuOpts s = QemuOpts.parse(arg, value, "cpus");
        for (String key : List.of("cpus", "maxcpus", "sockets", "dies", "cores", "threads")) {
            if (s.number(key, 1, 1024) != 1) {
                throw s.error("jemu runs 1 vCPU; " + key + "=" + s.get(key) + " is not supported");
            }
        }
        s.rejectUnused(k -> "Invalid parameter '" + k + "'");
    }

    /** {@code -m [size=]N[kMGT]}: mebibytes without a suffix, fractions allowed ({@code 1.5G}). */
    static long parseRam(String opt, String value) throws OptionException {
        QemuOpts m = QemuOpts.parse("-m", value, "size");
        String text = m.get("size", "128");
        m.rejectUnused(k -> "Invalid parameter '" + k + "'");
        String v = text.trim();
        if (!v.isEmpty() && Character.isDigit(v.charAt(v.length() - 1))) {
            v = v + "M";
        }
        long bytes;
        try {
            bytes = BlockOptions.parseSize("size", v);
        } catch (dev.jemu.block.BlockException e) {
            throw new OptionException(opt, "Parameter 'size' expects a non-negative number below 2^64");
        }
        if (bytes < (1L << 20)) {
            throw new OptionException(opt, "ram size too small");
        }
        if (bytes > MAX_RAM) {
            throw new OptionException(opt, "ram size too large (jemu's limit is 1 TiB)");
        }
        return (bytes + 0xFFF) & ~0xFFFL;
    }

    private DriveSpec hdDrive(String arg, String file, int index) throws OptionException {
        QemuOpts d = QemuOpts.parse(arg, "file=" + file.replace(",", ",,"), null);
        DriveSpec s = drive(d);
        return new DriveSpec(arg + " " + file, s.id(), "ide", index, s.readOnly(), s.snapshot(), s.werror(), s.rerror(),
                s.discard(), s.block());
    }

    private DriveSpec drive(QemuOpts d) throws OptionException {
        String iface = d.get("if", "ide");
        if (List.of("floppy", "scsi", "sd", "mtd", "pflash", "xen").contains(iface)) {
            throw d.error("if=" + iface + " is not supported by jemu (it has ide, virtio and none)");
        }
        if (!List.of("ide", "virtio", "none").contains(iface)) {
            throw d.error("unsupported bus type '" + iface + "'");
        }
        String media = d.choice("media", "disk", "disk", "cdrom");
        if (media.equals("cdrom")) {
            throw d.error("media=cdrom: jemu has no CD-ROM drive yet");
        }
        int index = -1;
        if (d.has("index")) {
            index = (int) d.number("index", 0, 3);
        }
        if (d.has("bus") || d.has("unit")) {
            int bus = (int) d.number("bus", 0, 1);
            int unit = (int) d.number("unit", 0, 1);
            if (index >= 0 && index != bus * 2 + unit) {
                throw d.error("index cannot be used with bus and unit");
            }
            index = bus * 2 + unit;
        }
        boolean readOnly = d.bool("readonly", false) | d.bool("read-only", false);
        boolean snapshot = d.bool("snapshot", false) || snapshotAll;
        String werror = d.choice("werror", "enospc", "report", "ignore", "stop", "enospc");
        String rerror = d.choice("rerror", "report", "report", "ignore", "stop");
        String discard = d.choice("discard", "ignore", "ignore", "off", "unmap", "on");
        String detect = d.choice("detect-zeroes", "off", "off", "on", "unmap");
        if (!detect.equals("off")) {
            throw d.error("detect-zeroes=" + detect + " is not supported for guest drives yet");
        }
        String id = d.get("id");
        BlockOptions block = d.blockOptions();
        for (String k : List.of("if", "media", "index", "bus", "unit", "readonly", "read-only", "snapshot", "werror",
                "rerror", "discard", "detect-zeroes", "id")) {
            block.remove(k);
        }
        String format = block.remove("format");
        if (format != null) {
            block.put("driver", format);
        }
        if (!block.has("file") && block.child("file") == null) {
            throw d.error("a drive needs a file (file=PATH)");
        }
        String aio = block.remove("aio");
        if (aio != null) {
            if (!List.of("threads", "native", "io_uring").contains(aio)) {
                throw d.error("invalid aio option");
            }
            // aio= belongs to the protocol node: file=PATH becomes file.filename=PATH beside it.
            String file = block.remove("file");
            if (file != null) {
                block.put("file.filename", file);
            }
            block.put("file.aio", aio);
        }
        return new DriveSpec(d.option(), id, iface, index, readOnly, snapshot, werror, rerror,
                discard.equals("unmap") || discard.equals("on"), block);
    }

    private DriveSpec blockdev(QemuOpts b) throws OptionException {
        String node = b.remove("node-name");
        if (node == null) {
            throw b.error("A -blockdev needs a node-name");
        }
        if (!b.has("driver")) {
            throw b.error("Parameter 'driver' is missing");
        }
        boolean readOnly = b.bool("read-only", false);
        String discard = b.choice("discard", "ignore", "ignore", "off", "unmap", "on");
        BlockOptions block = b.blockOptions();
        block.remove("read-only");
        block.remove("discard");
        return new DriveSpec(b.option(), node, "none", -1, readOnly, false, "enospc", "report",
                discard.equals("unmap") || discard.equals("on"), block);
    }

    private void device(QemuOpts d) throws OptionException {
        String driver = d.get("driver");
        if (driver.equals("help")) {
            action = Action.DEVICE_HELP;
            return;
        }
        devices.add(d);
    }

    private void chardev(QemuOpts c) throws OptionException {
        String id = c.get("id");
        if (id == null) {
            throw c.error("chardev: no id specified");
        }
        if (chardevs.containsKey(id)) {
            throw c.error("attempt to add duplicate property '" + id + "' to object (type 'container')");
        }
        chardevs.put(id, c);
    }

    private static void display(String opt, String value) throws OptionException {
        String type = value.split(",", 2)[0];
        if (!type.equals("none")) {
            throw new OptionException(opt, "display '" + type + "' is not available (jemu has no display: use none)");
        }
    }

    private void boot(QemuOpts b) throws OptionException {
        String order = b.get("order");
        if (order == null) {
            order = b.get("once");
        }
        if (order != null) {
            for (char c : order.toCharArray()) {
                if ("acdn".indexOf(c) < 0) {
                    throw b.error("Invalid boot device '" + c + "'");
                }
            }
            bootOrder = order;
        }
        bootMenu = b.bool("menu", false);
        b.number("splash-time", 0, 0xFFFF);
        b.bool("strict", false);
        b.rejectUnused(k -> "Invalid parameter '" + k + "'");
    }

    private void rtc(QemuOpts r) throws OptionException {
        String base = r.get("base", "utc");
        if (!base.equals("utc") && !base.equals("localtime")) {
            try {
                if (base.length() == 10) {
                    java.time.LocalDate.parse(base);
                } else {
                    java.time.LocalDateTime.parse(base);
                }
            } catch (java.time.format.DateTimeParseException e) {
                throw r.error("invalid datetime format\nvalid formats: '2006-06-17T16:01:21' or '2006-06-17'");
            }
        }
        rtcBase = base;
        r.choice("clock", "host", "host", "rt", "vm");
        r.choice("driftfix", "none", "none", "slew");
        r.rejectUnused(k -> "Invalid parameter '" + k + "'");
    }

    /**
     * {@code -icount shift=N[,sleep=off][,align=off]}: guest time counted in executed
     * instructions, 2^N ns each. jemu's idle CPU always jumps its clock to the next timer
     * deadline (QEMU's {@code sleep=off}); {@code shift=auto}, {@code sleep=on}, {@code align=on}
     * and record/replay are refused.
     */
    private void icount(QemuOpts o) throws OptionException {
        String shift = o.get("shift");
        if (shift == null) {
            throw o.error("jemu needs shift=N (0 to " + MAX_ICOUNT_SHIFT + ")");
        }
        if (shift.equals("auto")) {
            throw o.error("shift=auto (adaptive icount) is not supported by jemu; give shift=N");
        }
        if (!shift.matches("[0-9]{1,2}") || Integer.parseInt(shift) > MAX_ICOUNT_SHIFT) {
            throw o.error("icount: Invalid shift value");
        }
        if (o.bool("sleep", false)) {
            throw o.error("sleep=on is not supported by jemu (an idle CPU's clock jumps to the next timer, as with sleep=off)");
        }
        if (o.bool("align", false)) {
            throw o.error("align=on is not supported by jemu");
        }
        for (String rr : new String[] {"rr", "rrfile", "rrsnapshot"}) {
            if (o.has(rr)) {
                throw o.error("record/replay (" + rr + "=) is not supported by jemu");
            }
        }
        o.rejectUnused(k -> "Invalid parameter '" + k + "'");
        icountShift = Integer.parseInt(shift);
    }

    private void object(QemuOpts o) throws OptionException {
        String type = o.get("qom-type");
        if (!type.equals("iothread")) {
            throw o.error("invalid object type: " + type + " (jemu has iothread)");
        }
        String id = o.get("id");
        if (id == null) {
            throw o.error("Parameter 'id' is missing");
        }
        if (iothreads.contains(id)) {
            throw o.error("attempt to add duplicate property '" + id + "' to object (type 'container')");
        }
        o.number("poll-max-ns", 0, Long.MAX_VALUE);
        o.number("poll-grow", 0, Long.MAX_VALUE);
        o.number("poll-shrink", 0, Long.MAX_VALUE);
        o.rejectUnused(k -> "Property 'iothread." + k + "' not found");
        iothreads.add(id);
    }

    /** The {@code -d help} text: jemu's log items with QEMU's descriptions, in QEMU's layout. */
    static final String LOG_HELP = """
            Log items (comma separated):
            in_asm          show target assembly code for each compiled TB
            int             show interrupts/exceptions in short format
            exec            show trace before each executed TB (lots of logs)
            cpu             show CPU registers before entering a TB (lots of logs)
            cpu_reset       show CPU state before CPU resets
            unimp           log unimplemented functionality
            guest_errors    log when the guest OS does something invalid (eg accessing a
            non-existent register)
            nochain         do not chain compiled TBs so that "exec" and "cpu" show
            complete traces
            """;

    static Set<LogCategory> parseLog(String opt, String value) throws OptionException {
        Set<LogCategory> out = EnumSet.noneOf(LogCategory.class);
        for (String item : value.split(",")) {
            String name = item.toLowerCase(Locale.ROOT);
            if (name.equals("op") || name.equals("op_opt") || name.equals("op_ind") || name.equals("out_asm")) {
                throw new OptionException(opt, "log item '" + item + "' is not supported: jemu has no TCG ops or host code to show");
            }
            LogCategory c = LogCategory.fromOptionName(name);
            if (c == null) {
                throw new OptionException(opt, "unknown log item '" + item + "' (see -d help)");
            }
            out.add(c);
        }
        return out;
    }
}
