package dev.jemu.block.tools;

import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockException;
import dev.jemu.block.BlockStatus;
import dev.jemu.block.Preallocation;
import dev.jemu.block.RequestFlags;
import dev.jemu.block.SyncIo;
import dev.jemu.block.qcow2.Qcow2Driver;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.DoubleConsumer;

/**
 * {@code commit}: writes every range a qcow2 image allocates into its backing file, then (unless
 * asked to keep it) empties the image so that it reads through to the backing file again.
 */
public final class ImageCommit {
    private static final int CHUNK = 1 << 20;

    private ImageCommit() {
    }

    /**
     * Commits {@code top} (opened read-write) into {@code base}, a writable node on the same file
     * as {@code top}'s backing node.
     *
     * @param keep leave the committed image's content in place ({@code -d})
     * @param progress receives the percentage done, or null
     */
    public static void commit(BlockDriverState top, BlockDriverState base, boolean keep, DoubleConsumer progress)
            throws IOException {
        if (!(top.driver() instanceof Qcow2Driver q) || top.backing() == null) {
            throw new BlockException("Image does not have a backing file");
        }
        SyncIo.run(() -> {
            long size = top.length();
            if (base.length() < size) {
                base.coTruncate(size, Preallocation.OFF);
            }
            ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
            BlockStatus st = new BlockStatus();
            long pos = 0;
            while (pos < size) {
                top.coBlockStatus(pos, Math.min(CHUNK, size - pos), st);
                int n = (int) st.pnum;
                if (st.has(BlockStatus.ALLOCATED)) {
                    if (st.has(BlockStatus.ZERO) && !st.has(BlockStatus.DATA)) {
                        base.coPwriteZeroes(pos, n, RequestFlags.MAY_UNMAP);
                    } else {
                        top.coPreadv(pos, buf, 0, n);
                        base.coPwritev(pos, buf, 0, n, 0);
                    }
                }
                pos += n;
                if (progress != null) {
                    progress.accept(100.0 * pos / size);
                }
            }
            base.coFlush();
            if (!keep) {
                q.makeEmpty();
            }
        });
    }
}
