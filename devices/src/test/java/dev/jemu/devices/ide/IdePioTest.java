package dev.jemu.devices.ide;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

import static dev.jemu.devices.ide.IdeHarness.CMD;
import static dev.jemu.devices.ide.IdeHarness.fillSectors;
import static dev.jemu.devices.ide.IdeHarness.pattern;
import static dev.jemu.devices.ide.IdeHarness.verifySectors;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** IDENTIFY and the PIO data commands, driven through the legacy ports; data checked with qemu-io. */
class IdePioTest {
    static final int READY = 0x50;
    static final int DRQ = 0x58;

    @TempDir
    Path dir;
    IdeHarness h;
    Path img;

    @BeforeEach
    void setUp() throws IOException {
        img = IdeHarness.createImage(dir, "disk.img", "16M");
        h = new IdeHarness();
    }

    @AfterEach
    void tearDown() throws IOException {
        h.close();
    }

    static int word(byte[] id, int w) {
        return (id[2 * w] & 0xFF) | (id[2 * w + 1] & 0xFF) << 8;
    }

    static String ataString(byte[] id, int word, int words) {
        byte[] s = new byte[2 * words];
        for (int i = 0; i < s.length; i++) {
            s[i] = id[2 * word + (i ^ 1)];
        }
        return new String(s, StandardCharsets.US_ASCII);
    }

    static void assertSectors(byte[] data, long firstLba) {
        for (int i = 0; i < data.length; i++) {
            int expected = pattern(firstLba + i / 512);
            if ((data[i] & 0xFF) != expected) {
                throw new AssertionError(String.format("byte %d (sector %d): expected 0x%02x, got 0x%02x",
                        i, firstLba + i / 512, expected, data[i] & 0xFF));
            }
        }
    }

    byte[] identify(int ch, int unit) throws InterruptedException {
        h.outb(CMD[ch] + 6, 0xA0 | unit << 4);
        h.command(ch, 0xEC);
        h.awaitIrq(ch);
        assertEquals(DRQ, h.status(ch));
        byte[] id = h.readPio(ch, 512);
        assertEquals(READY, h.status(ch));
        return id;
    }

    @Test
    void identifyDeviceReportsGeometryCapacityModesAndQemuStrings() throws Exception {
        h.attach(0, 0, img);
        byte[] id = identify(0, 0);
        assertFalse(h.irq(0), "reading status lowered the interrupt");
        // 16 MiB = 32768 sectors: QEMU's guess is 16 heads, 63 sectors, 32768 / 1008 = 32 cylinders.
        assertEquals(0x0040, word(id, 0));
        assertEquals(32, word(id, 1));
        assertEquals(16, word(id, 3));
        assertEquals(63, word(id, 6));
        assertEquals(HdGeometry.Translation.NONE, h.ide.channel(0).drive(0).geometry().translation());
        assertEquals("QM00001             ", ataString(id, 10, 10));
        assertEquals("2.5+    ", ataString(id, 23, 4));
        assertEquals(String.format("%-40s", "QEMU HARDDISK"), ataString(id, 27, 20));
        assertEquals(0x8010, word(id, 47), "READ/WRITE MULTIPLE up to 16 sectors");
        assertEquals(0x0B00, word(id, 49), "IORDY, LBA and DMA supported");
        assertEquals(0x0007, word(id, 53));
        assertEquals(32 * 16 * 63, word(id, 57) | word(id, 58) << 16);
        assertEquals(0x0110, word(id, 59), "multiple mode on with 16 sectors after reset");
        assertEquals(32768, word(id, 60) | word(id, 61) << 16);
        assertEquals(0x0007, word(id, 63), "MWDMA 0-2 supported, none selected");
        assertEquals(0x0003, word(id, 64), "PIO 3 and 4");
        assertEquals(0x0400, word(id, 83) & 0x0400, "48-bit address feature set supported");
        assertEquals(0x0400, word(id, 86) & 0x0400, "48-bit address feature set enabled");
        assertEquals(0x203F, word(id, 88), "UDMA 0-5 supported, UDMA5 selected (QEMU's power-on report)");
        assertEquals(32768, word(id, 100) | word(id, 101) << 16 | (long) word(id, 102) << 32);
        assertEquals(0xA5, id[510] & 0xFF, "word 255 signature");
        int sum = 0;
        for (byte b : id) {
            sum += b & 0xFF;
        }
        assertEquals(0, sum & 0xFF, "IDENTIFY checksum");
    }

    @Test
    void slaveHasTheNextSerialNumber() throws Exception {
        h.attach(0, 0, img);
        h.attach(0, 1, IdeHarness.createImage(dir, "slave.img", "1M"));
        assertEquals("QM00002             ", ataString(identify(0, 1), 10, 10));
    }

    @Test
    void geometryFollowsQemusRuleForTheSize() throws Exception {
        Path big = IdeHarness.createImage(dir, "big.img", "200G");
        h.attach(1, 0, big);
        byte[] id = identify(1, 0);
        assertEquals(16383, word(id, 1), "cylinders capped at 16383");
        assertEquals(HdGeometry.Translation.LBA, h.ide.channel(1).drive(0).geometry().translation());
        assertEquals(0x0FFF_FFFFL, word(id, 60) | (long) word(id, 61) << 16, "LBA28 capacity capped");
        assertEquals(200L << 21, word(id, 100) | (long) word(id, 101) << 16 | (long) word(id, 102) << 32);
    }

    @Test
    void readSectorsGivesOneSectorPerInterrupt() throws Exception {
        fillSectors(img, 0, 8);
        h.attach(0, 0, img);
        h.taskFile28(0, 0, 2, 3);
        h.command(0, 0x20);
        for (int i = 0; i < 3; i++) {
            h.awaitIrq(0);
            assertEquals(DRQ, h.status(0));
            assertSectors(h.readPio(0, 512), 2 + i);
        }
        assertEquals(READY, h.status(0));
        assertFalse(h.irq(0), "no interrupt after the last PIO-in block");
        assertEquals(3, h.irqRaises(0));
    }

    @Test
    void dataRegisterTakes32BitReads() throws Exception {
        fillSectors(img, 7, 1);
        h.attach(0, 0, img);
        h.taskFile28(0, 0, 7, 1);
        h.command(0, 0x21);
        h.awaitIrq(0);
        assertEquals(DRQ, h.status(0));
        byte[] data = new byte[512];
        for (int i = 0; i < 512; i += 4) {
            long v = h.inl(CMD[0]);
            for (int b = 0; b < 4; b++) {
                data[i + b] = (byte) (v >>> (8 * b));
            }
        }
        assertSectors(data, 7);
        assertEquals(READY, h.status(0));
    }

    @Test
    void countZeroReads256SectorsAcrossBufferRefills() throws Exception {
        fillSectors(img, 100, 256);
        h.attach(0, 0, img);
        h.taskFile28(0, 0, 100, 0);
        h.command(0, 0x20);
        for (int i = 0; i < 256; i++) {
            h.awaitIrq(0);
            assertEquals(DRQ, h.status(0), "sector " + i);
            assertSectors(h.readPio(0, 512), 100 + i);
        }
        assertEquals(READY, h.status(0));
    }

    @Test
    void readSectorsExtUsesTheHighOrderBytes() throws Exception {
        Path big = IdeHarness.createImage(dir, "big.img", "16G");
        long lba = 0x0100_0003L;
        fillSectors(big, lba, 2);
        h.attach(0, 0, big);
        h.taskFile48(0, 0, lba, 2);
        h.command(0, 0x24);
        for (int i = 0; i < 2; i++) {
            h.awaitIrq(0);
            assertEquals(DRQ, h.status(0));
            assertSectors(h.readPio(0, 512), lba + i);
        }
        assertEquals(READY, h.status(0));
    }

    @Test
    void readSectorsExtOf300SectorsRefillsTheBuffer() throws Exception {
        fillSectors(img, 0, 300);
        h.attach(0, 0, img);
        h.taskFile48(0, 0, 0, 300);
        h.command(0, 0x24);
        for (int i = 0; i < 300; i++) {
            h.awaitIrq(0);
            assertEquals(DRQ, h.status(0));
            assertSectors(h.readPio(0, 512), i);
        }
        assertEquals(READY, h.status(0));
        assertEquals(300, h.irqRaises(0));
    }

    @Test
    void chsAddressingReadsTheSectorOfCylinderHeadAndSector() throws Exception {
        // cylinder 1, head 2, sector 5 with 16 heads and 63 sectors: (1 * 16 + 2) * 63 + 4 = 1138
        fillSectors(img, 1138, 1);
        h.attach(0, 0, img);
        h.outb(CMD[0] + 6, 0xA0 | 2);
        h.outb(CMD[0] + 2, 1);
        h.outb(CMD[0] + 3, 5);
        h.outb(CMD[0] + 4, 1);
        h.outb(CMD[0] + 5, 0);
        h.command(0, 0x20);
        h.awaitIrq(0);
        assertEquals(DRQ, h.status(0));
        assertSectors(h.readPio(0, 512), 1138);
        assertEquals(READY, h.status(0));
    }

    @Test
    void readMultipleGivesABlockPerInterrupt() throws Exception {
        fillSectors(img, 0, 10);
        h.attach(0, 0, img);
        h.outb(CMD[0] + 2, 4);
        h.command(0, 0xC6);
        assertTrue(h.irq(0));
        assertEquals(READY, h.status(0));
        h.taskFile28(0, 0, 0, 10);
        h.command(0, 0xC4);
        int[] blocks = {4, 4, 2};
        int lba = 0;
        for (int n : blocks) {
            h.awaitIrq(0);
            assertEquals(DRQ, h.status(0));
            assertSectors(h.readPio(0, 512 * n), lba);
            lba += n;
        }
        assertEquals(READY, h.status(0));
        assertEquals(4, h.irqRaises(0), "SET MULTIPLE MODE and three blocks");
    }

    @Test
    void writeSectorsAsksForEachSectorAndTheImageHoldsThem() throws Exception {
        h.attach(0, 0, img);
        h.taskFile28(0, 0, 10, 3);
        h.command(0, 0x30);
        assertEquals(DRQ, h.altStatus(0), "first block wanted at once");
        assertFalse(h.irq(0), "no interrupt before the first block of a PIO-out command");
        for (int i = 0; i < 3; i++) {
            byte[] sector = new byte[512];
            Arrays.fill(sector, (byte) (0xA0 + i));
            h.writePio(0, sector);
            h.awaitIrq(0);
            assertEquals(i < 2 ? DRQ : READY, h.status(0));
        }
        verifySectors(img, 10, 3, s -> (int) (0xA0 + s - 10));
    }

    @Test
    void writeMultipleExtOf300SectorsWritesEverySector() throws Exception {
        Path big = IdeHarness.createImage(dir, "big.img", "16G");
        long lba = 0x0100_0000L;
        h.attach(0, 0, big);
        h.outb(CMD[0] + 2, 16);
        h.command(0, 0xC6);
        h.status(0);
        h.taskFile48(0, 0, lba, 300);
        h.command(0, 0x39);
        int done = 0;
        while (done < 300) {
            int n = Math.min(16, 300 - done);
            assertEquals(DRQ, h.altStatus(0));
            byte[] block = new byte[512 * n];
            for (int i = 0; i < block.length; i++) {
                block[i] = (byte) pattern(lba + done + i / 512);
            }
            h.writePio(0, block);
            done += n;
            h.awaitIrq(0);
            assertEquals(done < 300 ? DRQ : READY, h.status(0));
        }
        verifySectors(big, lba, 300, IdeHarness::pattern);
    }
}
