package dev.jemu.cli.vm;

import dev.jemu.core.machine.DeviceTimers;
import dev.jemu.core.machine.GuestClock;
import dev.jemu.core.machine.MachineLoop;
import dev.jemu.core.sync.BigLock;
import dev.jemu.core.memory.AddressSpace;
import dev.jemu.core.memory.AliasRegion;
import dev.jemu.core.memory.ContainerRegion;
import dev.jemu.core.memory.IrqLine;
import dev.jemu.core.memory.RamRegion;
import dev.jemu.core.x86.Cpu;
import dev.jemu.devices.debugexit.IsaDebugExit;
import dev.jemu.devices.pc.boot.BootImageException;
import dev.jemu.devices.pc.boot.Firmware;
import dev.jemu.devices.pc.boot.MultibootLoader;
import dev.jemu.devices.serial.Serial16550;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The {@code pc} machine as far as it exists today: RAM (split at 3.5 GiB into the parts
 * below and above 4 GiB), firmware or a multiboot kernel, a 16550 on COM1 and any
 * isa-debug-exit devices. The 8259 PIC and the rest of the board come with the PC board
 * issue; until then COM1's interrupt output is not connected.
 */
public final class PcVm {
    /** Default firmware, from Debian's seabios package. */
    static final String DEFAULT_BIOS = "/usr/share/seabios/bios-256k.bin";
    static final long BELOW_4G_LIMIT = 0xE000_0000L;
    static final int COM1 = 0x3F8;

    private final VmOptions options;
    private final ContainerRegion system = new ContainerRegion("system", 1L << 40);
    private final AddressSpace memory;
    private final AddressSpace io = AddressSpace.ioPorts();
    private final Cpu cpu;
    private final MachineLoop loop;
    private final Serial16550 serial;
    private final long below4g;
    private final long above4g;
    private final byte[] kernelImage;

    /** Builds the machine; the files named by the options are read here. */
    public PcVm(VmOptions options, OutputStream serialOut) throws OptionException {
        this.options = options;
        RamRegion ram = RamRegion.ram("pc.ram", options.ramBytes());
        below4g = Math.min(options.ramBytes(), BELOW_4G_LIMIT);
        above4g = options.ramBytes() - below4g;
        system.addSubregion(0, new AliasRegion("ram-below-4g", ram, 0, below4g));
        if (above4g > 0) {
            system.addSubregion(0x1_0000_0000L, new AliasRegion("ram-above-4g", ram, below4g, above4g));
        }
        memory = new AddressSpace("memory", system);
        cpu = new Cpu(memory, io);
        BigLock bql = new BigLock();
        memory.setBigLock(bql);
        io.setBigLock(bql);
        loop = new MachineLoop(cpu, bql, new DeviceTimers(GuestClock.hostDriven(), bql), options.noReboot(), this::reset);
        serial = new Serial16550(serialOut, new IrqLine(level -> { }));
        io.root().addSubregion(COM1, serial.region("serial0"));
        for (VmOptions.DebugExit d : options.debugExits()) {
            io.root().addSubregion(d.iobase(), new IsaDebugExit(d.iosize(), loop::requestShutdown).region());
        }
        if (options.kernel() != null) {
            kernelImage = readFile("-kernel " + options.kernel(), options.kernel());
        } else {
            kernelImage = null;
            String biosPath = options.bios() != null ? options.bios() : DEFAULT_BIOS;
            String opt = "-bios " + biosPath;
            try {
                Firmware.map(system, readFile(opt, biosPath));
            } catch (BootImageException e) {
                throw new OptionException(opt, e.getMessage());
            }
        }
        boot();
    }

    private static byte[] readFile(String opt, String path) throws OptionException {
        try {
            return Files.readAllBytes(Path.of(path));
        } catch (NoSuchFileException e) {
            throw new OptionException(opt, "Could not open '" + path + "': No such file or directory");
        } catch (IOException e) {
            throw new OptionException(opt, "Could not read '" + path + "': " + e.getMessage());
        }
    }

    private void boot() throws OptionException {
        cpu.reset();
        if (kernelImage != null) {
            String cmdline = options.append().isEmpty() ? options.kernel() : options.kernel() + " " + options.append();
            try {
                MultibootLoader.load(kernelImage, cmdline, memory, below4g, above4g, cpu);
            } catch (BootImageException e) {
                throw new OptionException("-kernel " + options.kernel(), e.getMessage());
            }
        }
    }

    private void reset() {
        serial.reset();
        try {
            boot();
        } catch (OptionException e) {
            throw new IllegalStateException("kernel that loaded at start-up failed to load on reset: " + e.getMessage(), e);
        }
    }

    /** Runs the machine until it shuts down; returns the exit status. */
    public int run() {
        return loop.run();
    }

    /** The guest-physical address space. */
    public AddressSpace memory() {
        return memory;
    }
}
