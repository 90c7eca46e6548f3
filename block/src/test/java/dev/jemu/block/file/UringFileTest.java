package dev.jemu.block.file;

import dev.jemu.aio.AioContext;
import dev.jemu.aio.AioEngine;
import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockException;
import dev.jemu.block.BlockGraph;
import dev.jemu.block.BlockOptions;
import dev.jemu.block.SyncIo;
import dev.jemu.block.TestImages;
import dev.jemu.coroutine.Coroutine;
import io.netty.channel.unix.FileDescriptor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The file driver's {@code aio=} option and its io_uring engine, checked against qemu-io. */
class UringFileTest {
    private static final int REQUESTS = 32;
    private static final long STRIDE = 1 << 20;

    @TempDir
    Path dir;

    private static BlockDriverState openFile(Path p, String aio, boolean direct) throws IOException {
        BlockOptions opts = BlockOptions.empty().put("driver", "file").put("filename", p.toString())
                .put("cache.direct", direct ? "on" : "off");
        if (aio != null) {
            opts.put("aio", aio);
        }
        return BlockGraph.open(opts);
    }

    /** The body of a test, run on a thread of its own. */
    private interface Body {
        void run() throws Throwable;
    }

    /** Runs {@code body} on a new thread whose context runs on {@code engine}, whatever the suite's engine. */
    private static void onContext(AioEngine engine, Body body) throws Throwable {
        Throwable[] failure = new Throwable[1];
        Thread t = new Thread(() -> {
            AioContext ctx = AioContext.create(engine);
            try {
                body.run();
            } catch (Throwable e) {
                failure[0] = e;
            } finally {
                ctx.close();
            }
        });
        t.start();
        t.join();
        if (failure[0] != null) {
            throw failure[0];
        }
    }

    private static String openError(Path p, String aio) {
        return assertThrows(BlockException.class, () -> openFile(p, aio, false)).getMessage();
    }

    @Test
    void aioTakesQemusValuesAndRefusesOthersInQemusWords() throws IOException {
        Path p = dir.resolve("a.raw");
        Files.write(p, new byte[4096]);
        // qemu-io --image-opts driver=file,filename=a.raw,aio=foo: "invalid parameter value: foo"
        assertEquals("invalid parameter value: foo", openError(p, "foo"));
        assertEquals("aio=native was specified, but is not supported in this build.", openError(p, "native"));
        for (String aio : new String[] {"threads", "io_uring"}) {
            openFile(p, aio, false).close();
        }
        assertEquals(FileAio.IO_URING, FileAio.defaultMode(), "io_uring works on this host: it is the default");
    }

    /** {@code REQUESTS} coroutines each write 4 KiB of their own pattern at once, in the caller's context. */
    private static void writeConcurrently(BlockDriverState bs) throws IOException {
        boolean[] done = new boolean[REQUESTS];
        IOException[] failure = new IOException[1];
        for (int i = 0; i < REQUESTS; i++) {
            int index = i;
            ByteBuffer buf = BlockDriverState.alignedBuffer(4096, 4096);
            buf.put(0, filled(4096, (byte) (0x40 + i)));
            Coroutine.create(opaque -> {
                try {
                    bs.coPwritev(index * STRIDE + 4096, buf, 0, 4096, 0);
                } catch (IOException e) {
                    failure[0] = e;
                }
                done[index] = true;
            }, null).enter();
        }
        awaitAll(done, failure);
    }

    /** Runs the current context until every request is done; rethrows the first failure. */
    private static void awaitAll(boolean[] done, IOException[] failure) throws IOException {
        AioContext ctx = AioContext.current();
        for (int i = 0; i < done.length; i++) {
            while (!done[i]) {
                ctx.poll(true);
            }
        }
        if (failure[0] != null) {
            throw failure[0];
        }
    }

    private static byte[] filled(int length, byte value) {
        byte[] b = new byte[length];
        Arrays.fill(b, value);
        return b;
    }

    private static ByteBuffer direct(byte[] data) {
        return ByteBuffer.allocateDirect(data.length).put(0, data);
    }

    private static String[] patternChecks() {
        List<String> checks = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
            checks.add(String.format("read -P 0x%x %d 4096", 0x40 + i, i * STRIDE + 4096));
            checks.add(String.format("read -P 0 %d 4096", i * STRIDE));
        }
        return checks.toArray(new String[0]);
    }

    @Test
    void concurrentWritesOnTheRingLandWhereQemuIoFindsThem() throws Throwable {
        for (boolean direct : new boolean[] {false, true}) {
            Path p = dir.resolve("w" + direct + ".raw");
            TestImages.ok("qemu-img", "create", "-q", "-f", "raw", p.toString(), "40M");
            onContext(AioEngine.IO_URING, () -> {
                BlockDriverState bs = openFile(p, "io_uring", direct);
                writeConcurrently(bs);
                TestImages.close(bs);
            });
            TestImages.qemuIo(p, "raw", patternChecks());
        }
    }

    /**
     * Writes from heap buffers go through native bounce buffers whose address is all the ring
     * holds: a collection while the writes are queued must not free them. In each round every
     * write is queued, then the heap is collected and freed native memory is handed out again
     * and scribbled on, and only then does the loop submit. The later rounds run the write path
     * compiled, where a local that is no longer read is no longer a root.
     */
    @Test
    void heapBufferWritesSurviveACollectionWhileQueued() throws Throwable {
        Path p = dir.resolve("gc.raw");
        int rounds = 120;
        int size = REQUESTS * rounds * 4096;
        TestImages.ok("qemu-img", "create", "-q", "-f", "raw", p.toString(), Integer.toString(size));
        onContext(AioEngine.IO_URING, () -> {
            BlockDriverState bs = openFile(p, "io_uring", false);
            for (int round = 0; round < rounds; round++) {
                writeHeapBuffersAcrossACollection(bs, round);
            }
            TestImages.close(bs);
        });
        byte[] file = Files.readAllBytes(p);
        for (int at = 0; at < size; at += 4096) {
            byte want = (byte) (at / 4096);
            for (int k = at; k < at + 4096; k++) {
                if (file[k] != want) {
                    fail("byte " + k + " of the file is 0x" + Integer.toHexString(file[k] & 0xff) + ", not 0x"
                            + Integer.toHexString(want & 0xff));
                }
            }
        }
    }

    /** Block {@code round * REQUESTS + i} holds the byte of its own number, written from the heap. */
    private static void writeHeapBuffersAcrossACollection(BlockDriverState bs, int round) throws IOException {
        boolean[] done = new boolean[REQUESTS];
        IOException[] failure = new IOException[1];
        for (int i = 0; i < REQUESTS; i++) {
            int index = i;
            long block = (long) round * REQUESTS + i;
            Coroutine.create(opaque -> {
                try {
                    bs.coPwritev(block * 4096, ByteBuffer.wrap(filled(4096, (byte) block)), 0, 4096, 0);
                } catch (IOException e) {
                    failure[0] = e;
                }
                done[index] = true;
            }, null).enter();
        }
        ReferenceQueue<Object> collected = new ReferenceQueue<>();
        WeakReference<Object> sentinel = new WeakReference<>(new Object(), collected);
        System.gc();
        try {
            collected.remove(10_000);
        } catch (InterruptedException e) {
            throw new IOException(e);
        }
        assertTrue(sentinel.refersTo(null), "a collection ran");
        List<ByteBuffer> scribbles = new ArrayList<>();
        for (int i = 0; i < 2 * REQUESTS; i++) {
            scribbles.add(ByteBuffer.allocateDirect(4096 + 8).put(0, filled(4096 + 8, (byte) 0xEE)));
        }
        awaitAll(done, failure);
        assertEquals(2 * REQUESTS, scribbles.size());
    }

    @Test
    void readsOnTheRingSeeWhatQemuIoWroteAndZeroesPastTheEnd() throws Throwable {
        Path p = dir.resolve("r.raw");
        TestImages.ok("qemu-img", "create", "-q", "-f", "raw", p.toString(), "1M");
        TestImages.qemuIo(p, "raw", "write -P 0x5a 4096 8192", "write -P 0xa5 1044480 4096");
        onContext(AioEngine.IO_URING, () -> readBack(p));
    }

    private static void readBack(Path p) throws IOException {
        for (boolean direct : new boolean[] {false, true}) {
            BlockDriverState bs = openFile(p, "io_uring", direct);
            assertArrayEquals(filled(8192, (byte) 0x5a), TestImages.read(bs, 4096, 8192));
            byte[] tail = TestImages.read(bs, (1 << 20) - 4096, 4096);
            assertArrayEquals(filled(4096, (byte) 0xa5), tail);
            ByteBuffer past = BlockDriverState.alignedBuffer(8192, 4096);
            past.put(0, filled(8192, (byte) 1));
            SyncIo.run(() -> bs.driver().coPreadv((1 << 20) - 4096, past, 0, 8192));
            byte[] expected = filled(8192, (byte) 0);
            Arrays.fill(expected, 0, 4096, (byte) 0xa5);
            byte[] got = new byte[8192];
            past.get(0, got);
            assertArrayEquals(expected, got, "direct=" + direct);
            bs.close();
        }
    }

    @Test
    void aRingDriverUsedFromAnEpollContextFallsBackToThreads() throws Throwable {
        Path p = dir.resolve("e.raw");
        TestImages.ok("qemu-img", "create", "-q", "-f", "raw", p.toString(), "40M");
        onContext(AioEngine.EPOLL, () -> {
            BlockDriverState bs = openFile(p, "io_uring", true);
            writeConcurrently(bs);
            for (int i = 0; i < REQUESTS; i++) {
                assertArrayEquals(filled(4096, (byte) (0x40 + i)), TestImages.read(bs, i * STRIDE + 4096, 4096));
            }
            TestImages.close(bs);
        });
        TestImages.qemuIo(p, "raw", patternChecks());
    }

    @Test
    void shortReadsAndEagainAreResubmittedUntilTheBufferIsFull() throws Throwable {
        FileDescriptor[] pipe = FileDescriptor.pipe();
        UringFile engine = new UringFile("pipe", new NativeFile(pipe[0].intValue(), "pipe"), false);
        FileDescriptor writer = pipe[1];
        try {
            onContext(AioEngine.IO_URING, () -> readFromPipe(engine, writer));
        } finally {
            engine.close();
            writer.close();
        }
    }

    private static void readFromPipe(UringFile engine, FileDescriptor writer) throws Throwable {
        AioContext ctx = AioContext.current();
        ByteBuffer buf = BlockDriverState.alignedBuffer(16, 16);
        boolean[] done = new boolean[1];
        IOException[] failure = new IOException[1];
        Coroutine.create(opaque -> {
            try {
                engine.read(-1, buf);
            } catch (IOException e) {
                failure[0] = e;
            }
            done[0] = true;
        }, null).enter();
        writer.write(direct(TestImages.pattern(10, 1)), 0, 10);
        for (int i = 0; i < 100; i++) {
            ctx.poll(false); // the first 10 bytes, then -EAGAIN on the empty pipe, resubmitted
        }
        assertFalse(done[0], "6 bytes are still missing");
        writer.write(direct(TestImages.pattern(6, 2)), 0, 6);
        while (!done[0]) {
            ctx.poll(true);
        }
        if (failure[0] != null) {
            throw failure[0];
        }
        byte[] want = new byte[16];
        System.arraycopy(TestImages.pattern(10, 1), 0, want, 0, 10);
        System.arraycopy(TestImages.pattern(6, 2), 0, want, 10, 6);
        byte[] got = new byte[16];
        buf.get(0, got);
        assertArrayEquals(want, got);
    }
}
