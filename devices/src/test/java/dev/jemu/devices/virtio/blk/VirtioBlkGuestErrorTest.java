package dev.jemu.devices.virtio.blk;

import dev.jemu.core.log.Log;
import dev.jemu.core.log.LogCategory;
import dev.jemu.devices.virtio.VirtQueue;
import dev.jemu.devices.virtio.VirtQueueFixture;
import dev.jemu.devices.virtio.VirtQueueFixture.Buf;
import dev.jemu.devices.virtio.VirtioDevice;
import dev.jemu.devices.virtio.VirtioPciDevice;
import dev.jemu.devices.virtio.VirtioPciDriver;
import dev.jemu.devices.virtio.VirtioPciDriver.Kind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every guest mistake of spec sections 2.7 and 5.2 that the device cannot answer in-band:
 * the device stops (with DEVICE_NEEDS_RESET and a configuration interrupt for a VERSION_1
 * driver), logs one line under {@code -d guest_errors}, uses nothing, and serves requests
 * again after the driver resets it.
 */
class VirtioBlkGuestErrorTest {
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();

    /** A mistake, made on a started harness; it ends by notifying the device. */
    enum Mistake {
        BUFFER_OUTSIDE_RAM(h -> submit(h, Buf.out(header(h), 16), Buf.in(0x8000_0000L, 512), Buf.in(status(h), 1))),
        BUFFER_IN_MMIO(h -> submit(h, Buf.out(header(h), 16), Buf.in(VirtioPciDriver.MMIO_BASE, 512), Buf.in(status(h), 1))),
        DESCRIPTOR_LOOP(h -> {
            VirtQueueFixture f = h.q0();
            f.writeDesc(f.desc, 0, header(h), 16, VirtQueue.DESC_F_NEXT, 1);
            f.writeDesc(f.desc, 1, status(h), 1, VirtQueue.DESC_F_NEXT | VirtQueue.DESC_F_WRITE, 0);
            offer(h, 0);
        }),
        INDIRECT_CHAIN_LONGER_THAN_TABLE(h -> {
            VirtQueueFixture f = h.q0();
            long table = h.drv.alloc(32, 16);
            f.writeDesc(table, 0, header(h), 16, VirtQueue.DESC_F_NEXT, 1);
            f.writeDesc(table, 1, status(h), 1, VirtQueue.DESC_F_NEXT | VirtQueue.DESC_F_WRITE, 0);
            f.writeDesc(f.desc, 0, table, 32, VirtQueue.DESC_F_INDIRECT, 0);
            offer(h, 0);
        }),
        INDIRECT_INSIDE_INDIRECT(h -> {
            VirtQueueFixture f = h.q0();
            long inner = h.drv.alloc(32, 16);
            f.writeDesc(inner, 0, header(h), 16, VirtQueue.DESC_F_NEXT, 1);
            f.writeDesc(inner, 1, status(h), 1, VirtQueue.DESC_F_WRITE, 0);
            long outer = h.drv.alloc(16, 16);
            f.writeDesc(outer, 0, inner, 32, VirtQueue.DESC_F_INDIRECT, 0);
            f.writeDesc(f.desc, 0, outer, 16, VirtQueue.DESC_F_INDIRECT, 0);
            offer(h, 0);
        }),
        INDIRECT_TABLE_OF_ODD_SIZE(h -> {
            VirtQueueFixture f = h.q0();
            f.writeDesc(f.desc, 0, h.drv.alloc(32, 16), 20, VirtQueue.DESC_F_INDIRECT, 0);
            offer(h, 0);
        }),
        ZERO_LENGTH_BUFFER(h -> submit(h, Buf.out(header(h), 16), Buf.in(h.drv.alloc(512, 16), 0), Buf.in(status(h), 1))),
        HEADER_IN_WRITABLE_DESCRIPTOR(h -> submit(h, Buf.in(header(h), 16), Buf.in(status(h), 1))),
        NO_STATUS_BYTE(h -> submit(h, Buf.out(header(h), 16), Buf.out(status(h), 1))),
        READABLE_AFTER_WRITABLE(h -> submit(h, Buf.out(header(h), 8), Buf.in(h.drv.alloc(512, 16), 512),
                Buf.out(header(h) + 8, 8), Buf.in(status(h), 1))),
        NEXT_PAST_THE_TABLE(h -> {
            VirtQueueFixture f = h.q0();
            f.writeDesc(f.desc, 0, header(h), 16, VirtQueue.DESC_F_NEXT, f.size);
            offer(h, 0);
        }),
        HEAD_PAST_THE_TABLE(h -> offer(h, h.q0().size)),
        AVAIL_INDEX_JUMPS_AHEAD(h -> {
            h.q0().setAvailIdx(h.q0().size + 1);
            h.drv.notify(0);
        }),
        NOTIFY_OF_A_QUEUE_THAT_DOES_NOT_EXIST(h -> h.drv.notify(7)),
        RINGS_OUTSIDE_RAM(h -> {
            h.drv.selectQueue(0);
            if (h.drv.kind == Kind.LEGACY) {
                h.drv.io.write(VirtioPciDriver.IO_BASE + VirtioPciDevice.LEGACY_QUEUE_PFN, 0x8000_0000L / 4096, 4);
            } else {
                h.drv.mem.write(VirtioPciDriver.MMIO_BASE + VirtioPciDevice.COMMON_Q_USEDLO, 0x8000_0000L, 4);
            }
            h.drv.notify(0);
        }),
        SHORT_DISCARD_SEGMENT(h -> {
            long hdr = header(h);
            h.drv.mem.write(hdr, VirtioBlkRequest.T_DISCARD, 4);
            submit(h, Buf.out(hdr, 16), Buf.out(h.drv.alloc(8, 8), 8), Buf.in(status(h), 1));
        });

        final Consumer<BlkHarness> make;

        Mistake(Consumer<BlkHarness> make) {
            this.make = make;
        }

        private static long header(BlkHarness h) {
            return h.drv.alloc(16, 16);
        }

        private static long status(BlkHarness h) {
            return h.drv.alloc(1, 1);
        }

        private static void submit(BlkHarness h, Buf... bufs) {
            offer(h, h.q0().chain(bufs));
        }

        private static void offer(BlkHarness h, int head) {
            h.q0().offer(head);
            h.drv.notify(0);
        }
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Kind k : Kind.values()) {
            for (Mistake m : Mistake.values()) {
                out.add(Arguments.of(k, m));
            }
        }
        return out.stream();
    }

    @BeforeEach
    void captureLog() {
        Log.setOutput(new PrintStream(log, true, StandardCharsets.UTF_8));
        Log.enable(LogCategory.GUEST_ERRORS);
    }

    @AfterEach
    void restoreLog() {
        Log.disableAll();
        Log.setOutput(System.err);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void mistakeStopsTheDeviceUntilTheDriverResetsIt(Kind kind, Mistake mistake) throws IOException {
        MemoryDisk disk = new MemoryDisk(1 << 20);
        java.util.Arrays.fill(disk.data, 0, 512, (byte) 0x44);
        long eventIdx = 1L << VirtioDevice.F_RING_EVENT_IDX | 1L << VirtioDevice.F_RING_INDIRECT_DESC;
        try (BlkHarness h = new BlkHarness(kind, QemuTools.memory(disk), VirtioBlkOptions.defaults(), null)) {
            h.start(eventIdx);
            mistake.make.accept(h);
            h.awaitCondition(() -> !h.blk.isActive());
            h.settle();
            assertEquals(0, h.q0().usedIdx(), "nothing was used");
            if (kind == Kind.MODERN) {
                assertEquals(VirtioDevice.STATUS_NEEDS_RESET, h.drv.status() & VirtioDevice.STATUS_NEEDS_RESET);
                assertTrue(h.drv.irq(), "a configuration interrupt");
                assertEquals(VirtioDevice.ISR_CONFIG, h.drv.readIsr());
            } else {
                assertEquals(0, h.drv.status() & VirtioDevice.STATUS_NEEDS_RESET,
                        "QEMU 7.2: a legacy driver sees no NEEDS_RESET bit, the device only stops");
                assertFalse(h.drv.irq());
            }
            h.drv.notify(0);
            h.settle();
            String lines = log.toString(StandardCharsets.UTF_8);
            assertEquals(1, lines.lines().count(), "one line under guest_errors: " + lines);
            assertTrue(lines.startsWith("virtio-blk-pci: ") && lines.contains("device needs reset"), lines);
            assertTrue(h.blk.guestErrorCount() >= 1);

            h.start(eventIdx);
            assertEquals(0, h.drv.status() & VirtioDevice.STATUS_NEEDS_RESET);
            BlkHarness.Req r = h.request(h.q0(), VirtioBlkRequest.T_IN, 0, 512, true, null);
            assertEquals(VirtioBlkRequest.S_OK, h.run(r));
            assertEquals(0x44, h.data(r)[511]);
        }
    }
}
