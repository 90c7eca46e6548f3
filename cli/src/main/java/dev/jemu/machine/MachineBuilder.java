package dev.jemu.machine;

import dev.jemu.block.BlockDriverState;
import dev.jemu.cli.vm.PcVm;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds a {@link Machine} from named settings instead of command-line words; each setting
 * adds the words {@code jemu} takes for it ({@link #args()} shows them), so a builder and
 * {@link Machine#fromArgs} make the same machine, except for disks on block nodes the program
 * opened ({@link #drive(String, BlockDriverState, String)}), which only a builder attaches. COM1 is the machine's {@link Console}
 * ({@code -serial stdio}) unless {@link #serial(String)} says otherwise, and there is no
 * display ({@code -display none}).
 *
 * <p>Threading: one thread at a time; not shared.
 */
public final class MachineBuilder {
    private final List<String> words = new ArrayList<>(List.of("-display", "none"));
    private final List<String> serials = new ArrayList<>();
    private final List<PcVm.NodeDrive> nodeDrives = new ArrayList<>();

    MachineBuilder() {
    }

    /** RAM size as {@code -m} takes it ({@code "64M"}, {@code "1G"}). */
    public MachineBuilder memory(String size) {
        return arg("-m", size);
    }

    /** A multiboot or Linux kernel to boot directly ({@code -kernel}). */
    public MachineBuilder kernel(Path file) {
        return arg("-kernel", file.toString());
    }

    /** The kernel's command line ({@code -append}). */
    public MachineBuilder append(String commandLine) {
        return arg("-append", commandLine);
    }

    /** The firmware image ({@code -bios}); SeaBIOS from Debian's package without it. */
    public MachineBuilder bios(Path file) {
        return arg("-bios", file.toString());
    }

    /** An IDE disk of the given image format ({@code -drive file=FILE,format=FORMAT}), in the next free position. */
    public MachineBuilder drive(Path file, String format) {
        return arg("-drive", "file=" + file.toString().replace(",", ",,") + ",format=" + format);
    }

    /** A drive in {@code -drive} syntax, e.g. {@code "file=disk.qcow2,if=virtio,cache=none"}. */
    public MachineBuilder drive(String driveOptions) {
        return arg("-drive", driveOptions);
    }

    /**
     * A disk on a block node the embedding program opened ({@link dev.jemu.block.BlockGraph#open}),
     * as drive {@code id} on {@code iface}: {@code "ide"} (the next free IDE position, after the
     * command line's) or {@code "virtio"} (a virtio-blk-pci device). The guest writes the node
     * unless it is read-only (an IDE disk must not be). The machine's main-loop thread issues
     * the node's requests while it runs, so the program must not use the node until the machine
     * is closed; closing drains and flushes it, and the program closes it afterwards.
     */
    public MachineBuilder drive(String id, BlockDriverState node, String iface) {
        nodeDrives.add(new PcVm.NodeDrive(id, node, iface));
        return this;
    }

    /** A device in {@code -device} syntax, e.g. {@code "virtio-blk-pci,drive=d0"}. */
    public MachineBuilder device(String deviceOptions) {
        return arg("-device", deviceOptions);
    }

    /**
     * The {@code isa-debug-exit} device at port 0xF4 (4 bytes): a guest write of {@code v}
     * there ends the run with exit status {@code (v << 1) | 1}.
     */
    public MachineBuilder debugExit() {
        return device("isa-debug-exit,iobase=0xf4,iosize=0x04");
    }

    /**
     * Deterministic time ({@code -icount shift=N}): guest clocks advance {@code 2^shift} ns
     * per executed instruction, and jump over idle time to the next timer.
     */
    public MachineBuilder icount(int shift) {
        return arg("-icount", "shift=" + shift);
    }

    /** The RTC's start ({@code -rtc base=...}): {@code utc}, {@code localtime} or a date like {@code 2024-01-01T00:00:00}. */
    public MachineBuilder rtcBase(String base) {
        return arg("-rtc", "base=" + base);
    }

    /** Stop instead of rebooting when the guest resets ({@code -no-reboot}). */
    public MachineBuilder noReboot() {
        return arg("-no-reboot");
    }

    /** The machine's name ({@code -name}); also in its thread names. */
    public MachineBuilder name(String name) {
        return arg("-name", name);
    }

    /** {@code -d} log items, e.g. {@code "guest_errors,unimp"}; see {@link Machine#logLines()}. */
    public MachineBuilder log(String items) {
        return arg("-d", items);
    }

    /**
     * A {@code -serial} back-end for the next serial port, instead of the default console on
     * COM1; {@code "stdio"} makes the port a {@link Console} of its own ({@link Machine#console(int)}),
     * so {@code serial("stdio").serial("stdio")} gives COM1 and COM2 one each.
     */
    public MachineBuilder serial(String backend) {
        serials.add(backend);
        return this;
    }

    /** Any other command-line words, as {@code jemu} takes them. */
    public MachineBuilder arg(String... args) {
        words.addAll(List.of(args));
        return this;
    }

    /** The command-line words of this machine. */
    public List<String> args() {
        List<String> all = new ArrayList<>(words);
        for (String s : serials.isEmpty() ? List.of("stdio") : serials) {
            all.add("-serial");
            all.add(s);
        }
        return all;
    }

    /**
     * Builds the machine (not started).
     *
     * @throws MachineException a one-line error naming the option
     */
    public Machine build() {
        return Machine.build(args(), nodeDrives);
    }
}
