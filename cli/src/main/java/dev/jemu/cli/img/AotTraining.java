package dev.jemu.cli.img;

import java.nio.file.Path;

/**
 * The training run of jemu-img's ahead-of-time cache ({@code bin/jemu-env}): in one JVM, the
 * commands whose loaded classes and method profiles the cache records, so that later runs start
 * with them: {@code info} of a qcow2 image, {@code convert} of a half-allocated qcow2 image to
 * raw and to qcow2, and {@code bench} reads and writes at queue depth 1 and 64 on raw and qcow2
 * images (through the page cache: the directory may be on a file system without O_DIRECT). The
 * images are made in the directory given; the commands' output goes to standard output. Main
 * thread only.
 */
public final class AotTraining {
    private AotTraining() {
    }

    /** {@code AotTraining DIR}: exits 0 when every command succeeded, 1 otherwise. */
    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: AotTraining DIR");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        String qcow2 = dir.resolve("train.qcow2").toString();
        String raw = dir.resolve("train.raw").toString();
        String copy = dir.resolve("copy.qcow2").toString();
        String step = String.valueOf(4096 * 1021);
        String[][] commands = {
            {"create", "-q", "-f", "qcow2", qcow2, "64M"},
            {"bench", "-q", "-w", "-f", "qcow2", "-c", "32", "-d", "8", "-s", "1M", "-S", "2M", "--pattern", "51", qcow2},
            {"info", qcow2},
            {"convert", "-O", "raw", qcow2, raw},
            {"convert", "-O", "qcow2", qcow2, copy},
            {"bench", "-f", "raw", "-c", "20000", "-d", "1", "-S", step, raw},
            {"bench", "-f", "qcow2", "-c", "20000", "-d", "64", "-S", step, "-i", "io_uring", copy},
            {"bench", "-f", "raw", "-w", "-c", "20000", "-d", "64", "-S", step, "-i", "io_uring", raw},
        };
        for (String[] command : commands) {
            if (JemuImg.run(command) != 0) {
                System.exit(1);
            }
        }
        System.exit(0);
    }
}
