package dev.jemu.devices.ide;

import dev.jemu.devices.pci.PciDevice;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static dev.jemu.devices.ide.IdeHarness.CMD;
import static dev.jemu.devices.ide.IdeHarness.CTL;
import static dev.jemu.devices.ide.IdePioTest.READY;
import static dev.jemu.devices.ide.IdePioTest.word;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The non-data commands, the register file, reset, interrupts and the PCI function's identity. */
class IdeCommandsTest {
    /** DRDY and ERR: QEMU's status after an aborted command. */
    static final int ABORTED = 0x41;
    /** DRDY alone: QEMU's status after the power commands. */
    static final int READY_NO_DSC = 0x40;
    static final int ABRT = 0x04;

    @TempDir
    Path dir;
    IdeHarness h;

    @BeforeEach
    void setUp() throws IOException {
        h = new IdeHarness();
        h.attach(0, 0, IdeHarness.createImage(dir, "disk.img", "16M"));
    }

    @AfterEach
    void tearDown() throws IOException {
        h.close();
    }

    /** Issues {@code cmd} to the master of channel 0 and returns the status after its interrupt. */
    int run(int cmd) throws InterruptedException {
        h.outb(CMD[0] + 6, 0xE0);
        h.command(0, cmd);
        h.awaitIrq(0);
        return h.status(0);
    }

    byte[] identify() throws InterruptedException {
        assertEquals(IdePioTest.DRQ, run(0xEC));
        return h.readPio(0, 512);
    }

    @Test
    void powerAndPositioningCommandsCompleteWithReadyStatus() throws Exception {
        int[] commands = {0x91, 0xE0, 0xE1, 0xE2, 0xE3, 0xE6, 0x10, 0x70};
        for (int cmd : commands) {
            int expected = cmd >= 0xE0 ? READY_NO_DSC : READY;
            assertEquals(expected, run(cmd), String.format("command 0x%02x", cmd));
            assertEquals(0, h.error(0), String.format("command 0x%02x", cmd));
            assertFalse(h.irq(0));
        }
    }

    @Test
    void checkPowerModeReportsActiveOrIdle() throws Exception {
        h.outb(CMD[0] + 2, 0);
        assertEquals(READY, run(0xE5));
        assertEquals(0xFF, h.inb(CMD[0] + 2));
    }

    @Test
    void flushCacheAndFlushCacheExtComplete() throws Exception {
        assertEquals(READY, run(0xE7));
        assertEquals(READY, run(0xEA));
    }

    @Test
    void readVerifyChecksTheRangeWithoutData() throws Exception {
        h.taskFile28(0, 0, 32760, 8);
        h.command(0, 0x40);
        h.awaitIrq(0);
        assertEquals(READY, h.status(0));
        h.taskFile48(0, 0, 100, 20);
        h.command(0, 0x42);
        h.awaitIrq(0);
        assertEquals(READY, h.status(0));
    }

    @Test
    void unsupportedCommandsAbort() throws Exception {
        int[] commands = {0x00, 0x08, 0x1F, 0x7F, 0xA0, 0xA1, 0xB0, 0xF0, 0xFF};
        for (int cmd : commands) {
            assertEquals(ABORTED, run(cmd), String.format("command 0x%02x", cmd));
            assertEquals(ABRT, h.error(0), String.format("command 0x%02x", cmd));
        }
    }

    @Test
    void setFeaturesSelectsTheTransferModeShownInIdentify() throws Exception {
        h.outb(CMD[0] + 1, 0x03);
        h.outb(CMD[0] + 2, 0x22);
        assertEquals(READY, run(0xEF));
        byte[] id = identify();
        assertEquals(0x0407, word(id, 63), "MWDMA2 selected");
        assertEquals(0x003F, word(id, 88));
        h.outb(CMD[0] + 1, 0x03);
        h.outb(CMD[0] + 2, 0x45);
        assertEquals(READY, run(0xEF));
        id = identify();
        assertEquals(0x0007, word(id, 63));
        assertEquals(0x203F, word(id, 88), "UDMA5 selected");
        h.outb(CMD[0] + 1, 0x03);
        h.outb(CMD[0] + 2, 0x0C);
        assertEquals(READY, run(0xEF), "PIO mode 4");
        id = identify();
        assertEquals(0x0007, word(id, 63));
        assertEquals(0x003F, word(id, 88), "no DMA mode selected");
        h.outb(CMD[0] + 1, 0x03);
        h.outb(CMD[0] + 2, 0x60);
        assertEquals(ABORTED, run(0xEF), "no transfer mode class 0x60");
        assertEquals(ABRT, h.error(0));
    }

    @Test
    void setFeaturesTurnsTheWriteCacheOffAndOn() throws Exception {
        assertEquals(0x20, word(identify(), 85) & 0x20, "write cache on with cache=writeback");
        h.outb(CMD[0] + 1, 0x82);
        assertEquals(READY, run(0xEF));
        assertEquals(0, word(identify(), 85) & 0x20);
        h.outb(CMD[0] + 1, 0x02);
        assertEquals(READY, run(0xEF));
        assertEquals(0x20, word(identify(), 85) & 0x20);
        h.outb(CMD[0] + 1, 0x99);
        assertEquals(ABORTED, run(0xEF), "unknown subcommand");
    }

    @Test
    void setMultipleModeTakesPowersOfTwoUpTo16OrZero() throws Exception {
        for (int bad : new int[] {3, 32}) {
            h.outb(CMD[0] + 2, bad);
            assertEquals(ABORTED, run(0xC6), "count " + bad);
        }
        h.outb(CMD[0] + 2, 8);
        assertEquals(READY, run(0xC6));
        assertEquals(0x0108, word(identify(), 59));
        h.outb(CMD[0] + 2, 0);
        assertEquals(READY, run(0xC6), "0 turns multiple mode off");
        assertEquals(0, word(identify(), 59));
        h.taskFile28(0, 0, 0, 1);
        h.command(0, 0xC4);
        h.awaitIrq(0);
        assertEquals(ABORTED, h.status(0), "READ MULTIPLE without multiple mode");
        assertEquals(ABRT, h.error(0));
    }

    @Test
    void readNativeMaxAddressReturnsTheLastSector() throws Exception {
        assertEquals(READY, run(0xF8));
        assertEquals(0xFF, h.inb(CMD[0] + 3));
        assertEquals(0x7F, h.inb(CMD[0] + 4));
        assertEquals(0x00, h.inb(CMD[0] + 5));
        assertEquals(0xE0, h.inb(CMD[0] + 6));
    }

    @Test
    void readNativeMaxAddressExtFillsTheHighOrderBytes() throws Exception {
        h.close();
        h = new IdeHarness();
        h.attach(0, 0, IdeHarness.createImage(dir, "big.img", "9000G"));
        h.outb(CMD[0] + 6, 0x40);
        h.command(0, 0x27);
        h.awaitIrq(0);
        assertEquals(READY, h.status(0));
        long last = 9000L * 1024 * 1024 * 2 - 1;
        assertEquals(last & 0xFF, h.inb(CMD[0] + 3));
        assertEquals((last >>> 8) & 0xFF, h.inb(CMD[0] + 4));
        assertEquals((last >>> 16) & 0xFF, h.inb(CMD[0] + 5));
        h.outb(CTL[0], 0x80);
        assertEquals((last >>> 24) & 0xFF, h.inb(CMD[0] + 3), "HOB: bits 31:24");
        assertEquals((last >>> 32) & 0xFF, h.inb(CMD[0] + 4), "HOB: bits 39:32");
        assertEquals((last >>> 40) & 0xFF, h.inb(CMD[0] + 5), "HOB: bits 47:40");
        h.outb(CTL[0], 0x00);
    }

    @Test
    void registerWritesPushThePreviousValueIntoTheHighOrderByte() {
        h.outb(CMD[0] + 2, 0x12);
        h.outb(CMD[0] + 2, 0x34);
        assertEquals(0x34, h.inb(CMD[0] + 2));
        h.outb(CTL[0], 0x80);
        assertEquals(0x12, h.inb(CMD[0] + 2));
        h.outb(CMD[0] + 3, 0x56);
        assertEquals(0x56, h.inb(CMD[0] + 3), "a register write clears HOB");
    }

    @Test
    void executeDeviceDiagnosticSetsTheSignature() throws Exception {
        h.taskFile28(0, 0, 0x123456, 9);
        assertEquals(READY, run(0x90));
        assertEquals(0x01, h.error(0), "diagnostic passed");
        assertEquals(1, h.inb(CMD[0] + 2));
        assertEquals(1, h.inb(CMD[0] + 3));
        assertEquals(0, h.inb(CMD[0] + 4));
        assertEquals(0, h.inb(CMD[0] + 5));
    }

    @Test
    void softwareResetSetsTheSignatureAndMultipleModeBack() throws Exception {
        h.outb(CMD[0] + 2, 2);
        assertEquals(READY, run(0xC6));
        h.taskFile28(0, 0, 0x55, 7);
        h.outb(CTL[0], 0x04);
        assertEquals(0x80, h.altStatus(0) & 0x80, "busy during reset");
        h.outb(CTL[0], 0x00);
        assertEquals(READY, h.altStatus(0));
        assertEquals(0x01, h.error(0));
        assertEquals(1, h.inb(CMD[0] + 2));
        assertEquals(1, h.inb(CMD[0] + 3));
        assertEquals(0, h.inb(CMD[0] + 4));
        assertEquals(0, h.inb(CMD[0] + 5));
        assertEquals(0x0110, word(identify(), 59));
    }

    @Test
    void nienKeepsTheInterruptOffTheLine() throws Exception {
        h.outb(CTL[0], 0x02);
        h.command(0, 0xE1);
        assertEquals(READY_NO_DSC, h.altStatus(0));
        assertFalse(h.irq(0));
        h.outb(CTL[0], 0x00);
        assertTrue(h.irq(0), "the pending interrupt shows once nIEN clears");
        h.status(0);
        assertFalse(h.irq(0));
    }

    @Test
    void absentSlaveReadsZeroStatusAndIgnoresCommands() {
        h.outb(CMD[0] + 6, 0xB0);
        assertEquals(0, h.altStatus(0));
        assertEquals(0, h.status(0));
        assertEquals(0, h.error(0));
        assertEquals(1, h.inb(CMD[0] + 2), "the no-device signature 01 01 FF FF");
        assertEquals(1, h.inb(CMD[0] + 3));
        assertEquals(0xFF, h.inb(CMD[0] + 4));
        assertEquals(0xFF, h.inb(CMD[0] + 5));
        assertEquals(0xB0, h.inb(CMD[0] + 6));
        h.command(0, 0xEC);
        assertFalse(h.irq(0));
        assertEquals(0, h.status(0));
        h.outb(CMD[0] + 6, 0xA0);
        assertEquals(READY, h.status(0), "the master is untouched");
    }

    @Test
    void channelWithoutDrivesReadsZero() {
        for (int reg = 1; reg < 8; reg++) {
            assertEquals(0, h.inb(CMD[1] + reg), "register " + reg);
        }
        assertEquals(0, h.altStatus(1));
        h.command(1, 0xEC);
        assertFalse(h.irq(1));
    }

    @Test
    void pciFunctionIdentifiesAsPiix3IdeWithoutInterruptPin() {
        assertEquals(0x7010_8086L, h.pciRead(PciDevice.VENDOR_ID, 4));
        assertEquals(0x0101_8000L, h.pciRead(PciDevice.REVISION_ID, 4));
        assertEquals(0x0280, h.pciRead(PciDevice.STATUS, 2));
        assertEquals(0, h.pciRead(PciDevice.INTERRUPT_PIN, 1));
        int bar4 = PciDevice.BAR0 + 4 * PiixIde.BMDMA_BAR;
        assertEquals(0x1, h.pciRead(bar4, 4), "I/O BAR");
        h.pciWrite(bar4, 0xFFFF_FFFFL, 4);
        assertEquals(0xFFFF_FFF1L, h.pciRead(bar4, 4), "16 bytes of I/O");
        h.pciWrite(0x40, 0x8000_8000L, 4);
        assertEquals(0x8000_8000L, h.pciRead(0x40, 4), "IDE timing registers are writable");
    }

    @Test
    void machineResetUnmapsTheBarAndReadiesTheDrives() throws Exception {
        h.enableBusMaster();
        h.outb(IdeHarness.BMDMA_BASE + 2, 0x60);
        h.outb(CTL[0], 0x02);
        h.bql.run(h.ide::reset);
        assertEquals(0xFF, h.inb(IdeHarness.BMDMA_BASE + 2), "BAR unmapped");
        assertEquals(READY, h.altStatus(0));
        h.command(0, 0xE1);
        h.awaitIrq(0);
        assertEquals(READY_NO_DSC, h.status(0));
    }
}
