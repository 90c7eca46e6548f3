package dev.jemu.block;

import dev.jemu.aio.AioContext;
import dev.jemu.coroutine.CoQueue;
import dev.jemu.coroutine.Coroutine;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A node of the block graph: one opened driver plus the request layer every request to it
 * goes through. The request layer checks ranges and permissions, aligns requests to the
 * driver's {@link BlockDriver#requestAlignment()} (read-modify-write for unaligned writes),
 * tracks requests in flight so that overlapping writes and read-modify-write cycles are
 * serialised with {@link CoQueue}s, and counts requests for {@link #drain()}.
 *
 * <p>All {@code co*} methods are coroutine functions for the node's AioContext thread; the
 * node is not thread-safe.
 */
public final class BlockDriverState {
    private static final int ZERO_CHUNK = 1 << 20;
    private static final ByteBuffer ZEROES = alignedBuffer(ZERO_CHUNK, 4096).asReadOnlyBuffer();

    private final BlockDriver driver;
    private final String filename;
    private final boolean readOnly;
    private final CoQueue drainWaiters = new CoQueue();

    private TrackedRequest head;
    private TrackedRequest tail;
    private TrackedRequest free;
    private int inFlight;
    /** Tracked requests in flight by kind, so that a request that cannot conflict skips the scan. */
    private int writesTracked;
    private int serialisingTracked;
    private boolean closed;

    /**
     * Wraps an opened driver.
     *
     * @param driver the opened driver instance
     * @param filename the name to show in messages and {@code info} (the image file name)
     * @param readOnly whether writes are refused
     */
    public BlockDriverState(BlockDriver driver, String filename, boolean readOnly) {
        this.driver = driver;
        this.filename = filename;
        this.readOnly = readOnly;
    }

    /** The driver instance of this node. */
    public BlockDriver driver() {
        return driver;
    }

    /** The image file name this node was opened from. */
    public String filename() {
        return filename;
    }

    /** Whether writes are refused. */
    public boolean isReadOnly() {
        return readOnly;
    }

    /** The virtual length in bytes. */
    public long length() {
        return driver.length();
    }

    /** The protocol child of a format node, else null. */
    public BlockDriverState file() {
        return driver.fileChild();
    }

    /** The backing node, else null. */
    public BlockDriverState backing() {
        return driver.backingChild();
    }

    /** Format information for {@code info}. */
    public ImageInfo info() {
        return driver.getInfo();
    }

    /** Number of requests in flight. */
    public int inFlight() {
        return inFlight;
    }

    // ---------------------------------------------------------------- requests

    /** Reads {@code bytes} at {@code offset} into {@code buf[bufOffset..]}. Coroutine function. */
    public void coPreadv(long offset, ByteBuffer buf, int bufOffset, int bytes) throws IOException {
        checkRange(offset, bytes);
        if (bytes == 0) {
            return;
        }
        int align = driver.requestAlignment();
        long start = offset & -align;
        long end = roundUp(offset + bytes, align);
        if (start == offset && end == offset + bytes) {
            TrackedRequest req = begin(offset, end, TrackedRequest.READ);
            try {
                driver.coPreadv(offset, buf, bufOffset, bytes);
            } finally {
                finish(req);
            }
            return;
        }
        ByteBuffer bounce = alignedBuffer((int) (end - start), align);
        TrackedRequest req = begin(start, end, TrackedRequest.READ);
        try {
            driver.coPreadv(start, bounce, 0, (int) (end - start));
        } finally {
            finish(req);
        }
        buf.put(bufOffset, bounce, (int) (offset - start), bytes);
    }

    /** Writes {@code bytes} at {@code offset}; {@code flags} from {@link RequestFlags}. Coroutine function. */
    public void coPwritev(long offset, ByteBuffer buf, int bufOffset, int bytes, int flags) throws IOException {
        checkWritable();
        checkRange(offset, bytes);
        if (bytes == 0) {
            return;
        }
        int align = driver.requestAlignment();
        long start = offset & -align;
        long end = roundUp(offset + bytes, align);
        if (start == offset && end == offset + bytes) {
            TrackedRequest req = begin(offset, end, TrackedRequest.WRITE);
            try {
                driver.coPwritev(offset, buf, bufOffset, bytes, flags);
            } finally {
                finish(req);
            }
            return;
        }
        int len = (int) (end - start);
        ByteBuffer bounce = alignedBuffer(len, align);
        TrackedRequest req = begin(start, end, TrackedRequest.SERIALISING);
        try {
            if (start != offset) {
                driver.coPreadv(start, bounce, 0, align);
            }
            if (end != offset + bytes && (start == offset || end - align >= start + align)) {
                driver.coPreadv(end - align, bounce, len - align, align);
            }
            bounce.put((int) (offset - start), buf, bufOffset, bytes);
            driver.coPwritev(start, bounce, 0, len, flags);
        } finally {
            finish(req);
        }
    }

    /** Makes the range read as zeros; {@code flags} may hold MAY_UNMAP, NO_FALLBACK, FUA. Coroutine function. */
    public void coPwriteZeroes(long offset, long bytes, int flags) throws IOException {
        checkWritable();
        checkRange(offset, bytes);
        int align = driver.requestAlignment();
        long alignedStart = roundUp(offset, align);
        long alignedEnd = (offset + bytes) & -align;
        if (alignedStart >= alignedEnd) {
            writeZeroBuffer(offset, bytes, flags);
            return;
        }
        if (alignedStart > offset) {
            writeZeroBuffer(offset, alignedStart - offset, flags);
        }
        boolean fallback = false;
        TrackedRequest req = begin(alignedStart, alignedEnd, TrackedRequest.WRITE);
        try {
            driver.coPwriteZeroes(alignedStart, alignedEnd - alignedStart, flags);
        } catch (UnsupportedOperationException e) {
            if ((flags & RequestFlags.NO_FALLBACK) != 0) {
                throw new BlockException(filename + ": efficient zero writing is not supported");
            }
            fallback = true;
        } finally {
            finish(req);
        }
        if (fallback) {
            writeZeroBuffer(alignedStart, alignedEnd - alignedStart, flags);
        }
        if (alignedEnd < offset + bytes) {
            writeZeroBuffer(alignedEnd, offset + bytes - alignedEnd, flags);
        }
    }

    private void writeZeroBuffer(long offset, long bytes, int flags) throws IOException {
        int wflags = flags & RequestFlags.FUA;
        while (bytes > 0) {
            int n = (int) Math.min(bytes, ZERO_CHUNK);
            coPwritev(offset, ZEROES, 0, n, wflags);
            offset += n;
            bytes -= n;
        }
    }

    /** Discards the range (its content becomes unspecified). Coroutine function. */
    public void coPdiscard(long offset, long bytes) throws IOException {
        checkWritable();
        checkRange(offset, bytes);
        int align = driver.requestAlignment();
        long start = roundUp(offset, align);
        long end = (offset + bytes) & -align;
        if (start >= end) {
            return;
        }
        TrackedRequest req = begin(start, end, TrackedRequest.WRITE);
        try {
            driver.coPdiscard(start, end - start);
        } finally {
            finish(req);
        }
    }

    /** Makes completed writes stable. Coroutine function. */
    public void coFlush() throws IOException {
        if (readOnly) {
            return;
        }
        inFlight++;
        try {
            driver.coFlush();
        } finally {
            leave();
        }
    }

    /**
     * Fills {@code out} with the status of the range at {@code offset}; {@code out.pnum} is at
     * least 1 and at most {@code bytes} (clamped to the node's length). Coroutine function.
     */
    public void coBlockStatus(long offset, long bytes, BlockStatus out) throws IOException {
        long len = length();
        if (offset < 0 || offset >= len || bytes <= 0) {
            throw new BlockException(filename + ": block status request at " + offset + " out of range");
        }
        bytes = Math.min(bytes, len - offset);
        out.set(0, 0, 0, null);
        inFlight++;
        try {
            driver.coBlockStatus(offset, bytes, out);
        } finally {
            leave();
        }
        if (out.pnum <= 0 || out.pnum > bytes) {
            out.pnum = bytes;
        }
        if (out.has(BlockStatus.OFFSET_VALID) && out.hostNode == null) {
            out.hostNode = this;
        }
    }

    /** Changes the length. Coroutine function. */
    public void coTruncate(long newLength, Preallocation prealloc) throws IOException {
        checkWritable();
        if (newLength < 0) {
            throw new BlockException(filename + ": Image size cannot be negative");
        }
        TrackedRequest req = begin(0, Long.MAX_VALUE, TrackedRequest.SERIALISING);
        try {
            driver.coTruncate(newLength, prealloc);
        } finally {
            finish(req);
        }
    }

    // ---------------------------------------------------------------- drain and close

    /**
     * Waits until no request is in flight on this node. Inside a coroutine it yields; outside it
     * polls the thread's AioContext.
     */
    public void drain() {
        if (Coroutine.inCoroutine()) {
            while (inFlight > 0) {
                drainWaiters.await(null);
            }
            return;
        }
        AioContext ctx = AioContext.current();
        while (inFlight > 0) {
            ctx.poll(true);
        }
    }

    /** Closes this node and its children; the caller has drained and flushed. */
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        IOException failure = null;
        try {
            driver.close();
        } catch (IOException e) {
            failure = e;
        }
        for (BlockDriverState child : new BlockDriverState[] {driver.backingChild(), driver.fileChild()}) {
            if (child != null) {
                try {
                    child.close();
                } catch (IOException e) {
                    if (failure == null) {
                        failure = e;
                    }
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    // ---------------------------------------------------------------- tracking

    private TrackedRequest begin(long offset, long end, int kind) {
        TrackedRequest req = free;
        if (req != null) {
            free = req.next;
        } else {
            req = new TrackedRequest();
        }
        req.offset = offset;
        req.end = end;
        req.kind = kind;
        req.next = null;
        req.prev = tail;
        if (tail != null) {
            tail.next = req;
        } else {
            head = req;
        }
        tail = req;
        inFlight++;
        if (kind == TrackedRequest.WRITE) {
            writesTracked++;
        } else if (kind == TrackedRequest.SERIALISING) {
            serialisingTracked++;
        }
        boolean mayConflict = kind == TrackedRequest.READ ? serialisingTracked > 0
                : kind == TrackedRequest.WRITE ? serialisingTracked > 0 || writesTracked > 1
                : inFlight > 1;
        if (mayConflict) {
            waitForConflicts(req);
        }
        return req;
    }

    private void waitForConflicts(TrackedRequest req) {
        boolean retry = true;
        while (retry) {
            retry = false;
            for (TrackedRequest other = head; other != req; other = other.next) {
                if (other.overlaps(req.offset, req.end) && other.blocks(req.kind)) {
                    other.waiters.await(null);
                    retry = true;
                    break;
                }
            }
        }
    }

    private void finish(TrackedRequest req) {
        if (req.kind == TrackedRequest.WRITE) {
            writesTracked--;
        } else if (req.kind == TrackedRequest.SERIALISING) {
            serialisingTracked--;
        }
        if (req.prev != null) {
            req.prev.next = req.next;
        } else {
            head = req.next;
        }
        if (req.next != null) {
            req.next.prev = req.prev;
        } else {
            tail = req.prev;
        }
        req.waiters.restartAll();
        req.prev = null;
        req.next = free;
        free = req;
        leave();
    }

    private void leave() {
        if (--inFlight == 0 && !drainWaiters.isEmpty()) {
            drainWaiters.restartAll();
        }
    }

    private void checkRange(long offset, long bytes) throws BlockException {
        if (offset < 0 || bytes < 0 || offset > Long.MAX_VALUE - bytes) {
            throw new BlockException(filename + ": request at offset " + offset + " of " + bytes
                    + " bytes out of range");
        }
    }

    private void checkWritable() throws BlockException {
        if (readOnly) {
            throw new BlockException(filename + ": Permission denied: node is read-only");
        }
    }

    private static long roundUp(long value, int align) {
        return (value + align - 1) & -align;
    }

    /** A direct buffer of {@code size} bytes whose address is a multiple of {@code align}. */
    public static ByteBuffer alignedBuffer(int size, int align) {
        int a = Math.max(align, 8);
        int rounded = (size + a - 1) & -a;
        return ByteBuffer.allocateDirect(rounded + a).alignedSlice(a).limit(size).slice();
    }

    @Override
    public String toString() {
        return driver.formatName() + ":" + filename;
    }
}
