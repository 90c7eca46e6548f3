package dev.jemu.block.file;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The few libc calls the JDK does not offer: a raw descriptor of a file, {@code lseek} with
 * SEEK_DATA/SEEK_HOLE/SEEK_END, {@code fallocate}, {@code ftruncate} and open-file-description
 * byte locks ({@code F_OFD_SETLK}/{@code F_OFD_GETLK}). Each call is blocking and is made on a
 * worker thread, except the lock calls, which never wait; {@link UringFile} puts requests on a
 * descriptor of its own through the ring instead. Linux x86-64 only.
 */
@SuppressWarnings("restricted")
final class NativeFile implements AutoCloseable {
    static final int SEEK_END = 2;
    static final int SEEK_DATA = 3;
    static final int SEEK_HOLE = 4;
    static final int FALLOC_FL_KEEP_SIZE = 1;
    static final int FALLOC_FL_PUNCH_HOLE = 2;
    static final int FALLOC_FL_ZERO_RANGE = 0x10;
    static final int ENXIO = 6;
    static final int EOPNOTSUPP = 95;
    static final int ENOSYS = 38;
    static final int EINVAL = 22;

    private static final int O_RDONLY = 0;
    private static final int O_RDWR = 2;
    private static final int O_CLOEXEC = 0x80000;
    private static final int O_DIRECT = 0x4000;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(
            java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE = Linker.Option.captureCallState("errno");

    /** Each handle is linked on first use: linking costs time at start-up. */
    private static final class Open {
        static final MethodHandle H = downcall("open",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    }

    private static final class Close {
        static final MethodHandle H = downcall("close", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    }

    private static final class Lseek {
        static final MethodHandle H = downcall("lseek", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
                ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
    }

    private static final class Fallocate {
        static final MethodHandle H = downcall("fallocate", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
    }

    private static final class Ftruncate {
        static final MethodHandle H = downcall("ftruncate",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
    }

    private static final class Fcntl {
        static final MethodHandle H = LINKER.downcallHandle(LINKER.defaultLookup().find("fcntl").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.ADDRESS), CAPTURE, Linker.Option.firstVariadicArg(2));
    }

    static final short F_RDLCK = 0;
    static final short F_WRLCK = 1;
    static final short F_UNLCK = 2;
    private static final int F_OFD_GETLK = 36;
    private static final int F_OFD_SETLK = 37;
    /** struct flock on Linux x86-64: l_type, l_whence (shorts), l_start, l_len (longs), l_pid. */
    private static final int FLOCK_SIZE = 32;
    private static final int FLOCK_START = 8;
    private static final int FLOCK_LEN = 16;

    private static final class Fstat {
        static final MethodHandle H = downcall("fstat",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    }

    /** Size of struct stat and offset of st_blocks on Linux x86-64. */
    private static final int STAT_SIZE = 144;
    private static final int STAT_BLOCKS = 64;
    private static final class Strerror {
        static final MethodHandle H = LINKER.downcallHandle(LINKER.defaultLookup().find("strerror").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    }

    private final int fd;
    private final String path;

    NativeFile(int fd, String path) {
        this.fd = fd;
        this.path = path;
    }

    private static MethodHandle downcall(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), fd, CAPTURE);
    }

    /** Opens {@code path} read-only or read-write (never creating it). */
    static NativeFile open(String path, boolean writable) throws IOException {
        return open(path, writable, false);
    }

    /** Opens {@code path} read-only or read-write (never creating it), with O_DIRECT if {@code direct}. */
    static NativeFile open(String path, boolean writable, boolean direct) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int fd = (int) Open.H.invokeExact(state, arena.allocateFrom(path),
                    (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC | (direct ? O_DIRECT : 0));
            if (fd < 0) {
                throw new NativeException((int) ERRNO.get(state, 0L));
            }
            return new NativeFile(fd, path);
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(path + ": open failed: " + t, t);
        }
    }

    /** The raw descriptor, for requests on the ring; valid until {@link #close()}. */
    int fd() {
        return fd;
    }

    /** {@code lseek(fd, offset, whence)}; returns -errno on failure. */
    long lseek(long offset, int whence) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            long r = (long) Lseek.H.invokeExact(state, fd, offset, whence);
            return r < 0 ? -(int) ERRNO.get(state, 0L) : r;
        } catch (Throwable t) {
            throw new IllegalStateException("lseek failed", t);
        }
    }

    /** {@code fallocate(fd, mode, offset, len)}; returns 0 or -errno. */
    int fallocate(int mode, long offset, long len) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int r = (int) Fallocate.H.invokeExact(state, fd, mode, offset, len);
            return r < 0 ? -(int) ERRNO.get(state, 0L) : 0;
        } catch (Throwable t) {
            throw new IllegalStateException("fallocate failed", t);
        }
    }

    /** {@code ftruncate(fd, length)}; returns 0 or -errno. */
    int ftruncate(long length) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int r = (int) Ftruncate.H.invokeExact(state, fd, length);
            return r < 0 ? -(int) ERRNO.get(state, 0L) : 0;
        } catch (Throwable t) {
            throw new IllegalStateException("ftruncate failed", t);
        }
    }

    /** Bytes allocated to the file on the host ({@code st_blocks * 512}); -errno on failure. */
    long allocatedBytes() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment st = arena.allocate(STAT_SIZE, 8);
            int r = (int) Fstat.H.invokeExact(state, fd, st);
            return r < 0 ? -(int) ERRNO.get(state, 0L) : st.get(ValueLayout.JAVA_LONG, STAT_BLOCKS) * 512;
        } catch (Throwable t) {
            throw new IllegalStateException("fstat failed", t);
        }
    }

    /**
     * {@code F_OFD_SETLK} of {@code type} ({@link #F_RDLCK}, {@link #F_WRLCK}, {@link #F_UNLCK}) on
     * the single byte {@code offset}; never waits. Returns 0 or -errno (-EAGAIN: a conflicting lock).
     */
    int ofdSetLock(short type, long offset) {
        return ofdLock(F_OFD_SETLK, type, offset);
    }

    /**
     * {@code F_OFD_GETLK}: the type of a lock of another open file description that would conflict
     * with a lock of {@code type} on byte {@code offset}, {@link #F_UNLCK} if none; -errno on failure.
     */
    int ofdTestLock(short type, long offset) {
        return ofdLock(F_OFD_GETLK, type, offset);
    }

    private int ofdLock(int cmd, short type, long offset) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment flock = arena.allocate(FLOCK_SIZE, 8);
            flock.set(ValueLayout.JAVA_SHORT, 0, type);
            flock.set(ValueLayout.JAVA_LONG, FLOCK_START, offset);
            flock.set(ValueLayout.JAVA_LONG, FLOCK_LEN, 1);
            int r = (int) Fcntl.H.invokeExact(state, fd, cmd, flock);
            if (r < 0) {
                return -(int) ERRNO.get(state, 0L);
            }
            return cmd == F_OFD_GETLK ? flock.get(ValueLayout.JAVA_SHORT, 0) : 0;
        } catch (Throwable t) {
            throw new IllegalStateException("fcntl failed", t);
        }
    }

    /** The C library's text for {@code errno}. */
    static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) Strerror.H.invokeExact(errno);
            return s.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    /** An I/O exception for {@code -errno} result {@code r} of operation {@code what} on {@code path}. */
    static IOException error(String path, String what, long r) {
        return new IOException(path + ": " + what + " failed: " + strerror((int) -r));
    }

    @Override
    public void close() {
        try (Arena arena = Arena.ofConfined()) {
            int r = (int) Close.H.invokeExact(arena.allocate(CALL_STATE), fd);
            if (r < 0) {
                throw new IllegalStateException(path + ": close failed");
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("close failed", t);
        }
    }

    /** The failure of {@code open}, with the C library's text. */
    static final class NativeException extends IOException {
        private static final long serialVersionUID = 1L;
        final int errno;

        NativeException(int errno) {
            super(strerror(errno));
            this.errno = errno;
        }
    }
}
