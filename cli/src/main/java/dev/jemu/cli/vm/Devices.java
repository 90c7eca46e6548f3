package dev.jemu.cli.vm;

import dev.jemu.aio.IOThread;
import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockOptions;
import dev.jemu.devices.ide.IdeDrive;
import dev.jemu.devices.virtio.VirtioPciDevice;
import dev.jemu.devices.virtio.blk.BlockErrorAction;
import dev.jemu.devices.virtio.blk.VirtioBlk;
import dev.jemu.devices.virtio.blk.VirtioBlkOptions;
import dev.jemu.devices.serial.Serial16550;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns the parsed options into devices on the board: character devices and the UARTs that
 * use them, the disks and the IDE drives that show them, and every {@code -device}. Errors
 * are QEMU's, one line naming the option.
 *
 * <p>Threading: the launcher's main thread, before the vCPU runs.
 */
final class Devices {
    /** The {@code -device} models jemu has, for {@code -device help}. */
    static final Map<String, String> MODELS = new LinkedHashMap<>();

    static {
        MODELS.put("ide-hd", "IDE hard disk: drive=ID[,bus=ide.0|ide.1][,unit=0|1][,serial=S]");
        MODELS.put("isa-debug-exit", "writes end the emulator with status (value << 1) | 1: [iobase=0x501][,iosize=2]");
        MODELS.put("isa-debugcon", "ISA debug console: [iobase=0xe9][,chardev=ID]");
        MODELS.put("pc-testdev", "QEMU's ISA test device (ports 0xe0-0xe7, IRQ lines at 0x2000, memory at 0xff000000)");
        MODELS.put("pci-testdev", "QEMU's PCI test device: [addr=SLOT]");
        MODELS.put("virtio-blk-pci", "virtio block device: drive=ID[,iothread=ID][,num-queues=N][,queue-size=N][,serial=S]"
                + "[,write-cache=on|off][,logical_block_size=N][,physical_block_size=N][,disable-legacy=on|off|auto]"
                + "[,disable-modern=on|off][,addr=SLOT]");
    }

    private final PcVm vm;
    private final VmOptions options;
    private final Map<String, CharBackend> chardevs = new HashMap<>();
    private final Map<String, DriveSpec> drivesById = new LinkedHashMap<>();
    /** The embedding program's nodes, by the id of the drive on them. */
    private final Map<String, BlockDriverState> nodes = new HashMap<>();
    private final Map<String, String> driveUsers = new HashMap<>();
    /** The drives of {@code -drive if=ide}, by IDE position (bus * 2 + unit), attached after the {@code -device}s. */
    private final DriveSpec[] ide = new DriveSpec[4];
    /** Which IDE positions are taken, by {@code -drive if=ide} or {@code -device ide-hd}. */
    private final boolean[] ideTaken = new boolean[4];
    /** virtio-blk-pci devices made without an id so far (numbering their QOM-style path). */
    private int anonymousVirtio;
    private int ideCount;

    private Devices(PcVm vm, VmOptions options) {
        this.vm = vm;
        this.options = options;
    }

    static void build(PcVm vm, VmOptions options) throws OptionException {
        Devices d = new Devices(vm, options);
        d.chardevs();
        d.serials();
        d.drives();
        for (QemuOpts dev : options.devices) {
            d.device(dev);
        }
        d.attachIdeDrives();
        for (DriveSpec v : d.virtioDrives) {
            d.plugVirtioBlk(v, null, QemuOpts.parse("-drive", "driver=virtio-blk-pci", "driver"));
        }
    }

    // ------------------------------------------------------------------ character devices

    private void chardevs() throws OptionException {
        for (Map.Entry<String, QemuOpts> e : options.chardevs.entrySet()) {
            QemuOpts c = e.getValue();
            CharBackend b = switch (c.get("backend")) {
                case "stdio" -> stdio(c.option(), -1);
                case "null" -> CharBackend.nullBackend();
                case "file" -> {
                    String path = c.get("path");
                    if (path == null) {
                        throw c.error("chardev: file: no filename given");
                    }
                    yield CharBackend.file(c.option(), path);
                }
                case "socket" -> socket(c);
                default -> throw c.error("'" + c.get("backend") + "' is not a valid char driver name"
                        + " (jemu has stdio, null, file, socket)");
            };
            c.bool("mux", false);
            c.bool("signal", true);
            c.rejectUnused(k -> "Invalid parameter '" + k + "'");
            vm.addChardev(b);
            chardevs.put(e.getKey(), b);
        }
    }

    private CharBackend stdio(String option, int port) throws OptionException {
        PcVm.StdioStreams s = vm.stdio(port);
        if (s == null) {
            throw new OptionException(option, "cannot use stdio by multiple character devices");
        }
        return CharBackend.stdio(s.in(), s.out(), vm.stopsConsoleInput());
    }

    private CharBackend socket(QemuOpts c) throws OptionException {
        if (!c.bool("server", false) || c.bool("wait", true)) {
            throw c.error("jemu's socket character devices listen: give server=on,wait=off");
        }
        String path = c.get("path");
        if (path != null) {
            return CharBackend.listen(c.option(), null, 0, path);
        }
        String host = c.get("host", "127.0.0.1");
        String port = c.get("port");
        if (port == null) {
            throw c.error("chardev: socket: needs a port (port=N) or a path (path=P)");
        }
        return CharBackend.listen(c.option(), host, (int) c.parseNumber("port", port, 65535), null);
    }

    /** The back-end of the {@code -serial} argument of port {@code port} (QEMU's legacy chardev syntax). */
    private CharBackend legacy(String text, int port) throws OptionException {
        String opt = "-serial " + text;
        if (text.equals("stdio") || text.equals("mon:stdio")) {
            return stdio(opt, port);
        }
        if (text.equals("null")) {
            return CharBackend.nullBackend();
        }
        if (text.startsWith("file:")) {
            return CharBackend.file(opt, text.substring(5));
        }
        if (text.startsWith("chardev:")) {
            CharBackend b = chardevs.get(text.substring(8));
            if (b == null) {
                throw new OptionException(opt, "chardev '" + text.substring(8) + "' not found");
            }
            return b;
        }
        if (text.startsWith("tcp:") || text.startsWith("unix:")) {
            boolean unix = text.startsWith("unix:");
            String rest = text.substring(unix ? 5 : 4);
            String[] parts = rest.split(",", 2);
            QemuOpts props = QemuOpts.parse("-serial", parts.length > 1 ? parts[1] : "", null);
            if (!props.bool("server", false) || props.bool("wait", true)) {
                throw new OptionException(opt, "jemu's socket character devices listen: add server=on,wait=off");
            }
            props.rejectUnused(k -> "Invalid parameter '" + k + "'");
            if (unix) {
                return CharBackend.listen(opt, null, 0, parts[0]);
            }
            int colon = parts[0].lastIndexOf(':');
            if (colon < 0) {
                throw new OptionException(opt, "host and port must be given as HOST:PORT");
            }
            return CharBackend.listen(opt, parts[0].substring(0, colon),
                    (int) props.parseNumber("port", parts[0].substring(colon + 1), 65535), null);
        }
        throw new OptionException(opt, "'" + text + "' is not a valid char driver (jemu has stdio, null, file:, tcp:, unix:, chardev:)");
    }

    private void serials() throws OptionException {
        List<String> specs = options.serials;
        if (specs.isEmpty() && !options.nodefaults) {
            specs = List.of(options.nographic ? "mon:stdio" : "null");
        }
        int index = 0;
        for (String spec : specs) {
            if (spec.equals("none")) {
                continue;
            }
            if (index >= 2) {
                throw new OptionException("-serial " + spec, "jemu has two serial ports (COM1 and COM2)");
            }
            CharBackend b = legacy(spec, index);
            if (!spec.startsWith("chardev:")) {
                vm.addChardev(b);
            }
            Serial16550 uart = vm.board().addSerial(index++, b.output());
            vm.connectInput(b, uart);
        }
    }

    // ------------------------------------------------------------------ drives

    /** Drives of {@code -drive if=virtio}, plugged after the {@code -device}s as QEMU does. */
    private final java.util.List<DriveSpec> virtioDrives = new java.util.ArrayList<>();

    private void drives() throws OptionException {
        for (DriveSpec d : options.drives) {
            addDrive(d);
        }
        for (PcVm.NodeDrive n : vm.nodeDrives()) {
            String option = "drive " + n.id();
            if (!n.iface().equals("ide") && !n.iface().equals("virtio")) {
                throw new OptionException(option, "interface '" + n.iface() + "' is not ide or virtio");
            }
            addDrive(new DriveSpec(option, n.id(), n.iface(), -1, n.node().isReadOnly(), false, "enospc", "report", false,
                    BlockOptions.empty()));
            nodes.put(n.id(), n.node());
        }
    }

    /** Opens the drive {@code spec} describes, or attaches to the embedding program's node of that id. */
    private Drives.Drive open(DriveSpec spec) throws OptionException {
        BlockDriverState node = nodes.get(spec.id());
        return node != null ? Drives.attach(spec, node) : Drives.open(spec, spec.id());
    }

    /** Where IDE drives without a position go next. */
    private int nextIde;

    /** Gives {@code d} its IDE position or virtio place and its id, and records it by id. */
    private void addDrive(DriveSpec d) throws OptionException {
        String id = d.id();
        if (d.iface().equals("ide")) {
            int index = d.index();
            if (index < 0) {
                while (nextIde < 4 && ideTaken[nextIde]) {
                    nextIde++;
                }
                if (nextIde == 4) {
                    throw new OptionException(d.option(), "no free IDE position (jemu's IDE has 2 buses x 2 units)");
                }
                index = nextIde;
            }
            if (ideTaken[index]) {
                throw new OptionException(d.option(), String.format("drive with bus=%d, unit=%d (index=%d) exists",
                        index / 2, index % 2, index));
            }
            if (id == null) {
                id = "ide" + index / 2 + "-hd" + index % 2;
            }
            d = new DriveSpec(d.option(), id, d.iface(), index, d.readOnly(), d.snapshot(), d.werror(), d.rerror(),
                    d.discard(), d.block());
            ide[index] = d;
            ideTaken[index] = true;
        } else if (d.iface().equals("virtio")) {
            if (id == null) {
                id = "virtio" + virtioDrives.size();
            }
            d = new DriveSpec(d.option(), id, d.iface(), d.index(), d.readOnly(), d.snapshot(), d.werror(), d.rerror(),
                    d.discard(), d.block());
            virtioDrives.add(d);
        } else if (id == null) {
            throw new OptionException(d.option(), "an if=none drive needs an id (id=NAME)");
        }
        if (drivesById.putIfAbsent(id, d) != null) {
            throw new OptionException(d.option(), "Duplicate ID '" + id + "' for drive");
        }
    }

    private void attachIdeDrives() throws OptionException {
        for (int i = 0; i < 4; i++) {
            if (ide[i] != null) {
                attachIde(ide[i], i / 2, i % 2, null, null);
            }
        }
    }

    /** Attaches {@code spec} as IDE disk {@code unit} of {@code bus}; {@code id} is the -device's id, or null. */
    private void attachIde(DriveSpec spec, int bus, int unit, String serial, String id) throws OptionException {
        if (spec.readOnly()) {
            throw new OptionException("Block node is read-only");
        }
        Drives.Drive drive = open(spec);
        vm.addDrive(drive);
        ideCount++;
        IdeDrive ide = new IdeDrive(drive.backend(), vm.mainContext(), serial != null ? serial : IdeDrive.defaultSerial(ideCount),
                errorAction(spec.rerror()), errorAction(spec.werror()));
        vm.board().attachIde(bus * 2 + unit, ide);
        vm.attached(drive, id != null ? id : "/machine/unattached/ide-hd[" + (bus * 2 + unit) + "]", vm.mainContext(),
                stopsOnError(spec));
    }

    /** Whether the drive's error policy can stop the VM (then QEMU reports its io-status). */
    private static boolean stopsOnError(DriveSpec spec) {
        return spec.werror().equals("stop") || spec.werror().equals("enospc") || spec.rerror().equals("stop");
    }

    /** QEMU's {@code rerror=}/{@code werror=}; {@code enospc} stops only on a full disk, which jemu reports instead. */
    private static IdeDrive.ErrorAction errorAction(String value) {
        return switch (value) {
            case "ignore" -> IdeDrive.ErrorAction.IGNORE;
            case "stop" -> IdeDrive.ErrorAction.STOP;
            default -> IdeDrive.ErrorAction.REPORT;
        };
    }

    // ------------------------------------------------------------------ -device

    private void device(QemuOpts d) throws OptionException {
        String model = d.get("driver");
        switch (model) {
            case "ide-hd" -> ideHd(d);
            case "virtio-blk-pci" -> virtioBlkPci(d);
            case "isa-debug-exit" -> {
                int iobase = (int) d.number("iobase", 0x501, 0xFFFF);
                long iosize = d.number("iosize", 2, 4);
                if (iosize != 1 && iosize != 2 && iosize != 4) {
                    throw d.error("iosize must be 1, 2 or 4");
                }
                rejectUnknown(d, model);
                vm.board().addDebugExit(iobase, (int) iosize);
            }
            case "isa-debugcon" -> {
                int iobase = (int) d.number("iobase", 0xE9, 0xFFFF);
                String id = d.get("chardev");
                CharBackend b = id == null ? CharBackend.nullBackend() : chardevs.get(id);
                if (b == null) {
                    throw d.error("Property 'isa-debugcon.chardev' can't find value '" + id + "'");
                }
                rejectUnknown(d, model);
                vm.board().addDebugcon(iobase, b.output());
            }
            case "pc-testdev" -> {
                rejectUnknown(d, model);
                vm.board().addPcTestdev();
            }
            case "pci-testdev" -> {
                int devfn = d.has("addr") ? (int) d.parseNumber("addr", d.get("addr").split("\\.")[0], 31) << 3
                        : vm.board().pci().freeSlot(2);
                rejectUnknown(d, model);
                if (devfn < 0) {
                    throw d.error("PCI: no slot available for pci-testdev");
                }
                try {
                    vm.board().addPciTestdev(devfn);
                } catch (IllegalArgumentException e) {
                    throw d.error(e.getMessage());
                }
            }
            default -> throw d.error("'" + model + "' is not a valid device model name (see -device help)");
        }
    }

    private void ideHd(QemuOpts d) throws OptionException {
        DriveSpec spec = claimDrive(d, "No drive specified", "ide-hd");
        String busName = d.get("bus");
        int bus;
        if (busName == null) {
            bus = -1;
        } else if (busName.equals("ide.0") || busName.equals("ide.1")) {
            bus = busName.charAt(4) - '0';
        } else {
            throw d.error("Bus '" + busName + "' not found");
        }
        int unit = d.has("unit") ? (int) d.number("unit", 0, 1) : -1;
        String serial = d.get("serial");
        String id = d.get("id");
        rejectUnknown(d, "ide-hd");
        int index = -1;
        for (int i = 0; i < 4 && index < 0; i++) {
            if (!ideTaken[i] && (bus < 0 || i / 2 == bus) && (unit < 0 || i % 2 == unit)) {
                index = i;
            }
        }
        if (index < 0) {
            throw d.error(bus >= 0 && unit >= 0 ? "unit " + unit + " of bus ide." + bus + " is in use" : "no free IDE unit");
        }
        ideTaken[index] = true;
        attachIde(spec, index / 2, index % 2, serial, id);
    }

    private void virtioBlkPci(QemuOpts d) throws OptionException {
        DriveSpec spec = claimDrive(d, "drive property not set", "virtio-blk-device");
        String iothread = d.get("iothread");
        IOThread io = null;
        if (iothread != null) {
            io = vm.iothread(iothread);
            if (io == null) {
                throw d.error("Device '" + iothread + "' not found");
            }
        }
        plugVirtioBlk(spec, io, d);
    }

    /** Opens {@code spec} and plugs a virtio-blk-pci device for it, with the properties of {@code d}. */
    private void plugVirtioBlk(DriveSpec spec, IOThread io, QemuOpts d) throws OptionException {
        VirtioBlkOptions o = VirtioBlkOptions.defaults();
        BlockErrorAction werror;
        BlockErrorAction rerror;
        try {
            o = o.withQueues((int) d.number("num-queues", o.numQueues(), 1024), (int) d.number("queue-size", o.queueSize(), 1 << 16))
                    .withBlockSizes((int) d.size("logical_block_size", o.logicalBlockSize()),
                            (int) d.size("physical_block_size", o.physicalBlockSize()));
            werror = BlockErrorAction.parse(spec.werror(), true);
            rerror = BlockErrorAction.parse(spec.rerror(), false);
        } catch (IllegalArgumentException e) {
            throw d.error(e.getMessage());
        }
        o = o.withDrive(d.get("serial"), d.bool("write-cache", true), spec.readOnly()).withErrorActions(werror, rerror);
        String legacy = d.choice("disable-legacy", "auto", "on", "off", "auto");
        boolean disableModern = d.bool("disable-modern", false);
        String id = d.get("id");
        int devfn = d.has("addr") ? (int) d.parseNumber("addr", d.get("addr").split("\\.")[0], 31) << 3 : vm.board().pci().freeSlot(2);
        d.remove("drive");
        d.remove("iothread");
        rejectUnknown(d, "virtio-blk-pci");
        if (devfn < 0) {
            throw d.error("PCI: no slot available for virtio-blk-pci");
        }
        if (disableModern && legacy.equals("on")) {
            throw d.error("device has neither a legacy nor a modern interface (disable-legacy=on,disable-modern=on)");
        }
        Drives.Drive drive = open(spec);
        vm.addDrive(drive);
        VirtioBlk blk;
        try {
            blk = new VirtioBlk(spec.id(), drive.backend(), o, vm.board().memory(), vm.board().bql(), vm.mainContext(), io);
        } catch (java.io.IOException e) {
            throw d.error(OsErrors.reason(e));
        }
        blk.setStopHandler(vm.board().loop()::pause);
        vm.addVirtioBlk(blk);
        vm.attached(drive, (id != null ? "/machine/peripheral/" + id : "/machine/peripheral-anon/device[" + anonymousVirtio++ + "]")
                + "/virtio-backend", blk.context(), stopsOnError(spec));
        VirtioPciDevice pci = new VirtioPciDevice("virtio-blk-pci", blk, legacy.equals("on"), disableModern, VirtioBlk.PCI_CLASS);
        try {
            vm.board().pci().plug(pci, devfn);
        } catch (IllegalArgumentException e) {
            throw d.error(e.getMessage());
        }
    }

    /**
     * The drive a device's {@code drive=} names, claimed for it; the errors are QEMU's
     * ({@code missing} when there is no {@code drive=}; the property is named after {@code qdevType}).
     */
    private DriveSpec claimDrive(QemuOpts d, String missing, String qdevType) throws OptionException {
        String driveId = d.get("drive");
        if (driveId == null) {
            throw d.error(missing);
        }
        DriveSpec spec = drivesById.get(driveId);
        if (spec == null) {
            throw d.error("Property '" + qdevType + ".drive' can't find value '" + driveId + "'");
        }
        claim(d, driveId);
        return spec;
    }

    private void claim(QemuOpts d, String driveId) throws OptionException {
        String user = driveUsers.putIfAbsent(driveId, d.option());
        DriveSpec spec = drivesById.get(driveId);
        if (user != null || !spec.iface().equals("none")) {
            throw d.error("Drive '" + driveId + "' is already in use by another device");
        }
    }

    private static void rejectUnknown(QemuOpts d, String model) throws OptionException {
        d.remove("driver");
        d.remove("id");
        d.rejectUnused(k -> "Property '" + model + "." + k + "' not found");
    }
}
