package dev.jemu.devices.ide;

import dev.jemu.block.BlockDriver;
import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockStatus;
import dev.jemu.block.ImageInfo;
import dev.jemu.block.Preallocation;
import dev.jemu.coroutine.Coroutine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * A block driver for tests over a real image node: it can hold requests at a gate (a slow
 * disk whose requests finish when the test says) and fail the next reads, writes or flushes
 * with an I/O error (a failing host disk). Everything else passes through to the image.
 *
 * <p>Threading: the {@code co*} functions run in coroutines of the drive's AioContext; the
 * test thread calls the gate and failure controls; a monitor guards what both touch.
 */
final class ControlledDriver implements BlockDriver {
    private final BlockDriverState image;
    private final Object lock = new Object();
    private final List<Coroutine> held = new ArrayList<>();
    private boolean gateClosed;
    private int arrived;
    private int failReads;
    private int failWrites;
    private int failFlushes;

    ControlledDriver(BlockDriverState image) {
        this.image = image;
    }

    /** Holds every request from now on until {@link #openGate()}. */
    void closeGate() {
        synchronized (lock) {
            gateClosed = true;
            arrived = 0;
        }
    }

    /** Lets the held requests and all later ones go. */
    void openGate() {
        synchronized (lock) {
            gateClosed = false;
            for (Coroutine co : held) {
                co.wake();
            }
            held.clear();
        }
    }

    /** Lets the requests held now go, keeping the gate closed for later ones. */
    void releaseHeld() {
        synchronized (lock) {
            for (Coroutine co : held) {
                co.wake();
            }
            held.clear();
        }
    }

    /** Waits (at most 10 s) until {@code n} requests have arrived at the closed gate since it closed. */
    void awaitHeld(int n) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        synchronized (lock) {
            while (arrived < n) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    fail("no request reached the disk");
                }
                lock.wait(left / 1_000_000 + 1);
            }
        }
    }

    void failNextReads(int n) {
        synchronized (lock) {
            failReads = n;
        }
    }

    void failNextWrites(int n) {
        synchronized (lock) {
            failWrites = n;
        }
    }

    void failNextFlushes(int n) {
        synchronized (lock) {
            failFlushes = n;
        }
    }

    private void gate() {
        boolean wait;
        synchronized (lock) {
            wait = gateClosed;
            if (wait) {
                held.add(Coroutine.self());
                arrived++;
                lock.notifyAll();
            }
        }
        if (wait) {
            Coroutine.yield();
        }
    }

    private void maybeFail(char what) throws IOException {
        synchronized (lock) {
            boolean failNow = switch (what) {
                case 'r' -> failReads > 0 && failReads-- > 0;
                case 'w' -> failWrites > 0 && failWrites-- > 0;
                default -> failFlushes > 0 && failFlushes-- > 0;
            };
            if (failNow) {
                throw new IOException("Input/output error");
            }
        }
    }

    @Override
    public String formatName() {
        return "controlled";
    }

    @Override
    public long length() {
        return image.length();
    }

    @Override
    public void coPreadv(long offset, ByteBuffer buf, int bufOffset, int bytes) throws IOException {
        gate();
        maybeFail('r');
        image.coPreadv(offset, buf, bufOffset, bytes);
    }

    @Override
    public void coPwritev(long offset, ByteBuffer buf, int bufOffset, int bytes, int flags) throws IOException {
        gate();
        maybeFail('w');
        image.coPwritev(offset, buf, bufOffset, bytes, flags);
    }

    @Override
    public void coFlush() throws IOException {
        gate();
        maybeFail('f');
        image.coFlush();
    }

    @Override
    public void coPdiscard(long offset, long bytes) throws IOException {
        image.coPdiscard(offset, bytes);
    }

    @Override
    public void coPwriteZeroes(long offset, long bytes, int flags) throws IOException {
        image.coPwriteZeroes(offset, bytes, flags);
    }

    @Override
    public void coBlockStatus(long offset, long bytes, BlockStatus out) throws IOException {
        image.coBlockStatus(offset, bytes, out);
    }

    @Override
    public void coTruncate(long length, Preallocation prealloc) throws IOException {
        image.coTruncate(length, prealloc);
    }

    @Override
    public ImageInfo getInfo() {
        return image.info();
    }

    @Override
    public BlockDriverState fileChild() {
        return image;
    }

    @Override
    public void close() throws IOException {
        image.close();
    }
}
