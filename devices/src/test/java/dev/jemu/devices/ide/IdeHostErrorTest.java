package dev.jemu.devices.ide;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

import static dev.jemu.devices.ide.IdeCommandsTest.ABORTED;
import static dev.jemu.devices.ide.IdeCommandsTest.ABRT;
import static dev.jemu.devices.ide.IdeDmaTest.BM_CMD;
import static dev.jemu.devices.ide.IdeDmaTest.BM_PRD;
import static dev.jemu.devices.ide.IdeDmaTest.BM_STATUS;
import static dev.jemu.devices.ide.IdeDmaTest.INTERRUPT;
import static dev.jemu.devices.ide.IdeDmaTest.START;
import static dev.jemu.devices.ide.IdeDmaTest.TO_MEMORY;
import static dev.jemu.devices.ide.IdeHarness.CTL;
import static dev.jemu.devices.ide.IdeHarness.fillSectors;
import static dev.jemu.devices.ide.IdeHarness.verifySectors;
import static dev.jemu.devices.ide.IdePioTest.DRQ;
import static dev.jemu.devices.ide.IdePioTest.READY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** Host I/O errors under {@code rerror=}/{@code werror=} report, ignore and stop. */
class IdeHostErrorTest {
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

    ControlledDriver attach(IdeDrive.ErrorAction rerror, IdeDrive.ErrorAction werror) throws IOException {
        return h.attach(0, 0, img, false, rerror, werror);
    }

    void dma(long lba, int sectors, boolean toMemory) {
        PrdTableFixture prd = new PrdTableFixture(h.memory, 0x1000).entry(0x10000, sectors * 512, true);
        h.outl(BM_PRD, prd.address());
        h.taskFile28(0, 0, lba, sectors);
        h.command(0, toMemory ? 0xC8 : 0xCA);
        h.outb(BM_CMD, (toMemory ? TO_MEMORY : 0) | START);
    }

    void writeDmaData(int sectors, int pattern) {
        byte[] data = new byte[sectors * 512];
        Arrays.fill(data, (byte) pattern);
        h.memWrite(0x10000, data);
    }

    @Test
    void readErrorReportAbortsThePioCommand() throws Exception {
        fillSectors(img, 0, 1);
        ControlledDriver disk = attach(IdeDrive.ErrorAction.REPORT, IdeDrive.ErrorAction.REPORT);
        disk.failNextReads(1);
        h.taskFile28(0, 0, 0, 1);
        h.command(0, 0x20);
        h.awaitIrq(0);
        assertEquals(ABORTED, h.status(0));
        assertEquals(ABRT, h.error(0));
        h.command(0, 0x20);
        h.awaitIrq(0);
        assertEquals(DRQ, h.status(0), "the next read works");
        IdePioTest.assertSectors(h.readPio(0, 512), 0);
    }

    @Test
    void readErrorReportAbortsTheDmaCommandAndStopsTheEngine() throws Exception {
        ControlledDriver disk = attach(IdeDrive.ErrorAction.REPORT, IdeDrive.ErrorAction.REPORT);
        disk.failNextReads(1);
        dma(0, 2, true);
        h.awaitIrq(0);
        assertEquals(ABORTED, h.status(0));
        assertEquals(INTERRUPT, h.inb(BM_STATUS) & 7, "interrupt, engine no longer active");
    }

    @Test
    void flushErrorReportAborts() throws Exception {
        ControlledDriver disk = attach(IdeDrive.ErrorAction.REPORT, IdeDrive.ErrorAction.REPORT);
        disk.failNextFlushes(1);
        h.outb(IdeHarness.CMD[0] + 6, 0xE0);
        h.command(0, 0xE7);
        h.awaitIrq(0);
        assertEquals(ABORTED, h.status(0));
        assertEquals(ABRT, h.error(0));
    }

    @Test
    void writeErrorIgnoreCompletesAsIfWritten() throws Exception {
        ControlledDriver disk = attach(IdeDrive.ErrorAction.REPORT, IdeDrive.ErrorAction.IGNORE);
        disk.failNextWrites(1);
        writeDmaData(2, 0x3C);
        dma(8, 2, false);
        h.awaitIrq(0);
        assertEquals(READY, h.status(0));
        assertEquals(0, h.error(0));
        verifySectors(img, 8, 2, s -> 0);
    }

    @Test
    void readErrorIgnoreCompletesTheRead() throws Exception {
        ControlledDriver disk = attach(IdeDrive.ErrorAction.IGNORE, IdeDrive.ErrorAction.REPORT);
        disk.failNextReads(1);
        h.taskFile28(0, 0, 0, 1);
        h.command(0, 0x20);
        h.awaitIrq(0);
        assertEquals(DRQ, h.status(0));
        h.readPio(0, 512);
        assertEquals(READY, h.status(0));
    }

    @Test
    void writeErrorStopStopsTheVmAndRetriesOnResume() throws Exception {
        ControlledDriver disk = attach(IdeDrive.ErrorAction.REPORT, IdeDrive.ErrorAction.STOP);
        disk.failNextWrites(1);
        writeDmaData(4, 0x6B);
        dma(100, 4, false);
        h.awaitVmStops(1);
        assertEquals(0x80, h.altStatus(0) & 0x80, "the request is kept: still busy");
        assertFalse(h.irq(0));
        verifySectors(img, 100, 4, s -> 0);
        h.bql.run(h.ide::resumeStoppedRequests);
        h.awaitIrq(0);
        assertEquals(READY, h.status(0));
        assertEquals(INTERRUPT, h.inb(BM_STATUS) & 7);
        verifySectors(img, 100, 4, s -> 0x6B);
        assertEquals(1, h.vmStops());
    }

    @Test
    void readErrorStopRetriesThePioReadOnResume() throws Exception {
        fillSectors(img, 50, 2);
        ControlledDriver disk = attach(IdeDrive.ErrorAction.STOP, IdeDrive.ErrorAction.REPORT);
        disk.failNextReads(1);
        h.taskFile28(0, 0, 50, 2);
        h.command(0, 0x20);
        h.awaitVmStops(1);
        assertEquals(0x80, h.altStatus(0) & 0x80);
        h.bql.run(h.ide::resumeStoppedRequests);
        for (int i = 0; i < 2; i++) {
            h.awaitIrq(0);
            assertEquals(DRQ, h.status(0));
            IdePioTest.assertSectors(h.readPio(0, 512), 50 + i);
        }
        assertEquals(READY, h.status(0));
    }

    @Test
    void pioWriteStoppedThenResumedWritesTheCollectedSectors() throws Exception {
        ControlledDriver disk = attach(IdeDrive.ErrorAction.REPORT, IdeDrive.ErrorAction.STOP);
        disk.failNextWrites(1);
        h.taskFile28(0, 0, 60, 2);
        h.command(0, 0x30);
        byte[] sector = new byte[512];
        Arrays.fill(sector, (byte) 0x21);
        h.writePio(0, sector);
        h.awaitIrq(0);
        assertEquals(DRQ, h.status(0));
        Arrays.fill(sector, (byte) 0x22);
        h.writePio(0, sector);
        h.awaitVmStops(1);
        h.bql.run(h.ide::resumeStoppedRequests);
        h.awaitIrq(0);
        assertEquals(READY, h.status(0));
        verifySectors(img, 60, 2, s -> (int) (0x21 + s - 60));
    }

    @Test
    void softwareResetDropsAStoppedRequest() throws Exception {
        ControlledDriver disk = attach(IdeDrive.ErrorAction.REPORT, IdeDrive.ErrorAction.STOP);
        disk.failNextWrites(1);
        writeDmaData(1, 0x44);
        dma(7, 1, false);
        h.awaitVmStops(1);
        h.outb(CTL[0], 0x04);
        h.outb(CTL[0], 0x00);
        assertEquals(READY, h.altStatus(0));
        h.bql.run(h.ide::resumeStoppedRequests);
        h.outb(IdeHarness.CMD[0] + 6, 0xE0);
        h.command(0, 0xE1);
        h.awaitIrq(0);
        assertEquals(IdeCommandsTest.READY_NO_DSC, h.status(0));
        verifySectors(img, 7, 1, s -> 0);
    }
}
