package dev.jemu.aio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jemu.coroutine.Coroutine;
import io.netty.channel.epoll.Native;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.Socket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** fd handlers and {@link Coroutine#yieldUntilFdReadable} on every kind of descriptor. */
class FdWaitTest {
    private AioContext ctx;
    private final List<Integer> toClose = new ArrayList<>();

    @BeforeEach
    void createContext() {
        ctx = AioContext.create();
    }

    @AfterEach
    void release() throws Throwable {
        ctx.close();
        for (int fd : toClose) {
            Posix.close(fd);
        }
    }

    private int keep(int fd) {
        toClose.add(fd);
        return fd;
    }

    /** Starts a coroutine that waits for {@code fd}, and checks it waits until {@code makeReadable}. */
    private void assertWaitsUntilReadable(int fd, ThrowingRunnable makeReadable) throws Throwable {
        List<String> log = new ArrayList<>();
        Coroutine co = Coroutine.create(opaque -> {
            log.add("wait");
            Coroutine.yieldUntilFdReadable(fd);
            log.add("readable");
        }, null);
        co.enter();
        assertEquals(List.of("wait"), log);
        assertFalse(ctx.poll(false), "nothing to do before the fd is readable");
        makeReadable.run();
        while (log.size() < 2) {
            ctx.poll(true);
        }
        assertEquals(List.of("wait", "readable"), log);
        assertFalse(ctx.poll(false), "the handler was removed before the coroutine resumed");
    }

    interface ThrowingRunnable {
        void run() throws Throwable;
    }

    @Test
    void waitsForAPipe() throws Throwable {
        FileDescriptor[] pipe = FileDescriptor.pipe();
        keep(pipe[0].intValue());
        keep(pipe[1].intValue());
        assertWaitsUntilReadable(pipe[0].intValue(), () -> Posix.write(pipe[1].intValue(), new byte[] {1}));
    }

    @Test
    void waitsForAnEventfd() throws Throwable {
        int fd = keep(Native.newEventFd().intValue());
        assertWaitsUntilReadable(fd, () -> Native.eventFdWrite(fd, 1));
    }

    @Test
    void waitsForAListeningSocketToHaveAConnection() throws Throwable {
        Socket server = Socket.newSocketStream();
        keep(server.intValue());
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        server.listen(1);
        Socket client = Socket.newSocketStream();
        keep(client.intValue());
        assertWaitsUntilReadable(server.intValue(), () -> client.connect(server.localAddress()));
    }

    @Test
    void waitsForATerminal() throws Throwable {
        int[] pty = Posix.openPty();
        keep(pty[0]);
        keep(pty[1]);
        assertWaitsUntilReadable(pty[0], () -> Posix.write(pty[1], "x\n".getBytes()));
    }

    @Test
    void rejectsARegularFileWithAClearError(@TempDir Path dir) throws Throwable {
        Path file = Files.writeString(dir.resolve("data"), "x");
        int fd = keep(Posix.open(file.toString(), Posix.O_RDONLY));
        String[] message = new String[1];
        Coroutine.create(opaque -> message[0] = assertThrows(IllegalArgumentException.class,
                () -> Coroutine.yieldUntilFdReadable(fd)).getMessage(), null).enter();
        assertTrue(message[0].contains("fd " + fd + ": is a regular file"), message[0]);
        assertFalse(ctx.poll(false));
    }

    @Test
    void rejectsAClosedDescriptorWithAClearError() throws Throwable {
        FileDescriptor[] pipe = FileDescriptor.pipe();
        int closed = pipe[0].intValue();
        pipe[0].close();
        keep(pipe[1].intValue());
        String[] message = new String[1];
        Coroutine.create(opaque -> message[0] = assertThrows(IllegalArgumentException.class,
                () -> Coroutine.yieldUntilFdReadable(closed)).getMessage(), null).enter();
        assertTrue(message[0].contains("Bad file descriptor"), message[0]);
    }

    @Test
    void yieldUntilFdReadableOutsideACoroutineThrows() {
        assertThrows(IllegalStateException.class, () -> Coroutine.yieldUntilFdReadable(0));
    }

    @Test
    void readHandlerRunsWhileDataIsPendingAndStopsWhenRemoved() throws Throwable {
        FileDescriptor[] pipe = FileDescriptor.pipe();
        int reader = keep(pipe[0].intValue());
        int writer = keep(pipe[1].intValue());
        int[] calls = {0};
        ctx.setFdHandler(reader, () -> calls[0]++, null);
        assertFalse(ctx.poll(false));
        Posix.write(writer, new byte[] {1, 2});
        assertTrue(ctx.poll(false));
        assertTrue(ctx.poll(false), "level-triggered: still readable");
        assertEquals(2, calls[0]);
        Posix.read(reader, 2);
        assertFalse(ctx.poll(false));
        ctx.setFdHandler(reader, null, null);
        Posix.write(writer, new byte[] {3});
        assertFalse(ctx.poll(false));
        assertEquals(2, calls[0]);
    }

    @Test
    void readRunsBeforeWriteWhenBothAreReady() throws Throwable {
        int fd = keep(Native.newEventFd().intValue());
        List<String> log = new ArrayList<>();
        ctx.setFdHandler(fd, () -> {
            log.add("read");
            Native.eventFdRead(fd);
        }, () -> {
            log.add("write");
            ctx.setFdHandler(fd, null, null);
        });
        Native.eventFdWrite(fd, 1);
        assertTrue(ctx.poll(true));
        assertEquals(List.of("read", "write"), log);
    }

    @Test
    void replacingAHandlerReplacesBothCallbacks() throws Throwable {
        FileDescriptor[] pipe = FileDescriptor.pipe();
        int reader = keep(pipe[0].intValue());
        int writer = keep(pipe[1].intValue());
        List<String> log = new ArrayList<>();
        ctx.setFdHandler(reader, () -> log.add("old"), null);
        ctx.setFdHandler(reader, () -> {
            log.add("new");
            ctx.setFdHandler(reader, null, null);
        }, null);
        Posix.write(writer, new byte[] {1});
        assertTrue(ctx.poll(true));
        assertEquals(List.of("new"), log);
    }
}
