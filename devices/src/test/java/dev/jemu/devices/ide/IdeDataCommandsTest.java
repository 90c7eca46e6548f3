package dev.jemu.devices.ide;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;

import static dev.jemu.devices.ide.IdeDmaTest.BM_CMD;
import static dev.jemu.devices.ide.IdeDmaTest.BM_PRD;
import static dev.jemu.devices.ide.IdeDmaTest.BM_STATUS;
import static dev.jemu.devices.ide.IdeDmaTest.INTERRUPT;
import static dev.jemu.devices.ide.IdeDmaTest.START;
import static dev.jemu.devices.ide.IdeDmaTest.TO_MEMORY;
import static dev.jemu.devices.ide.IdeHarness.CMD;
import static dev.jemu.devices.ide.IdeHarness.fillSectors;
import static dev.jemu.devices.ide.IdeHarness.pattern;
import static dev.jemu.devices.ide.IdeHarness.verifySectors;
import static dev.jemu.devices.ide.IdePioTest.DRQ;
import static dev.jemu.devices.ide.IdePioTest.READY;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every data command opcode, LBA28 (with address bits 27:24 in the device register) and
 * LBA48 (with a high-order byte), moving 5 sectors; multiple mode set to 2 sectors.
 */
class IdeDataCommandsTest {
    static final int SECTORS = 5;
    static final int MULT = 2;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "READ SECTORS,            0x20, false, false, false, false",
        "READ SECTORS no retry,   0x21, false, false, false, false",
        "READ SECTORS EXT,        0x24, true,  false, false, false",
        "READ MULTIPLE,           0xC4, false, false, false, true",
        "READ MULTIPLE EXT,       0x29, true,  false, false, true",
        "READ DMA,                0xC8, false, false, true,  false",
        "READ DMA no retry,       0xC9, false, false, true,  false",
        "READ DMA EXT,            0x25, true,  false, true,  false",
        "WRITE SECTORS,           0x30, false, true,  false, false",
        "WRITE SECTORS no retry,  0x31, false, true,  false, false",
        "WRITE SECTORS EXT,       0x34, true,  true,  false, false",
        "WRITE MULTIPLE,          0xC5, false, true,  false, true",
        "WRITE MULTIPLE EXT,      0x39, true,  true,  false, true",
        "WRITE DMA,               0xCA, false, true,  true,  false",
        "WRITE DMA no retry,      0xCB, false, true,  true,  false",
        "WRITE DMA EXT,           0x35, true,  true,  true,  false",
    })
    void movesTheSectorsOfTheAddressedRange(String name, String opcode, boolean lba48, boolean write, boolean dma,
                                            boolean multiple) throws Exception {
        int cmd = Integer.decode(opcode);
        Path img = IdeHarness.createImage(dir, "disk.img", "16G");
        long lba = lba48 ? 0x01AB_CDE0L : 0x0134_5670L;
        if (!write) {
            fillSectors(img, lba, SECTORS);
        }
        try (IdeHarness h = new IdeHarness()) {
            h.attach(0, 0, img);
            h.enableBusMaster();
            if (multiple) {
                h.outb(CMD[0] + 2, MULT);
                h.command(0, 0xC6);
                h.awaitIrq(0);
                assertEquals(READY, h.status(0));
            }
            byte[] data = new byte[SECTORS * 512];
            for (int i = 0; i < data.length; i++) {
                data[i] = (byte) pattern(lba + i / 512);
            }
            PrdTableFixture prd = new PrdTableFixture(h.memory, 0x1000).entry(0x10000, data.length, true);
            if (dma) {
                h.outl(BM_PRD, prd.address());
                if (write) {
                    h.memWrite(0x10000, data);
                }
            }
            if (lba48) {
                h.taskFile48(0, 0, lba, SECTORS);
            } else {
                h.taskFile28(0, 0, lba, SECTORS);
            }
            h.command(0, cmd);
            if (dma) {
                h.outb(BM_CMD, (write ? 0 : TO_MEMORY) | START);
                h.awaitIrq(0);
                assertEquals(READY, h.status(0));
                assertEquals(INTERRUPT, h.inb(BM_STATUS) & 7);
                if (!write) {
                    IdePioTest.assertSectors(h.memRead(0x10000, data.length), lba);
                }
            } else {
                int block = multiple ? MULT : 1;
                for (int done = 0; done < SECTORS; done += block) {
                    int n = Math.min(block, SECTORS - done);
                    if (write) {
                        assertEquals(DRQ, h.altStatus(0));
                        h.writePio(0, java.util.Arrays.copyOfRange(data, done * 512, (done + n) * 512));
                        h.awaitIrq(0);
                        assertEquals(done + n < SECTORS ? DRQ : READY, h.status(0));
                    } else {
                        h.awaitIrq(0);
                        assertEquals(DRQ, h.status(0));
                        IdePioTest.assertSectors(h.readPio(0, n * 512), lba + done);
                    }
                }
                assertEquals(READY, h.status(0));
            }
        }
        if (write) {
            verifySectors(img, lba, SECTORS, IdeHarness::pattern);
            verifySectors(img, lba + SECTORS, 1, s -> 0);
        }
    }
}
