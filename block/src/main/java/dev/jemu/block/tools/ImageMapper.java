package dev.jemu.block.tools;

import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockStatus;
import dev.jemu.block.SyncIo;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** {@code map}: the extents of an image with where their content comes from, merged like qemu-img does. */
public final class ImageMapper {
    private ImageMapper() {
    }

    /**
     * One extent.
     *
     * @param offset host offset in {@code filename}, or -1 when there is none
     * @param filename the image file that holds the data (the layer at {@code depth})
     */
    public record Extent(long start, long length, int depth, boolean present, boolean zero, boolean data,
                         long offset, String filename) {
        boolean continues(Extent next) {
            return depth == next.depth && present == next.present && zero == next.zero && data == next.data
                    && filename.equals(next.filename) && start + length == next.start
                    && (offset < 0 ? next.offset < 0 : next.offset == offset + length);
        }
    }

    /** Maps {@code [start, start + length)} of {@code top}. Not in a coroutine. */
    public static List<Extent> map(BlockDriverState top, long start, long length) throws IOException {
        return SyncIo.call(() -> {
            List<Extent> out = new ArrayList<>();
            BlockStatus st = new BlockStatus();
            long end = Math.min(top.length(), start + length);
            long pos = start;
            while (pos < end) {
                int depth = ChainStatus.query(top, pos, end - pos, st);
                BlockDriverState layer = ChainStatus.layer(top, depth);
                boolean valid = st.has(BlockStatus.OFFSET_VALID);
                Extent e = new Extent(pos, st.pnum, depth, st.has(BlockStatus.ALLOCATED),
                        st.has(BlockStatus.ZERO), st.has(BlockStatus.DATA), valid ? st.hostOffset : -1,
                        layer.filename());
                if (!out.isEmpty() && out.get(out.size() - 1).continues(e)) {
                    Extent last = out.remove(out.size() - 1);
                    e = new Extent(last.start(), last.length() + e.length(), last.depth(), last.present(),
                            last.zero(), last.data(), last.offset(), last.filename());
                }
                out.add(e);
                pos += st.pnum;
            }
            return out;
        });
    }
}
