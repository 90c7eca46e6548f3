package dev.jemu.devices.ide;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static dev.jemu.devices.ide.IdeHarness.BMDMA_BASE;
import static dev.jemu.devices.ide.IdeHarness.fillSectors;
import static dev.jemu.devices.ide.IdeHarness.pattern;
import static dev.jemu.devices.ide.IdeHarness.verifySectors;
import static dev.jemu.devices.ide.IdePioTest.READY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Bus-master DMA as ata_piix drives it: PRD table in guest RAM, table address and direction
 * in the BMDMA block, the ATA command, then the start bit; completion by IRQ and the BMDMA
 * status. Includes the proof that a register access never waits for the host disk.
 */
class IdeDmaTest {
    static final int BM_CMD = BMDMA_BASE;
    static final int BM_STATUS = BMDMA_BASE + 2;
    static final int BM_PRD = BMDMA_BASE + 4;
    static final int START = 0x01;
    static final int TO_MEMORY = 0x08;
    static final int ACTIVE = 0x01;
    static final int ERROR = 0x02;
    static final int INTERRUPT = 0x04;

    @TempDir
    Path dir;
    IdeHarness h;
    Path img;

    @BeforeEach
    void setUp() throws IOException {
        img = IdeHarness.createImage(dir, "disk.img", "16M");
        h = new IdeHarness();
        h.enableBusMaster();
    }

    @AfterEach
    void tearDown() throws IOException {
        h.close();
    }

    void assertMemory(long addr, long firstLba, int sectors) {
        IdePioTest.assertSectors(h.memRead(addr, sectors * 512), firstLba);
    }

    /** Programs the table and direction, issues {@code command}, then starts the engine. */
    void startDma(PrdTableFixture prd, int command, boolean toMemory) {
        h.outl(BM_PRD, prd.address());
        h.outb(BM_CMD, toMemory ? TO_MEMORY : 0);
        h.command(0, command);
        h.outb(BM_CMD, (toMemory ? TO_MEMORY : 0) | START);
    }

    /** What the driver does after the interrupt: stop the engine, read and clear the BMDMA status. */
    int finishDma() {
        h.outb(BM_CMD, 0);
        int st = h.inb(BM_STATUS);
        h.outb(BM_STATUS, st);
        return st;
    }

    @Test
    void readDmaScattersSectorsOverThePrdEntries() throws Exception {
        fillSectors(img, 4, 3);
        h.attach(0, 0, img);
        PrdTableFixture prd = new PrdTableFixture(h.memory, 0x1000)
                .entry(0x10000, 1024, false)
                .entry(0x20000, 512, true);
        h.taskFile28(0, 0, 4, 3);
        startDma(prd, 0xC8, true);
        h.awaitIrq(0);
        assertEquals(INTERRUPT, h.inb(BM_STATUS) & 7, "interrupt, table used up, no error");
        assertEquals(READY, h.status(0));
        assertEquals(INTERRUPT, finishDma() & 7);
        assertEquals(0, h.inb(BM_STATUS) & 7, "interrupt bit is write-one-to-clear");
        assertMemory(0x10000, 4, 2);
        assertMemory(0x20000, 6, 1);
    }

    @Test
    void writeDmaExtGathersThePrdEntriesOntoTheDisk() throws Exception {
        Path big = IdeHarness.createImage(dir, "big.img", "16G");
        long lba = 0x01F0_0010L;
        h.attach(0, 0, big);
        byte[] a = new byte[2048];
        byte[] b = new byte[512];
        for (int i = 0; i < a.length; i++) {
            a[i] = (byte) pattern(lba + i / 512);
        }
        java.util.Arrays.fill(b, (byte) pattern(lba + 4));
        h.memWrite(0x30000, a);
        h.memWrite(0x48000, b);
        PrdTableFixture prd = new PrdTableFixture(h.memory, 0x2000)
                .entry(0x30000, 2048, false)
                .entry(0x48000, 512, true);
        h.taskFile48(0, 0, lba, 5);
        startDma(prd, 0x35, false);
        h.awaitIrq(0);
        assertEquals(READY, h.status(0));
        assertEquals(INTERRUPT, finishDma() & 7);
        verifySectors(big, lba, 5, IdeHarness::pattern);
    }

    @Test
    void dmaOf600SectorsRunsInChunksBothWays() throws Exception {
        fillSectors(img, 1000, 600);
        h.attach(0, 0, img);
        PrdTableFixture prd = new PrdTableFixture(h.memory, 0x1000);
        for (int i = 0; i < 4; i++) {
            prd.entry(0x100000 + 0x10000L * i, 65536, false);
        }
        prd.entry(0x140000, 600 * 512 - 4 * 65536, true);
        h.taskFile48(0, 0, 1000, 600);
        startDma(prd, 0x25, true);
        h.awaitIrq(0);
        assertEquals(READY, h.status(0));
        assertEquals(INTERRUPT, finishDma() & 7);
        assertMemory(0x100000, 1000, 600);

        h.taskFile48(0, 0, 5000, 600);
        startDma(prd, 0x35, false);
        h.awaitIrq(0);
        assertEquals(READY, h.status(0));
        assertEquals(INTERRUPT, finishDma() & 7);
        verifySectors(img, 5000, 600, s -> pattern(s - 4000));
    }

    @Test
    void tableLongerThanTheTransferLeavesTheEngineActive() throws Exception {
        fillSectors(img, 0, 2);
        h.attach(0, 0, img);
        PrdTableFixture prd = new PrdTableFixture(h.memory, 0x1000)
                .entry(0x10000, 1024, false)
                .entry(0x20000, 1024, false);
        h.taskFile28(0, 0, 0, 2);
        startDma(prd, 0xC8, true);
        h.awaitIrq(0);
        assertEquals(INTERRUPT | ACTIVE, h.inb(BM_STATUS) & 7, "no EOT reached: still active, with interrupt");
        assertEquals(READY, h.status(0));
        assertMemory(0x10000, 0, 2);
        assertEquals(INTERRUPT, finishDma() & 7, "stopping the engine clears active");
    }

    @Test
    void requestsRunWhileTheGuestKeepsAccessingRegisters() throws Exception {
        fillSectors(img, 40, 8);
        ControlledDriver disk = h.attach(0, 0, img);
        h.attach(1, 0, IdeHarness.createImage(dir, "other.img", "1M"));
        disk.closeGate();
        PrdTableFixture prd = new PrdTableFixture(h.memory, 0x1000).entry(0x10000, 8 * 512, true);
        h.taskFile28(0, 0, 40, 8);
        startDma(prd, 0xC8, true);
        assertEquals(0x80, h.altStatus(0) & 0x88, "the command returned at once with BSY set");
        disk.awaitHeld(1);
        for (int i = 0; i < 1000; i++) {
            assertEquals(0x80, h.altStatus(0) & 0x80);
            assertEquals(ACTIVE, h.inb(BM_STATUS) & 7);
            assertEquals(READY, h.altStatus(1), "the other channel answers meanwhile");
        }
        assertFalse(h.irq(0), "no completion while the disk holds the request");
        assertEquals(0, h.irqRaises(0));
        disk.openGate();
        h.awaitIrq(0);
        assertEquals(READY, h.status(0));
        assertMemory(0x10000, 40, 8);
    }

    @Test
    void clearingStartPausesTheTransferAndSettingItRestartsTheTableWalk() throws Exception {
        fillSectors(img, 0, 600);
        ControlledDriver disk = h.attach(0, 0, img);
        PrdTableFixture prd = new PrdTableFixture(h.memory, 0x1000);
        for (int i = 0; i < 4; i++) {
            prd.entry(0x100000 + 0x10000L * i, 65536, false);
        }
        prd.entry(0x140000, 600 * 512 - 4 * 65536, true);
        disk.closeGate();
        h.taskFile48(0, 0, 0, 600);
        startDma(prd, 0x25, true);
        disk.awaitHeld(1);
        h.outb(BM_CMD, TO_MEMORY);
        assertEquals(0, h.inb(BM_STATUS) & ACTIVE);
        disk.releaseHeld();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while ((h.memRead(0x100000 + 255 * 512, 1)[0] & 0xFF) != pattern(255)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the first 256 sectors never reached memory");
            }
            Thread.onSpinWait();
        }
        assertEquals(0x80, h.altStatus(0) & 0x80, "paused, still busy");
        assertEquals(0, h.irqRaises(0));
        h.outb(BM_CMD, TO_MEMORY | START);
        disk.awaitHeld(2);
        disk.openGate();
        h.awaitIrq(0);
        assertEquals(READY, h.status(0));
        assertEquals(INTERRUPT | ACTIVE, h.inb(BM_STATUS) & 7, "the restarted walk did not reach EOT");
        assertMemory(0x100000, 256, 344);
    }

    @Test
    void pioReadShowsBusyUntilTheDiskAnswers() throws Exception {
        fillSectors(img, 3, 1);
        ControlledDriver disk = h.attach(0, 0, img);
        disk.closeGate();
        h.taskFile28(0, 0, 3, 1);
        h.command(0, 0x20);
        disk.awaitHeld(1);
        assertEquals(0x80, h.altStatus(0) & 0x88);
        assertEquals(0, h.inw(IdeHarness.CMD[0]), "no data while busy");
        disk.openGate();
        h.awaitIrq(0);
        assertEquals(IdePioTest.DRQ, h.status(0));
        IdePioTest.assertSectors(h.readPio(0, 512), 3);
    }

    @Test
    void dmaCommandWaitsForTheStartBit() throws Exception {
        fillSectors(img, 9, 1);
        h.attach(0, 0, img);
        PrdTableFixture prd = new PrdTableFixture(h.memory, 0x1000).entry(0x10000, 512, true);
        h.outl(BM_PRD, prd.address());
        h.taskFile28(0, 0, 9, 1);
        h.command(0, 0xC8);
        assertEquals(0x80, h.altStatus(0) & 0x80);
        assertEquals(0, h.irqRaises(0));
        h.outb(BM_CMD, TO_MEMORY | START);
        h.awaitIrq(0);
        assertEquals(READY, h.status(0));
        assertMemory(0x10000, 9, 1);
    }

    @Test
    void bmdmaRegistersKeepWritableBitsAndClearOnWriteOne() {
        h.outb(BM_STATUS, 0x60);
        assertEquals(0x60, h.inb(BM_STATUS), "drive DMA capable bits are read/write; simplex is 0");
        h.outl(BM_PRD, 0x12345677L);
        assertEquals(0x12345674L, h.inl(BM_PRD), "table address is dword aligned");
        h.outb(BM_CMD, 0xFF);
        assertEquals(START | TO_MEMORY, h.inb(BM_CMD));
        assertEquals(0x60 | ACTIVE, h.inb(BM_STATUS));
        h.outb(BM_CMD, 0);
        assertEquals(0x60, h.inb(BM_STATUS));
        assertEquals(0, h.inb(BMDMA_BASE + 8 + 2), "channel 1 has its own block");
    }
}
