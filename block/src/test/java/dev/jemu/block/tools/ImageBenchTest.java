package dev.jemu.block.tools;

import dev.jemu.block.BlockBackend;
import dev.jemu.block.BlockDriver;
import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockStatus;
import dev.jemu.block.ImageInfo;
import dev.jemu.block.Preallocation;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ImageBenchTest {

    /** Records every request. */
    static final class RecordingDriver implements BlockDriver {
        final long size;
        final List<String> log = new ArrayList<>();

        RecordingDriver(long size) {
            this.size = size;
        }

        @Override public String formatName() {
            return "rec";
        }

        @Override public long length() {
            return size;
        }

        @Override public void coPreadv(long offset, ByteBuffer buf, int bufOffset, int bytes) {
            log.add("r" + offset);
        }

        @Override public void coPwritev(long offset, ByteBuffer buf, int bufOffset, int bytes, int flags) {
            log.add("w" + offset + ":" + buf.get(bufOffset));
        }

        @Override public void coFlush() {
            log.add("flush");
        }

        @Override public void coPdiscard(long offset, long bytes) {
        }

        @Override public void coPwriteZeroes(long offset, long bytes, int flags) {
        }

        @Override public void coBlockStatus(long offset, long bytes, BlockStatus out) {
            out.set(BlockStatus.DATA, bytes, 0, null);
        }

        @Override public void coTruncate(long length, Preallocation prealloc) {
        }

        @Override public ImageInfo getInfo() {
            return ImageInfo.simple("rec", size);
        }

        @Override public void close() {
        }
    }

    @Test
    void walksOffsetsModuloTheImageSizeLikeQemu72() throws IOException {
        RecordingDriver d = new RecordingDriver(1L << 30);
        BlockBackend blk = new BlockBackend(new BlockDriverState(d, "rec", false), BlockBackend.PERM_READ, false);
        ImageBench.run(blk, new ImageBench.Options(5, 2, 0, 4096, 428969984L, false, 0, 0, false));
        assertEquals(List.of("r0", "r428969984", "r857939968", "r213168128", "r642138112"), d.log);
    }

    @Test
    void writesThePatternAndFlushesAtTheInterval() throws IOException {
        RecordingDriver d = new RecordingDriver(1 << 20);
        BlockBackend blk = new BlockBackend(new BlockDriverState(d, "rec", false),
                BlockBackend.PERM_READ | BlockBackend.PERM_WRITE, false);
        ImageBench.run(blk, new ImageBench.Options(4, 1, 8192, 512, 512, true, 7, 2, false));
        assertEquals(List.of("w8192:7", "w8704:7", "flush", "w9216:7", "w9728:7", "flush"), d.log);
        assertEquals("Sending 4 write requests, 512 bytes each, 1 in parallel (starting at offset 8192, step size 512)"
                + "\nSending flush every 2 requests", ImageBench.describe(new ImageBench.Options(4, 1, 8192, 512, 512,
                true, 7, 2, false)));
    }
}
