package dev.jemu.block.tools;

import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockException;
import dev.jemu.block.BlockStatus;
import dev.jemu.block.SyncIo;
import dev.jemu.block.qcow2.Qcow2Driver;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * {@code rebase}: changes the backing file of a qcow2 image. In safe mode every range the image
 * does not allocate itself and whose content differs between the old and the new backing file
 * is first copied into the image, so the guest sees the same disk afterwards.
 */
public final class ImageRebase {
    private static final int CHUNK = 1 << 20;

    private ImageRebase() {
    }

    /**
     * Rebases {@code top} (opened read-write) onto {@code newBacking} (null: no backing file).
     *
     * @param newName the backing file name to record, or null
     * @param newFormat the backing format to record, or null
     * @param unsafe only rewrite the header
     */
    public static void rebase(BlockDriverState top, BlockDriverState newBacking, String newName, String newFormat,
                              boolean unsafe) throws IOException {
        if (!(top.driver() instanceof Qcow2Driver q)) {
            throw new BlockException("Could not change the backing file to '" + newName + "': image format '"
                    + top.driver().formatName() + "' does not support backing files");
        }
        SyncIo.run(() -> {
            if (!unsafe) {
                copyDifferences(top, newBacking);
                top.coFlush();
            }
            q.setBackingFile(newName, newFormat);
        });
    }

    private static void copyDifferences(BlockDriverState top, BlockDriverState newBacking) throws IOException {
        ByteBuffer oldBuf = ByteBuffer.allocateDirect(CHUNK);
        ByteBuffer newBuf = ByteBuffer.allocateDirect(CHUNK);
        BlockStatus st = new BlockStatus();
        long size = top.length();
        long pos = 0;
        while (pos < size) {
            top.coBlockStatus(pos, Math.min(CHUNK, size - pos), st);
            int n = (int) st.pnum;
            if (!st.has(BlockStatus.ALLOCATED)) {
                top.coPreadv(pos, oldBuf, 0, n);
                readOrZero(newBacking, pos, newBuf, n);
                if (oldBuf.slice(0, n).mismatch(newBuf.slice(0, n)) >= 0) {
                    top.coPwritev(pos, oldBuf, 0, n, 0);
                }
            }
            pos += n;
        }
    }

    private static void readOrZero(BlockDriverState bs, long pos, ByteBuffer buf, int n) throws IOException {
        int inside = bs == null ? 0 : (int) Math.max(0, Math.min(n, bs.length() - pos));
        if (inside > 0) {
            bs.coPreadv(pos, buf, 0, inside);
        }
        for (int i = inside; i < n; i++) {
            buf.put(i, (byte) 0);
        }
    }
}
