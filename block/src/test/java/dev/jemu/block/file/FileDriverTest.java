package dev.jemu.block.file;

import dev.jemu.block.BlockBackend;
import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockException;
import dev.jemu.block.BlockGraph;
import dev.jemu.block.BlockOptions;
import dev.jemu.block.BlockStatus;
import dev.jemu.block.CacheMode;
import dev.jemu.block.RequestFlags;
import dev.jemu.block.SyncIo;
import dev.jemu.block.TestImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FileDriverTest {
    @TempDir
    Path dir;

    private BlockDriverState open(Path p, String cache) throws IOException {
        return BlockGraph.open(p.toString(), "raw", false, CacheMode.parse(cache));
    }

    @Test
    void readsAndWritesThroughEveryCacheMode() throws IOException {
        for (String cache : new String[] {"writeback", "writethrough", "none", "directsync", "unsafe"}) {
            Path p = dir.resolve(cache + ".raw");
            Files.write(p, new byte[1 << 20]);
            BlockDriverState bs = open(p, cache);
            byte[] data = TestImages.pattern(10000, 3);
            TestImages.write(bs, 1234, data);
            assertArrayEquals(data, TestImages.read(bs, 1234, 10000), cache);
            TestImages.close(bs);
            byte[] onDisk = Files.readAllBytes(p);
            for (int i = 0; i < data.length; i++) {
                assertEquals(data[i], onDisk[1234 + i], cache + " byte " + i);
            }
            assertEquals(0, onDisk[1233]);
            assertEquals(0, onDisk[1234 + 10000]);
        }
    }

    @Test
    void directIoAlignsRequestsAndBouncesUnalignedBuffers() throws IOException {
        Path p = dir.resolve("d.raw");
        Files.write(p, TestImages.pattern(65536, 1));
        BlockDriverState bs = open(p, "none");
        assertEquals(4096, bs.file().driver().requestAlignment());
        ByteBuffer heap = ByteBuffer.allocate(100);
        SyncIo.run(() -> bs.coPreadv(4095, heap, 0, 100));
        byte[] want = new byte[100];
        System.arraycopy(TestImages.pattern(65536, 1), 4095, want, 0, 100);
        assertArrayEquals(want, heap.array());
        TestImages.close(bs);
    }

    @Test
    void readsPastEndOfFileReturnZeros() throws IOException {
        Path p = dir.resolve("short.raw");
        Files.write(p, new byte[] {1, 2, 3});
        BlockDriverState file = new BlockDriverState(FileDriver.open(p.toString(), true, false, false),
                p.toString(), true);
        assertArrayEquals(new byte[] {1, 2, 3, 0, 0}, TestImages.read(file, 0, 5));
        file.close();
    }

    @Test
    void discardPunchesHolesSeenByBlockStatus() throws IOException {
        Path p = dir.resolve("h.raw");
        Files.write(p, TestImages.pattern(1 << 20, 2));
        BlockDriverState bs = open(p, "writeback");
        SyncIo.run(() -> bs.coPdiscard(256 << 10, 512 << 10));
        BlockStatus st = new BlockStatus();
        SyncIo.run(() -> bs.coBlockStatus(0, 1 << 20, st));
        assertTrue(st.has(BlockStatus.DATA));
        assertEquals(256 << 10, st.pnum);
        SyncIo.run(() -> bs.coBlockStatus(256 << 10, 1 << 20, st));
        assertTrue(st.has(BlockStatus.ZERO));
        assertEquals(512 << 10, st.pnum);
        assertArrayEquals(new byte[4096], TestImages.read(bs, 300 << 10, 4096));
        SyncIo.run(() -> bs.coPwriteZeroes(0, 4096, RequestFlags.MAY_UNMAP));
        assertArrayEquals(new byte[4096], TestImages.read(bs, 0, 4096));
        TestImages.close(bs);
    }

    @Test
    void rawWindowHonoursOffsetAndSize() throws IOException {
        Path p = dir.resolve("w.raw");
        byte[] all = TestImages.pattern(8192, 5);
        Files.write(p, all);
        BlockDriverState bs = BlockGraph.open(BlockOptions.parse("driver=raw,offset=1024,size=2048,file.filename="
                + p, null));
        assertEquals(2048, bs.length());
        byte[] got = TestImages.read(bs, 0, 2048);
        byte[] want = new byte[2048];
        System.arraycopy(all, 1024, want, 0, 2048);
        assertArrayEquals(want, got);
        BlockBackend blk = new BlockBackend(bs, BlockBackend.PERM_READ | BlockBackend.PERM_WRITE, false);
        BlockException e = assertThrows(BlockException.class,
                () -> SyncIo.run(() -> blk.coPreadv(2000, ByteBuffer.allocate(100), 0, 100)));
        assertTrue(e.getMessage().contains("Input/output error"));
        BlockException tooBig = assertThrows(BlockException.class, () -> BlockGraph.open(BlockOptions.parse(
                "driver=raw,offset=8000,size=2048,file.filename=" + p, null)));
        assertTrue(tooBig.getMessage().contains("has to be smaller or equal"));
        blk.close();
    }

    @Test
    void missingFileGivesOneLineError() {
        BlockException e = assertThrows(BlockException.class,
                () -> BlockGraph.open(dir.resolve("nope.img").toString(), null, true, CacheMode.WRITEBACK));
        assertEquals("Could not open '" + dir.resolve("nope.img") + "': No such file or directory", e.getMessage());
    }

    @Test
    void nullDriverReadsZerosOrLeavesBufferWithReadZeroesOff() throws IOException {
        BlockDriverState z = BlockGraph.open(BlockOptions.parse("driver=null-co,size=1M", null));
        assertEquals(1 << 20, z.length());
        assertArrayEquals(new byte[16], TestImages.read(z, 100, 16));
        BlockDriverState nz = BlockGraph.open(BlockOptions.parse("driver=null-co,read-zeroes=off", null));
        ByteBuffer b = ByteBuffer.allocate(4);
        b.put(0, (byte) 9);
        SyncIo.run(() -> nz.coPreadv(0, b, 0, 4));
        assertEquals(9, b.get(0));
    }
}
