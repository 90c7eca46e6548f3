package dev.jemu.devices.ide;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Differential tests against QEMU (qtest): the same port accesses on {@code qemu-system-x86_64
 * -machine pc} and on jemu's PIIX3 IDE must read the same values. The only IDENTIFY words
 * allowed to differ are those of features jemu does not have (SMART, TRIM) and the checksum
 * of word 255, which jemu sets as ATA asks and QEMU leaves 0.
 */
class IdeQemuOracleTest {
    /** IDENTIFY words (and bit masks) jemu answers differently on purpose. */
    private static final int[][] IDENTIFY_DIFFERENCES = {{69, 0xFFFF}, {82, 0x0001}, {85, 0x0001}, {169, 0xFFFF},
        {255, 0xFFFF}};

    @TempDir
    Path dir;

    static List<String> identifyScript(int channel, int unit) {
        int base = IdeHarness.CMD[channel];
        List<String> s = new ArrayList<>();
        s.add(String.format("outb 0x%x 0x%x", base + 6, 0xA0 | unit << 4));
        s.add(String.format("outb 0x%x 0xec", base + 7));
        s.add(String.format("inb 0x%x", base + 7));
        for (int i = 0; i < 256; i++) {
            s.add(String.format("inw 0x%x", base));
        }
        s.add(String.format("inb 0x%x", base + 7));
        return s;
    }

    /** Writes a partition table whose first entry ends on {@code endHead}/{@code endSector}. */
    static void writeMbr(Path image, int endHead, int endSector) throws IOException {
        ByteBuffer mbr = ByteBuffer.allocate(512);
        int e = 0x1BE;
        mbr.put(e, (byte) 0x80);
        mbr.put(e + 1, (byte) 1);
        mbr.put(e + 2, (byte) 1);
        mbr.put(e + 4, (byte) 0x83);
        mbr.put(e + 5, (byte) endHead);
        mbr.put(e + 6, (byte) endSector);
        mbr.put(e + 7, (byte) 0xFF);
        mbr.putInt(e + 8, Integer.reverseBytes(63));
        mbr.putInt(e + 12, Integer.reverseBytes(20000));
        mbr.put(510, (byte) 0x55);
        mbr.put(511, (byte) 0xAA);
        try (FileChannel f = FileChannel.open(image, StandardOpenOption.WRITE)) {
            f.write(mbr, 0);
        }
    }

    @ParameterizedTest(name = "{0} end head {1} end sector {2}")
    @CsvSource({
        "16M, -1, 0",
        "1G, -1, 0",
        "200G, -1, 0",
        "64M, 3, 32",
        "16M, 254, 63",
        "8G, 254, 63",
        "600M, 15, 63",
    })
    void identifyAndTranslationMatchQemu(String size, int endHead, int endSector) throws Exception {
        Path img = IdeHarness.createImage(dir, "disk.img", size);
        if (endHead >= 0) {
            writeMbr(img, endHead, endSector);
        }
        List<String> script = new ArrayList<>(identifyScript(0, 0));
        script.add("outb 0x70 0x39");
        script.add("inb 0x71");
        List<Long> qemu = QemuQtest.run(List.of("file=" + img + ",format=raw,if=ide,index=0"), script);
        List<Long> jemu;
        HdGeometry.Translation translation;
        try (IdeHarness h = new IdeHarness()) {
            h.attach(0, 0, img);
            jemu = QemuQtest.runOn(h, identifyScript(0, 0));
            translation = h.ide.channel(0).drive(0).geometry().translation();
        }
        assertEquals(qemu.get(0), jemu.get(0), "status after IDENTIFY");
        assertEquals(qemu.get(257), jemu.get(257), "status after the data");
        for (int w = 0; w < 256; w++) {
            int mask = 0xFFFF;
            for (int[] d : IDENTIFY_DIFFERENCES) {
                if (d[0] == w) {
                    mask &= ~d[1];
                }
            }
            assertEquals(qemu.get(1 + w) & mask, jemu.get(1 + w) & mask,
                    String.format("IDENTIFY word %d: QEMU 0x%04x, jemu 0x%04x", w, qemu.get(1 + w), jemu.get(1 + w)));
        }
        assertEquals(qemu.get(258) & 3, (long) translation.ordinal(), "CMOS 0x39 translation of ata0 master");
    }

    /**
     * Task-file and status behaviour of the commands that complete without the block layer,
     * absent drives and HOB. (What QEMU finishes asynchronously, flushes and SRST, cannot be
     * compared in one qtest batch; their own tests cover them.)
     */
    @Test
    void registersAnswerLikeQemu() throws Exception {
        Path img = IdeHarness.createImage(dir, "disk.img", "16M");
        List<String> s = new ArrayList<>();
        dumpRegisters(s);
        s.add("outb 0x1f6 0xb0");
        dumpRegisters(s);
        s.add("outb 0x1f7 0xec");
        dumpRegisters(s);
        s.add("outb 0x1f6 0xa0");
        for (int reg = 1; reg < 8; reg++) {
            s.add(String.format("inb 0x%x", 0x170 + reg));
        }
        s.add("inb 0x376");
        s.add("outb 0x1f2 0x12");
        s.add("outb 0x1f2 0x34");
        s.add("outb 0x3f6 0x80");
        s.add("inb 0x1f2");
        s.add("outb 0x3f6 0x00");
        s.add("inb 0x1f2");
        int[][] commands = {
            {0x00, 0, 0}, {0x08, 0, 0}, {0xA0, 0, 0}, {0xA1, 0, 0}, {0x91, 0, 0}, {0xE0, 0, 0}, {0xE1, 0, 0},
            {0xE2, 0, 0}, {0xE3, 0, 0}, {0xE5, 0, 0}, {0x10, 0, 0}, {0x70, 0, 0}, {0x90, 0, 0}, {0xF8, 0, 0},
            {0x27, 0, 0}, {0xC6, 0, 3}, {0xC6, 0, 8}, {0xC6, 0, 0}, {0xEF, 0x99, 0}, {0xEF, 0x03, 0x22},
            {0xEF, 0x02, 0}, {0xEF, 0x03, 0x4F}, {0xEF, 0x03, 0x30}, {0xE6, 0, 0}, {0x40, 0, 4}, {0x1F, 0, 0},
            {0x7F, 0, 0},
        };
        for (int[] c : commands) {
            s.add("outb 0x1f6 0xe0");
            s.add(String.format("outb 0x1f1 0x%x", c[1]));
            s.add(String.format("outb 0x1f2 0x%x", c[2]));
            s.add("outb 0x1f3 0x55");
            s.add(String.format("outb 0x1f7 0x%x", c[0]));
            s.add("inb 0x3f6");
            dumpRegisters(s);
        }
        List<Long> qemu = QemuQtest.run(List.of("file=" + img + ",format=raw,if=ide,index=0"), s);
        List<Long> jemu;
        try (IdeHarness h = new IdeHarness()) {
            h.attach(0, 0, img);
            jemu = QemuQtest.runOn(h, s);
        }
        StringBuilder diff = new StringBuilder();
        int read = 0;
        String lastCommand = "reset";
        for (String line : s) {
            if (line.startsWith("outb 0x1f7") || line.startsWith("outb 0x3f6")) {
                lastCommand = line;
            }
            if (line.startsWith("in")) {
                if (!qemu.get(read).equals(jemu.get(read))) {
                    diff.append(String.format("after %s: %s QEMU 0x%02x jemu 0x%02x%n", lastCommand, line,
                            qemu.get(read), jemu.get(read)));
                }
                read++;
            }
        }
        assertEquals("", diff.toString());
    }

    private static void dumpRegisters(List<String> s) {
        for (int reg = 1; reg < 8; reg++) {
            s.add(String.format("inb 0x%x", 0x1f0 + reg));
        }
    }
}
