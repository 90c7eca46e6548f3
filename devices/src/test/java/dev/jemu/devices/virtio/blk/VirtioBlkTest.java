package dev.jemu.devices.virtio.blk;

import dev.jemu.aio.IOThread;
import dev.jemu.devices.virtio.VirtQueueFixture;
import dev.jemu.devices.virtio.VirtQueueFixture.Buf;
import dev.jemu.devices.virtio.VirtioDevice;
import dev.jemu.devices.virtio.VirtioPciDriver.Kind;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

import static dev.jemu.devices.virtio.blk.VirtioBlkRequest.S_IOERR;
import static dev.jemu.devices.virtio.blk.VirtioBlkRequest.S_OK;
import static dev.jemu.devices.virtio.blk.VirtioBlkRequest.S_UNSUPP;
import static dev.jemu.devices.virtio.blk.VirtioBlkRequest.T_DISCARD;
import static dev.jemu.devices.virtio.blk.VirtioBlkRequest.T_FLUSH;
import static dev.jemu.devices.virtio.blk.VirtioBlkRequest.T_GET_ID;
import static dev.jemu.devices.virtio.blk.VirtioBlkRequest.T_IN;
import static dev.jemu.devices.virtio.blk.VirtioBlkRequest.T_OUT;
import static dev.jemu.devices.virtio.blk.VirtioBlkRequest.T_WRITE_ZEROES;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * virtio-blk behaviour, written once and run through both virtio-pci interfaces (legacy and
 * modern): every request type against raw images that qemu-io wrote and checks afterwards.
 */
class VirtioBlkTest {
    private static final long INDIRECT = 1L << VirtioDevice.F_RING_INDIRECT_DESC;

    @TempDir
    Path dir;

    private static byte[] fill(int len, int value) {
        byte[] b = new byte[len];
        Arrays.fill(b, (byte) value);
        return b;
    }

    private BlkHarness harness(Kind kind, Path img, VirtioBlkOptions options) throws IOException {
        return new BlkHarness(kind, QemuTools.open(img, options.readOnly()), options, null);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void readsWhatQemuIoWroteAndInterruptsThroughIsr(Kind kind) throws IOException {
        Path img = QemuTools.raw(dir, "d.img", "8M");
        QemuTools.qemuIo(img, "write -P 0x5a 4096 8192");
        try (BlkHarness h = harness(kind, img, VirtioBlkOptions.defaults())) {
            h.start(0);
            BlkHarness.Req r = h.request(h.q0(), T_IN, 8, 8192, true, null);
            assertEquals(S_OK, h.run(r));
            assertArrayEquals(fill(8192, 0x5a), h.data(r));
            assertEquals(r.head(), h.q0().usedId(0));
            assertEquals(8193, h.q0().usedLen(0), "used length counts every device-writable byte");
            assertTrue(h.drv.irq());
            assertEquals(VirtioDevice.ISR_QUEUE, h.drv.readIsr());
            assertFalse(h.drv.irq(), "reading the ISR lowers INTx");
            assertEquals(0, h.drv.readIsr(), "the ISR is read-to-clear");
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void writesLandInTheImageAsQemuIoReadsThem(Kind kind) throws IOException {
        Path img = QemuTools.raw(dir, "d.img", "8M");
        try (BlkHarness h = harness(kind, img, VirtioBlkOptions.defaults())) {
            h.start(0);
            assertEquals(S_OK, h.run(h.request(h.q0(), T_OUT, 16, 4096, false, fill(4096, 0x33))));
            assertEquals(S_OK, h.run(h.request(h.q0(), T_FLUSH, 0, 0, false, null)));
            assertEquals(1, h.backend.stats().flushOperations());
        }
        QemuTools.qemuIo(img, "read -P 0x33 8192 4096", "read -P 0 0 8192", "read -P 0 12288 4096");
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void anIothreadWritesAndReadsTheImageFile(Kind kind) throws IOException {
        Path img = QemuTools.raw(dir, "d.img", "8M");
        QemuTools.qemuIo(img, "write -P 0x61 1M 64k");
        IOThread io = IOThread.start("io1");
        try (BlkHarness h = new BlkHarness(kind, QemuTools.open(img, false), VirtioBlkOptions.defaults(), io)) {
            h.start(1L << VirtioDevice.F_RING_EVENT_IDX);
            VirtQueueFixture f = h.q0();
            BlkHarness.Req read = h.request(f, T_IN, 2048, 65536, true, null);
            BlkHarness.Req write = h.request(f, T_OUT, 4096, 65536, false, fill(65536, 0x62));
            f.add(read.head());
            f.add(write.head());
            f.publish();
            h.drv.notify(0);
            h.awaitUsed(f, 2);
            assertEquals(S_OK, h.status(read));
            assertEquals(S_OK, h.status(write));
            assertArrayEquals(fill(65536, 0x61), h.data(read));
        } finally {
            io.stop();
        }
        QemuTools.qemuIo(img, "read -P 0x61 1M 64k", "read -P 0x62 2M 64k", "read -P 0 0 1M");
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void getIdReturnsTheSerialCutTo20Bytes(Kind kind) throws IOException {
        Path img = QemuTools.raw(dir, "d.img", "1M");
        VirtioBlkOptions shortSerial = VirtioBlkOptions.defaults().withDrive("disk-7", true, false);
        try (BlkHarness h = harness(kind, img, shortSerial)) {
            h.start(0);
            BlkHarness.Req r = h.request(h.q0(), T_GET_ID, 0, 20, true, fill(20, 0xEE));
            assertEquals(S_OK, h.run(r));
            byte[] expected = fill(20, 0xEE);
            System.arraycopy("disk-7\0".getBytes(StandardCharsets.US_ASCII), 0, expected, 0, 7);
            assertArrayEquals(expected, h.data(r));
        }
        try (BlkHarness h = harness(kind, img, VirtioBlkOptions.defaults())) {
            h.start(0);
            BlkHarness.Req r = h.request(h.q0(), T_GET_ID, 0, 20, true, fill(20, 0xEE));
            assertEquals(S_OK, h.run(r));
            byte[] expected = fill(20, 0xEE);
            expected[0] = 0;
            assertArrayEquals(expected, h.data(r), "QEMU 7.2 without serial=: one NUL byte");
            assertEquals(21, h.q0().usedLen(0));
        }
        VirtioBlkOptions longSerial = VirtioBlkOptions.defaults().withDrive("0123456789abcdefghijKLMN", true, false);
        try (BlkHarness h = harness(kind, img, longSerial)) {
            h.start(0);
            BlkHarness.Req r = h.request(h.q0(), T_GET_ID, 0, 24, true, fill(24, 0xEE));
            assertEquals(S_OK, h.run(r));
            byte[] expected = fill(24, 0xEE);
            System.arraycopy("0123456789abcdefghij".getBytes(StandardCharsets.US_ASCII), 0, expected, 0, 20);
            assertArrayEquals(expected, h.data(r));
        }
    }

    private BlkHarness.Req segmentRequest(BlkHarness h, int type, long sector, long sectors, int flags) {
        byte[] seg = new byte[16];
        for (int i = 0; i < 8; i++) {
            seg[i] = (byte) (sector >>> (8 * i));
        }
        for (int i = 0; i < 4; i++) {
            seg[8 + i] = (byte) (sectors >>> (8 * i));
            seg[12 + i] = (byte) (flags >>> (8 * i));
        }
        return h.request(h.q0(), type, 0, 16, false, seg);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void writeZeroesAndDiscardMatchWhatQemuIoDoes(Kind kind) throws IOException {
        Path img = QemuTools.raw(dir, "d.img", "4M");
        Path expected = QemuTools.raw(dir, "e.img", "4M");
        for (Path p : new Path[] {img, expected}) {
            QemuTools.qemuIo(p, "write -P 0x77 0 1M");
        }
        QemuTools.qemuIo(expected, "write -z 4096 8192", "write -z -u 65536 65536", "discard 262144 131072");
        try (BlkHarness h = harness(kind, img, VirtioBlkOptions.defaults())) {
            h.start(0);
            assertEquals(S_OK, h.run(segmentRequest(h, T_WRITE_ZEROES, 8, 16, 0)));
            assertEquals(S_OK, h.run(segmentRequest(h, T_WRITE_ZEROES, 128, 128, VirtioBlkRequest.WRITE_ZEROES_UNMAP)));
            assertEquals(S_OK, h.run(segmentRequest(h, T_DISCARD, 512, 256, 0)));
            assertEquals(S_UNSUPP, h.run(segmentRequest(h, T_DISCARD, 0, 8, VirtioBlkRequest.WRITE_ZEROES_UNMAP)),
                    "discard with the unmap flag is unsupported (spec 5.2.6.2)");
            assertEquals(S_UNSUPP, h.run(segmentRequest(h, T_WRITE_ZEROES, 0, 8, 2)), "unknown flags");
            assertEquals(S_IOERR, h.run(segmentRequest(h, T_WRITE_ZEROES, 8192, 1, 0)), "past the end");
            assertEquals(S_IOERR, h.run(segmentRequest(h, T_DISCARD, 0, VirtioBlk.MAX_DISCARD_SECTORS + 1, 0)),
                    "more than max_discard_sectors");
        }
        QemuTools.assertSameImages(img, expected);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void answersBadRangesWithIoErrorAndUnknownTypesWithUnsupp(Kind kind) throws IOException {
        Path img = QemuTools.raw(dir, "d.img", "1M");
        VirtioBlkOptions big = VirtioBlkOptions.defaults().withBlockSizes(4096, 4096);
        try (BlkHarness h = harness(kind, img, big)) {
            h.start(0);
            assertEquals(S_IOERR, h.run(h.request(h.q0(), T_IN, 2048, 4096, true, null)), "read past the end");
            assertEquals(S_IOERR, h.run(h.request(h.q0(), T_IN, 2047, 4096, true, null)), "read crossing the end");
            assertEquals(S_IOERR, h.run(h.request(h.q0(), T_IN, 1, 4096, true, null)), "sector not 4K-aligned");
            assertEquals(S_IOERR, h.run(h.request(h.q0(), T_OUT, 0, 512, false, new byte[512])),
                    "length not a multiple of logical_block_size");
            assertEquals(S_UNSUPP, h.run(h.request(h.q0(), 2, 0, 0, false, null)), "SCSI commands");
            assertEquals(S_UNSUPP, h.run(h.request(h.q0(), 99, 0, 0, false, null)));
            assertEquals(S_OK, h.run(h.request(h.q0(), T_IN, 2040, 4096, true, null)), "the last block");
            assertTrue(h.blk.isActive(), "in-band errors leave the device running");
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void readOnlyDriveOffersRoAndFailsWrites(Kind kind) throws IOException {
        Path img = QemuTools.raw(dir, "d.img", "1M");
        QemuTools.qemuIo(img, "write -P 0x11 0 4096");
        VirtioBlkOptions ro = VirtioBlkOptions.defaults().withDrive(null, true, true);
        try (BlkHarness h = harness(kind, img, ro)) {
            assertEquals(kind == Kind.LEGACY ? 0x79006e74L : 0x1_30006e74L, h.drv.hostFeatures(),
                    "QEMU 7.2 with readonly=on: RO added, discard and write zeroes still offered");
            h.start(1L << VirtioBlk.F_RO);
            assertEquals(S_IOERR, h.run(h.request(h.q0(), T_OUT, 0, 512, false, new byte[512])));
            assertEquals(S_IOERR, h.run(segmentRequest(h, T_WRITE_ZEROES, 0, 1, 0)));
            BlkHarness.Req r = h.request(h.q0(), T_IN, 0, 512, true, null);
            assertEquals(S_OK, h.run(r));
            assertArrayEquals(fill(512, 0x11), h.data(r));
        }
        QemuTools.qemuIo(img, "read -P 0x11 0 4096");
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void followsIndirectDescriptorTablesAcrossManyBuffers(Kind kind) throws IOException {
        Path img = QemuTools.raw(dir, "d.img", "1M");
        QemuTools.qemuIo(img, "write -P 0x21 0 512", "write -P 0x22 512 512", "write -P 0x23 1024 512");
        try (BlkHarness h = harness(kind, img, VirtioBlkOptions.defaults())) {
            assertEquals(INDIRECT, h.start(INDIRECT) & INDIRECT);
            VirtQueueFixture f = h.q0();
            long header = h.drv.alloc(16, 16);
            h.drv.mem.write(header, T_IN, 4);
            h.drv.mem.write(header + 8, 0, 8);
            long[] bufs = {h.drv.alloc(100, 4), h.drv.alloc(924, 4), h.drv.alloc(512, 4)};
            long status = h.drv.alloc(1, 1);
            long table = h.drv.alloc(16 * 6, 16);
            int head = f.indirect(table, Buf.out(header, 8), Buf.out(header + 8, 8), Buf.in(bufs[0], 100),
                    Buf.in(bufs[1], 924), Buf.in(bufs[2], 512), Buf.in(status, 1));
            f.offer(head);
            h.drv.notify(0);
            h.awaitUsed(f, 1);
            assertEquals(head, f.usedId(0));
            assertEquals(1537, f.usedLen(0));
            assertEquals(S_OK, h.drv.mem.read(status, 1));
            byte[] all = new byte[1536];
            h.drv.mem.readBytes(bufs[0], all, 0, 100);
            h.drv.mem.readBytes(bufs[1], all, 100, 924);
            h.drv.mem.readBytes(bufs[2], all, 1024, 512);
            byte[] expected = new byte[1536];
            Arrays.fill(expected, 0, 512, (byte) 0x21);
            Arrays.fill(expected, 512, 1024, (byte) 0x22);
            Arrays.fill(expected, 1024, 1536, (byte) 0x23);
            assertArrayEquals(expected, all);
        }
    }
}
