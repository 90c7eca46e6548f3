package dev.jemu.cli.img;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code measure}: output, errors and status byte for byte against qemu-img 7.2 on the same images. */
class ImgMeasureTest {
    @TempDir
    Path dir;

    /** top.qcow2 (v3, data in two clusters, backed by base.qcow2 with data), v2.qcow2, a sparse raw with data. */
    @BeforeEach
    void makeImages() throws Exception {
        ImgRun.qemuOk(dir, "create", "-q", "-f", "qcow2", "base.qcow2", "6M");
        ImgRun.qemuIo(dir, "qcow2", "base.qcow2", "write -P 1 3M 200k");
        ImgRun.qemuOk(dir, "create", "-q", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", "top.qcow2");
        ImgRun.qemuIo(dir, "qcow2", "top.qcow2", "write -P 2 0 4k", "write -P 3 1M 64k", "write -z 3M 64k");
        ImgRun.qemuOk(dir, "create", "-q", "-f", "qcow2", "-o", "compat=0.10", "v2.qcow2", "1M");
        ImgRun.qemuOk(dir, "create", "-q", "-f", "raw", "r.raw", "3M");
        ImgRun.qemuIo(dir, "raw", "r.raw", "write -P 4 1M 8k", "write -P 5 2M 1k");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "-O qcow2 --size 1G", "-O raw --size 1G", "--size 1G", "-O qcow2 --size 0", "-O qcow2 --size 1000",
        "-O qcow2 --size 1T", "-O qcow2 --size 1G --output=json", "-O raw -o preallocation=full --size 1000",
        "-O qcow2 -o cluster_size=4k --size 100M", "-O qcow2 -o cluster_size=2M --size 10G",
        "-O qcow2 -o cluster_size=512,refcount_bits=64 --size 100G", "-O qcow2 -o refcount_bits=1 --size 2G",
        "-O qcow2 -o lazy_refcounts=on --size 2G", "-O qcow2 -o preallocation=metadata --size 1G",
        "-O qcow2 -o preallocation=full --size 1G",
        "-O qcow2 @top.qcow2", "-O qcow2 --output=json @top.qcow2", "-O qcow2 -o compat=0.10 @top.qcow2",
        "--output=json -O qcow2 -o compat=0.10 @top.qcow2", "-O qcow2 -o cluster_size=512 @top.qcow2",
        "-O raw @top.qcow2", "-O qcow2 @base.qcow2", "-O qcow2 @v2.qcow2", "-O qcow2 -f raw @r.raw",
        "-O qcow2 -o cluster_size=4k -f raw @r.raw",
        "-O qcow2 --size 1G @r.raw", "-O qcow2", "-O qcow2 @r.raw @v2.qcow2", "-O qcow2 --size -1",
    })
    void sameAsQemuImg(String line) throws Exception {
        String[] words = line.split(" ");
        String[] args = new String[words.length + 1];
        args[0] = "measure";
        for (int i = 0; i < words.length; i++) {
            args[i + 1] = words[i].startsWith("@") ? dir.resolve(words[i].substring(1)).toString() : words[i];
        }
        assertEquals(ImgRun.qemu(dir, args).asJemu(), ImgRun.jemu(args), line);
    }
}
