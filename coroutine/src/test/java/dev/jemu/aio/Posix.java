package dev.jemu.aio;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/** The few libc calls the fd tests need to make descriptors of every kind (FFM). */
final class Posix {
    static final int O_RDONLY = 0;
    static final int O_RDWR = 2;
    static final int O_NOCTTY = 0x100;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final MethodHandle OPEN = handle("open",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle CLOSE = handle("close",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle WRITE = handle("write",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle READ = handle("read",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle POSIX_OPENPT = handle("posix_openpt",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle GRANTPT = handle("grantpt",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle UNLOCKPT = handle("unlockpt",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle PTSNAME = handle("ptsname",
            FunctionDescriptor.of(ValueLayout.ADDRESS.withTargetLayout(ValueLayout.JAVA_BYTE), ValueLayout.JAVA_INT));

    private Posix() {
    }

    private static MethodHandle handle(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LIBC.find(name).orElseThrow(), descriptor);
    }

    static int open(String path, int flags) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            int fd = (int) OPEN.invokeExact(arena.allocateFrom(path), flags);
            if (fd < 0) {
                throw new IllegalStateException("open " + path + " failed");
            }
            return fd;
        }
    }

    static void close(int fd) throws Throwable {
        int ignored = (int) CLOSE.invokeExact(fd);
    }

    static long write(int fd, byte[] data) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(data.length);
            buffer.copyFrom(MemorySegment.ofArray(data));
            return (long) WRITE.invokeExact(fd, buffer, (long) data.length);
        }
    }

    static long read(int fd, int length) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            return (long) READ.invokeExact(fd, arena.allocate(length), (long) length);
        }
    }

    /** Opens a pseudo-terminal pair: {master, slave}. */
    static int[] openPty() throws Throwable {
        int master = (int) POSIX_OPENPT.invokeExact(O_RDWR | O_NOCTTY);
        if (master < 0 || (int) GRANTPT.invokeExact(master) != 0 || (int) UNLOCKPT.invokeExact(master) != 0) {
            throw new IllegalStateException("cannot open a pseudo-terminal");
        }
        MemorySegment name = (MemorySegment) PTSNAME.invokeExact(master);
        String slavePath = name.reinterpret(64).getString(0);
        return new int[] {master, open(slavePath, O_RDWR | O_NOCTTY)};
    }
}
