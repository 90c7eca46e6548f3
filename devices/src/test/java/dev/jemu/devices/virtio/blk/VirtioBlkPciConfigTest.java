package dev.jemu.devices.virtio.blk;

import dev.jemu.devices.virtio.VirtioDevice;
import dev.jemu.devices.virtio.VirtioPciDevice;
import dev.jemu.devices.virtio.VirtioPciDriver;
import dev.jemu.devices.virtio.VirtioPciDriver.Kind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * PCI configuration space, BARs, features and device configuration of virtio-blk-pci, against
 * what qemu-system-x86_64 7.2 shows for {@code -device virtio-blk-pci} on a 64 MiB raw drive
 * (read through qtest with {@code outl 0xcf8}/{@code inl 0xcfc}, {@code inl} of BAR 0 and
 * {@code readl} of BAR 4), including the MSI-X capability (two vectors) at 0x98, the head of
 * the list, or at 0x40 on a legacy-only device, and its 4 KiB BAR 1; QEMU 7.2 also offers
 * VIRTIO_F_RING_RESET (bit 40), which jemu does not implement.
 */
class VirtioBlkPciConfigTest {
    /** QEMU's config space dwords 0x00..0xA0 for the transitional device. */
    private static final long[] TRANSITIONAL = {
        0x10011af4L, 0x00100000L, 0x01000000L, 0x00000000L,
        0x00000001L, 0x00000000L, 0x00000000L, 0x00000000L,
        0x0000000cL, 0x00000000L, 0x00000000L, 0x00021af4L,
        0x00000000L, 0x00000098L, 0x00000000L, 0x00000100L,
        0x01100009L, 0x00000004L, 0x00000000L, 0x00001000L,
        0x03104009L, 0x00000004L, 0x00001000L, 0x00001000L,
        0x04105009L, 0x00000004L, 0x00002000L, 0x00001000L,
        0x02146009L, 0x00000004L, 0x00003000L, 0x00001000L,
        0x00000004L, 0x05147009L, 0x00000000L, 0x00000000L,
        0x00000000L, 0x00000000L, 0x00018411L, 0x00000001L,
        0x00000801L,
    };

    /** QEMU's device configuration dwords (capacity 0x20000 sectors, seg_max 254, CHS 130/16/63...). */
    private static final long[] DEVICE_CONFIG = {
        0x00020000L, 0x00000000L, 0x00000000L, 0x000000feL, 0x3f100082L, 0x00000200L, 0x00000000L,
        0x00000000L, 0x00010001L, 0x003fffffL, 0x00000001L, 0x00000001L, 0x003fffffL, 0x00000001L,
        0xffffffffL,
    };

    @TempDir
    Path dir;

    private BlkHarness harness(Kind kind, VirtioBlkOptions options, boolean disableLegacy, boolean disableModern)
            throws IOException {
        Path img = QemuTools.raw(dir, "d.img", "64M");
        return new BlkHarness(kind, QemuTools.open(img, false), options, null, disableLegacy, disableModern);
    }

    @Test
    void transitionalConfigSpaceIsQemus() throws IOException {
        try (BlkHarness h = harness(Kind.LEGACY, VirtioBlkOptions.defaults(), false, false)) {
            h.drv.cfgWrite(0x10, 0, 4);
            h.drv.cfgWrite(0x20, 0, 4);
            h.drv.cfgWrite(0x04, 0, 2);
            for (int i = 0; i < TRANSITIONAL.length; i++) {
                assertEquals(TRANSITIONAL[i], h.drv.cfgRead(4 * i, 4), "config dword at 0x" + Integer.toHexString(4 * i));
            }
            h.drv.cfgWrite(0x10, 0xFFFF_FFFFL, 4);
            assertEquals(0xffffff81L, h.drv.cfgRead(0x10, 4), "BAR 0: 128 bytes of I/O");
            h.drv.cfgWrite(0x14, 0xFFFF_FFFFL, 4);
            assertEquals(0xfffff000L, h.drv.cfgRead(0x14, 4), "BAR 1: the MSI-X table and PBA, 4 KiB of memory");
            h.drv.cfgWrite(0x20, 0xFFFF_FFFFL, 4);
            h.drv.cfgWrite(0x24, 0xFFFF_FFFFL, 4);
            assertEquals(0xffffc00cL, h.drv.cfgRead(0x20, 4), "BAR 4: 16 KiB, 64-bit, prefetchable");
            assertEquals(0xffffffffL, h.drv.cfgRead(0x24, 4));
        }
    }

    @Test
    void modernOnlyDeviceHasModernIdsAndNoIoBar() throws IOException {
        try (BlkHarness h = harness(Kind.MODERN, VirtioBlkOptions.defaults(), true, false)) {
            assertEquals(0x10421af4L, h.drv.cfgRead(0x00, 4));
            assertEquals(0x01000001L, h.drv.cfgRead(0x08, 4), "class 01 00 00, revision 1");
            assertEquals(0x11001af4L, h.drv.cfgRead(0x2C, 4));
            h.drv.cfgWrite(0x10, 0xFFFF_FFFFL, 4);
            assertEquals(0, h.drv.cfgRead(0x10, 4));
        }
    }

    @Test
    void legacyOnlyDeviceHasOnlyMsiX() throws IOException {
        try (BlkHarness h = harness(Kind.LEGACY, VirtioBlkOptions.defaults(), false, true)) {
            assertEquals(0x10011af4L, h.drv.cfgRead(0x00, 4));
            assertEquals(0x10, h.drv.cfgRead(0x06, 2) & 0x10, "a capability list");
            assertEquals(0x40, h.drv.cfgRead(0x34, 1), "MSI-X first, at 0x40");
            assertEquals(0x00010011L, h.drv.cfgRead(0x40, 4), "MSI-X, the last capability, two vectors");
            assertEquals(0, h.drv.cfgRead(0x98, 4));
            assertEquals(0, h.drv.cfgRead(0x20, 4));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> harness(Kind.LEGACY, VirtioBlkOptions.defaults(), true, true));
        assertEquals("virtio-blk-pci: device cannot work as neither modern nor legacy mode is enabled", e.getMessage());
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void featuresQueueSizeAndDeviceConfigAreQemus(Kind kind) throws IOException {
        try (BlkHarness h = harness(kind, VirtioBlkOptions.defaults(), false, false)) {
            assertEquals(kind == Kind.LEGACY ? 0x79006e54L : 0x1_30006e54L, h.drv.hostFeatures());
            assertEquals(256, h.drv.queueSize(0));
            for (int i = 0; i < DEVICE_CONFIG.length; i++) {
                assertEquals(DEVICE_CONFIG[i], h.drv.config(4 * i, 4), "device config at " + 4 * i);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void propertiesShapeTheConfig(Kind kind) throws IOException {
        VirtioBlkOptions o = VirtioBlkOptions.defaults().withQueues(4, 128).withBlockSizes(4096, 8192);
        try (BlkHarness h = harness(kind, o, false, false)) {
            assertEquals(kind == Kind.LEGACY ? 0x79007e54L : 0x1_30007e54L, h.drv.hostFeatures(),
                    "QEMU 7.2 with num-queues=4: MQ added");
            assertEquals(4, h.drv.config(VirtioBlk.CFG_NUM_QUEUES, 2));
            assertEquals(126, h.drv.config(VirtioBlk.CFG_SEG_MAX, 4), "seg_max is queue-size - 2");
            assertEquals(4096, h.drv.config(VirtioBlk.CFG_BLK_SIZE, 4));
            assertEquals(1, h.drv.config(VirtioBlk.CFG_PHYSICAL_BLOCK_EXP, 1));
            assertEquals(8, h.drv.config(VirtioBlk.CFG_DISCARD_SECTOR_ALIGNMENT, 4));
            for (int q = 0; q < 4; q++) {
                assertEquals(128, h.drv.queueSize(q));
            }
            assertEquals(0, h.drv.queueSize(4), "queue 4 does not exist");
        }
        VirtioBlkOptions noCache = VirtioBlkOptions.defaults().withDrive(null, false, false);
        try (BlkHarness h = harness(kind, noCache, false, false)) {
            // QEMU 7.2 (qtest): write-cache=off still offers FLUSH and CONFIG_WCE, writeback reads 0
            assertEquals(kind == Kind.LEGACY ? 0x79006e54L : 0x1_30006e54L, h.drv.hostFeatures());
            assertEquals(0, h.drv.config(VirtioBlk.CFG_WRITEBACK, 1));
        }
    }

    @Test
    void geometryComesFromTheMbrLikeQemus() throws IOException {
        Path img = QemuTools.raw(dir, "mbr.img", "64M");
        QemuTools.qemuIo(img, "write -P 0x55 510 1", "write -P 0xaa 511 1", "write -P 0x0f 451 1",
                "write -P 0x20 452 1", "write -P 0x01 458 1");
        try (BlkHarness h = new BlkHarness(Kind.LEGACY, QemuTools.open(img, false), VirtioBlkOptions.defaults(), null)) {
            assertEquals(0x20100100L, h.drv.config(VirtioBlk.CFG_CYLINDERS, 4), "QEMU: 256 cylinders, 16 heads, 32 sectors");
        }
        QemuTools.qemuIo(img, "write -P 0xfe 451 1", "write -P 0x3f 452 1");
        try (BlkHarness h = new BlkHarness(Kind.LEGACY, QemuTools.open(img, false), VirtioBlkOptions.defaults(), null)) {
            assertEquals(0x3f100082L, h.drv.config(VirtioBlk.CFG_CYLINDERS, 4), "255 heads: QEMU falls back to 16/63");
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void queuesOf1024AreOffered(Kind kind) throws IOException {
        try (BlkHarness h = harness(kind, VirtioBlkOptions.defaults().withQueues(1, 1024), false, false)) {
            assertEquals(1024, h.drv.queueSize(0));
            assertEquals(0x3fe, h.drv.config(VirtioBlk.CFG_SEG_MAX, 4), "QEMU's seg_max for queue-size=1024");
            h.start(0);
            BlkHarness.Req r = h.request(h.q0(), VirtioBlkRequest.T_IN, 0, 512, true, null);
            assertEquals(VirtioBlkRequest.S_OK, h.run(r));
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void driverTogglesWritebackWithConfigWceAndUnofferedBitsAreMasked(Kind kind) throws IOException {
        try (BlkHarness h = harness(kind, VirtioBlkOptions.defaults(), false, false)) {
            long acked = h.start(1L << VirtioBlk.F_CONFIG_WCE | 1L << VirtioBlk.F_FLUSH);
            assertEquals(1, h.drv.config(VirtioBlk.CFG_WRITEBACK, 1));
            h.drv.writeConfig(VirtioBlk.CFG_WRITEBACK, 0, 1);
            assertEquals(0, h.drv.config(VirtioBlk.CFG_WRITEBACK, 1));
            h.drv.writeConfig(VirtioBlk.CFG_CAPACITY, 5, 4);
            assertEquals(0x20000, h.drv.config(VirtioBlk.CFG_CAPACITY, 4), "capacity is read-only");
            assertEquals(acked, h.drv.driverFeatures() & 0xFFFF_FFFFL | (kind == Kind.MODERN
                    ? h.drv.driverFeatures() & ~0xFFFF_FFFFL : 0));
            h.drv.setStatus(0);
            h.drv.setStatus(VirtioDevice.STATUS_ACKNOWLEDGE | VirtioDevice.STATUS_DRIVER);
            h.drv.writeFeatures(1L << 31 | 1L << VirtioBlk.F_FLUSH);
            assertEquals(1L << VirtioBlk.F_FLUSH, h.drv.driverFeatures(), "bit 31 was never offered");
        }
    }

    @Test
    void legacyDriverAckingBadFeatureGetsNoFeatures() throws IOException {
        try (BlkHarness h = harness(Kind.LEGACY, VirtioBlkOptions.defaults(), false, false)) {
            h.drv.setStatus(VirtioDevice.STATUS_ACKNOWLEDGE | VirtioDevice.STATUS_DRIVER);
            h.drv.writeFeatures(h.drv.hostFeatures());
            assertEquals(0, h.drv.driverFeatures(), "a driver that acks VIRTIO_F_BAD_FEATURE (bit 30) acks blindly");
        }
    }

    @Test
    void modernDriverMayShrinkAQueueButNotGrowIt() throws IOException {
        try (BlkHarness h = harness(Kind.MODERN, VirtioBlkOptions.defaults(), false, false)) {
            h.drv.negotiate(0);
            h.queues.add(h.drv.setUpQueue(0, 64));
            h.drv.driverOk();
            assertEquals(64, h.drv.queueSize(0));
            BlkHarness.Req r = h.request(h.q0(), VirtioBlkRequest.T_IN, 0, 512, true, null);
            assertEquals(VirtioBlkRequest.S_OK, h.run(r));
            h.drv.selectQueue(0);
            // QEMU 7.2 (qtest): queue_size 0x64 reads back 0x64, 0x800 is ignored, status unchanged
            h.drv.mem.write(VirtioPciDriver.MMIO_BASE + VirtioPciDevice.COMMON_Q_SIZE, 0x800, 2);
            assertEquals(64, h.drv.queueSize(0));
            h.drv.mem.write(VirtioPciDriver.MMIO_BASE + VirtioPciDevice.COMMON_Q_SIZE, 0x64, 2);
            assertEquals(0x64, h.drv.queueSize(0));
            assertEquals(0, h.drv.status() & VirtioDevice.STATUS_NEEDS_RESET);
        }
    }

    @Test
    void legacyQueueAddressZeroResetsTheDevice() throws IOException {
        try (BlkHarness h = harness(Kind.LEGACY, VirtioBlkOptions.defaults(), false, false)) {
            h.start(1L << VirtioBlk.F_FLUSH);
            h.drv.selectQueue(0);
            h.drv.io.write(VirtioPciDriver.IO_BASE + VirtioPciDevice.LEGACY_QUEUE_PFN, 0, 4);
            // QEMU 7.2 (qtest): status, guest features and the queue address all read 0 afterwards
            assertEquals(0, h.drv.status());
            assertEquals(0, h.drv.driverFeatures());
            assertEquals(0, h.drv.io.read(VirtioPciDriver.IO_BASE + VirtioPciDevice.LEGACY_QUEUE_PFN, 4));
        }
    }

    @Test
    void modernDeviceRefusesFeaturesOkWithoutVersion1() throws IOException {
        try (BlkHarness h = harness(Kind.MODERN, VirtioBlkOptions.defaults(), false, false)) {
            h.drv.setStatus(VirtioDevice.STATUS_ACKNOWLEDGE | VirtioDevice.STATUS_DRIVER);
            h.drv.writeFeatures(1L << VirtioBlk.F_FLUSH);
            h.drv.setStatus(VirtioDevice.STATUS_ACKNOWLEDGE | VirtioDevice.STATUS_DRIVER | VirtioDevice.STATUS_FEATURES_OK);
            assertEquals(VirtioDevice.STATUS_ACKNOWLEDGE | VirtioDevice.STATUS_DRIVER, h.drv.status());
        }
    }

    @Test
    void pciConfigurationAccessCapabilityReachesBar4() throws IOException {
        try (BlkHarness h = harness(Kind.MODERN, VirtioBlkOptions.defaults(), false, false)) {
            int cap = VirtioPciDevice.CAP_PCI_CFG;
            h.drv.cfgWrite(cap + 4, VirtioPciDevice.MODERN_BAR, 1);
            h.drv.cfgWrite(cap + 8, VirtioPciDevice.DEVICE_OFFSET, 4);
            h.drv.cfgWrite(cap + 12, 4, 4);
            assertEquals(0x20000, h.drv.cfgRead(cap + 16, 4), "capacity through the window");
            h.drv.cfgWrite(cap + 8, VirtioPciDevice.COMMON_STATUS, 4);
            h.drv.cfgWrite(cap + 12, 1, 4);
            h.drv.cfgWrite(cap + 16, VirtioDevice.STATUS_ACKNOWLEDGE, 1);
            assertEquals(VirtioDevice.STATUS_ACKNOWLEDGE, h.drv.status());
        }
    }
}
