package dev.jemu.devices.virtio.blk;

import dev.jemu.aio.IOThread;
import dev.jemu.block.RequestFlags;
import dev.jemu.coroutine.Coroutine;
import dev.jemu.devices.virtio.VirtQueue;
import dev.jemu.devices.virtio.VirtQueueFixture;
import dev.jemu.devices.virtio.VirtioDevice;
import dev.jemu.devices.virtio.VirtioPciDevice;
import dev.jemu.devices.virtio.VirtioPciDriver;
import dev.jemu.devices.virtio.VirtioPciDriver.Kind;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static dev.jemu.devices.virtio.blk.VirtioBlkRequest.S_IOERR;
import static dev.jemu.devices.virtio.blk.VirtioBlkRequest.S_OK;
import static dev.jemu.devices.virtio.blk.VirtioBlkRequest.T_IN;
import static dev.jemu.devices.virtio.blk.VirtioBlkRequest.T_OUT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Queue mechanics of virtio-blk through both interfaces: notification suppression both ways
 * (EVENT_IDX and the ring flags), reset, many requests in flight with one interrupt per batch,
 * an IOThread, and werror/rerror.
 */
class VirtioBlkQueueTest {
    private static final long EVENT_IDX = 1L << VirtioDevice.F_RING_EVENT_IDX;

    private static MemoryDisk patterned(int size) {
        MemoryDisk disk = new MemoryDisk(size);
        for (int i = 0; i < size; i++) {
            disk.data[i] = (byte) (i / 512 * 7 + i);
        }
        return disk;
    }

    private static byte[] expected(MemoryDisk disk, long sector, int len) {
        return java.util.Arrays.copyOfRange(disk.data, (int) sector * 512, (int) sector * 512 + len);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aNotifyOnlyHandsTheQueueToTheAioContext(Kind kind) throws IOException {
        MemoryDisk disk = patterned(1 << 20);
        try (BlkHarness h = new BlkHarness(kind, QemuTools.memory(disk), VirtioBlkOptions.defaults(), null)) {
            h.start(0);
            disk.threads.clear();
            disk.contexts.clear();
            BlkHarness.Req r = h.request(h.q0(), T_IN, 0, 512, true, null);
            h.q0().offer(r.head());
            Thread vcpu = new Thread(() -> h.drv.notify(0), "vcpu0");
            vcpu.start();
            try {
                vcpu.join(BlkHarness.WAIT_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            assertFalse(vcpu.isAlive());
            assertEquals(0, h.q0().usedIdx(), "the register write did no block I/O");
            assertTrue(disk.threads.isEmpty());
            h.awaitUsed(h.q0(), 1);
            assertEquals(Set.of(h.main), disk.contexts, "the request ran in the main AioContext");
            if (Coroutine.backendName().equals("continuation")) {
                assertEquals(Set.of(Thread.currentThread().getName()), disk.threads,
                        "on the thread that polls it");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void eventIdxInterruptsOnlyWhenUsedIndexPassesUsedEvent(Kind kind) throws IOException {
        MemoryDisk disk = patterned(1 << 20);
        try (BlkHarness h = new BlkHarness(kind, QemuTools.memory(disk), VirtioBlkOptions.defaults(), null)) {
            assertEquals(EVENT_IDX, h.start(EVENT_IDX) & EVENT_IDX);
            VirtQueueFixture f = h.q0();
            f.setUsedEvent(2);
            assertEquals(S_OK, h.run(h.request(f, T_IN, 0, 512, true, null)));
            h.settle();
            assertTrue(h.drv.irq(), "the first completion always interrupts");
            assertEquals(VirtioDevice.ISR_QUEUE, h.drv.readIsr());
            assertEquals(S_OK, h.run(h.request(f, T_IN, 1, 512, true, null)));
            h.settle();
            assertFalse(h.drv.irq(), "used index 2 has not passed used_event 2");
            assertEquals(S_OK, h.run(h.request(f, T_IN, 2, 512, true, null)));
            h.settle();
            assertTrue(h.drv.irq(), "used index 3 passed used_event 2");
            assertEquals(3, f.availEvent(), "the device asks to be notified after avail index 3");
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void withoutEventIdxTheRingFlagsSuppressInterrupts(Kind kind) throws IOException {
        MemoryDisk disk = patterned(1 << 20);
        try (BlkHarness h = new BlkHarness(kind, QemuTools.memory(disk), VirtioBlkOptions.defaults(), null)) {
            h.start(0);
            VirtQueueFixture f = h.q0();
            f.setAvailFlags(VirtQueue.AVAIL_F_NO_INTERRUPT);
            assertEquals(S_OK, h.run(h.request(f, T_IN, 0, 512, true, null)));
            h.settle();
            assertFalse(h.drv.irq());
            assertEquals(0, f.usedFlags(), "notifications are enabled again once the queue is drained");
            f.setAvailFlags(0);
            assertEquals(S_OK, h.run(h.request(f, T_IN, 1, 512, true, null)));
            h.settle();
            assertTrue(h.drv.irq());
            if (kind == Kind.LEGACY) {
                h.start(1L << VirtioDevice.F_NOTIFY_ON_EMPTY);
                VirtQueueFixture g = h.q0();
                g.setAvailFlags(VirtQueue.AVAIL_F_NO_INTERRUPT);
                assertEquals(S_OK, h.run(h.request(g, T_IN, 0, 512, true, null)));
                h.settle();
                assertTrue(h.drv.irq(), "NOTIFY_ON_EMPTY: the queue ran empty, so it interrupts anyway");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void resetClearsStatusFeaturesQueuesAndInterrupt(Kind kind) throws IOException {
        MemoryDisk disk = patterned(1 << 20);
        try (BlkHarness h = new BlkHarness(kind, QemuTools.memory(disk), VirtioBlkOptions.defaults().withQueues(1, 128),
                null)) {
            h.start(EVENT_IDX);
            assertEquals(S_OK, h.run(h.request(h.q0(), T_IN, 0, 512, true, null)));
            h.settle();
            assertTrue(h.drv.irq());
            h.drv.setStatus(0);
            assertEquals(0, h.drv.status());
            assertFalse(h.drv.irq(), "reset lowers INTx");
            assertEquals(0, h.drv.readIsr());
            assertEquals(0, h.drv.driverFeatures());
            h.drv.selectQueue(0);
            if (kind == Kind.LEGACY) {
                assertEquals(0, h.drv.io.read(VirtioPciDriver.IO_BASE + VirtioPciDevice.LEGACY_QUEUE_PFN, 4));
            } else {
                assertEquals(0, h.drv.mem.read(VirtioPciDriver.MMIO_BASE + VirtioPciDevice.COMMON_Q_ENABLE, 2));
                assertEquals(0, h.drv.mem.read(VirtioPciDriver.MMIO_BASE + VirtioPciDevice.COMMON_Q_DESCLO, 4));
            }
            assertEquals(128, h.drv.queueSize(0));
            h.start(0);
            BlkHarness.Req r = h.request(h.q0(), T_IN, 3, 512, true, null);
            assertEquals(S_OK, h.run(r));
            assertEquals(1, h.q0().usedIdx(), "a fresh queue starts at used index 0");
            assertArrayEquals(expected(disk, 3, 512), h.data(r));
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void manyRequestsRunAtOnceAndCompleteWithOneInterrupt(Kind kind) throws IOException {
        MemoryDisk disk = patterned(4 << 20);
        try (BlkHarness h = new BlkHarness(kind, QemuTools.memory(disk), VirtioBlkOptions.defaults(), null)) {
            h.start(EVENT_IDX);
            VirtQueueFixture f = h.q0();
            List<BlkHarness.Req> reqs = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                BlkHarness.Req r = h.request(f, T_IN, i * 16L, 4096, true, null);
                reqs.add(r);
                f.add(r.head());
            }
            f.publish();
            h.drv.notify(0);
            h.awaitUsed(f, 64);
            h.settle();
            assertEquals(64, disk.maxActive, "all 64 requests were in the driver at the same time");
            assertEquals(64, h.blk.requestCount());
            assertEquals(1, h.drv.irqRaises(), "one interrupt for the whole batch");
            for (int i = 0; i < 64; i++) {
                assertEquals(S_OK, h.status(reqs.get(i)));
                assertArrayEquals(expected(disk, i * 16L, 4096), h.data(reqs.get(i)));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void iothreadRunsEveryRequestAndRaisesTheInterruptUnderLoad(Kind kind) throws IOException {
        MemoryDisk disk = patterned(8 << 20);
        IOThread io = IOThread.start("io0");
        try {
            VirtioBlkOptions two = VirtioBlkOptions.defaults().withQueues(2, 256);
            try (BlkHarness h = new BlkHarness(kind, QemuTools.memory(disk), two, io)) {
                assertSame(io.context(), h.blk.context());
                disk.threads.clear(); // the geometry guess read sector 0 on the creating thread
                disk.contexts.clear();
                h.start(EVENT_IDX);
                List<BlkHarness.Req> reads = new ArrayList<>();
                List<Long> sectors = new ArrayList<>();
                int total = 0;
                for (int round = 0; round < 20; round++) {
                    for (int q = 0; q < 2; q++) {
                        VirtQueueFixture f = h.queues.get(q);
                        for (int i = 0; i < 8; i++) {
                            long sector = (round * 16L + q * 8 + i) * 8;
                            BlkHarness.Req r = round % 2 == 0
                                    ? h.request(f, T_IN, sector, 4096, true, null)
                                    : h.request(f, T_OUT, sector, 4096, false, fill(4096, round * 16 + q * 8 + i));
                            f.offer(r.head());
                            h.drv.notify(q);
                            reads.add(r);
                            sectors.add(sector);
                        }
                    }
                    total += 8;
                    int want = total;
                    h.awaitCondition(() -> {
                        h.drv.readIsr();
                        return h.queues.get(0).usedIdx() == want && h.queues.get(1).usedIdx() == want;
                    });
                }
                assertEquals(Set.of(io.context()), disk.contexts, "every request ran in the IOThread's context");
                if (Coroutine.backendName().equals("continuation")) {
                    assertEquals(Set.of("io0"), disk.threads, "every request ran on the IOThread");
                }
                for (int k = 0; k < reads.size(); k++) {
                    BlkHarness.Req r = reads.get(k);
                    assertEquals(S_OK, h.status(r));
                    long sector = sectors.get(k);
                    int round = (int) (sector / 8 / 16);
                    if (round % 2 == 0) {
                        assertArrayEquals(expected(patterned(8 << 20), sector, 4096), h.data(r));
                    } else {
                        assertArrayEquals(fill(4096, (int) (sector / 8)), expected(disk, sector, 4096));
                    }
                }
            }
        } finally {
            io.stop();
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void resetWithRequestsInFlightOnAnIothreadDropsTheirCompletions(Kind kind) throws IOException {
        MemoryDisk disk = patterned(4 << 20);
        IOThread io = IOThread.start("io2");
        try {
            try (BlkHarness h = new BlkHarness(kind, QemuTools.memory(disk), VirtioBlkOptions.defaults(), io)) {
                int dropped = 0;
                for (int round = 0; round < 10; round++) {
                    h.start(EVENT_IDX);
                    VirtQueueFixture old = h.q0();
                    for (int i = 0; i < 32; i++) {
                        old.add(h.request(old, T_IN, i * 8L, 4096, true, null).head());
                    }
                    old.publish();
                    h.drv.notify(0);
                    h.drv.setStatus(0);
                    int frozen = old.usedIdx();
                    dropped += 32 - frozen;
                    h.start(EVENT_IDX);
                    BlkHarness.Req r = h.request(h.q0(), T_IN, 5, 512, true, null);
                    assertEquals(S_OK, h.run(r));
                    assertArrayEquals(expected(disk, 5, 512), h.data(r));
                    assertEquals(1, h.q0().usedIdx(), "nothing from before the reset reached the new rings");
                    assertEquals(frozen, old.usedIdx(), "nothing reached the old rings after the reset");
                }
                assertTrue(dropped > 0, "some resets caught requests in flight");
            }
        } finally {
            io.stop();
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void answersAnOversizedRequestWithIoError(Kind kind) throws IOException {
        MemoryDisk disk = patterned(1 << 20);
        try (BlkHarness h = new BlkHarness(kind, QemuTools.memory(disk), VirtioBlkOptions.defaults(), null)) {
            h.start(0);
            VirtQueueFixture f = h.q0();
            long header = h.drv.alloc(16, 16);
            h.drv.mem.write(header, T_IN, 4);
            long data = h.drv.alloc(4 << 20, 4096);
            long status = h.drv.alloc(1, 1);
            VirtQueueFixture.Buf[] bufs = new VirtQueueFixture.Buf[19];
            bufs[0] = VirtQueueFixture.Buf.out(header, 16);
            for (int i = 1; i <= 17; i++) {
                bufs[i] = VirtQueueFixture.Buf.in(data, 4 << 20);
            }
            bufs[18] = VirtQueueFixture.Buf.in(status, 1);
            f.offer(f.chain(bufs));
            h.drv.notify(0);
            h.awaitUsed(f, 1);
            assertEquals(S_IOERR, h.drv.mem.read(status, 1), "68 MiB is more than one request may move");
            assertTrue(h.blk.isActive());
        }
    }

    private static byte[] fill(int len, int value) {
        byte[] b = new byte[len];
        java.util.Arrays.fill(b, (byte) value);
        return b;
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void drainFromAnotherThreadWaitsForTheIothreadsRequests(Kind kind) throws Exception {
        MemoryDisk disk = patterned(4 << 20);
        IOThread io = IOThread.start("io3");
        try {
            try (BlkHarness h = new BlkHarness(kind, QemuTools.memory(disk), VirtioBlkOptions.defaults(), io)) {
                h.start(0);
                VirtQueueFixture f = h.q0();
                for (int i = 0; i < 64; i++) {
                    f.add(h.request(f, T_OUT, i * 8L, 4096, false, fill(4096, i)).head());
                }
                disk.hold = true;
                f.publish();
                h.drv.notify(0);
                h.awaitCondition(() -> disk.active == 64);
                Thread drainer = new Thread(h.blk::drain, "drainer");
                drainer.start();
                long deadline = System.nanoTime() + BlkHarness.WAIT_MS * 1_000_000;
                while (drainer.getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                assertEquals(Thread.State.WAITING, drainer.getState(), "drain waits while requests are held");
                assertEquals(64, h.backend.root().inFlight());
                disk.release();
                drainer.join(BlkHarness.WAIT_MS);
                assertFalse(drainer.isAlive());
                assertEquals(0, h.backend.root().inFlight());
                assertEquals(64, h.backend.stats().wrOperations(), "every write reached the disk before drain returned");
                h.drv.bql.lock();
                try {
                    assertThrows(IllegalStateException.class, h.blk::drain, "drain under the big lock would deadlock");
                } finally {
                    h.drv.bql.unlock();
                }
            }
        } finally {
            io.stop();
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void writesAreWrittenThroughUnlessTheGuestSeesAWriteCache(Kind kind) throws IOException {
        MemoryDisk disk = new MemoryDisk(1 << 20);
        try (BlkHarness h = new BlkHarness(kind, QemuTools.memory(disk), VirtioBlkOptions.defaults(), null)) {
            h.start(1L << VirtioBlk.F_FLUSH | 1L << VirtioBlk.F_CONFIG_WCE);
            assertEquals(S_OK, h.run(h.request(h.q0(), T_OUT, 0, 512, false, new byte[512])));
            assertEquals(0, disk.lastWriteFlags & RequestFlags.FUA, "write cache on: no FUA");
            h.drv.writeConfig(VirtioBlk.CFG_WRITEBACK, 0, 1);
            assertEquals(S_OK, h.run(h.request(h.q0(), T_OUT, 0, 512, false, new byte[512])));
            assertEquals(RequestFlags.FUA, disk.lastWriteFlags & RequestFlags.FUA, "writeback=0: writethrough");
            h.start(0);
            assertEquals(S_OK, h.run(h.request(h.q0(), T_OUT, 0, 512, false, new byte[512])));
            assertEquals(RequestFlags.FUA, disk.lastWriteFlags & RequestFlags.FUA,
                    "a driver that acks neither FLUSH nor CONFIG_WCE gets writethrough");
            assertEquals(0, h.drv.config(VirtioBlk.CFG_WRITEBACK, 1));
        }
        VirtioBlkOptions noCache = VirtioBlkOptions.defaults().withDrive(null, false, false);
        try (BlkHarness h = new BlkHarness(kind, QemuTools.memory(disk), noCache, null)) {
            h.start(1L << VirtioBlk.F_FLUSH | 1L << VirtioBlk.F_CONFIG_WCE);
            assertEquals(S_OK, h.run(h.request(h.q0(), T_OUT, 0, 512, false, new byte[512])));
            assertEquals(RequestFlags.FUA, disk.lastWriteFlags & RequestFlags.FUA, "write-cache=off starts writethrough");
            h.drv.writeConfig(VirtioBlk.CFG_WRITEBACK, 1, 1);
            assertEquals(1, h.drv.config(VirtioBlk.CFG_WRITEBACK, 1), "QEMU 7.2: the driver may turn the cache on");
            assertEquals(S_OK, h.run(h.request(h.q0(), T_OUT, 0, 512, false, new byte[512])));
            assertEquals(0, disk.lastWriteFlags & RequestFlags.FUA);
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void werrorStopStopsTheVmAndRetriesOnResume(Kind kind) throws IOException {
        MemoryDisk disk = new MemoryDisk(1 << 20);
        disk.failMessage = "No space left on device";
        try (BlkHarness h = new BlkHarness(kind, QemuTools.memory(disk), VirtioBlkOptions.defaults(), null)) {
            h.start(0);
            disk.failNext = 1;
            BlkHarness.Req r = h.request(h.q0(), T_OUT, 2, 512, false, fill(512, 0x5E));
            h.q0().offer(r.head());
            h.drv.notify(0);
            h.awaitCondition(() -> h.stops == 1);
            h.settle();
            assertEquals(0, h.q0().usedIdx(), "the request waits for the VM to resume");
            h.blk.resume();
            h.awaitUsed(h.q0(), 1);
            assertEquals(S_OK, h.status(r));
            assertArrayEquals(fill(512, 0x5E), expected(disk, 2, 512));
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void rerrorReportGivesIoErrorAndIgnoreGivesSuccess(Kind kind) throws IOException {
        MemoryDisk disk = new MemoryDisk(1 << 20);
        VirtioBlkOptions report = VirtioBlkOptions.defaults();
        try (BlkHarness h = new BlkHarness(kind, QemuTools.memory(disk), report, null)) {
            h.start(0);
            disk.failNext = 1;
            assertEquals(S_IOERR, h.run(h.request(h.q0(), T_IN, 0, 512, true, null)));
            disk.failNext = 1;
            assertEquals(S_IOERR, h.run(h.request(h.q0(), T_OUT, 0, 512, false, new byte[512])),
                    "werror=enospc reports errors other than ENOSPC");
            assertEquals(0, h.stops);
        }
        VirtioBlkOptions ignore = VirtioBlkOptions.defaults().withErrorActions(BlockErrorAction.IGNORE,
                BlockErrorAction.IGNORE);
        try (BlkHarness h = new BlkHarness(kind, QemuTools.memory(disk), ignore, null)) {
            h.start(0);
            disk.failNext = 1;
            assertEquals(S_OK, h.run(h.request(h.q0(), T_IN, 0, 512, true, null)));
        }
    }
}
