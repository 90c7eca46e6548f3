package dev.jemu.tests.qtest;

import dev.jemu.tests.guest.Workspace;
import org.junit.jupiter.api.Test;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pc board's devices driven through the qtest harness, as a guest driver drives them: PCI
 * enumeration and BAR assignment, PAM shadowing of the BIOS, fw_cfg, the PIT's interrupt
 * through the 8259s, the RTC, the i8042 self test, and IDE IDENTIFY and DMA on a disk image.
 * Expected values are from the datasheets (i440FX, PIIX3/4, 8254, 8259A, MC146818, ATA) and
 * QEMU's fw_cfg specification.
 */
class BoardQTest {
    private static final String BASE = "-machine pc -m 64M -nodefaults -display none";

    /** PCI config dword at devfn/offset through mechanism #1. */
    private static long config(QTest q, int devfn, int offset) {
        q.outl(0xCF8, 0x8000_0000L | devfn << 8 | offset);
        return q.inl(0xCFC);
    }

    private static void configWrite(QTest q, int devfn, int offset, long value, int size) {
        q.outl(0xCF8, 0x8000_0000L | devfn << 8 | (offset & 0xFC));
        switch (size) {
            case 1 -> q.outb(0xCFC + (offset & 3), (int) value);
            case 2 -> q.outw(0xCFC + (offset & 2), (int) value);
            default -> q.outl(0xCFC, value);
        }
    }

    @Test
    void pciEnumeratesTheI440fxAndPiixFunctions() throws Exception {
        try (QTest q = QTest.start(BASE)) {
            assertEquals(0x1237_8086L, config(q, 0x00, 0));
            assertEquals(0x7000_8086L, config(q, 0x08, 0));
            assertEquals(0x7010_8086L, config(q, 0x09, 0));
            assertEquals(0x7113_8086L, config(q, 0x0B, 0));
            assertEquals(0xFFFF_FFFFL, config(q, 0x10, 0), "an empty slot reads all ones");
            assertEquals(0x80, config(q, 0x08, 0x0C) >> 16 & 0x80, "the PIIX3 is multi-function");
            assertEquals(0x0101_80L, config(q, 0x09, 0x08) >> 8, "IDE class 01, subclass 01, prog-if 0x80");
        }
    }

    @Test
    void ideBusMasterBarIsSizedAssignedAndDecoded() throws Exception {
        try (QTest q = QTest.start(BASE)) {
            configWrite(q, 0x09, 0x20, 0xFFFF_FFFFL, 4);
            assertEquals(0xFFFF_FFF1L, config(q, 0x09, 0x20), "16 bytes of I/O space");
            configWrite(q, 0x09, 0x20, 0xC000, 4);
            assertEquals(0xC001, config(q, 0x09, 0x20));
            assertEquals(0xFF, q.inb(0xC002), "not decoded while I/O space is disabled");
            configWrite(q, 0x09, 0x04, 0x0005, 2);
            assertEquals(0x00, q.inb(0xC000) & 0x09, "BMDMA command: stopped, direction bit clear");
            q.outl(0xC004, 0x0000_1234L);
            assertEquals(0x1234, q.inl(0xC004), "the PRD table address reads back");
        }
    }

    @Test
    void pamShadowsTheBiosAndWriteProtectsIt() throws Exception {
        try (QTest q = QTest.start(BASE)) {
            byte[] rom = Files.readAllBytes(Path.of("/usr/share/seabios/bios-256k.bin"));
            int romByte = rom[rom.length - 0x10000 + 0x10] & 0xFF;
            assertEquals(romByte, q.readb(0xF0010), "PAM 0: reads come from the ROM");
            configWrite(q, 0x00, 0x59, 0x30, 1);
            q.writeb(0xF0010, romByte ^ 0xFF);
            assertEquals(romByte ^ 0xFF, q.readb(0xF0010), "PAM 3: read-write RAM");
            configWrite(q, 0x00, 0x59, 0x10, 1);
            q.writeb(0xF0010, 0x5A);
            assertEquals(romByte ^ 0xFF, q.readb(0xF0010), "PAM 1: RAM read, writes do not reach it");
            configWrite(q, 0x00, 0x59, 0x00, 1);
            assertEquals(romByte, q.readb(0xF0010), "PAM 0 again: the ROM");
        }
    }

    @Test
    void fwCfgSignatureIdAndRamSize() throws Exception {
        try (QTest q = QTest.start(BASE)) {
            q.outw(0x510, 0x0000);
            byte[] sig = new byte[4];
            for (int i = 0; i < 4; i++) {
                sig[i] = (byte) q.inb(0x511);
            }
            assertEquals("QEMU", new String(sig, StandardCharsets.US_ASCII));
            q.outw(0x510, 0x0001);
            assertEquals(0x03, q.inb(0x511) & 0x03, "traditional interface and DMA");
            q.outw(0x510, 0x0003);
            long ram = 0;
            for (int i = 0; i < 8; i++) {
                ram |= (long) q.inb(0x511) << (8 * i);
            }
            assertEquals(64L << 20, ram);
        }
    }

    @Test
    void pitChannel0InterruptsThroughTheMasterPic() throws Exception {
        try (QTest q = QTest.start(BASE)) {
            q.outb(0x20, 0x11);
            q.outb(0x21, 0x08);
            q.outb(0x21, 0x04);
            q.outb(0x21, 0x01);
            q.outb(0x21, 0xFE);
            q.outb(0x43, 0x34);
            q.outb(0x40, 1193 & 0xFF);
            q.outb(0x40, 1193 >> 8);
            q.clockStep(500_000);
            q.outb(0x20, 0x0A);
            int irrBefore = q.inb(0x20);
            q.clockStep(1_000_000);
            q.outb(0x20, 0x0A);
            assertEquals(0x01, q.inb(0x20) & 0x01, "IRR bit 0 after a 1 ms period (1193 counts at 1.193182 MHz)");
            assertTrue(q.intr(), "INTR raised for IRQ 0; IRR before " + irrBefore);
        }
    }

    @Test
    void rtcReportsTheBaseTimeInBcd() throws Exception {
        try (QTest q = QTest.start(BASE + " -rtc base=2006-06-17T16:01:21")) {
            q.outb(0x70, 0x09);
            assertEquals(0x06, q.inb(0x71), "year 06 in BCD");
            q.outb(0x70, 0x08);
            assertEquals(0x06, q.inb(0x71), "June");
            q.outb(0x70, 0x04);
            assertEquals(0x16, q.inb(0x71), "16 h");
            q.clockStep(2_000_000_000L);
            q.outb(0x70, 0x00);
            assertEquals(0x23, q.inb(0x71), "21 s plus 2 s of guest time");
        }
    }

    @Test
    void cmosHoldsTheMemorySizes() throws Exception {
        try (QTest q = QTest.start("-machine pc -m 64M -nodefaults -display none")) {
            q.outb(0x70, 0x15);
            int base = q.inb(0x71);
            q.outb(0x70, 0x16);
            base |= q.inb(0x71) << 8;
            assertEquals(640, base, "640 KiB of base memory");
            q.outb(0x70, 0x34);
            int above16 = q.inb(0x71);
            q.outb(0x70, 0x35);
            above16 |= q.inb(0x71) << 8;
            assertEquals((64 - 16) * 16, above16, "64 KiB units above 16 MiB");
        }
    }

    @Test
    void i8042PassesItsSelfTest() throws Exception {
        try (QTest q = QTest.start(BASE)) {
            q.outb(0x64, 0xAA);
            assertEquals(0x01, q.inb(0x64) & 0x01, "output buffer full");
            assertEquals(0x55, q.inb(0x60));
        }
    }

    @Test
    void ideIdentifyAndDmaReadOfADiskImage() throws Exception {
        Path dir = Workspace.current().buildDir("qtest");
        Path disk = dir.resolve("ide-dma.raw");
        byte[] data = new byte[1 << 20];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 7 + i / 512);
        }
        Files.write(disk, data);
        try (QTest q = QTest.start(BASE + " -drive file=" + disk + ",format=raw,if=ide")) {
            q.outb(0x1F6, 0xA0);
            q.outb(0x1F7, 0xEC);
            q.waitFor("IDENTIFY data", () -> (q.inb(0x3F6) & 0x88) == 0x08);
            assertTrue(q.irq(14), "IRQ 14 with nIEN clear");
            int[] id = new int[256];
            for (int i = 0; i < 256; i++) {
                id[i] = q.inw(0x1F0);
            }
            assertEquals(0, q.inb(0x3F6) & 0x08, "DRQ clears once the 256 words are read");
            q.inb(0x1F7);
            assertFalse(q.irq(14), "reading the status register acknowledges the interrupt");
            StringBuilder model = new StringBuilder();
            for (int w = 27; w <= 46; w++) {
                model.append((char) (id[w] >> 8)).append((char) (id[w] & 0xFF));
            }
            assertEquals("QEMU HARDDISK", model.toString().trim());
            assertEquals(2048, id[60] | id[61] << 16, "LBA28 capacity: 1 MiB / 512");
            assertTrue((id[49] & 0x0300) == 0x0300, "DMA and LBA supported (word 49)");

            configWrite(q, 0x09, 0x20, 0xC000, 4);
            configWrite(q, 0x09, 0x04, 0x0005, 2);
            q.writel(0x1000, 0x2000);
            q.writel(0x1004, 0x8000_0000L | 8 * 512);
            q.outl(0xC004, 0x1000);
            q.outb(0xC002, 0x06);
            q.outb(0x1F6, 0xE0);
            q.outb(0x1F2, 8);
            q.outb(0x1F3, 16);
            q.outb(0x1F4, 0);
            q.outb(0x1F5, 0);
            q.outb(0x1F7, 0xC8);
            q.outb(0xC000, 0x09);
            q.waitFor("the DMA read", () -> (q.inb(0xC002) & 0x04) != 0);
            assertEquals(0x00, q.inb(0xC002) & 0x03, "not active, no error");
            q.outb(0xC000, 0x00);
            assertEquals(0x50, q.inb(0x1F7), "DRDY and DSC, no error");
            assertArrayEquals(Arrays.copyOfRange(data, 16 * 512, 24 * 512), q.memRead(0x2000, 8 * 512));
        }
    }
}
