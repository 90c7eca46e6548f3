package dev.jemu.cli.img;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code convert} with qemu-img 7.2 as the oracle: the same source converted by both tools with
 * the same options gives outputs that {@code qemu-img compare} finds identical and whose
 * allocation, as {@code qemu-img map} shows it, is the same (holes where qemu-img leaves holes,
 * zero clusters where it writes zero clusters, data where it writes data), for raw and qcow2
 * targets, new and existing ({@code -n}), compressed, fully allocated ({@code -S 0}), with and
 * without a backing file for the target.
 */
class ImgConvertMapTest {
    private static final Pattern MAP_ENTRY = Pattern.compile(
            "\\{ \"start\": (\\d+), \"length\": (\\d+), (\"depth\": \\d+, \"present\": \\w+, \"zero\": \\w+, \"data\": \\w+)");

    @TempDir
    Path dir;
    /** The image converted. */
    String source = "src.qcow2";

    /**
     * base.qcow2 (4 MiB): 0x44 over its first 2 MiB. src.qcow2 over it: 0x11 at 0 (64k), a zero
     * cluster at 1M, a compressed cluster of 0x22 at 2M, a data cluster of zeros at 3M, 0x55 at
     * 3200k (64k) with 4k of zeros at 3208k, a cluster at 3584k of 4k of 0x33 and 60k of zeros;
     * the rest from the base (data below 2M, unallocated above). (The last cluster is written
     * whole: the zeros that a partial write fills in would be a hole in the qcow2 file, which
     * qemu-img's block status sees only when its metadata-preallocation heuristic fires.)
     */
    @BeforeEach
    void makeSource() throws Exception {
        ImgRun.qemuOk(dir, "create", "-q", "-f", "qcow2", "base.qcow2", "4M");
        ImgRun.qemuIo(dir, "qcow2", "base.qcow2", "write -P 0x44 0 2M");
        ImgRun.qemuOk(dir, "create", "-q", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", "src.qcow2");
        ImgRun.qemuIo(dir, "qcow2", "src.qcow2", "write -P 0x11 0 64k", "write -z 1M 64k", "write -c -P 0x22 2M 64k",
                "write -P 0 3M 64k", "write -P 0x55 3200k 64k", "write -P 0 3208k 4k", "write -P 0 3584k 64k", "write -P 0x33 3584k 4k");
    }

    /**
     * Runs {@code convert args... SOURCE OUT} with qemu-img (OUT q.FMT) and jemu-img (OUT
     * j.FMT), expects the same messages, and compares the outputs through qemu-img.
     */
    private void sameAsQemu(String fmt, String... args) throws Exception {
        Path q = dir.resolve("q." + fmt);
        Path j = dir.resolve("j." + fmt);
        ImgRun expected = ImgRun.qemu(dir, convert(args, q)).asJemu();
        ImgRun actual = ImgRun.jemu(convert(args, j));
        assertEquals(expected, new ImgRun(actual.status(), actual.out(), actual.err().replace(j.toString(), q.toString())),
                String.join(" ", args));
        assertEquals(0, expected.status(), "qemu-img convert " + String.join(" ", args) + ": " + expected.err());
        ImgRun compare = ImgRun.qemu(dir, "compare", q.toString(), j.toString());
        assertEquals(new ImgRun(0, "Images are identical.\n", ""), compare, "qemu-img compare");
        assertEquals(map(q), map(j), "qemu-img map of the outputs, " + String.join(" ", args));
        if (fmt.equals("qcow2")) {
            assertEquals(0, ImgRun.qemu(dir, "check", "-q", j.toString()).status(), "qemu-img check");
        }
    }

    private String[] convert(String[] args, Path out) {
        List<String> all = new ArrayList<>(List.of("convert"));
        all.addAll(Arrays.asList(args));
        all.add(dir.resolve(source).toString());
        all.add(out.toString());
        return all.toArray(String[]::new);
    }

    /**
     * qemu-img map --output=json of {@code image} without host offsets (they depend on the order
     * clusters were allocated in), adjacent extents of the same kind merged (qemu-img splits them
     * where the host offsets are not contiguous).
     */
    private List<String> map(Path image) throws Exception {
        String json = ImgRun.qemuOk(dir, "map", "--output=json", image.toString());
        List<String> extents = new ArrayList<>();
        long start = 0;
        long end = 0;
        String kind = null;
        Matcher m = MAP_ENTRY.matcher(json);
        while (m.find()) {
            long s = Long.parseLong(m.group(1));
            long len = Long.parseLong(m.group(2));
            if (m.group(3).equals(kind) && s == end) {
                end += len;
                continue;
            }
            if (kind != null) {
                extents.add(start + "+" + (end - start) + " " + kind);
            }
            start = s;
            end = s + len;
            kind = m.group(3);
        }
        extents.add(start + "+" + (end - start) + " " + kind);
        return extents;
    }

    /** A file of {@code size} bytes of 0xff (an existing raw target). */
    private void filledRaw(Path path, int size) throws Exception {
        byte[] ff = new byte[size];
        Arrays.fill(ff, (byte) 0xff);
        Files.write(path, ff);
    }

    @ParameterizedTest
    @ValueSource(strings = {"raw", "qcow2"})
    void newTarget(String fmt) throws Exception {
        sameAsQemu(fmt, "-O", fmt);
    }

    @ParameterizedTest
    @ValueSource(strings = {"raw", "qcow2"})
    void fullyAllocated(String fmt) throws Exception {
        sameAsQemu(fmt, "-S", "0", "-O", fmt);
    }

    @ParameterizedTest
    @ValueSource(strings = {"raw", "qcow2"})
    void largeSparseGranuleOutOfOrderOneCoroutine(String fmt) throws Exception {
        sameAsQemu(fmt, "-S", "64k", "-W", "-m", "1", "-O", fmt);
    }

    @Test
    void compressed() throws Exception {
        sameAsQemu("qcow2", "-c", "-O", "qcow2");
    }

    @Test
    void targetWithBacking() throws Exception {
        sameAsQemu("qcow2", "-B", "base.qcow2", "-F", "qcow2", "-O", "qcow2");
    }

    @Test
    void existingRawTarget() throws Exception {
        filledRaw(dir.resolve("q.raw"), 4 << 20);
        filledRaw(dir.resolve("j.raw"), 4 << 20);
        sameAsQemu("raw", "-n", "-O", "raw");
    }

    @Test
    void existingQcow2Target() throws Exception {
        for (String t : new String[] {"q.qcow2", "j.qcow2"}) {
            ImgRun.qemuOk(dir, "create", "-q", "-f", "qcow2", t, "4M");
            ImgRun.qemuIo(dir, "qcow2", t, "write -P 0x77 0 4M");
        }
        sameAsQemu("qcow2", "-n", "-O", "qcow2");
    }

    @Test
    void rawSource() throws Exception {
        ImgRun.qemuOk(dir, "convert", "-O", "raw", "src.qcow2", "flat.raw");
        source = "flat.raw";
        sameAsQemu("qcow2", "-f", "raw", "-O", "qcow2");
        sameAsQemu("raw", "-f", "raw", "-O", "raw");
    }
}
