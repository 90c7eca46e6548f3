package dev.jemu.block.raw;

import dev.jemu.block.BlockDriver;
import dev.jemu.block.BlockStatus;
import dev.jemu.block.ImageInfo;
import dev.jemu.block.Preallocation;

import java.nio.ByteBuffer;

/**
 * The {@code null-co} driver: a disk of a given size without storage. Writes are dropped;
 * reads return zeros, or leave the buffer untouched with {@code read-zeroes=off} (for
 * benchmarks of the layers above).
 */
public final class NullDriver implements BlockDriver {
    private static final byte[] ZEROES = new byte[4096];

    private long size;
    private final boolean readZeroes;

    /** A null disk of {@code size} bytes. */
    public NullDriver(long size, boolean readZeroes) {
        this.size = size;
        this.readZeroes = readZeroes;
    }

    @Override
    public String formatName() {
        return "null-co";
    }

    @Override
    public long length() {
        return size;
    }

    @Override
    public void coPreadv(long offset, ByteBuffer buf, int bufOffset, int bytes) {
        if (readZeroes) {
            for (int done = 0; done < bytes; done += ZEROES.length) {
                buf.put(bufOffset + done, ZEROES, 0, Math.min(ZEROES.length, bytes - done));
            }
        }
    }

    @Override
    public void coPwritev(long offset, ByteBuffer buf, int bufOffset, int bytes, int flags) {
        // Writes to a null disk are dropped.
    }

    @Override
    public void coFlush() {
        // Nothing is ever stored.
    }

    @Override
    public void coPdiscard(long offset, long bytes) {
        // Nothing is ever stored.
    }

    @Override
    public void coPwriteZeroes(long offset, long bytes, int flags) {
        // Nothing is ever stored.
    }

    @Override
    public void coBlockStatus(long offset, long bytes, BlockStatus out) {
        int flags = BlockStatus.ALLOCATED | (readZeroes ? BlockStatus.ZERO : BlockStatus.DATA);
        out.set(flags, bytes, 0, null);
    }

    @Override
    public void coTruncate(long length, Preallocation prealloc) {
        size = length;
    }

    @Override
    public ImageInfo getInfo() {
        return ImageInfo.simple("null-co", size);
    }

    @Override
    public void close() {
        // Nothing to release.
    }
}
