package dev.jemu.cli.img;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code compare} and {@code compare -s} of every pair of a set of images, byte for byte beside
 * qemu-img: qcow2 with data, zero and discarded clusters, a snapshot and a backing file, the
 * same content flattened, compressed, converted to raw, a raw image of another size, empty
 * images. Strict mode's block status takes in whether data has a host offset (a compressed
 * cluster has none) and where an extent reaches the end of the image, as qemu-img's does.
 */
class ImgCompareTest {
    @TempDir
    Path dir;

    @Test
    void everyPairComparesAsInQemuImg() throws Exception {
        ImgRun.qemuOk(dir, "create", "-q", "-f", "qcow2", "a.qcow2", "64M");
        ImgRun.qemuIo(dir, "qcow2", "a.qcow2", "write -P 0x11 0 1M", "write -z 2M 1M", "write -P 0x22 5M 64k");
        ImgRun.qemuOk(dir, "create", "-q", "-f", "qcow2", "-b", "a.qcow2", "-F", "qcow2", "b.qcow2");
        ImgRun.qemuIo(dir, "qcow2", "b.qcow2", "write -P 0x33 512k 1M", "discard 5M 64k");
        ImgRun.qemuOk(dir, "convert", "-c", "-O", "qcow2", "a.qcow2", "c.qcow2");
        ImgRun.qemuOk(dir, "snapshot", "-c", "snap1", "a.qcow2");
        ImgRun.qemuOk(dir, "convert", "-O", "raw", "a.qcow2", "ar.raw");
        ImgRun.qemuOk(dir, "convert", "-O", "qcow2", "b.qcow2", "b2.qcow2");
        ImgRun.qemuOk(dir, "create", "-q", "-f", "raw", "z.raw", "64M");
        ImgRun.qemuOk(dir, "create", "-q", "-f", "qcow2", "e.qcow2", "64M");
        ImgRun.qemuOk(dir, "create", "-q", "-f", "raw", "r.raw", "16M");
        ImgRun.qemuIo(dir, "raw", "r.raw", "write -P 0x44 1M 1M");
        List<String> images = List.of("a.qcow2", "b.qcow2", "c.qcow2", "ar.raw", "b2.qcow2", "z.raw", "e.qcow2", "r.raw");
        for (String x : images) {
            for (String y : images) {
                for (List<String> args : List.of(List.of("compare"), List.of("compare", "-s"))) {
                    String[] line = Stream.concat(args.stream(), Stream.of(dir.resolve(x).toString(),
                            dir.resolve(y).toString())).toArray(String[]::new);
                    assertEquals(ImgRun.qemu(dir, line).asJemu(), ImgRun.jemu(line), String.join(" ", line));
                }
            }
        }
    }
}
