package dev.jemu.cli.img;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The sizes {@code jemu-img info} prints in words ("1.12 MiB") against qemu-img 7.2's on the
 * same images: three significant digits of the exact value rounded half to even, and qemu's
 * "1e+03" where rounding reaches 1000. The sizes are whole sectors: qemu-img reports a raw
 * file's length rounded up to 512 bytes, jemu-img the exact length.
 */
class ImgHumanSizeTest {
    @TempDir
    Path dir;

    @Test
    void virtualSizeLinesMatchQemuImg() throws Exception {
        long[] sizes = {0, 512, 1536, 1023488, 1024000, 1048576, 1179648, 1184768, 1183744, 1572864,
                11010048, 10480640, 104333312, 1073741824L * 3, 1099511627776L + 512,
                999L << 30, 1000L << 30};
        for (long size : sizes) {
            Path image = dir.resolve("s" + size + ".raw");
            try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
                f.setLength(size);
            }
            String q = ImgRun.qemuOk(dir, "info", "-f", "raw", image.toString());
            ImgRun j = ImgRun.jemu("info", "-f", "raw", image.toString());
            assertEquals(0, j.status(), j.err());
            assertEquals(line(q, "virtual size: "), line(j.out(), "virtual size: "), "size " + size);
        }
    }

    private static String line(String out, String prefix) {
        return out.lines().filter(l -> l.startsWith(prefix)).findFirst().orElse("(no '" + prefix + "' line)");
    }
}
