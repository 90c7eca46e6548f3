package dev.jemu.block.tools;

import dev.jemu.block.BlockBackend;
import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockException;
import dev.jemu.block.TestImages;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.jemu.block.TestImages.assertCleanCheck;
import static dev.jemu.block.TestImages.assertSameContent;
import static dev.jemu.block.TestImages.ok;
import static dev.jemu.block.TestImages.qemuIo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The image tools' engine, with qemu-img as the oracle. */
class ImageToolsTest {
    @TempDir
    Path dir;
    Path base;
    Path top;

    /** A chain base (raw-backed data, zeros, a compressed-free qcow2) <- top with its own writes. */
    @BeforeEach
    void makeChain() throws IOException {
        base = dir.resolve("base.qcow2");
        top = dir.resolve("top.qcow2");
        ok("qemu-img", "create", "-q", "-f", "qcow2", base.toString(), "6M");
        qemuIo(base, "qcow2", "write -P 0x11 0 2M", "write -z 3M 64k", "write -P 0x22 4M 100k");
        ok("qemu-img", "create", "-q", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", top.toString(), "8M");
        qemuIo(top, "qcow2", "write -P 0x33 1M 4k", "write -z 0 64k", "write -P 0x44 7M 1M");
    }

    private BlockBackend backend(Path p, String fmt, boolean write) throws IOException {
        BlockDriverState bs = TestImages.open(p, fmt, !write);
        return new BlockBackend(bs, BlockBackend.PERM_READ | (write ? BlockBackend.PERM_WRITE : 0), false);
    }

    private void convert(Path src, Path dst, String fmt, String opts, ImageConverter.Options o) throws IOException {
        BlockBackend in = backend(src, null, false);
        ImageCreator.create(dst.toString(), fmt, in.length(), opts, null, null, false, null);
        BlockBackend out = backend(dst, fmt, true);
        ImageConverter.run(in, out, o);
        out.close();
        in.close();
    }

    @ParameterizedTest
    @CsvSource({"raw, , false, 4096, 8, false", "qcow2, , false, 4096, 16, true", "qcow2, cluster_size=4k, true, 4096, 4, true",
                "qcow2, compat=0.10, false, 0, 1, false", "raw, , false, 0, 2, true"})
    void convertProducesTheSameContentAndACleanImage(String fmt, String opts, boolean compress, long sparse,
                                                     int coroutines, boolean outOfOrder) throws IOException {
        Path out = dir.resolve("out." + fmt);
        double[] lastProgress = {-1};
        convert(top, out, fmt, opts, new ImageConverter.Options(compress, sparse, coroutines, outOfOrder, true,
                p -> lastProgress[0] = p));
        assertEquals(100.0, lastProgress[0]);
        assertSameContent(top, out);
        if (fmt.equals("qcow2")) {
            assertCleanCheck(out);
            if (compress) {
                String check = ok("qemu-img", "check", "--output=json", out.toString());
                assertTrue(check.contains("\"compressed-clusters\""), check);
            }
        }
    }

    @Test
    void convertWithoutSparseDetectionAllocatesEverything() throws IOException {
        Path out = dir.resolve("full.qcow2");
        convert(top, out, "qcow2", null, new ImageConverter.Options(false, 0, 8, false, true, null));
        String check = ok("qemu-img", "check", out.toString());
        assertTrue(check.contains("128/128 = 100.00% allocated"), check);
        Path sparse = dir.resolve("sparse.qcow2");
        convert(top, sparse, "qcow2", null, new ImageConverter.Options(false, 4096, 8, false, true, null));
        assertTrue(Files.size(sparse) < Files.size(out) / 2);
    }

    private static final Pattern MAP_LINE = Pattern.compile(
            "\\{ \"start\": (\\d+), \"length\": (\\d+), \"depth\": (\\d+), \"present\": (\\w+), \"zero\": (\\w+),"
                    + " \"data\": (\\w+)(?:, \"offset\": (\\d+))?}");

    @Test
    void mapAgreesWithQemuImgMap() throws IOException {
        for (Path img : new Path[] {top, base}) {
            String qemu = ok("qemu-img", "map", "--output=json", img.toString());
            List<String> expected = new ArrayList<>();
            Matcher m = MAP_LINE.matcher(qemu);
            while (m.find()) {
                expected.add(m.group(1) + "+" + m.group(2) + " d" + m.group(3) + " p" + m.group(4) + " z" + m.group(5)
                        + " data" + m.group(6) + " @" + m.group(7));
            }
            BlockDriverState bs = TestImages.open(img, null, true);
            List<String> actual = new ArrayList<>();
            for (ImageMapper.Extent e : ImageMapper.map(bs, 0, Long.MAX_VALUE)) {
                actual.add(e.start() + "+" + e.length() + " d" + e.depth() + " p" + e.present() + " z" + e.zero()
                        + " data" + e.data() + " @" + (e.offset() >= 0 ? Long.toString(e.offset()) : null));
            }
            bs.close();
            assertFalse(expected.isEmpty());
            assertEquals(expected, actual, "map of " + img);
        }
    }

    @Test
    void compareFindsTheFirstDifferenceLikeQemuImg() throws IOException {
        Path raw = dir.resolve("top.raw");
        ok("qemu-img", "convert", "-O", "raw", top.toString(), raw.toString());
        BlockDriverState a = TestImages.open(top, null, true);
        BlockDriverState b = TestImages.open(raw, "raw", true);
        assertEquals("Images are identical.", ImageComparer.compare(a, b, false).message());
        b.close();
        qemuIo(raw, "raw", "write -P 0x99 5000000 1");
        b = TestImages.open(raw, "raw", true);
        ImageComparer.Result r = ImageComparer.compare(a, b, false);
        assertFalse(r.identical());
        String qemu = TestImages.exec("qemu-img", "compare", top.toString(), raw.toString()).out().trim();
        assertEquals(qemu, r.message());
        assertEquals("Content mismatch at offset 4999680!", r.message());
        b.close();
        BlockDriverState c = TestImages.open(base, null, true);
        assertEquals("Strict mode: Image size mismatch!", ImageComparer.compare(a, c, true).message());
        c.close();
        a.close();
    }

    @Test
    void safeRebaseKeepsTheGuestViewAndUnsafeRebaseOnlyRenames() throws IOException {
        Path before = dir.resolve("before.raw");
        ok("qemu-img", "convert", "-O", "raw", top.toString(), before.toString());
        Path other = dir.resolve("other.qcow2");
        ok("qemu-img", "create", "-q", "-f", "qcow2", other.toString(), "8M");
        qemuIo(other, "qcow2", "write -P 0x55 0 3M");
        BlockDriverState t = TestImages.open(top, "qcow2", false);
        BlockDriverState nb = TestImages.open(other, "qcow2", true);
        ImageRebase.rebase(t, nb, "other.qcow2", "qcow2", false);
        nb.close();
        TestImages.close(t);
        assertCleanCheck(top);
        assertSameContent(top, before);
        assertTrue(ok("qemu-img", "info", top.toString()).contains("backing file: other.qcow2"));

        BlockDriverState t2 = TestImages.open(top, "qcow2", false);
        ImageRebase.rebase(t2, null, null, null, false);
        TestImages.close(t2);
        assertCleanCheck(top);
        assertSameContent(top, before);
        assertFalse(ok("qemu-img", "info", top.toString()).contains("backing file"));
    }

    @Test
    void commitWritesChangesIntoTheBackingFileAndEmptiesTheImage() throws IOException {
        Path before = dir.resolve("before.raw");
        ok("qemu-img", "convert", "-O", "raw", top.toString(), before.toString());
        BlockDriverState t = TestImages.open(top, "qcow2", false);
        BlockDriverState b = TestImages.open(base, "qcow2", false);
        ImageCommit.commit(t, b, false, null);
        TestImages.close(b);
        TestImages.close(t);
        assertCleanCheck(top);
        assertCleanCheck(base);
        assertSameContent(base, before);
        assertSameContent(top, before);
        String map = ok("qemu-img", "map", "--output=json", top.toString());
        assertFalse(map.contains("\"depth\": 0, \"present\": true"), "top is empty: " + map);
    }

    @Test
    void createWritesQemuImgsFormattingLineAndRefusesBadOptions() throws IOException {
        Path img = dir.resolve("c.qcow2");
        List<String> lines = new ArrayList<>();
        ImageCreator.create(img.toString(), "qcow2", 1 << 30, "cluster_size=4k,lazy_refcounts=on",
                null, null, false, lines::add);
        assertEquals(List.of("Formatting '" + img + "', fmt=qcow2 cluster_size=4096 extended_l2=off compression_type=zlib"
                + " size=1073741824 lazy_refcounts=on refcount_bits=16"), lines);
        String info = ok("qemu-img", "info", img.toString());
        assertTrue(info.contains("lazy refcounts: true") && info.contains("cluster_size: 4096"), info);
        BlockException e = assertThrows(BlockException.class, () -> ImageCreator.create(img.toString(), "qcow2",
                1 << 20, "nonsense=1", null, null, false, null));
        assertTrue(e.getMessage().contains("nonsense"));
        Path withBacking = dir.resolve("wb.qcow2");
        ImageCreator.create(withBacking.toString(), "qcow2", -1, null, "base.qcow2", "qcow2", false, null);
        String json = ok("qemu-img", "info", "--output=json", withBacking.toString());
        assertTrue(json.contains("\"virtual-size\": 6291456") && json.contains("\"backing-filename-format\": \"qcow2\""),
                json);
        Path raw = dir.resolve("r.raw");
        ImageCreator.create(raw.toString(), "raw", 10 << 20, null, null, null, false, null);
        assertEquals(10 << 20, Files.size(raw));
    }
}
