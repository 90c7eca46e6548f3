package dev.jemu.devices.pc;

import dev.jemu.core.machine.DeviceTimers;
import dev.jemu.core.machine.GuestClock;
import dev.jemu.core.machine.MachineLoop;
import dev.jemu.core.memory.AddressSpace;
import dev.jemu.core.memory.AliasRegion;
import dev.jemu.core.memory.ContainerRegion;
import dev.jemu.core.memory.IrqLine;
import dev.jemu.core.memory.RamRegion;
import dev.jemu.core.sync.BigLock;
import dev.jemu.core.x86.Cpu;
import dev.jemu.devices.debugexit.IsaDebugExit;
import dev.jemu.devices.pc.boot.BootImageException;
import dev.jemu.devices.pc.boot.Firmware;
import dev.jemu.devices.pci.PciBus;
import dev.jemu.devices.pci.PciHostConf1;
import dev.jemu.devices.serial.Serial16550;

import java.io.OutputStream;

/**
 * The {@code pc} machine's board: RAM split around the PCI hole (below 3.5 GiB, the rest above
 * 4 GiB), the BIOS ROM at the top of the 4 GiB space and its last 128 KiB below 1 MiB, the
 * port space, the CPU, the big lock, guest time and device timers, the machine loop, and the
 * devices wired to each other: interrupt lines, PCI slots and the port addresses of the ISA
 * devices. Devices never reach into each other: the board hands each its lines, spaces and
 * back-ends.
 *
 * <p>Threading: built on the launcher's thread before the vCPU runs; afterwards every method
 * that touches devices is called with the {@linkplain #bql() big lock} held.
 */
public final class PcBoard {
    /** The top of RAM below 4 GiB; the rest of RAM is mapped from 4 GiB. */
    public static final long BELOW_4G_LIMIT = 0xE000_0000L;
    /** ISA ports of the UARTs COM1 and COM2. */
    static final int[] COM_PORTS = {0x3F8, 0x2F8};
    /** ISA IRQs of COM1 and COM2. */
    static final int[] COM_IRQS = {4, 3};

    private final BigLock bql = new BigLock();
    private final GuestClock clock;
    private final DeviceTimers timers;
    private final ContainerRegion system = new ContainerRegion("system", 1L << 40);
    private final AddressSpace memory;
    private final AddressSpace io = AddressSpace.ioPorts();
    private final RamRegion ram;
    private final long below4g;
    private final long above4g;
    private final Cpu cpu;
    private final MachineLoop loop;
    private final PciBus pci;
    private final PciHostConf1 conf1;
    private final Serial16550[] serials = new Serial16550[COM_PORTS.length];
    private Runnable afterReset = () -> { };

    /**
     * Builds the board.
     *
     * @param ramBytes guest RAM size
     * @param bios the firmware image (SeaBIOS)
     * @param clock guest time: host-driven for a VM, manual for device tests
     * @param noReboot shut down instead of resetting on a triple fault or reset request
     * @throws BootImageException if the firmware image is unusable
     */
    public PcBoard(long ramBytes, byte[] bios, GuestClock clock, boolean noReboot) throws BootImageException {
        this.clock = clock;
        this.timers = new DeviceTimers(clock, bql);
        ram = RamRegion.ram("pc.ram", ramBytes);
        below4g = Math.min(ramBytes, BELOW_4G_LIMIT);
        above4g = ramBytes - below4g;
        system.addSubregion(0, new AliasRegion("ram-below-4g", ram, 0, below4g));
        if (above4g > 0) {
            system.addSubregion(0x1_0000_0000L, new AliasRegion("ram-above-4g", ram, below4g, above4g));
        }
        Firmware.map(system, bios);
        memory = new AddressSpace("memory", system);
        memory.setBigLock(bql);
        io.setBigLock(bql);
        cpu = new Cpu(memory, io);
        loop = new MachineLoop(cpu, bql, timers, noReboot, this::reset);
        pci = new PciBus(system, io.root());
        conf1 = new PciHostConf1(pci);
        io.root().addSubregion(PciHostConf1.CONFIG_ADDRESS_PORT, conf1.addressRegion());
        io.root().addSubregion(PciHostConf1.CONFIG_DATA_PORT, conf1.dataRegion());
    }

    /** The big lock that owns every device of this board. */
    public BigLock bql() {
        return bql;
    }

    /** Guest time. */
    public GuestClock clock() {
        return clock;
    }

    /** The device timers. */
    public DeviceTimers timers() {
        return timers;
    }

    /** The guest-physical address space. */
    public AddressSpace memory() {
        return memory;
    }

    /** The port space. */
    public AddressSpace io() {
        return io;
    }

    /** The vCPU. */
    public Cpu cpu() {
        return cpu;
    }

    /** The machine loop that runs the vCPU. */
    public MachineLoop loop() {
        return loop;
    }

    /** PCI bus 0. */
    public PciBus pci() {
        return pci;
    }

    /** RAM below 4 GiB in bytes. */
    public long ramBelow4g() {
        return below4g;
    }

    /** RAM above 4 GiB in bytes. */
    public long ramAbove4g() {
        return above4g;
    }

    /** Adds UART {@code index} (0 = COM1) that transmits to {@code out}; returns it for input. */
    public Serial16550 addSerial(int index, OutputStream out) {
        Serial16550 s = new Serial16550(out, isaIrq(COM_IRQS[index]));
        serials[index] = s;
        io.root().addSubregion(COM_PORTS[index], s.region("serial" + index));
        return s;
    }

    /** Adds an isa-debug-exit device at {@code iobase}. */
    public void addDebugExit(int iobase, int iosize) {
        io.root().addSubregion(iobase, new IsaDebugExit(iosize, loop::requestShutdown).region());
    }

    /** An output line into ISA IRQ {@code irq} of the interrupt controllers. */
    IrqLine isaIrq(int irq) {
        return new IrqLine(level -> { });
    }

    /** Sets what runs after every reset, once the CPU is in its reset state (direct kernel boot). */
    public void setAfterReset(Runnable action) {
        this.afterReset = action;
    }

    /** Resets every device and the CPU (the machine loop calls it, with the big lock held). */
    public void reset() {
        bql.assertHeld("PcBoard.reset");
        for (Serial16550 s : serials) {
            if (s != null) {
                s.reset();
            }
        }
        conf1.reset();
        pci.reset();
        cpu.reset();
        afterReset.run();
    }
}
