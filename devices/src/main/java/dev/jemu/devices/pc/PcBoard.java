package dev.jemu.devices.pc;

import dev.jemu.core.machine.DeviceTimers;
import dev.jemu.core.machine.GuestClock;
import dev.jemu.core.machine.MachineLoop;
import dev.jemu.core.memory.AddressSpace;
import dev.jemu.core.memory.AliasRegion;
import dev.jemu.core.memory.ContainerRegion;
import dev.jemu.core.memory.AccessSizes;
import dev.jemu.core.memory.IrqLine;
import dev.jemu.core.memory.MmioOps;
import dev.jemu.core.memory.MmioRegion;
import dev.jemu.core.memory.RamRegion;
import dev.jemu.core.sync.BigLock;
import dev.jemu.core.x86.Cpu;
import dev.jemu.devices.debugexit.IsaDebugExit;
import dev.jemu.devices.debugexit.IsaDebugcon;
import dev.jemu.devices.fwcfg.E820Entry;
import dev.jemu.devices.fwcfg.FwCfg;
import dev.jemu.devices.fwcfg.PcFirmwareConfig;
import dev.jemu.devices.ide.IdeDrive;
import dev.jemu.devices.ide.PiixIde;
import dev.jemu.devices.input.I8042;
import dev.jemu.devices.acpi.BiosLinker;
import dev.jemu.devices.acpi.PcAcpiTables;
import dev.jemu.devices.intc.I8259Pair;
import dev.jemu.devices.intc.IoApic;
import dev.jemu.devices.intc.Lapic;
import dev.jemu.devices.isa.IsaDma;
import dev.jemu.devices.isa.Port92;
import dev.jemu.devices.pc.boot.BootImageException;
import dev.jemu.devices.pc.boot.Firmware;
import dev.jemu.devices.pci.I440fxHost;
import dev.jemu.devices.pci.PciBus;
import dev.jemu.devices.pci.PciHostConf1;
import dev.jemu.devices.pci.Piix3Isa;
import dev.jemu.devices.pci.Piix4Pm;
import dev.jemu.devices.serial.Serial16550;
import dev.jemu.devices.testdev.PcTestdev;
import dev.jemu.devices.testdev.PciTestdev;
import dev.jemu.devices.timer.AcpiPmTimer;
import dev.jemu.devices.timer.Hpet;
import dev.jemu.devices.timer.I8254;
import dev.jemu.devices.timer.Mc146818Rtc;
import dev.jemu.devices.timer.Port61;

import java.io.OutputStream;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;

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
    /** PCI slot 1: the PIIX3 (ISA bridge, IDE, PM functions). */
    static final int PIIX_DEVFN = 1 << 3;
    static final int PIT_PORT = 0x40;
    static final int PORT61 = 0x61;
    static final int I8042_DATA_PORT = 0x60;
    static final int I8042_COMMAND_PORT = 0x64;
    static final int APM_PORT = 0xB2;
    static final int PORT80 = 0x80;
    static final int PORT92 = 0x92;
    static final int IRQ_PIT = 0;
    static final int IRQ_KEYBOARD = 1;
    static final int IRQ_RTC = 8;
    static final int IRQ_SCI = 9;
    static final int IRQ_MOUSE = 12;
    static final int IRQ_IDE0 = 14;
    static final int IRQ_IDE1 = 15;

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
    private final I8259Pair pic;
    private final Lapic lapic;
    private final IoApic ioapic;
    private final Hpet hpet;
    private final IrqLine[] hpetPins = new IrqLine[IoApic.PINS];
    private final IsaIrqs isaIrqs;
    private final I8254 pit;
    private final Port61 port61;
    private final Mc146818Rtc rtc;
    private final I8042 i8042;
    private final FwCfg fwCfg;
    private final I440fxHost host;
    private final Piix3Isa piix3;
    private final PiixIde ide;
    private final Piix4Pm pm;
    private final IdeDrive[] ideDrives = new IdeDrive[4];
    private final List<Runnable> resets = new ArrayList<>();
    private List<String> bootOrder = List.of();
    private Runnable afterReset = () -> { };
    private Runnable guestPoweroff;

    /**
     * Builds the board.
     *
     * @param ramBytes guest RAM size
     * @param bios the firmware image (SeaBIOS)
     * @param clock guest time: host-driven for a VM, manual for device tests
     * @param noReboot shut down instead of resetting on a triple fault or reset request
     * @param rtcStart the RTC's time at guest time 0 (see {@link Mc146818Rtc#startTime})
     * @param withHpet whether the board has the HPET ({@code -machine hpet=on}, QEMU's default)
     * @throws BootImageException if the firmware image is unusable
     */
    public PcBoard(long ramBytes, byte[] bios, GuestClock clock, boolean noReboot, LocalDateTime rtcStart,
            boolean withHpet) throws BootImageException {
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

        lapic = new Lapic(bql, timers, cpu.intrPin(), cpu::raiseNmi, this::picAcknowledge);
        cpu.attachLocalApic(lapic.cpuAccess());
        cpu.setInterruptAcknowledge(() -> bql.call(lapic::acknowledge));
        system.addSubregion(Lapic.DEFAULT_BASE, lapic.region());
        resets.add(lapic::reset);
        pic = new I8259Pair(bql, lapic.lint0());
        io.root().addSubregion(I8259Pair.MASTER_PORT, pic.masterRegion());
        io.root().addSubregion(I8259Pair.SLAVE_PORT, pic.slaveRegion());
        io.root().addSubregion(I8259Pair.ELCR_PORT, pic.elcrRegion());
        ioapic = new IoApic(lapic);
        lapic.setEoiBroadcast(ioapic::eoi);
        system.addSubregion(IoApic.DEFAULT_BASE, ioapic.region());
        resets.add(ioapic::reset);
        IrqLine.Sink[] inputs = new IrqLine.Sink[16];
        for (int i = 0; i < 16; i++) {
            // ISA IRQ n reaches 8259 input n and IO-APIC pin n, except IRQ 0 which is on pin 2
            // (the MADT's override); IRQ 2 is the 8259 cascade and has no source.
            if (i != I8259Pair.CASCADE_IRQ) {
                IrqLine.Sink picInput = pic.input(i);
                IrqLine.Sink apicInput = ioapic.input(i == IRQ_PIT ? 2 : i);
                inputs[i] = level -> {
                    picInput.setLevel(level);
                    apicInput.setLevel(level);
                };
            }
        }
        isaIrqs = new IsaIrqs(inputs);
        resets.add(pic::reset);

        GatedIrq pitGate = new GatedIrq(isaIrqs.source(IRQ_PIT));
        GatedIrq rtcGate = new GatedIrq(isaIrqs.source(IRQ_RTC));
        pit = new I8254(timers, pitGate.input());
        io.root().addSubregion(PIT_PORT, pit.region());
        port61 = new Port61(pit, clock);
        io.root().addSubregion(PORT61, port61.region());
        resets.add(pit::reset);
        resets.add(port61::reset);

        rtc = new Mc146818Rtc(timers, rtcGate.input(), rtcStart);
        io.root().addSubregion(Mc146818Rtc.PORT, rtc.region());
        resets.add(rtc::reset);
        if (withHpet) {
            hpet = new Hpet(timers, this::hpetPin, isaIrqs.source(IRQ_PIT), isaIrqs.source(IRQ_RTC), on -> {
                pitGate.setConnected(!on);
                rtcGate.setConnected(!on);
            });
            system.addSubregion(Hpet.DEFAULT_BASE, hpet.region());
            resets.add(hpet::reset);
        } else {
            hpet = null;
        }

        i8042 = new I8042(isaIrqs.source(IRQ_KEYBOARD), isaIrqs.source(IRQ_MOUSE), new IrqLine(level -> { }),
                loop::requestReset);
        io.root().addSubregion(I8042_DATA_PORT, i8042.dataRegion());
        io.root().addSubregion(I8042_COMMAND_PORT, i8042.commandRegion());
        resets.add(i8042::reset);

        // A20 is always enabled in jemu's CPU: port 0x92 and the i8042 keep their A20 bits for
        // the guest to read back, and nothing masks address bit 20.
        Port92 port92 = new Port92(new IrqLine(level -> { }), loop::requestReset);
        io.root().addSubregion(PORT92, port92.region());
        resets.add(port92::reset);
        for (IsaDma dma : new IsaDma[] {IsaDma.primary(), IsaDma.secondary()}) {
            io.root().addSubregion(dma.registerBase(), dma.registerRegion());
            io.root().addSubregion(dma.pageRegionBase(), dma.pageRegion());
            resets.add(dma::reset);
        }
        io.root().addSubregion(PORT80, new MmioRegion("ioport80", 1, new MmioOps() {
            @Override
            public long read(long offset, int size) {
                return 0xFF;
            }

            @Override
            public void write(long offset, long value, int size) {
                // the POST-code and I/O-delay port: nothing listens
            }
        }, AccessSizes.BYTE));

        fwCfg = new FwCfg(memory);
        io.root().addSubregion(FwCfg.SELECTOR_PORT, fwCfg.ioRegion());
        io.root().addSubregion(FwCfg.DMA_PORT, fwCfg.dmaRegion());
        resets.add(fwCfg::reset);

        host = new I440fxHost(system, ram);
        pci.plug(host, 0);
        List<IrqLine> pciIrqs = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            // IRQ 2 is the cascade; a PIRQ routed there (a reserved value on the PIIX3) reaches nothing.
            pciIrqs.add(i == I8259Pair.CASCADE_IRQ ? new IrqLine(level -> { }) : isaIrqs.source(i));
        }
        piix3 = new Piix3Isa((irq, level) -> pciIrqs.get(irq).set(level), loop::requestReset);
        pci.plug(piix3, PIIX_DEVFN);
        pci.setIntxRouter(piix3);
        pci.setMsiSink(lapic::receiveMsi);
        conf1.setResetControl(piix3.resetControl());
        ide = new PiixIde(bql, memory, isaIrqs.source(IRQ_IDE0), isaIrqs.source(IRQ_IDE1), loop::pause);
        pci.plug(ide, PIIX_DEVFN | 1);
        for (int i = 0; i < 2; i++) {
            io.root().addSubregion(PiixIde.COMMAND_BASE[i], ide.commandRegion(i));
            io.root().addSubregion(PiixIde.CONTROL_BASE[i], ide.controlRegion(i));
        }
        AcpiPmTimer pmTimer = new AcpiPmTimer(clock, false);
        guestPoweroff = () -> loop.requestShutdown(0);
        pm = new Piix4Pm(io.root(), isaIrqs.source(IRQ_SCI), pmTimer::ticks, timers, () -> guestPoweroff.run());
        pci.plug(pm, PIIX_DEVFN | 3);
        io.root().addSubregion(APM_PORT, pm.apmRegion());
    }

    /**
     * The line an HPET timer routed to IO-APIC pin {@code pin} drives: the ISA IRQ of that
     * number below 16 (so the 8259 hears it too, as on QEMU), the pin itself above; pin 2
     * is IRQ 0's.
     */
    private IrqLine hpetPin(int pin) {
        if (hpetPins[pin] == null) {
            hpetPins[pin] = pin == 2 ? isaIrqs.source(IRQ_PIT)
                    : pin < 16 ? isaIrqs.source(pin) : new IrqLine(ioapic.input(pin));
        }
        return hpetPins[pin];
    }

    /** The 8259s' interrupt acknowledge, for an ExtINT through the local APIC's LINT0. */
    private int picAcknowledge() {
        return pic.acknowledge();
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

    /** Adds an isa-debugcon at {@code iobase} that writes to {@code out}. */
    public void addDebugcon(int iobase, OutputStream out) {
        io.root().addSubregion(iobase, new IsaDebugcon(out, IsaDebugcon.DEFAULT_READBACK).region());
    }

    /** Adds QEMU's pc-testdev: ports 0xE0–0xE7, the IRQ-line ports at 0x2000, the memory window at 0xFF000000. */
    public void addPcTestdev() {
        PcTestdev t = new PcTestdev(irq -> irq == I8259Pair.CASCADE_IRQ ? new IrqLine(level -> { }) : isaIrq(irq));
        io.root().addSubregion(PcTestdev.IOPORT, t.ioportRegion());
        io.root().addSubregion(PcTestdev.FLUSH_PAGE_PORT, t.flushPageRegion());
        io.root().addSubregion(PcTestdev.IRQ_PORT, t.irqRegion());
        system.addSubregion(PcTestdev.IOMEM_BASE, t.iomemRegion());
        resets.add(t::reset);
    }

    /**
     * Plugs QEMU's pci-testdev at {@code devfn}.
     *
     * @throws IllegalArgumentException if the slot is taken
     */
    public void addPciTestdev(int devfn) {
        pci.plug(new PciTestdev(), devfn);
    }

    /** How many times each ISA IRQ line was raised (for the monitor's {@code info irq}). Under the big lock. */
    public long[] isaIrqCounts() {
        return pic.raisedCounts();
    }

    /** An output line into ISA IRQ {@code irq} of the interrupt controllers, for a device to drive. */
    public IrqLine isaIrq(int irq) {
        return isaIrqs.source(irq);
    }

    /** Whether ISA IRQ {@code irq} is asserted now (tests observe interrupts here). */
    public boolean isaIrqLevel(int irq) {
        return isaIrqs.level(irq);
    }

    /** The CPU's INTR input as the interrupt controllers (the 8259s through the local APIC) drive it. */
    public boolean intrLevel() {
        return lapic.intrLevel();
    }

    /**
     * Attaches {@code drive} at IDE position {@code index} (bus * 2 + unit).
     *
     * @throws IllegalArgumentException if the position is taken
     */
    public void attachIde(int index, IdeDrive drive) {
        ide.attach(index / 2, index % 2, drive);
        ideDrives[index] = drive;
    }

    /** The PIIX3 IDE function. */
    public PiixIde ide() {
        return ide;
    }

    /**
     * Finishes the board once every device is in: the CMOS bytes and fw_cfg items the BIOS
     * reads (memory size and map, disks, boot order).
     *
     * @param bootOrder QEMU's {@code -boot order=} letters
     * @param bootMenu {@code -boot menu=on}
     * @param nographic {@code -nographic}
     */
    public void realize(String bootOrder, boolean bootMenu, boolean nographic) {
        PcCmos.fill(rtc, below4g, above4g, ideDrives, bootOrder);
        List<E820Entry> e820 = new ArrayList<>();
        e820.add(new E820Entry(0, below4g, E820Entry.RAM));
        if (above4g > 0) {
            e820.add(new E820Entry(0x1_0000_0000L, above4g, E820Entry.RAM));
        }
        new PcFirmwareConfig(below4g + above4g, e820, 1, 1, nographic, bootMenu, this.bootOrder, -1).install(fwCfg);
        int[] comPorts = new int[COM_PORTS.length];
        for (int i = 0; i < comPorts.length; i++) {
            comPorts[i] = serials[i] != null ? COM_PORTS[i] : 0;
        }
        PcAcpiTables acpi = new PcAcpiTables(hpet != null, Hpet.CAPABILITIES_LOW, below4g, comPorts, COM_IRQS);
        BiosLinker linker = acpi.linker();
        for (var f : linker.files().entrySet()) {
            fwCfg.addFile(f.getKey(), f.getValue());
        }
        fwCfg.addFile(PcAcpiTables.LOADER_FILE, linker.script());
    }

    /** The firmware configuration device, for items the machine adds before {@link #realize} (a {@code -kernel}). */
    public FwCfg fwCfg() {
        return fwCfg;
    }

    /**
     * Sets the device paths of fw_cfg's {@code bootorder} file, which SeaBIOS boots first (as
     * QEMU writes them for devices with a boot index, e.g. {@code /rom@genroms/NAME} for an
     * option ROM's boot entry); before {@link #realize}.
     */
    public void setBootOrder(List<String> paths) {
        this.bootOrder = List.copyOf(paths);
    }

    /**
     * Sets what a guest power-off (ACPI S5) does; by default the machine shuts down with exit
     * status 0. QEMU's {@code -no-shutdown} pauses instead.
     */
    public void setGuestPoweroff(Runnable action) {
        this.guestPoweroff = action;
    }

    /** Sets what runs after every reset, once the CPU is in its reset state (a multiboot kernel loaded directly). */
    public void setAfterReset(Runnable action) {
        this.afterReset = action;
    }

    /**
     * Presses the ACPI power button (PM1 PWRBTN_STS, the SCI if the guest enabled it), as a
     * monitor's {@code system_powerdown} does; what happens next is the guest's choice. Under
     * the big lock.
     */
    public void powerButton() {
        bql.assertHeld("PcBoard.powerButton");
        pm.powerButton();
    }

    /** Resets every device and the CPU (the machine loop calls it, with the big lock held). */
    public void reset() {
        bql.assertHeld("PcBoard.reset");
        for (Serial16550 s : serials) {
            if (s != null) {
                s.reset();
            }
        }
        for (Runnable r : resets) {
            r.run();
        }
        conf1.reset();
        pci.reset();
        cpu.reset();
        afterReset.run();
    }
}
