package dev.jemu.cli.img;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code convert -B backing -F fmt}: the output of jemu-img and of qemu-img 7.2 from the same
 * source, compared through qemu-img (content with {@code compare}, the allocation map of the top
 * layer, the backing file it names, a clean {@code check}), and the same errors.
 */
class ImgConvertBackingTest {
    @TempDir
    Path dir;

    /** base: 1 MiB of 0x11; top over it: 0x22 at 64k, a zero cluster at 256k, the rest from base. */
    @BeforeEach
    void makeChain() throws Exception {
        ImgRun.qemuOk(dir, "create", "-q", "-f", "qcow2", "base.qcow2", "1M");
        ImgRun.qemuIo(dir, "qcow2", "base.qcow2", "write -P 0x11 0 1M");
        ImgRun.qemuOk(dir, "create", "-q", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", "top.qcow2");
        ImgRun.qemuIo(dir, "qcow2", "top.qcow2", "write -P 0x22 64k 64k", "write -z 256k 64k", "write -P 0 512k 4k");
    }

    /** Runs {@code convert args... top.qcow2 OUT} with both tools (OUT: q.qcow2, j.qcow2); compares what they print. */
    private void sameAsQemu(String... args) throws Exception {
        ImgRun q = ImgRun.qemu(dir, withFiles(args, "q.qcow2")).asJemu();
        boolean qemuMade = Files.exists(dir.resolve("q.qcow2"));
        ImgRun j = ImgRun.jemu(withFiles(args, "j.qcow2"));
        String err = q.err().replace("q.qcow2", "j.qcow2");
        assertEquals(new ImgRun(q.status(), q.out(), err.isEmpty() || err.endsWith("\n") ? err : err + "\n"), j,
                String.join(" ", args));
        assertEquals(qemuMade, Files.exists(dir.resolve("j.qcow2")), "output created");
    }

    /** {@code convert args... DIR/top.qcow2 DIR/out}: absolute names, as jemu-img runs in another directory. */
    private String[] withFiles(String[] args, String out) {
        String[] all = new String[args.length + 3];
        all[0] = "convert";
        System.arraycopy(args, 0, all, 1, args.length);
        all[args.length + 1] = dir.resolve("top.qcow2").toString();
        all[args.length + 2] = dir.resolve(out).toString();
        return all;
    }

    /** Both outputs have the same guest content, top-layer map, backing file, and no errors. */
    private void sameOutputs() throws Exception {
        assertEquals(0, ImgRun.qemu(dir, "compare", "q.qcow2", "j.qcow2").status(), "qemu-img compare");
        assertEquals(topMap("q.qcow2"), topMap("j.qcow2"), "allocation map");
        assertEquals(backingLines("q.qcow2"), backingLines("j.qcow2"));
        assertEquals(0, ImgRun.qemu(dir, "check", "-q", "j.qcow2").status(), "qemu-img check");
    }

    /** qemu-img map --output=json without host offsets (which depend on allocation order). */
    private String topMap(String image) throws Exception {
        return ImgRun.qemuOk(dir, "map", "--output=json", image).replaceAll(", \"offset\": [0-9]+", "");
    }

    private String backingLines(String image) throws Exception {
        return String.join("\n", ImgRun.qemuOk(dir, "info", image).lines()
                .filter(l -> l.startsWith("backing file")).toList());
    }

    @Test
    void onlyTheTopLayerIsCopied() throws Exception {
        sameAsQemu("-B", "base.qcow2", "-F", "qcow2", "-O", "qcow2");
        sameOutputs();
        assertEquals(true, topMap("j.qcow2").contains("\"depth\": 1"), "ranges left to the backing file");
    }

    @Test
    void compressedWithBacking() throws Exception {
        sameAsQemu("-c", "-B", "base.qcow2", "-F", "qcow2", "-O", "qcow2");
        sameOutputs();
    }

    @Test
    void onAnExistingTarget() throws Exception {
        for (String t : new String[] {"q.qcow2", "j.qcow2"}) {
            ImgRun.qemuOk(dir, "create", "-q", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", t);
        }
        sameAsQemu("-n", "-B", "base.qcow2", "-F", "qcow2", "-O", "qcow2");
        sameOutputs();
    }

    @Test
    void errorsAsQemuImg() throws Exception {
        sameAsQemu("-B", "base.qcow2", "-O", "qcow2");
        sameAsQemu("-B", "base.qcow2", "-F", "qcow2", "-O", "raw");
        sameAsQemu("-F", "qcow2", "-O", "raw");
        sameAsQemu("-F", "qcow2", "-O", "qcow2");
        Files.deleteIfExists(dir.resolve("q.qcow2"));
        Files.deleteIfExists(dir.resolve("j.qcow2"));
        sameAsQemu("-B", "none.qcow2", "-F", "qcow2", "-O", "qcow2");
    }
}
