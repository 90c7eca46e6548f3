package dev.jemu.devices.virtio;

import dev.jemu.core.memory.AddressSpace;
import dev.jemu.core.memory.ContainerRegion;
import dev.jemu.core.memory.RamRegion;
import dev.jemu.core.sync.BigLock;
import dev.jemu.devices.pci.PciBus;
import dev.jemu.devices.pci.PciHostConf1;

/**
 * A qtest-style machine for virtio-pci tests: guest RAM, port and memory spaces under a big
 * lock, PCI bus 0 with configuration mechanism #1 at 0xCF8, and a driver that programs a
 * virtio-pci function through either of its interfaces exactly as the virtio spec tells a
 * driver to (section 4.1.4 modern, 4.1.4.8 legacy). Every access goes through the address
 * spaces, as a vCPU's would.
 */
public final class VirtioPciDriver {
    /** The interface a driver uses. */
    public enum Kind { LEGACY, MODERN }

    public static final long RAM_SIZE = 32L << 20;
    public static final int IO_BASE = 0xC000;
    public static final long MMIO_BASE = 0xFE00_0000L;
    public static final int DEVFN = 4 << 3;

    public final Kind kind;
    public final BigLock bql = new BigLock();
    public final AddressSpace mem;
    public final AddressSpace io = AddressSpace.ioPorts();
    public final PciBus bus;
    private final Object irqChanged = new Object();
    private final boolean[] pirq = new boolean[4];
    private int raises;
    private long nextFree = 0x10_0000;

    public VirtioPciDriver(Kind kind) {
        this.kind = kind;
        ContainerRegion root = new ContainerRegion("memory", 1L << 40);
        root.addSubregion(0, RamRegion.ram("ram", RAM_SIZE));
        mem = new AddressSpace("memory", root);
        mem.setBigLock(bql);
        io.setBigLock(bql);
        bus = new PciBus(root, io.root());
        bus.setIntxRouter((line, level) -> {
            synchronized (irqChanged) {
                if (level && line == PciBus.pirqOf(DEVFN, 0)) {
                    raises++;
                }
                pirq[line] = level;
                irqChanged.notifyAll();
            }
        });
        PciHostConf1 conf1 = new PciHostConf1(bus);
        io.root().addSubregion(PciHostConf1.CONFIG_ADDRESS_PORT, conf1.addressRegion());
        io.root().addSubregion(PciHostConf1.CONFIG_DATA_PORT, conf1.dataRegion());
    }

    /** Plugs {@code dev} at slot 4 and maps its BARs as firmware would, with I/O, memory and bus mastering on. */
    public void plug(VirtioPciDevice dev) {
        bql.run(() -> bus.plug(dev, DEVFN));
        if (cfgRead(0x10, 4) != 0) {
            cfgWrite(0x10, IO_BASE, 4);
        }
        if (cfgRead(0x20, 4) != 0) {
            cfgWrite(0x20, MMIO_BASE, 4);
            cfgWrite(0x24, 0, 4);
        }
        cfgWrite(0x04, 0x7, 2);
    }

    // ------------------------------------------------------------------ config space

    public long cfgRead(int offset, int size) {
        io.write(PciHostConf1.CONFIG_ADDRESS_PORT, 0x8000_0000L | DEVFN << 8 | offset & 0xFC, 4);
        return io.read(PciHostConf1.CONFIG_DATA_PORT + (offset & 3), size);
    }

    public void cfgWrite(int offset, long value, int size) {
        io.write(PciHostConf1.CONFIG_ADDRESS_PORT, 0x8000_0000L | DEVFN << 8 | offset & 0xFC, 4);
        io.write(PciHostConf1.CONFIG_DATA_PORT + (offset & 3), value, size);
    }

    // ------------------------------------------------------------------ guest memory

    /** Allocates {@code bytes} of guest RAM aligned to {@code align}, zeroed. */
    public long alloc(long bytes, int align) {
        long at = (nextFree + align - 1) & -(long) align;
        nextFree = at + bytes;
        if (nextFree > RAM_SIZE) {
            throw new IllegalStateException("test RAM exhausted");
        }
        mem.writeBytes(at, new byte[(int) bytes], 0, (int) bytes);
        return at;
    }

    // ------------------------------------------------------------------ registers

    private long modern(int offset) {
        return MMIO_BASE + offset;
    }

    public long hostFeatures() {
        if (kind == Kind.LEGACY) {
            return io.read(IO_BASE + VirtioPciDevice.LEGACY_HOST_FEATURES, 4);
        }
        mem.write(modern(VirtioPciDevice.COMMON_DFSELECT), 0, 4);
        long low = mem.read(modern(VirtioPciDevice.COMMON_DF), 4);
        mem.write(modern(VirtioPciDevice.COMMON_DFSELECT), 1, 4);
        return low | mem.read(modern(VirtioPciDevice.COMMON_DF), 4) << 32;
    }

    public void writeFeatures(long features) {
        if (kind == Kind.LEGACY) {
            io.write(IO_BASE + VirtioPciDevice.LEGACY_GUEST_FEATURES, features, 4);
            return;
        }
        mem.write(modern(VirtioPciDevice.COMMON_GFSELECT), 0, 4);
        mem.write(modern(VirtioPciDevice.COMMON_GF), features & 0xFFFF_FFFFL, 4);
        mem.write(modern(VirtioPciDevice.COMMON_GFSELECT), 1, 4);
        mem.write(modern(VirtioPciDevice.COMMON_GF), features >>> 32, 4);
    }

    public long driverFeatures() {
        if (kind == Kind.LEGACY) {
            return io.read(IO_BASE + VirtioPciDevice.LEGACY_GUEST_FEATURES, 4);
        }
        mem.write(modern(VirtioPciDevice.COMMON_GFSELECT), 0, 4);
        long low = mem.read(modern(VirtioPciDevice.COMMON_GF), 4);
        mem.write(modern(VirtioPciDevice.COMMON_GFSELECT), 1, 4);
        return low | mem.read(modern(VirtioPciDevice.COMMON_GF), 4) << 32;
    }

    public int status() {
        return (int) (kind == Kind.LEGACY ? io.read(IO_BASE + VirtioPciDevice.LEGACY_STATUS, 1)
                : mem.read(modern(VirtioPciDevice.COMMON_STATUS), 1));
    }

    public void setStatus(int status) {
        if (kind == Kind.LEGACY) {
            io.write(IO_BASE + VirtioPciDevice.LEGACY_STATUS, status, 1);
        } else {
            mem.write(modern(VirtioPciDevice.COMMON_STATUS), status, 1);
        }
    }

    /** Reads and clears the ISR. */
    public int readIsr() {
        return (int) (kind == Kind.LEGACY ? io.read(IO_BASE + VirtioPciDevice.LEGACY_ISR, 1)
                : mem.read(modern(VirtioPciDevice.ISR_OFFSET), 1));
    }

    public long config(int offset, int size) {
        return kind == Kind.LEGACY ? io.read(IO_BASE + VirtioPciDevice.LEGACY_CONFIG + offset, size)
                : mem.read(modern(VirtioPciDevice.DEVICE_OFFSET + offset), size);
    }

    public void writeConfig(int offset, long value, int size) {
        if (kind == Kind.LEGACY) {
            io.write(IO_BASE + VirtioPciDevice.LEGACY_CONFIG + offset, value, size);
        } else {
            mem.write(modern(VirtioPciDevice.DEVICE_OFFSET + offset), value, size);
        }
    }

    public void selectQueue(int q) {
        if (kind == Kind.LEGACY) {
            io.write(IO_BASE + VirtioPciDevice.LEGACY_QUEUE_SEL, q, 2);
        } else {
            mem.write(modern(VirtioPciDevice.COMMON_Q_SELECT), q, 2);
        }
    }

    /** The selected queue's size (the maximum until a modern driver changes it). */
    public int queueSize(int q) {
        selectQueue(q);
        return (int) (kind == Kind.LEGACY ? io.read(IO_BASE + VirtioPciDevice.LEGACY_QUEUE_NUM, 2)
                : mem.read(modern(VirtioPciDevice.COMMON_Q_SIZE), 2));
    }

    /**
     * Allocates rings for queue {@code q} of {@code size} entries (legacy: the device's size,
     * laid out from one page frame) and tells the device where they are.
     */
    public VirtQueueFixture setUpQueue(int q, int size) {
        selectQueue(q);
        if (kind == Kind.LEGACY) {
            long base = alloc(VirtQueueFixture.legacyBytes(size), 4096);
            VirtQueueFixture f = VirtQueueFixture.legacy(mem, base / 4096, size);
            io.write(IO_BASE + VirtioPciDevice.LEGACY_QUEUE_PFN, base / 4096, 4);
            return f;
        }
        VirtQueueFixture f = new VirtQueueFixture(mem, size, alloc(16L * size, 16), alloc(6 + 2L * size, 2),
                alloc(6 + 8L * size, 4));
        mem.write(modern(VirtioPciDevice.COMMON_Q_SIZE), size, 2);
        writeRing(VirtioPciDevice.COMMON_Q_DESCLO, f.desc);
        writeRing(VirtioPciDevice.COMMON_Q_AVAILLO, f.avail);
        writeRing(VirtioPciDevice.COMMON_Q_USEDLO, f.used);
        mem.write(modern(VirtioPciDevice.COMMON_Q_ENABLE), 1, 2);
        return f;
    }

    private void writeRing(int lo, long addr) {
        mem.write(modern(lo), addr & 0xFFFF_FFFFL, 4);
        mem.write(modern(lo + 4), addr >>> 32, 4);
    }

    /** Notifies queue {@code q} (any number, valid or not). */
    public void notify(int q) {
        if (kind == Kind.LEGACY) {
            io.write(IO_BASE + VirtioPciDevice.LEGACY_QUEUE_NOTIFY, q, 2);
        } else {
            mem.write(modern(VirtioPciDevice.NOTIFY_OFFSET + q * VirtioPciDevice.NOTIFY_OFF_MULTIPLIER), q, 2);
        }
    }

    /**
     * The driver's initialisation (spec 3.1.1): reset, ACKNOWLEDGE, DRIVER, features (the
     * wanted ones the device offers; VERSION_1 too through the modern interface), FEATURES_OK,
     * then the caller sets up queues and calls {@link #driverOk()}. Returns the features acked.
     */
    public long negotiate(long wanted) {
        setStatus(0);
        setStatus(VirtioDevice.STATUS_ACKNOWLEDGE);
        setStatus(VirtioDevice.STATUS_ACKNOWLEDGE | VirtioDevice.STATUS_DRIVER);
        long acked = hostFeatures() & (kind == Kind.MODERN ? wanted | 1L << VirtioDevice.F_VERSION_1 : wanted);
        writeFeatures(acked);
        if (kind == Kind.MODERN) {
            setStatus(VirtioDevice.STATUS_ACKNOWLEDGE | VirtioDevice.STATUS_DRIVER | VirtioDevice.STATUS_FEATURES_OK);
            if ((status() & VirtioDevice.STATUS_FEATURES_OK) == 0) {
                throw new AssertionError("device refused features 0x" + Long.toHexString(acked));
            }
        }
        return acked;
    }

    public void driverOk() {
        int s = VirtioDevice.STATUS_ACKNOWLEDGE | VirtioDevice.STATUS_DRIVER | VirtioDevice.STATUS_DRIVER_OK;
        setStatus(kind == Kind.MODERN ? s | VirtioDevice.STATUS_FEATURES_OK : s);
    }

    // ------------------------------------------------------------------ interrupts

    /** Whether the function's INTA (PIRQ of slot 4) is asserted. */
    public boolean irq() {
        synchronized (irqChanged) {
            return pirq[PciBus.pirqOf(DEVFN, 0)];
        }
    }

    /** How many times INTA went from low to high. */
    public int irqRaises() {
        synchronized (irqChanged) {
            return raises;
        }
    }

    /** Waits (at most {@code timeoutMs}) until {@code done} holds, re-checking whenever an IRQ line changes. */
    public boolean awaitIrqCondition(java.util.function.BooleanSupplier done, long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        synchronized (irqChanged) {
            while (!done.getAsBoolean()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                irqChanged.wait(Math.max(1, Math.min(left / 1_000_000, 20)));
            }
            return true;
        }
    }
}
