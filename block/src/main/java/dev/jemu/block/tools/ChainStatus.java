package dev.jemu.block.tools;

import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockStatus;

import java.io.IOException;

/**
 * Block status through a backing chain: where the content of a range comes from and how deep
 * in the chain that is (QEMU's {@code bdrv_block_status_above}).
 */
public final class ChainStatus {
    private ChainStatus() {
    }

    /**
     * Fills {@code out} for the range at {@code offset} of {@code top}, looking into backing
     * files for ranges the upper layers do not allocate, and returns the depth of the layer that
     * answered (the last layer when no layer allocates the range). Ranges beyond a shorter
     * backing file read as zeros. Coroutine function.
     */
    public static int query(BlockDriverState top, long offset, long bytes, BlockStatus out) throws IOException {
        BlockDriverState bs = top;
        int depth = 0;
        while (true) {
            bs.coBlockStatus(offset, bytes, out);
            BlockDriverState backing = bs.backing();
            if (out.has(BlockStatus.ALLOCATED) || backing == null) {
                return depth;
            }
            bytes = out.pnum;
            if (offset >= backing.length()) {
                out.set(BlockStatus.ZERO, bytes, 0, null);
                return depth;
            }
            bytes = Math.min(bytes, backing.length() - offset);
            bs = backing;
            depth++;
        }
    }

    /** The node at {@code depth} below {@code top}. */
    public static BlockDriverState layer(BlockDriverState top, int depth) {
        BlockDriverState bs = top;
        for (int i = 0; i < depth && bs.backing() != null; i++) {
            bs = bs.backing();
        }
        return bs;
    }
}
