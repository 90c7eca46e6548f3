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

    /**
     * Maps {@code [start, start + length)} of {@code top}. The tail of the last 512-byte sector
     * beyond the end of a raw image is a zero extent, as qemu reports it (see
     * {@link ImageFiles#virtualSize}). Not in a coroutine.
     */
    public static List<Extent> map(BlockDriverState top, long start, long length) throws IOException {
        return SyncIo.call(() -> {
            List<Extent> out = new ArrayList<>();
            BlockStatus st = new BlockStatus();
            long end = Math.min(ImageFiles.virtualSize(top), start + length);
            long dataEnd = Math.min(top.length(), end);
            long pos = start;
            while (pos < dataEnd) {
                int depth = ChainStatus.query(top, pos, dataEnd - pos, st);
                BlockDriverState layer = ChainStatus.layer(top, depth);
                boolean valid = st.has(BlockStatus.OFFSET_VALID);
                add(out, new Extent(pos, st.pnum, depth, st.has(BlockStatus.ALLOCATED),
                        st.has(BlockStatus.ZERO), st.has(BlockStatus.DATA), valid ? st.hostOffset : -1,
                        layer.filename()));
                pos += st.pnum;
            }
            if (pos < end) {
                add(out, new Extent(pos, end - pos, 0, true, true, false, pos, top.filename()));
            }
            return out;
        });
    }

    /** Appends {@code e} to {@code out}, merged into the last extent where it continues it. */
    private static void add(List<Extent> out, Extent e) {
        if (!out.isEmpty() && out.get(out.size() - 1).continues(e)) {
            Extent last = out.remove(out.size() - 1);
            e = new Extent(last.start(), last.length() + e.length(), last.depth(), last.present(),
                    last.zero(), last.data(), last.offset(), last.filename());
        }
        out.add(e);
    }
}
