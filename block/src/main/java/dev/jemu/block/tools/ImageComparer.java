package dev.jemu.block.tools;

import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockStatus;
import dev.jemu.block.SyncIo;

import java.io.IOException;
import java.nio.ByteBuffer;

/** {@code compare}: whether two images have the same guest content (and, strictly, the same size and allocation). */
public final class ImageComparer {
    private static final int CHUNK = 1 << 20;
    /**
     * What strict mode requires to be the same at each offset, as qemu-img compares the block
     * status: data, zero, whether the data has a host offset (a compressed cluster has none) and
     * allocation; and (qemu's EOF flag) whether the extent runs to the end of the image.
     */
    private static final int STRICT_FLAGS = BlockStatus.DATA | BlockStatus.ZERO | BlockStatus.OFFSET_VALID
            | BlockStatus.ALLOCATED;

    private ImageComparer() {
    }

    /**
     * The outcome.
     *
     * @param identical whether the images compare equal
     * @param message the line qemu-img prints
     */
    public record Result(boolean identical, String message) {
    }

    /** Compares {@code a} and {@code b}. Not in a coroutine. */
    public static Result compare(BlockDriverState a, BlockDriverState b, boolean strict) throws IOException {
        long la = a.length();
        long lb = b.length();
        if (strict && la != lb) {
            return new Result(false, "Strict mode: Image size mismatch!");
        }
        return SyncIo.call(() -> {
            long common = Math.min(la, lb);
            ByteBuffer ba = ByteBuffer.allocateDirect(CHUNK);
            ByteBuffer bb = ByteBuffer.allocateDirect(CHUNK);
            BlockStatus sa = new BlockStatus();
            BlockStatus sb = new BlockStatus();
            long pos = 0;
            while (pos < common) {
                // each status over the rest of the image, so that its end is as qemu-img sees it
                ChainStatus.query(a, pos, common - pos, sa);
                ChainStatus.query(b, pos, common - pos, sb);
                int n = (int) Math.min(CHUNK, Math.min(sa.pnum, sb.pnum));
                if (strict && ((sa.flags & STRICT_FLAGS) != (sb.flags & STRICT_FLAGS)
                        || (pos + sa.pnum == common) != (pos + sb.pnum == common))) {
                    return new Result(false, "Strict mode: Offset " + pos + " block status mismatch!");
                }
                boolean za = sa.has(BlockStatus.ZERO) && !sa.has(BlockStatus.DATA);
                boolean zb = sb.has(BlockStatus.ZERO) && !sb.has(BlockStatus.DATA);
                if (!(za && zb)) {
                    if (!za) {
                        a.coPreadv(pos, ba, 0, n);
                    } else {
                        zero(ba, n);
                    }
                    if (!zb) {
                        b.coPreadv(pos, bb, 0, n);
                    } else {
                        zero(bb, n);
                    }
                    int diff = ba.slice(0, n).mismatch(bb.slice(0, n));
                    if (diff >= 0) {
                        return mismatch(pos + diff);
                    }
                }
                pos += n;
            }
            BlockDriverState longer = la > lb ? a : b;
            long end = Math.max(la, lb);
            while (pos < end) {
                ChainStatus.query(longer, pos, Math.min(CHUNK, end - pos), sa);
                int n = (int) sa.pnum;
                if (!(sa.has(BlockStatus.ZERO) && !sa.has(BlockStatus.DATA))) {
                    longer.coPreadv(pos, ba, 0, n);
                    for (int i = 0; i < n; i++) {
                        if (ba.get(i) != 0) {
                            return mismatch(pos + i);
                        }
                    }
                }
                pos += n;
            }
            return new Result(true, "Images are identical.");
        });
    }

    /** qemu-img reports the start of the first differing 512-byte sector. */
    private static Result mismatch(long offset) {
        return new Result(false, "Content mismatch at offset " + (offset & ~511L) + "!");
    }

    private static void zero(ByteBuffer b, int n) {
        for (int i = 0; i < n; i++) {
            b.put(i, (byte) 0);
        }
    }
}
