package dev.jemu.block.file;

import com.sun.nio.file.ExtendedOpenOption;
import dev.jemu.aio.ThreadPool;
import dev.jemu.block.BlockDriver;
import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockException;
import dev.jemu.block.BlockStatus;
import dev.jemu.block.ImageInfo;
import dev.jemu.block.Preallocation;
import dev.jemu.block.RequestFlags;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.InvalidPathException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The {@code file} protocol: a host file or block device. With {@code aio=io_uring} (the default
 * where the kernel allows it) reads, writes, flushes and fallocate go on the AioContext's ring
 * ({@link UringFile}) whenever the request's context runs on io_uring; otherwise, and with
 * {@code aio=threads}, reads and writes are positional {@link FileChannel} calls run on the
 * AioContext's worker pool through {@link ThreadPool#submitCo}. Either way the coroutine yields
 * until they complete; the pool also serves what the ring does not (truncation, fstat). Block
 * status is two {@code lseek} calls made on the caller's thread, as QEMU makes them: they only
 * read the file system's extent map. Reads past the end
 * of the file return zeros. With {@code cache.direct=on} the file is opened with O_DIRECT,
 * requests are aligned to {@link #DIRECT_ALIGNMENT} and buffers that are not suitably aligned
 * are bounced.
 *
 * <p>Unless opened with {@code locking=off}, the file carries QEMU's image locks ({@link
 * ImageLock}): it takes {@link #PERM_CONSISTENT_READ}, plus {@link #PERM_WRITE} when writable,
 * shares everything, and takes {@link #PERM_RESIZE} when it is first truncated; a format driver
 * on top adjusts this with {@link #setPermissions}.
 *
 * <p>The opening thread, then the AioContext thread of the node, use it; the blocking calls run
 * on that context's worker pool.
 */
public final class FileDriver implements BlockDriver {
    /** QEMU's {@code BLK_PERM_CONSISTENT_READ}: reading returns what was last written. */
    public static final int PERM_CONSISTENT_READ = 1;
    /** QEMU's {@code BLK_PERM_WRITE}. */
    public static final int PERM_WRITE = 1 << 1;
    /** QEMU's {@code BLK_PERM_WRITE_UNCHANGED}: writes that leave the content as it was. */
    public static final int PERM_WRITE_UNCHANGED = 1 << 2;
    /** QEMU's {@code BLK_PERM_RESIZE}. */
    public static final int PERM_RESIZE = 1 << 3;

    /** Alignment of offsets, lengths and buffer addresses under O_DIRECT. */
    public static final int DIRECT_ALIGNMENT = 4096;

    private static final int OP_READ = 0;
    private static final int OP_WRITE = 1;
    private static final int OP_FLUSH = 2;

    private final String path;
    private final FileChannel channel;
    /** The raw descriptor for the few libc calls, opened on first use (on a worker thread). */
    private NativeFile nativeFile;
    private final boolean direct;
    private final boolean noFlush;
    private final boolean readOnly;
    /** The image locks, or null with {@code locking=off}. */
    private final ImageLock lock;
    private long length;
    private FileOp freeOps;
    /** The io_uring engine, or null for aio=threads. */
    private final UringFile ring;

    private FileDriver(String path, FileChannel channel, boolean direct,
                       boolean noFlush, boolean readOnly, ImageLock lock, long length, UringFile ring) {
        this.path = path;
        this.lock = lock;
        this.ring = ring;
        this.channel = channel;
        this.direct = direct;
        this.noFlush = noFlush;
        this.readOnly = readOnly;
        this.length = length;
    }

    /** Opens an existing file with image locking on; see {@link #open(String, boolean, boolean, boolean, boolean)}. */
    public static FileDriver open(String path, boolean readOnly, boolean direct, boolean noFlush)
            throws BlockException {
        return open(path, readOnly, direct, noFlush, true);
    }

    /**
     * Opens an existing file.
     *
     * @param path the host file or block device
     * @param readOnly open without write access
     * @param direct bypass the host page cache (O_DIRECT)
     * @param noFlush ignore flushes (cache=unsafe)
     * @param locking take QEMU's image locks ({@code locking=on}/{@code auto}); refused with
     *                QEMU's message if another process does not share read (or write) access
     */
    public static FileDriver open(String path, boolean readOnly, boolean direct, boolean noFlush, boolean locking)
            throws BlockException {
        return open(path, readOnly, direct, noFlush, locking, FileAio.defaultMode());
    }

    /** As {@link #open(String, boolean, boolean, boolean, boolean)}, with the {@code aio=} mode. */
    public static FileDriver open(String path, boolean readOnly, boolean direct, boolean noFlush, boolean locking,
                                  FileAio aio) throws BlockException {
        List<OpenOption> options = new ArrayList<>();
        options.add(StandardOpenOption.READ);
        if (!readOnly) {
            options.add(StandardOpenOption.WRITE);
        }
        if (direct) {
            options.add(ExtendedOpenOption.DIRECT);
        }
        Path file;
        try {
            file = Path.of(path);
        } catch (InvalidPathException e) {
            // A NUL, or a name the platform charset cannot encode (a non-ASCII byte in a C locale).
            throw new BlockException("Could not open '" + path + "': " + e.getReason());
        }
        if (Files.isDirectory(file)) {
            throw new BlockException("'file' driver requires '" + path + "' to be a regular file");
        }
        FileChannel channel;
        try {
            channel = FileChannel.open(file, options.toArray(new OpenOption[0]));
        } catch (NoSuchFileException e) {
            throw new BlockException("Could not open '" + path + "': No such file or directory");
        } catch (AccessDeniedException e) {
            throw new BlockException("Could not open '" + path + "': Permission denied");
        } catch (FileSystemException e) {
            String reason = e.getReason() != null ? e.getReason() : e.getClass().getSimpleName();
            if (direct && reason.contains("Invalid argument")) {
                reason = "the file system does not support O_DIRECT (cache=none/directsync)";
            }
            throw new BlockException("Could not open '" + path + "': " + reason, e);
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            throw new BlockException("Could not open '" + path + "': " + e.getMessage(), e);
        }
        long len;
        try {
            len = channel.size();
            if (len == 0 && !Files.isRegularFile(file)) {
                try (NativeFile nf = NativeFile.open(path, false)) {
                    len = nf.lseek(0, NativeFile.SEEK_END);
                }
                if (len < 0) {
                    throw new IOException("cannot determine its size: " + NativeFile.strerror((int) -len));
                }
            }
        } catch (IOException e) {
            closeQuietly(channel);
            throw new BlockException("Could not open '" + path + "': " + e.getMessage(), e);
        }
        ImageLock lock = null;
        if (locking) {
            try {
                lock = ImageLock.open(path);
                lock.set(PERM_CONSISTENT_READ | (readOnly ? 0 : PERM_WRITE), 0);
            } catch (IOException e) {
                if (lock != null) {
                    lock.close();
                }
                closeQuietly(channel);
                // another user's lock is QEMU's two lines as they are; a failing system call names the file
                throw e instanceof BlockException b ? b
                        : new BlockException("Could not open '" + path + "': " + e.getMessage(), e);
            }
        }
        UringFile ring = null;
        if (aio == FileAio.IO_URING) {
            try {
                ring = UringFile.open(path, !readOnly, direct);
            } catch (IOException e) {
                if (lock != null) {
                    lock.close();
                }
                closeQuietly(channel);
                throw new BlockException("Could not open '" + path + "': " + e.getMessage(), e);
            }
        }
        return new FileDriver(path, channel, direct, noFlush, readOnly, lock, len, ring);
    }

    /**
     * Takes permissions {@code perm} and refuses to share {@code unshared} with other users of
     * the image (masks of {@code PERM_*}), as QEMU's permission system does for the format driver
     * on top; nothing changes and it throws with QEMU's message ({@code Failed to get shared
     * "write" lock} / {@code Is another process using the image [PATH]?}) if another user
     * conflicts. Does nothing with {@code locking=off}.
     */
    public void setPermissions(int perm, int unshared) throws BlockException {
        if (lock != null) {
            lock.set(perm, unshared);
        }
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // The open already failed; that error is the one reported.
        }
    }

    /**
     * Takes the locks QEMU's file driver holds while it creates an image on the existing file
     * {@code path}: write and resize, with resize not shared. Close the result once the image
     * is written.
     *
     * @throws BlockException with QEMU's message ({@code PATH: Failed to get "write" lock} / {@code
     *     Is another process using the image [PATH]?}) if another process uses the file
     */
    public static ImageLock lockForCreation(String path) throws IOException {
        ImageLock lock = ImageLock.open(path);
        try {
            lock.set(PERM_WRITE | PERM_RESIZE, PERM_RESIZE);
        } catch (BlockException e) {
            lock.close();
            throw new BlockException(path + ": " + e.getMessage(), e);
        }
        return lock;
    }

    /**
     * Stops sharing the permissions of {@code mask} with other users of the image, keeping
     * everything else; throws with QEMU's message if another process holds one of them.
     */
    public void unshare(int mask) throws BlockException {
        if (lock != null) {
            lock.set(lock.perm(), lock.unshared() | mask);
        }
    }

    @Override
    public String formatName() {
        return "file";
    }

    @Override
    public long length() {
        return length;
    }

    @Override
    public int requestAlignment() {
        return direct ? DIRECT_ALIGNMENT : 1;
    }

    /** Whether the file was opened with O_DIRECT. */
    public boolean isDirect() {
        return direct;
    }

    @Override
    public void coPreadv(long offset, ByteBuffer buf, int bufOffset, int bytes) throws IOException {
        ByteBuffer target = buf.slice(bufOffset, bytes);
        ByteBuffer bounce = direct && !aligned(target) ? BlockDriverState.alignedBuffer(bytes, DIRECT_ALIGNMENT) : null;
        run(OP_READ, offset, bounce != null ? bounce : target, 0);
        if (bounce != null) {
            target.put(0, bounce, 0, bytes);
        }
    }

    @Override
    public void coPwritev(long offset, ByteBuffer buf, int bufOffset, int bytes, int flags) throws IOException {
        ByteBuffer source = buf.slice(bufOffset, bytes);
        if (direct && !aligned(source)) {
            ByteBuffer bounce = BlockDriverState.alignedBuffer(bytes, DIRECT_ALIGNMENT);
            bounce.put(0, source, 0, bytes);
            source = bounce;
        }
        run(OP_WRITE, offset, source, flags);
        if (offset + bytes > length) {
            length = offset + bytes;
        }
    }

    @Override
    public void coFlush() throws IOException {
        if (!noFlush && !readOnly) {
            run(OP_FLUSH, 0, null, 0);
        }
    }

    @Override
    public void coPdiscard(long offset, long bytes) throws IOException {
        long end = Math.min(offset + bytes, length);
        if (end <= offset) {
            return;
        }
        int r = fallocate(NativeFile.FALLOC_FL_PUNCH_HOLE | NativeFile.FALLOC_FL_KEEP_SIZE, offset, end - offset);
        if (r < 0 && r != -NativeFile.EOPNOTSUPP && r != -NativeFile.ENOSYS) {
            throw NativeFile.error(path, "discard", r);
        }
    }

    @Override
    public void coPwriteZeroes(long offset, long bytes, int flags) throws IOException {
        long end = offset + bytes;
        long inside = Math.min(end, length);
        if (inside > offset) {
            int mode = (flags & RequestFlags.MAY_UNMAP) != 0
                    ? NativeFile.FALLOC_FL_PUNCH_HOLE | NativeFile.FALLOC_FL_KEEP_SIZE
                    : NativeFile.FALLOC_FL_ZERO_RANGE | NativeFile.FALLOC_FL_KEEP_SIZE;
            int r = fallocate(mode, offset, inside - offset);
            if (r == -NativeFile.EOPNOTSUPP || r == -NativeFile.ENOSYS || r == -NativeFile.EINVAL) {
                throw new UnsupportedOperationException("fallocate not supported on " + path);
            }
            if (r < 0) {
                throw NativeFile.error(path, "write zeroes", r);
            }
        }
        if (end > length) {
            int r = pool(() -> nf().ftruncate(end));
            if (r < 0) {
                throw NativeFile.error(path, "extending the file", r);
            }
            length = end;
        }
        if ((flags & RequestFlags.FUA) != 0) {
            coFlush();
        }
    }

    @Override
    public void coBlockStatus(long offset, long bytes, BlockStatus out) throws IOException {
        long end = offset + bytes;
        NativeFile nf = nf();
        long data = nf.lseek(offset, NativeFile.SEEK_DATA);
        int base = BlockStatus.OFFSET_VALID | BlockStatus.ALLOCATED;
        if (data == offset) {
            long holeAt = nf.lseek(offset, NativeFile.SEEK_HOLE);
            long hole = holeAt < 0 ? end : Math.min(holeAt, end);
            out.set(base | BlockStatus.DATA, Math.max(hole - offset, 1), offset, null);
        } else if (data > offset || data == -NativeFile.ENXIO) {
            long until = data > offset ? Math.min(data, end) : end;
            out.set(base | BlockStatus.ZERO, until - offset, offset, null);
        } else {
            out.set(base | BlockStatus.DATA, bytes, offset, null);
        }
    }

    @Override
    public void coTruncate(long newLength, Preallocation prealloc) throws IOException {
        if (lock != null && (lock.perm() & PERM_RESIZE) == 0) {
            try {
                lock.set(lock.perm() | PERM_RESIZE, lock.unshared());
            } catch (BlockException e) {
                throw new BlockException(path + ": " + e.getMessage(), e);
            }
        }
        long old = length;
        int r = pool(() -> nf().ftruncate(newLength));
        if (r < 0) {
            throw NativeFile.error(path, "truncate", r);
        }
        length = newLength;
        if (newLength > old) {
            switch (prealloc) {
                case OFF, METADATA -> { }
                case FALLOC -> {
                    int f = fallocate(0, old, newLength - old);
                    if (f < 0) {
                        throw NativeFile.error(path, "preallocation", f);
                    }
                }
                case FULL -> writeZeroesFully(old, newLength - old);
            }
        }
    }

    private void writeZeroesFully(long offset, long bytes) throws IOException {
        int chunk = 1 << 20;
        ByteBuffer zeros = BlockDriverState.alignedBuffer(chunk, DIRECT_ALIGNMENT);
        while (bytes > 0) {
            int n = (int) Math.min(bytes, chunk);
            if (direct) {
                n = (n + DIRECT_ALIGNMENT - 1) & -DIRECT_ALIGNMENT;
            }
            run(OP_WRITE, offset, zeros.slice(0, n), 0);
            offset += n;
            bytes -= n;
        }
    }

    @Override
    public ImageInfo getInfo() {
        return ImageInfo.simple("file", length);
    }

    /** Bytes the file occupies on the host ({@code st_blocks * 512}). Coroutine function. */
    public long allocatedBytes() throws IOException {
        long r = pool(() -> nf().allocatedBytes());
        if (r < 0) {
            throw NativeFile.error(path, "fstat", r);
        }
        return r;
    }

    @Override
    public void close() throws IOException {
        try {
            channel.close();
        } finally {
            if (lock != null) {
                lock.close();
            }
            if (ring != null) {
                ring.close();
            }
            synchronized (this) {
                if (nativeFile != null) {
                    nativeFile.close();
                    nativeFile = null;
                }
            }
        }
    }

    // ---------------------------------------------------------------- worker pool

    /** The native descriptor, opened on first use; called on worker threads, never across a yield. */
    private synchronized NativeFile nf() throws IOException {
        if (nativeFile == null) {
            nativeFile = NativeFile.open(path, !readOnly);
        }
        return nativeFile;
    }

    private static boolean aligned(ByteBuffer b) {
        return b.isDirect() && (MemorySegment.ofBuffer(b).address() & (DIRECT_ALIGNMENT - 1)) == 0
                && (b.remaining() & (DIRECT_ALIGNMENT - 1)) == 0;
    }

    private int fallocate(int mode, long offset, long bytes) throws IOException {
        if (ring != null && UringFile.usable()) {
            return ring.fallocate(mode, offset, bytes);
        }
        return pool(() -> nf().fallocate(mode, offset, bytes));
    }

    private void run(int kind, long offset, ByteBuffer buf, int flags) throws IOException {
        if (ring != null && UringFile.usable()) {
            switch (kind) {
                case OP_READ -> ring.read(offset, buf);
                case OP_WRITE -> ring.write(offset, buf, (flags & RequestFlags.FUA) != 0);
                default -> ring.flush();
            }
            return;
        }
        FileOp op = freeOps;
        if (op != null) {
            freeOps = op.next;
        } else {
            op = new FileOp();
        }
        op.kind = kind;
        op.offset = offset;
        op.buf = buf;
        op.flags = flags;
        try {
            pool(op);
        } finally {
            op.buf = null;
            op.next = freeOps;
            freeOps = op;
        }
    }

    private static <T> T pool(Callable<T> work) throws IOException {
        try {
            return ThreadPool.submitCo(work);
        } catch (Exception e) {
            if (e instanceof IOException io) {
                throw io;
            }
            if (e instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException(e.getMessage(), e);
        }
    }

    /** One blocking operation, recycled through {@link #freeOps}; runs on a worker thread. */
    private final class FileOp implements Callable<Integer> {
        int kind;
        long offset;
        ByteBuffer buf;
        int flags;
        FileOp next;

        @Override
        public Integer call() throws IOException {
            switch (kind) {
                case OP_READ -> read();
                case OP_WRITE -> write();
                default -> channel.force(false);
            }
            return 0;
        }

        private void read() throws IOException {
            ByteBuffer b = buf;
            b.clear();
            long pos = offset;
            while (b.hasRemaining()) {
                int n;
                try {
                    n = channel.read(b, pos);
                } catch (IOException e) {
                    throw new IOException(path + ": read at offset " + pos + " failed: " + e.getMessage(), e);
                }
                if (n < 0 || (n == 0 && direct)) {
                    break;
                }
                pos += n;
                if (direct && (pos & (DIRECT_ALIGNMENT - 1)) != 0) {
                    break; // a short O_DIRECT read ends at the end of the file
                }
            }
            while (b.hasRemaining()) {
                b.put((byte) 0);
            }
        }

        private void write() throws IOException {
            ByteBuffer b = buf;
            b.clear();
            long pos = offset;
            while (b.hasRemaining()) {
                try {
                    pos += channel.write(b, pos);
                } catch (IOException e) {
                    throw new IOException(path + ": write at offset " + pos + " failed: " + e.getMessage(), e);
                }
            }
            if ((flags & RequestFlags.FUA) != 0) {
                channel.force(false);
            }
        }
    }
}
