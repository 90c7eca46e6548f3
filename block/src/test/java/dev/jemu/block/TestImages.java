package dev.jemu.block;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** Helpers shared by the block tests: running qemu-img/qemu-io and reading/writing nodes synchronously. */
public final class TestImages {
    private TestImages() {
    }

    /** Result of an external command. */
    public record Run(int exit, String out, String err) {
    }

    /** Runs a command, returning its exit code and output (bounded to 60 s). */
    public static Run exec(String... cmd) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Process p = pb.start();
        try (InputStream out = p.getInputStream(); InputStream err = p.getErrorStream()) {
            byte[] o = out.readAllBytes();
            byte[] e = err.readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("command timed out: " + String.join(" ", cmd));
            }
            return new Run(p.exitValue(), new String(o, StandardCharsets.UTF_8), new String(e, StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /** Runs a command that must succeed; returns its standard output. */
    public static String ok(String... cmd) throws IOException {
        Run r = exec(cmd);
        if (r.exit() != 0) {
            fail(String.join(" ", cmd) + " exited " + r.exit() + ": " + r.err() + r.out());
        }
        return r.out();
    }

    /** qemu-io with the given -c commands on an image of format {@code fmt}. */
    public static void qemuIo(Path img, String fmt, String... commands) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("qemu-io", "-f", fmt));
        for (String c : commands) {
            cmd.add("-c");
            cmd.add(c);
        }
        cmd.add(img.toString());
        String out = ok(cmd.toArray(new String[0]));
        if (out.contains("error") || out.contains("failed")) {
            fail("qemu-io reported: " + out);
        }
    }

    /** Asserts {@code qemu-img check} finds neither errors nor leaks. */
    public static void assertCleanCheck(Path img) throws IOException {
        Run r = exec("qemu-img", "check", img.toString());
        assertEquals(0, r.exit(), "qemu-img check of " + img + ":\n" + r.out() + r.err());
    }

    /** Asserts qemu-img sees the same guest content in both images. */
    public static void assertSameContent(Path a, Path b) throws IOException {
        Run r = exec("qemu-img", "compare", a.toString(), b.toString());
        assertEquals(0, r.exit(), "qemu-img compare " + a + " " + b + ":\n" + r.out() + r.err());
    }

    /** Opens an image read-only or read-write with format {@code fmt} (null: probe). */
    public static BlockDriverState open(Path img, String fmt, boolean readOnly) throws IOException {
        return BlockGraph.open(img.toString(), fmt, readOnly, CacheMode.WRITEBACK);
    }

    /** Reads {@code len} bytes at {@code off} of a node. */
    public static byte[] read(BlockDriverState bs, long off, int len) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(len);
        SyncIo.run(() -> bs.coPreadv(off, b, 0, len));
        return b.array();
    }

    /** Writes {@code data} at {@code off} of a node. */
    public static void write(BlockDriverState bs, long off, byte[] data) throws IOException {
        SyncIo.run(() -> bs.coPwritev(off, ByteBuffer.wrap(data), 0, data.length, 0));
    }

    /** Flushes, drains and closes a node. */
    public static void close(BlockDriverState bs) throws IOException {
        bs.drain();
        if (!bs.isReadOnly()) {
            SyncIo.run(bs::coFlush);
        }
        bs.close();
    }

    /** The whole content of a raw file. */
    public static byte[] bytes(Path p) throws IOException {
        return Files.readAllBytes(p);
    }

    /** A buffer of {@code len} bytes of a deterministic pattern seeded by {@code seed}. */
    public static byte[] pattern(int len, int seed) {
        byte[] b = new byte[len];
        int x = seed * 31 + 7;
        for (int i = 0; i < len; i++) {
            x = x * 1103515245 + 12345;
            b[i] = (byte) (x >>> 16);
        }
        return b;
    }

    /** Overwrites bytes of a file. */
    public static void poke(Path img, long off, byte[] bytes) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.seek(off);
            f.write(bytes);
        }
    }

    /** Overwrites a big-endian long of a file. */
    public static void pokeLong(Path img, long off, long v) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.seek(off);
            f.writeLong(v);
        }
    }

    /** Overwrites a big-endian int of a file. */
    public static void pokeInt(Path img, long off, int v) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.seek(off);
            f.writeInt(v);
        }
    }

    /** Reads a big-endian long of a file. */
    public static long peekLong(Path img, long off) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "r")) {
            f.seek(off);
            return f.readLong();
        }
    }
}
