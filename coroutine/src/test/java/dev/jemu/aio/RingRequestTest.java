package dev.jemu.aio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jemu.coroutine.Coroutine;
import io.netty.channel.unix.FileDescriptor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Block requests on an io_uring context, checked against what ordinary file reads and writes see
 * and against errno values from the kernel's headers.
 */
class RingRequestTest {
    private static final int EBADF = 9;
    private static final int ECANCELED = 125;
    private static final int FALLOC_FL_KEEP_SIZE = 1;
    private static final int FALLOC_FL_PUNCH_HOLE = 2;
    private static final int O_WRONLY = 1;

    @TempDir
    Path dir;
    private AioContext ctx;
    private Arena arena;
    private final List<Integer> fds = new ArrayList<>();

    /** The body of a test coroutine. */
    private interface Body {
        void run(RingRequest request) throws Throwable;
    }

    @BeforeEach
    void createContext() {
        ctx = AioContext.create(AioEngine.IO_URING);
        arena = Arena.ofShared();
    }

    @AfterEach
    void release() throws Throwable {
        ctx.close();
        arena.close();
        for (int fd : fds) {
            Posix.close(fd);
        }
    }

    private int open(Path file, int flags) throws Throwable {
        int fd = Posix.open(file.toString(), flags);
        fds.add(fd);
        return fd;
    }

    private FileDescriptor[] pipe() throws Throwable {
        FileDescriptor[] pipe = FileDescriptor.pipe();
        fds.add(pipe[0].intValue());
        fds.add(pipe[1].intValue());
        return pipe;
    }

    /** Runs {@code body} in a coroutine with a request of its own, polling until it returns. */
    private void inCoroutine(Body body) throws Throwable {
        boolean[] done = new boolean[1];
        Throwable[] failure = new Throwable[1];
        Coroutine.create(opaque -> {
            try {
                body.run(new RingRequest());
            } catch (Throwable t) {
                failure[0] = t;
            }
            done[0] = true;
        }, null).enter();
        while (!done[0]) {
            ctx.poll(true);
        }
        if (failure[0] != null) {
            throw failure[0];
        }
    }

    private static byte[] random(int length, long seed) {
        byte[] data = new byte[length];
        new Random(seed).nextBytes(data);
        return data;
    }

    @Test
    void readReturnsWhatTheFileHolds() throws Throwable {
        Path file = dir.resolve("data");
        byte[] content = random(3 * 4096, 1);
        Files.write(file, content);
        int fd = open(file, Posix.O_RDONLY);
        MemorySegment buf = arena.allocate(4096, 4096);
        inCoroutine(request -> assertEquals(4096, request.read(fd, buf.address(), 4096, 4096)));
        assertArrayEquals(Arrays.copyOfRange(content, 4096, 8192), buf.toArray(ValueLayout.JAVA_BYTE));
    }

    @Test
    void writeAndFsyncAreSeenByOrdinaryReads() throws Throwable {
        Path file = dir.resolve("data");
        Files.write(file, new byte[3 * 4096]);
        int fd = open(file, Posix.O_RDWR);
        byte[] data = random(4096, 2);
        MemorySegment buf = arena.allocate(4096, 4096);
        buf.copyFrom(MemorySegment.ofArray(data));
        inCoroutine(request -> {
            assertEquals(4096, request.write(fd, buf.address(), 4096, 8192, RingRequest.RWF_DSYNC));
            assertEquals(0, request.fsync(fd, false));
            assertEquals(0, request.fsync(fd, true));
        });
        byte[] expected = new byte[3 * 4096];
        System.arraycopy(data, 0, expected, 8192, 4096);
        assertArrayEquals(expected, Files.readAllBytes(file));
    }

    @Test
    void vectoredWriteAndReadGatherAndScatter() throws Throwable {
        Path file = dir.resolve("data");
        Files.write(file, new byte[4096]);
        int fd = open(file, Posix.O_RDWR);
        byte[] first = random(100, 3);
        byte[] second = random(300, 4);
        MemorySegment a = arena.allocate(100);
        MemorySegment b = arena.allocate(300);
        a.copyFrom(MemorySegment.ofArray(first));
        b.copyFrom(MemorySegment.ofArray(second));
        MemorySegment iov = arena.allocate(32, 8);
        iov.set(ValueLayout.JAVA_LONG, 0, a.address());
        iov.set(ValueLayout.JAVA_LONG, 8, 100);
        iov.set(ValueLayout.JAVA_LONG, 16, b.address());
        iov.set(ValueLayout.JAVA_LONG, 24, 300);
        inCoroutine(request -> assertEquals(400, request.writev(fd, iov.address(), 2, 1000, 0)));
        byte[] onDisk = Files.readAllBytes(file);
        assertArrayEquals(first, Arrays.copyOfRange(onDisk, 1000, 1100));
        assertArrayEquals(second, Arrays.copyOfRange(onDisk, 1100, 1400));

        // Read them back swapped: the first 300 bytes into b, the next 100 into a.
        iov.set(ValueLayout.JAVA_LONG, 0, b.address());
        iov.set(ValueLayout.JAVA_LONG, 8, 300);
        iov.set(ValueLayout.JAVA_LONG, 16, a.address());
        iov.set(ValueLayout.JAVA_LONG, 24, 100);
        inCoroutine(request -> assertEquals(400, request.readv(fd, iov.address(), 2, 1000)));
        assertArrayEquals(Arrays.copyOfRange(onDisk, 1000, 1300), b.toArray(ValueLayout.JAVA_BYTE));
        assertArrayEquals(Arrays.copyOfRange(onDisk, 1300, 1400), a.toArray(ValueLayout.JAVA_BYTE));
    }

    @Test
    void readsAtTheEndOfTheFileComeBackShort() throws Throwable {
        Path file = dir.resolve("data");
        Files.write(file, random(1000, 5));
        int fd = open(file, Posix.O_RDONLY);
        MemorySegment buf = arena.allocate(4096);
        inCoroutine(request -> {
            assertEquals(1000, request.read(fd, buf.address(), 4096, 0));
            assertEquals(600, request.read(fd, buf.address(), 4096, 400));
            assertEquals(0, request.read(fd, buf.address(), 4096, 1000));
        });
    }

    @Test
    void errorsComeBackAsMinusErrno() throws Throwable {
        Path file = dir.resolve("data");
        Files.write(file, new byte[4096]);
        int readOnly = open(file, Posix.O_RDONLY);
        int writeOnly = open(file, O_WRONLY);
        MemorySegment buf = arena.allocate(4096);
        inCoroutine(request -> {
            assertEquals(-EBADF, request.write(readOnly, buf.address(), 4096, 0, 0));
            assertEquals(-EBADF, request.read(writeOnly, buf.address(), 4096, 0));
        });
    }

    @Test
    void fallocatePunchesAHoleThatReadsAsZeroes() throws Throwable {
        Path file = dir.resolve("data");
        byte[] content = new byte[4 * 4096];
        Arrays.fill(content, (byte) 0x5a);
        Files.write(file, content);
        int fd = open(file, Posix.O_RDWR);
        inCoroutine(request -> assertEquals(0,
                request.fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 4096, 8192)));
        Arrays.fill(content, 4096, 3 * 4096, (byte) 0);
        assertArrayEquals(content, Files.readAllBytes(file));
    }

    @Test
    void manyRequestsAreInFlightAtOnceAndCompleteInTheOrderTheirDataArrives() throws Throwable {
        int n = 8;
        FileDescriptor[][] pipes = new FileDescriptor[n][];
        List<Integer> order = new ArrayList<>();
        int[] results = new int[n];
        for (int i = 0; i < n; i++) {
            pipes[i] = pipe();
            int index = i;
            int fd = pipes[i][0].intValue();
            MemorySegment buf = arena.allocate(16);
            Coroutine.create(opaque -> {
                results[index] = new RingRequest().read(fd, buf.address(), 16, -1);
                order.add(index);
            }, null).enter();
        }
        ctx.poll(false);
        assertTrue(order.isEmpty(), "no pipe has data yet");
        for (int i = n - 1; i >= 0; i--) {
            Posix.write(pipes[i][1].intValue(), new byte[i + 1]);
            int before = order.size();
            while (order.size() == before) {
                ctx.poll(true);
            }
        }
        assertEquals(List.of(7, 6, 5, 4, 3, 2, 1, 0), order);
        for (int i = 0; i < n; i++) {
            assertEquals(i + 1, results[i]);
        }
    }

    @Test
    void closingTheContextCancelsARequestInFlight() throws Throwable {
        FileDescriptor[] pipe = pipe();
        MemorySegment buf = arena.allocate(16);
        int[] result = {1};
        boolean[] done = new boolean[1];
        Coroutine.create(opaque -> {
            result[0] = new RingRequest().read(pipe[0].intValue(), buf.address(), 16, -1);
            done[0] = true;
        }, null).enter();
        ctx.poll(false);
        assertFalse(done[0], "an empty pipe has nothing to read");
        ctx.close();
        assertTrue(done[0]);
        assertEquals(-ECANCELED, result[0]);
    }

    @Test
    void anEpollContextHasNoRing() throws Throwable {
        ctx.close();
        ctx = AioContext.create(AioEngine.EPOLL);
        assertEquals(AioEngine.EPOLL, ctx.engine());
        boolean[] available = {true};
        Throwable[] refused = new Throwable[1];
        Coroutine.create(opaque -> {
            available[0] = RingRequest.available();
            refused[0] = assertThrows(IllegalStateException.class, () -> new RingRequest().fsync(0, false));
        }, null).enter();
        assertFalse(available[0]);
        assertEquals("RingRequest: the current AioContext does not run on io_uring", refused[0].getMessage());
    }

    @Test
    void aRequestOutsideACoroutineIsRefused() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new RingRequest().fsync(0, false));
        assertEquals("RingRequest: called outside a coroutine", e.getMessage());
    }
}
