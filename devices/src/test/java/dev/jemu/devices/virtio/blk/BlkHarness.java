package dev.jemu.devices.virtio.blk;

import dev.jemu.aio.AioContext;
import dev.jemu.aio.ClockType;
import dev.jemu.aio.IOThread;
import dev.jemu.aio.Timer;
import dev.jemu.block.BlockBackend;
import dev.jemu.devices.virtio.VirtQueueFixture;
import dev.jemu.devices.virtio.VirtQueueFixture.Buf;
import dev.jemu.devices.virtio.VirtioPciDevice;
import dev.jemu.devices.virtio.VirtioPciDriver;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * A virtio-blk-pci function on the test machine, with a driver that builds requests in guest
 * RAM (header, data, status byte) and waits for the device to use them: by polling the main
 * AioContext on the test thread, or, with an IOThread, by waiting for the interrupt.
 */
final class BlkHarness implements AutoCloseable {
    static final long WAIT_MS = 20_000;

    final VirtioPciDriver drv;
    final AioContext main;
    final IOThread iothread;
    final VirtioBlk blk;
    final VirtioPciDevice pci;
    final BlockBackend backend;
    final List<VirtQueueFixture> queues = new ArrayList<>();
    private final Timer wake;
    int stops;

    /** A request built in guest RAM. */
    record Req(int head, long header, long data, int dataLen, long status) {
    }

    BlkHarness(VirtioPciDriver.Kind kind, BlockBackend backend, VirtioBlkOptions options, IOThread iothread)
            throws IOException {
        this(kind, backend, options, iothread, false, false);
    }

    BlkHarness(VirtioPciDriver.Kind kind, BlockBackend backend, VirtioBlkOptions options, IOThread iothread,
               boolean disableLegacy, boolean disableModern) throws IOException {
        this.drv = new VirtioPciDriver(kind);
        this.main = AioContext.create();
        this.iothread = iothread;
        this.backend = backend;
        this.blk = new VirtioBlk("virtio-blk-pci", backend, options, drv.mem, drv.bql, main, iothread);
        blk.setStopHandler(() -> stops++);
        this.pci = new VirtioPciDevice("virtio-blk-pci", blk, disableLegacy, disableModern, VirtioBlk.PCI_CLASS);
        drv.plug(pci);
        this.wake = main.newTimer(ClockType.REALTIME, () -> { });
    }

    /** Negotiates {@code wanted} features, sets up every queue and sets DRIVER_OK. */
    long start(long wanted) {
        long acked = drv.negotiate(wanted);
        queues.clear();
        for (int q = 0; q < blk.numQueues(); q++) {
            queues.add(drv.setUpQueue(q, drv.queueSize(q)));
        }
        drv.driverOk();
        return acked;
    }

    VirtQueueFixture q0() {
        return queues.get(0);
    }

    /**
     * Builds a request on queue {@code q}: header, then {@code dataLen} bytes of data
     * (device-writable for reads, holding {@code payload} otherwise), then the status byte
     * (pre-set to 0xFF so a write by the device shows).
     */
    Req request(VirtQueueFixture f, int type, long sector, int dataLen, boolean dataWritable, byte[] payload) {
        long header = drv.alloc(16, 16);
        drv.mem.write(header, type, 4);
        drv.mem.write(header + 8, sector, 8);
        long data = 0;
        if (dataLen > 0) {
            data = drv.alloc(dataLen, 16);
            if (payload != null) {
                drv.mem.writeBytes(data, payload, 0, payload.length);
            }
        }
        long status = drv.alloc(1, 1);
        drv.mem.write(status, 0xFF, 1);
        Buf[] bufs = dataLen > 0
                ? new Buf[] {Buf.out(header, 16), new Buf(data, dataLen, dataWritable), Buf.in(status, 1)}
                : new Buf[] {Buf.out(header, 16), Buf.in(status, 1)};
        return new Req(f.chain(bufs), header, data, dataLen, status);
    }

    int status(Req r) {
        return (int) drv.mem.read(r.status(), 1);
    }

    byte[] data(Req r) {
        byte[] b = new byte[r.dataLen()];
        drv.mem.readBytes(r.data(), b, 0, b.length);
        return b;
    }

    /** Offers {@code r} on queue 0, notifies, and waits until it is used; returns its status. */
    int run(Req r) {
        VirtQueueFixture f = q0();
        int before = f.usedIdx();
        f.offer(r.head());
        drv.notify(0);
        awaitUsed(f, before + 1);
        return status(r);
    }

    /** Waits (bounded) until the used index of {@code f} reaches {@code n}. */
    void awaitUsed(VirtQueueFixture f, int n) {
        awaitCondition(() -> ((f.usedIdx() - n) & 0x8000) == 0);
    }

    /** Waits (bounded) for {@code done}, driving the main AioContext or, with an IOThread, watching the IRQ. */
    void awaitCondition(java.util.function.BooleanSupplier done) {
        long deadline = System.nanoTime() + WAIT_MS * 1_000_000;
        if (iothread != null) {
            try {
                if (!drv.awaitIrqCondition(done, WAIT_MS)) {
                    fail("device did not finish within " + WAIT_MS + " ms");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail(e);
            }
            return;
        }
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("device did not finish within " + WAIT_MS + " ms");
            }
            wake.modNs(ClockType.REALTIME.nowNs() + 20_000_000);
            main.poll(true);
        }
    }

    /** Polls the main context until nothing is left to run (no IOThread). */
    void settle() {
        while (main.poll(false)) {
            continue;
        }
    }

    @Override
    public void close() throws IOException {
        blk.close();
        wake.del();
        settle();
        backend.close();
        main.close();
    }
}
