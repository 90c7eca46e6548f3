package dev.jemu.cli.img;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code --output=json} and the human layouts of info, check and map, byte for byte against
 * qemu-img 7.2 on the same images.
 */
class ImgJsonTest {
    @TempDir
    Path dir;

    /** base.qcow2 <- top.qcow2 with data in both, an internal snapshot in top, and a raw image. */
    @BeforeEach
    void makeImages() throws Exception {
        ImgRun.qemuOk(dir, "create", "-q", "-f", "qcow2", "base.qcow2", "4M");
        ImgRun.qemuIo(dir, "qcow2", "base.qcow2", "write -P 0x11 2M 128k");
        ImgRun.qemuOk(dir, "create", "-q", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", "top.qcow2");
        ImgRun.qemuIo(dir, "qcow2", "top.qcow2", "write -P 0x22 0 64k", "write -z 1M 64k", "write -P 0x33 3M 64k");
        ImgRun.qemuOk(dir, "snapshot", "-c", "snap1", "top.qcow2");
        ImgRun.qemuOk(dir, "create", "-q", "-f", "qcow2", "-o", "compat=0.10", "v2.qcow2", "1M");
        ImgRun.qemuOk(dir, "create", "-q", "-f", "raw", "r.raw", "1M");
    }

    /** qemu-img and jemu-img print the same standard output and exit with the same status. */
    private void sameOutput(String... args) throws Exception {
        String[] absolute = args.clone();
        absolute[absolute.length - 1] = dir.resolve(args[args.length - 1]).toString();
        ImgRun expected = ImgRun.qemu(dir, absolute);
        ImgRun actual = ImgRun.jemu(absolute);
        assertEquals(expected.status(), actual.status(), String.join(" ", args) + ": " + actual.err());
        assertEquals(expected.out(), actual.out(), String.join(" ", args));
    }

    @Test
    void infoMatchesQemuImg() throws Exception {
        for (String image : new String[] {"top.qcow2", "base.qcow2", "v2.qcow2"}) {
            sameOutput("info", "--output=json", image);
            sameOutput("info", "--output=json", "--backing-chain", image);
            sameOutput("info", image);
        }
        sameOutput("info", "--output=json", "-f", "raw", "r.raw");
        // Non-ASCII and quotes in a name are escaped as qemu-img escapes them.
        ImgRun.qemuOk(dir, "create", "-q", "-f", "raw", "\u00e9\"q.raw", "64k");
        sameOutput("info", "--output=json", "-f", "raw", "\u00e9\"q.raw");
        sameOutput("info", "-f", "raw", "r.raw");
    }

    /**
     * A snapshot written before QEMU 5.0 has 16 bytes of extra data and no instruction count:
     * qemu-img prints no "icount" key and an empty ICOUNT column.
     */
    @Test
    void snapshotWithoutInstructionCountMatchesQemuImg() throws Exception {
        Path image = dir.resolve("top.qcow2");
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long table = read64(ch, 64);
            ByteBuffer entry = ByteBuffer.allocate(4096);
            ch.read(entry, table);
            int extra = entry.getInt(36);
            int names = Short.toUnsignedInt(entry.getShort(12)) + Short.toUnsignedInt(entry.getShort(14));
            assertEquals(24, extra, "QEMU 7.2 writes 24 bytes of extra data");
            // Drop the 8-byte icount at the end of the extra data: the id and name move up.
            System.arraycopy(entry.array(), 40 + extra, entry.array(), 40 + 16, names);
            entry.putInt(36, 16);
            ch.write(ByteBuffer.wrap(entry.array(), 0, 40 + 16 + names), table);
        }
        sameOutput("info", "--output=json", "top.qcow2");
        sameOutput("info", "top.qcow2");
        sameOutput("snapshot", "-l", "top.qcow2");
    }

    @Test
    void infoOfAnNbdExportHasNoDiskSizeAndNoDirtyFlag() throws Exception {
        Path sock = dir.resolve("n.sock");
        Path pid = dir.resolve("n.pid");
        Process server = new ProcessBuilder("qemu-nbd", "--fork", "--pid-file=" + pid, "-t", "-k", sock.toString(),
                "-f", "qcow2", "-x", "e", dir.resolve("top.qcow2").toString()).redirectErrorStream(true).start();
        assertEquals(0, server.waitFor(), new String(server.getInputStream().readAllBytes()));
        long serverPid = Long.parseLong(java.nio.file.Files.readString(pid).trim());
        try {
            String uri = "nbd+unix:///e?socket=" + sock;
            for (String[] args : new String[][] {{"info", uri}, {"info", "--output=json", uri},
                    {"map", "--output=json", uri}}) {
                ImgRun expected = ImgRun.qemu(dir, args);
                assertEquals(expected, ImgRun.jemu(args));
            }
        } finally {
            ProcessHandle.of(serverPid).ifPresent(ProcessHandle::destroy);
        }
    }

    @Test
    void mapMatchesQemuImg() throws Exception {
        for (String image : new String[] {"top.qcow2", "base.qcow2", "v2.qcow2"}) {
            sameOutput("map", "--output=json", image);
            sameOutput("map", image);
        }
    }

    @Test
    void checkMatchesQemuImgOnCleanCorruptAndRepairedImages() throws Exception {
        sameOutput("check", "--output=json", "top.qcow2");
        sameOutput("check", "top.qcow2");
        Path leaky = dir.resolve("leaky.qcow2");
        java.nio.file.Files.copy(dir.resolve("top.qcow2"), leaky);
        Path leakyCopy = dir.resolve("leaky2.qcow2");
        setRefcounts(leaky, 1, 40, 41);
        java.nio.file.Files.copy(leaky, leakyCopy);
        // Repairing the leaks: the JSON has leaks-fixed; each tool repairs its own copy.
        ImgRun expected = ImgRun.qemu(dir, "check", "-r", "leaks", "--output=json", leaky.toString());
        ImgRun actual = ImgRun.jemu("check", "-r", "leaks", "--output=json", leakyCopy.toString());
        assertEquals(expected.status(), actual.status(), actual.err());
        assertEquals(expected.out().replace("leaky.qcow2", "leaky2.qcow2"), actual.out());
        // A data cluster whose refcount is 0: corruptions, exit status 2.
        Path corrupt = dir.resolve("corrupt.qcow2");
        java.nio.file.Files.copy(dir.resolve("base.qcow2"), corrupt);
        setRefcounts(corrupt, 0, dataClusterOf(corrupt));
        sameOutput("check", "--output=json", "corrupt.qcow2");
        sameOutput("check", "corrupt.qcow2");
    }

    /** The cluster index of the first data cluster of a qcow2 image (the one its first L2 table points to). */
    private static long dataClusterOf(Path image) throws IOException {
        try (FileChannel ch = FileChannel.open(image)) {
            long l1 = read64(ch, 40);
            long l2 = read64(ch, l1) & 0x00ff_ffff_ffff_fe00L;
            for (long off = l2; ; off += 8) {
                long entry = read64(ch, off) & 0x00ff_ffff_ffff_fe00L;
                if (entry != 0) {
                    return entry >> 16;
                }
            }
        }
    }

    /** Writes {@code value} as the 16-bit refcount of each of {@code clusters} (64k clusters, first refcount block). */
    private static void setRefcounts(Path image, int value, long... clusters) throws IOException {
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long block = read64(ch, read64(ch, 48));
            for (long c : clusters) {
                ch.write(ByteBuffer.allocate(2).putShort(0, (short) value), block + 2 * c);
            }
            long end = (clusters[clusters.length - 1] + 1) << 16;
            if (ch.size() < end) {
                ch.write(ByteBuffer.allocate(1), end - 1);
            }
        }
    }

    private static long read64(FileChannel ch, long pos) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8);
        ch.read(b, pos);
        return b.getLong(0);
    }
}
