package dev.jemu.tests.boot;

import dev.jemu.tests.guest.GuestProcess;
import dev.jemu.tests.guest.GuestRun;
import dev.jemu.tests.guest.Nasm;
import dev.jemu.tests.guest.Workspace;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The disks of the boot tests: raw images filled with the {@linkplain #readPattern read
 * pattern} that {@code images/disk/diskboot.asm} documents, with the guest's stage in front
 * of the boot disk; conversions to qcow2 and overlays made with Debian's {@code qemu-img}; and
 * the checksum the guest prints, computed here from the pattern, independently of any emulator.
 */
final class DiskImages {
    static final int SECTOR = 512;
    static final Duration TOOL_TIMEOUT = Duration.ofSeconds(60);

    private DiskImages() {
    }

    /** Byte {@code x} of a pattern disk. */
    static int readPattern(long x) {
        return (int) ((x / SECTOR * 7 + x % SECTOR * 13 + 0x5A) & 0xFF);
    }

    /** Byte {@code i} of sector {@code k} as the WRITE guest writes it. */
    static int writePattern(long k, int i) {
        return (int) ((k * 3 + i * 5 + 0xC3) & 0xFF);
    }

    /** The guest stage for {@code mode} ("READ" or "WRITE"), assembled afresh into {@code dir}. */
    static byte[] stage(Workspace ws, Path dir, String mode) throws IOException, InterruptedException {
        Path out = dir.resolve("diskboot-" + mode.toLowerCase() + ".bin");
        Nasm.assemble(ws, ws.images().resolve("disk/diskboot.asm"), List.of("MODE_" + mode), out);
        return Files.readAllBytes(out);
    }

    /** A raw image of {@code size} bytes holding the read pattern, with {@code stage} (or nothing) in front. */
    static Path patternDisk(Path file, long size, byte[] stage) throws IOException {
        byte[] sector = new byte[SECTOR * 256];
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(size);
            for (long at = 0; at < size; at += sector.length) {
                for (int i = 0; i < sector.length; i++) {
                    sector[i] = (byte) readPattern(at + i);
                }
                f.seek(at);
                f.write(sector, 0, (int) Math.min(sector.length, size - at));
            }
            if (stage != null) {
                f.seek(0);
                f.write(stage);
            }
        }
        return file;
    }

    /** The guest's checksum of {@code count} sectors from {@code lba} of a pattern disk. */
    static long patternSum(long lba, int count) {
        int sum = 0;
        for (long x = lba * SECTOR; x < (lba + count) * SECTOR; x += 4) {
            int d = readPattern(x) | readPattern(x + 1) << 8 | readPattern(x + 2) << 16 | readPattern(x + 3) << 24;
            sum = Integer.rotateLeft(sum, 3) + d;
        }
        return sum & 0xFFFF_FFFFL;
    }

    /** The guest's checksum of {@code count} sectors from sector {@code first} of the write pattern. */
    static long writeSum(long first, int count) {
        int sum = 0;
        for (long k = first; k < first + count; k++) {
            for (int i = 0; i < SECTOR; i += 4) {
                int d = writePattern(k, i) | writePattern(k, i + 1) << 8 | writePattern(k, i + 2) << 16
                        | writePattern(k, i + 3) << 24;
                sum = Integer.rotateLeft(sum, 3) + d;
            }
        }
        return sum & 0xFFFF_FFFFL;
    }

    /** Runs {@code qemu-img} with {@code args}; fails with its first error line. */
    static void qemuImg(Path logDir, String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("qemu-img"));
        command.addAll(List.of(args));
        GuestRun run = GuestProcess.run(command, TOOL_TIMEOUT, logDir, "qemu-img-" + args[0]);
        if (run.timedOut() || run.exitStatus() != 0) {
            throw new IOException("qemu-img " + String.join(" ", args) + ": " + run.stderr().lines().findFirst().orElse(run.summary()));
        }
    }

    /** The guest-visible contents of {@code image} (any format), as raw bytes through qemu-img. */
    static byte[] contents(Path image, Path logDir) throws IOException, InterruptedException {
        Path raw = logDir.resolve(image.getFileName() + ".contents.raw");
        qemuImg(logDir, "convert", "-U", "-O", "raw", image.toString(), raw.toString());
        byte[] bytes = Files.readAllBytes(raw);
        Files.delete(raw);
        return bytes;
    }
}
