package dev.jemu.devices.ide;

import dev.jemu.core.log.Log;
import dev.jemu.core.log.LogCategory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

import static dev.jemu.devices.ide.IdeCommandsTest.ABORTED;
import static dev.jemu.devices.ide.IdeCommandsTest.ABRT;
import static dev.jemu.devices.ide.IdeDmaTest.ACTIVE;
import static dev.jemu.devices.ide.IdeDmaTest.BM_CMD;
import static dev.jemu.devices.ide.IdeDmaTest.BM_PRD;
import static dev.jemu.devices.ide.IdeDmaTest.BM_STATUS;
import static dev.jemu.devices.ide.IdeDmaTest.ERROR;
import static dev.jemu.devices.ide.IdeDmaTest.INTERRUPT;
import static dev.jemu.devices.ide.IdeDmaTest.START;
import static dev.jemu.devices.ide.IdeDmaTest.TO_MEMORY;
import static dev.jemu.devices.ide.IdeHarness.CMD;
import static dev.jemu.devices.ide.IdeHarness.fillSectors;
import static dev.jemu.devices.ide.IdeHarness.verifySectors;
import static dev.jemu.devices.ide.IdePioTest.READY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A guest that programs the controller wrongly gets the hardware's answer (error status,
 * ABRT/IDNF, the DMA error bit), one log line per kind under {@code -d guest_errors}, and a
 * controller that goes on working.
 */
class IdeGuestErrorTest {
    static final int IDNF = 0x10;

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
        Log.disableAll();
        Log.setOutput(System.err);
    }

    void dma(PrdTableFixture prd, long lba, int sectors, int command, boolean toMemory) {
        h.outl(BM_PRD, prd.address());
        h.taskFile28(0, 0, lba, sectors);
        h.command(0, command);
        h.outb(BM_CMD, (toMemory ? TO_MEMORY : 0) | START);
    }

    /** Stops the engine and clears the interrupt and error bits, as a driver's error handler does. */
    int clearDma() {
        h.outb(BM_CMD, 0);
        int st = h.inb(BM_STATUS);
        h.outb(BM_STATUS, st);
        return st;
    }

    /** After an error the controller still reads correctly by DMA. */
    void assertDmaStillWorks() throws Exception {
        fillSectors(img, 20, 1);
        PrdTableFixture prd = new PrdTableFixture(h.memory, 0x8000).entry(0x30000, 512, true);
        dma(prd, 20, 1, 0xC8, true);
        h.awaitIrq(0);
        assertEquals(READY, h.status(0));
        assertEquals(INTERRUPT, clearDma() & 7);
        IdePioTest.assertSectors(h.memRead(0x30000, 512), 20);
    }

    @Test
    void prdBufferPastTheEndOfRamSetsTheDmaErrorBit() throws Exception {
        h.attach(0, 0, img);
        PrdTableFixture prd = new PrdTableFixture(h.memory, 0x1000)
                .entry(IdeHarness.RAM_SIZE - 0x200, 0x400, true);
        dma(prd, 0, 2, 0xC8, true);
        h.awaitIrq(0);
        assertEquals(ERROR | INTERRUPT, h.inb(BM_STATUS) & 7, "error, interrupt, engine stopped");
        assertEquals(ABORTED, h.status(0));
        assertEquals(ABRT, h.error(0));
        assertEquals(ERROR | INTERRUPT, clearDma() & 7);
        assertEquals(0, h.inb(BM_STATUS) & 7, "error bit is write-one-to-clear");
        assertDmaStillWorks();
    }

    @Test
    void prdTableOutsideRamIsADmaError() throws Exception {
        h.attach(0, 0, img);
        h.outl(BM_PRD, 0xE000_0000L);
        h.taskFile28(0, 0, 0, 1);
        h.command(0, 0xCA);
        h.outb(BM_CMD, START);
        h.awaitIrq(0);
        assertEquals(ERROR | INTERRUPT, h.inb(BM_STATUS) & 7);
        assertEquals(ABORTED, h.status(0));
        clearDma();
        assertDmaStillWorks();
    }

    @Test
    void dmaWriteFromBeyondRamWritesNothing() throws Exception {
        h.attach(0, 0, img);
        PrdTableFixture prd = new PrdTableFixture(h.memory, 0x1000).entry(0x8000_0000L, 512, true);
        dma(prd, 5, 1, 0xCA, false);
        h.awaitIrq(0);
        assertEquals(ABORTED, h.status(0));
        assertEquals(ERROR | INTERRUPT, clearDma() & 7);
        verifySectors(img, 5, 1, s -> 0);
    }

    @Test
    void prdTableShorterThanTheTransferStopsTheEngineWithoutInterrupt() throws Exception {
        fillSectors(img, 0, 2);
        h.attach(0, 0, img);
        PrdTableFixture prd = new PrdTableFixture(h.memory, 0x1000).entry(0x10000, 512, true);
        dma(prd, 0, 2, 0xC8, true);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while ((h.inb(BM_STATUS) & ACTIVE) != 0) {
            if (System.nanoTime() > deadline) {
                fail("the engine stayed active");
            }
            Thread.onSpinWait();
        }
        assertEquals(0, h.inb(BM_STATUS) & 7, "neither active, nor interrupt, nor error: the table was short");
        assertEquals(READY, h.altStatus(0));
        assertFalse(h.irq(0));
        assertEquals(0, h.irqRaises(0));
        IdePioTest.assertSectors(h.memRead(0x10000, 512), 0);
        clearDma();
        assertDmaStillWorks();
    }

    @Test
    void writesToAReadOnlyDriveAbortAndLeaveTheImageAlone() throws Exception {
        h.attach(0, 0, img, true, IdeDrive.ErrorAction.REPORT, IdeDrive.ErrorAction.REPORT);
        h.taskFile28(0, 0, 3, 1);
        h.command(0, 0x30);
        h.awaitIrq(0);
        assertEquals(ABORTED, h.status(0));
        assertEquals(ABRT, h.error(0));
        PrdTableFixture prd = new PrdTableFixture(h.memory, 0x1000).entry(0x10000, 512, true);
        byte[] junk = new byte[512];
        Arrays.fill(junk, (byte) 0x77);
        h.memWrite(0x10000, junk);
        dma(prd, 3, 1, 0xCA, false);
        h.awaitIrq(0);
        assertEquals(ABORTED, h.status(0));
        clearDma();
        verifySectors(img, 3, 1, s -> 0);
        assertDmaStillWorks();
    }

    @Test
    void addressesPastTheEndAbortWithIdnf() throws Exception {
        h.attach(0, 0, img);
        h.taskFile28(0, 0, 32767, 2);
        h.command(0, 0x20);
        h.awaitIrq(0);
        assertEquals(ABORTED, h.status(0));
        assertEquals(IDNF, h.error(0));
        h.taskFile48(0, 0, 1L << 40, 1);
        h.command(0, 0x25);
        h.awaitIrq(0);
        assertEquals(ABORTED, h.status(0));
        assertEquals(IDNF, h.error(0));
        h.outb(CMD[0] + 6, 0xA0);
        h.outb(CMD[0] + 2, 1);
        h.outb(CMD[0] + 3, 0);
        h.command(0, 0x20);
        h.awaitIrq(0);
        assertEquals(IDNF, h.error(0), "CHS sector 0 does not exist");
    }

    @Test
    void countZeroMeans256Or65536Sectors() throws Exception {
        h.close();
        h = new IdeHarness();
        h.attach(0, 0, IdeHarness.createImage(dir, "big.img", "64M"));
        long sectors = 64 * 2048;
        long[][] cases = {{sectors - 256, READY}, {sectors - 255, IDNF}};
        for (long[] c : cases) {
            h.taskFile28(0, 0, c[0], 0);
            h.command(0, 0x40);
            h.awaitIrq(0);
            h.status(0);
            assertEquals(c[1] == READY ? 0 : IDNF, h.error(0), "READ VERIFY of 256 at " + c[0]);
        }
        long[][] ext = {{sectors - 65536, READY}, {sectors - 65535, IDNF}};
        for (long[] c : ext) {
            h.taskFile48(0, 0, c[0], 0);
            h.command(0, 0x42);
            h.awaitIrq(0);
            h.status(0);
            assertEquals(c[1] == READY ? 0 : IDNF, h.error(0), "READ VERIFY EXT of 65536 at " + c[0]);
        }
    }

    @Test
    void commandsAndRegisterWritesWhileBusyAreIgnored() throws Exception {
        fillSectors(img, 0, 1);
        ControlledDriver disk = h.attach(0, 0, img);
        disk.closeGate();
        h.taskFile28(0, 0, 0, 1);
        h.command(0, 0x20);
        disk.awaitHeld(1);
        h.command(0, 0xE1);
        h.outb(CMD[0] + 2, 0x99);
        h.outb(CMD[0] + 6, 0xF0);
        disk.openGate();
        h.awaitIrq(0);
        assertEquals(IdePioTest.DRQ, h.status(0), "still the READ SECTORS, on the master");
        IdePioTest.assertSectors(h.readPio(0, 512), 0);
        assertEquals(READY, h.status(0));
        assertEquals(1, h.inb(CMD[0] + 2), "task file writes while busy were dropped");
        assertEquals(3, h.ide.channel(0).guestErrors());
    }

    @Test
    void byteAccessToTheDataRegisterReadsOnes() throws Exception {
        fillSectors(img, 0, 1);
        h.attach(0, 0, img);
        h.taskFile28(0, 0, 0, 1);
        h.command(0, 0x20);
        h.awaitIrq(0);
        assertEquals(IdePioTest.DRQ, h.status(0));
        assertEquals(0xFF, h.inb(CMD[0]));
        IdePioTest.assertSectors(h.readPio(0, 512), 0);
    }

    @Test
    void eachKindOfMistakeIsLoggedOnceUnderGuestErrors() throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Log.setOutput(new PrintStream(log, true, StandardCharsets.UTF_8));
        Log.enable(LogCategory.GUEST_ERRORS);
        h.attach(0, 0, img);
        for (int i = 0; i < 3; i++) {
            h.taskFile28(0, 0, 40000, 1);
            h.command(0, 0x20);
            h.awaitIrq(0);
            assertEquals(ABORTED, h.status(0));
        }
        h.outb(CMD[0] + 6, 0xF0);
        h.command(0, 0xEC);
        h.command(0, 0xEC);
        String[] lines = log.toString(StandardCharsets.UTF_8).strip().split("\n");
        assertEquals(2, lines.length, log.toString(StandardCharsets.UTF_8));
        assertEquals("ide.0: read of 1 sectors at sector 40000 past the end of master (32768 sectors)", lines[0]);
        assertEquals("ide.0: command 0xec to absent slave", lines[1]);
        assertEquals(5, h.ide.channel(0).guestErrors());
        assertTrue(h.irqRaises(0) >= 3);
    }
}
