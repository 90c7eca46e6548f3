package dev.jemu.devices.ide;

import dev.jemu.aio.IOThread;
import dev.jemu.block.BlockBackend;
import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockGraph;
import dev.jemu.block.CacheMode;
import dev.jemu.core.memory.AddressSpace;
import dev.jemu.core.memory.ContainerRegion;
import dev.jemu.core.memory.IrqLine;
import dev.jemu.core.memory.RamRegion;
import dev.jemu.core.sync.BigLock;
import dev.jemu.devices.pci.PciBus;
import dev.jemu.devices.pci.PciDevice;
import dev.jemu.devices.pci.PciHostConf1;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A machine without a CPU around one PIIX3 IDE function, driven as a driver would drive it:
 * port I/O through an I/O address space holding the legacy ports, PCI configuration through
 * mechanism #1, guest RAM at address 0 for DMA, the two IRQ lines observed, and a main loop
 * (an IOThread) in which the drives' requests run. The test thread plays the vCPU.
 *
 * <p>Threading: the test thread only; the IRQ sinks and the VM-stop callback run on whichever
 * thread holds the big lock and publish through a monitor.
 */
final class IdeHarness implements AutoCloseable {
    static final int RAM_SIZE = 4 << 20;
    static final int BMDMA_BASE = 0xC000;
    static final int DEVFN = 1 << 3 | 1;
    static final int[] CMD = PiixIde.COMMAND_BASE;
    static final int[] CTL = PiixIde.CONTROL_BASE;

    final BigLock bql = new BigLock();
    final AddressSpace io = AddressSpace.ioPorts();
    final AddressSpace memory = new AddressSpace("memory", new ContainerRegion("system", 1L << 32));
    final IOThread mainLoop = IOThread.start("ide-test-main-loop");
    final PiixIde ide;
    private final Object irqMonitor = new Object();
    private final boolean[] irqLevel = new boolean[2];
    private final int[] irqRaises = new int[2];
    private int vmStops;
    private final List<BlockBackend> backends = new ArrayList<>();
    private final List<ControlledDriver> drivers = new ArrayList<>();
    private int drivesCreated;

    IdeHarness() {
        memory.root().addSubregion(0, RamRegion.ram("ram", RAM_SIZE));
        io.setBigLock(bql);
        memory.setBigLock(bql);
        ide = new PiixIde(bql, memory, new IrqLine(level -> irqChanged(0, level)),
                new IrqLine(level -> irqChanged(1, level)), this::vmStopped);
        PciBus bus = new PciBus(memory.root(), io.root());
        bus.plug(new Function0(), DEVFN & ~7);
        bus.plug(ide, DEVFN);
        PciHostConf1 conf = new PciHostConf1(bus);
        io.root().addSubregion(PciHostConf1.CONFIG_ADDRESS_PORT, conf.addressRegion());
        io.root().addSubregion(PciHostConf1.CONFIG_DATA_PORT, conf.dataRegion());
        for (int ch = 0; ch < 2; ch++) {
            io.root().addSubregion(CMD[ch], ide.commandRegion(ch));
            io.root().addSubregion(CTL[ch], ide.controlRegion(ch));
        }
    }

    /** Function 0 of the PIIX slot (the ISA bridge's identity), multi-function so that function 1 is seen. */
    private static final class Function0 extends PciDevice {
        Function0() {
            super("piix3-isa", 0x8086, 0x7000, 0, 0x060100);
            config[HEADER_TYPE] = (byte) HEADER_MULTI_FUNCTION;
        }
    }

    /** Attaches {@code image} (raw) as a drive behind a {@link ControlledDriver}. */
    ControlledDriver attach(int channel, int unit, Path image, boolean readOnly,
                            IdeDrive.ErrorAction rerror, IdeDrive.ErrorAction werror) throws IOException {
        BlockDriverState file = BlockGraph.open(image.toString(), "raw", readOnly, CacheMode.WRITEBACK);
        ControlledDriver driver = new ControlledDriver(file);
        BlockDriverState node = new BlockDriverState(driver, image.toString(), readOnly);
        int perms = BlockBackend.PERM_READ | (readOnly ? 0 : BlockBackend.PERM_WRITE);
        BlockBackend blk = new BlockBackend(node, perms, false);
        backends.add(blk);
        drivers.add(driver);
        drivesCreated++;
        IdeDrive drive = new IdeDrive(blk, mainLoop.context(), IdeDrive.defaultSerial(drivesCreated), rerror, werror);
        bql.run(() -> ide.attach(channel, unit, drive));
        return driver;
    }

    ControlledDriver attach(int channel, int unit, Path image) throws IOException {
        return attach(channel, unit, image, false, IdeDrive.ErrorAction.REPORT, IdeDrive.ErrorAction.REPORT);
    }

    // ------------------------------------------------------------------ port and memory access

    int inb(int port) {
        return (int) io.read(port, 1);
    }

    int inw(int port) {
        return (int) io.read(port, 2);
    }

    long inl(int port) {
        return io.read(port, 4);
    }

    void outb(int port, int value) {
        io.write(port, value, 1);
    }

    void outw(int port, int value) {
        io.write(port, value, 2);
    }

    void outl(int port, long value) {
        io.write(port, value, 4);
    }

    long pciRead(int offset, int size) {
        outl(PciHostConf1.CONFIG_ADDRESS_PORT, 0x8000_0000L | DEVFN << 8 | (offset & 0xFC));
        return io.read(PciHostConf1.CONFIG_DATA_PORT + (offset & 3), size);
    }

    void pciWrite(int offset, long value, int size) {
        outl(PciHostConf1.CONFIG_ADDRESS_PORT, 0x8000_0000L | DEVFN << 8 | (offset & 0xFC));
        io.write(PciHostConf1.CONFIG_DATA_PORT + (offset & 3), value, size);
    }

    /** Maps the bus-master block at {@link #BMDMA_BASE} and enables I/O decoding and bus mastering. */
    void enableBusMaster() {
        pciWrite(PciDevice.BAR0 + 4 * PiixIde.BMDMA_BAR, BMDMA_BASE, 4);
        pciWrite(PciDevice.COMMAND, PciDevice.COMMAND_IO | PciDevice.COMMAND_MASTER, 2);
    }

    byte[] memRead(long addr, int len) {
        byte[] b = new byte[len];
        memory.readBytes(addr, b, 0, len);
        return b;
    }

    void memWrite(long addr, byte[] data) {
        memory.writeBytes(addr, data, 0, data.length);
    }

    // ------------------------------------------------------------------ ATA helpers

    /** Selects {@code unit} with LBA addressing and loads an LBA28 address and count. */
    void taskFile28(int ch, int unit, long lba, int count) {
        outb(CMD[ch] + 6, 0xE0 | unit << 4 | (int) (lba >>> 24) & 0x0F);
        outb(CMD[ch] + 2, count);
        outb(CMD[ch] + 3, (int) lba & 0xFF);
        outb(CMD[ch] + 4, (int) (lba >>> 8) & 0xFF);
        outb(CMD[ch] + 5, (int) (lba >>> 16) & 0xFF);
    }

    /** Selects {@code unit} with LBA addressing and loads an LBA48 address and count (HOB bytes first). */
    void taskFile48(int ch, int unit, long lba, int count) {
        outb(CMD[ch] + 6, 0x40 | unit << 4);
        outb(CMD[ch] + 2, count >>> 8);
        outb(CMD[ch] + 3, (int) (lba >>> 24) & 0xFF);
        outb(CMD[ch] + 4, (int) (lba >>> 32) & 0xFF);
        outb(CMD[ch] + 5, (int) (lba >>> 40) & 0xFF);
        outb(CMD[ch] + 2, count & 0xFF);
        outb(CMD[ch] + 3, (int) lba & 0xFF);
        outb(CMD[ch] + 4, (int) (lba >>> 8) & 0xFF);
        outb(CMD[ch] + 5, (int) (lba >>> 16) & 0xFF);
    }

    void command(int ch, int cmd) {
        outb(CMD[ch] + 7, cmd);
    }

    int status(int ch) {
        return inb(CMD[ch] + 7);
    }

    int altStatus(int ch) {
        return inb(CTL[ch]);
    }

    int error(int ch) {
        return inb(CMD[ch] + 1);
    }

    /** Reads {@code bytes} from the data register, 16 bits at a time. */
    byte[] readPio(int ch, int bytes) {
        byte[] b = new byte[bytes];
        for (int i = 0; i < bytes; i += 2) {
            int w = inw(CMD[ch]);
            b[i] = (byte) w;
            b[i + 1] = (byte) (w >>> 8);
        }
        return b;
    }

    /** Writes {@code data} to the data register, 32 bits at a time. */
    void writePio(int ch, byte[] data) {
        for (int i = 0; i < data.length; i += 4) {
            long v = (data[i] & 0xFFL) | (data[i + 1] & 0xFFL) << 8 | (data[i + 2] & 0xFFL) << 16
                    | (data[i + 3] & 0xFFL) << 24;
            outl(CMD[ch], v);
        }
    }

    // ------------------------------------------------------------------ interrupts and waiting

    private void irqChanged(int ch, boolean level) {
        bql.assertHeld("IDE interrupt");
        synchronized (irqMonitor) {
            irqLevel[ch] = level;
            if (level) {
                irqRaises[ch]++;
            }
            irqMonitor.notifyAll();
        }
    }

    private void vmStopped() {
        bql.assertHeld("IDE vm stop");
        synchronized (irqMonitor) {
            vmStops++;
            irqMonitor.notifyAll();
        }
    }

    boolean irq(int ch) {
        synchronized (irqMonitor) {
            return irqLevel[ch];
        }
    }

    int irqRaises(int ch) {
        synchronized (irqMonitor) {
            return irqRaises[ch];
        }
    }

    int vmStops() {
        synchronized (irqMonitor) {
            return vmStops;
        }
    }

    /** Waits (at most 10 s) until channel {@code ch}'s interrupt line is raised. */
    void awaitIrq(int ch) throws InterruptedException {
        awaitMonitor(() -> irqLevel[ch], "IRQ " + PiixIde.ISA_IRQ[ch]);
    }

    /** Waits (at most 10 s) until the VM has been stopped {@code n} times. */
    void awaitVmStops(int n) throws InterruptedException {
        awaitMonitor(() -> vmStops >= n, "VM stop");
    }

    private void awaitMonitor(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        synchronized (irqMonitor) {
            while (!condition.getAsBoolean()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    fail("timed out waiting for " + what);
                }
                irqMonitor.wait(left / 1_000_000 + 1);
            }
        }
    }

    /** Lets held requests go, then closes the drives in the main loop (where their requests ran) and stops it. */
    @Override
    public void close() throws IOException {
        for (ControlledDriver d : drivers) {
            d.openGate();
        }
        java.util.concurrent.CompletableFuture<IOException> closed = new java.util.concurrent.CompletableFuture<>();
        mainLoop.context().oneShot(() -> {
            IOException failure = null;
            for (BlockBackend blk : backends) {
                try {
                    blk.close();
                } catch (IOException e) {
                    failure = e;
                }
            }
            closed.complete(failure);
        });
        try {
            IOException failure = closed.get(10, TimeUnit.SECONDS);
            if (failure != null) {
                throw failure;
            }
        } catch (InterruptedException | java.util.concurrent.ExecutionException
                 | java.util.concurrent.TimeoutException e) {
            throw new IOException("closing the drives failed", e);
        } finally {
            mainLoop.stop();
        }
    }

    // ------------------------------------------------------------------ images (qemu-img / qemu-io as oracle)

    /** Creates a raw image of {@code size} (a qemu-img size string). */
    static Path createImage(Path dir, String name, String size) throws IOException {
        Path p = dir.resolve(name);
        exec("qemu-img", "create", "-q", "-f", "raw", p.toString(), size);
        return p;
    }

    /** The byte qemu-io fills sector {@code lba} with in {@link #fillSectors}. */
    static int pattern(long lba) {
        return (int) ((lba * 37 + 11) % 251) + 1;
    }

    /** Fills sectors {@code [first, first + n)} with {@link #pattern} through qemu-io. */
    static void fillSectors(Path image, long first, int n) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("qemu-io", "-f", "raw"));
        for (long s = first; s < first + n; s++) {
            cmd.add("-c");
            cmd.add(String.format("write -q -P 0x%02x %d 512", pattern(s), s * 512));
        }
        cmd.add(image.toString());
        exec(cmd.toArray(String[]::new));
    }

    /** Checks through qemu-io that sectors {@code [first, first + n)} hold {@code patternOf(sector)}. */
    static void verifySectors(Path image, long first, int n, java.util.function.LongToIntFunction patternOf)
            throws IOException {
        List<String> cmd = new ArrayList<>(List.of("qemu-io", "-U", "-r", "-f", "raw"));
        for (long s = first; s < first + n; s++) {
            cmd.add("-c");
            cmd.add(String.format("read -q -P 0x%02x %d 512", patternOf.applyAsInt(s), s * 512));
        }
        cmd.add(image.toString());
        String out = exec(cmd.toArray(String[]::new));
        assertEquals("", out.strip(), "qemu-io pattern check of sectors " + first + "+" + n);
    }

    static String exec(String... cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try (InputStream in = p.getInputStream()) {
            String out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("timed out: " + String.join(" ", cmd));
            }
            assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + out);
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}
