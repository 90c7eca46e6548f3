package dev.jemu.block;

import dev.jemu.block.raw.RawDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** QEMU's protection of probed raw images: a write may not give block 0 another format's magic. */
class ProbedRawTest {
    @TempDir
    Path dir;

    private static void write(BlockDriverState bs, long offset, byte[] data) throws IOException {
        SyncIo.run(() -> bs.coPwritev(offset, ByteBuffer.wrap(data), 0, data.length, 0));
    }

    @Test
    void probedRawRefusesToBecomeQcow2ButTakesOtherWritesToBlockZero() throws IOException {
        Path image = Files.write(dir.resolve("disk.raw"), new byte[64 * 1024]);
        BlockDriverState bs = BlockGraph.open(image.toString(), null, false, CacheMode.WRITEBACK);
        try {
            assertTrue(((RawDriver) bs.driver()).isProbed());
            IOException e = assertThrows(IOException.class, () -> write(bs, 0, new byte[] {'Q', 'F', 'I', (byte) 0xFB}));
            assertTrue(e.getMessage().startsWith("Operation not permitted"), e.getMessage());
            write(bs, 0, new byte[] {(byte) 0xEB, 0x3C, (byte) 0x90});
            write(bs, 1, new byte[] {'F', 'I', (byte) 0xFB});
        } finally {
            bs.close();
        }
        byte[] head = Files.readAllBytes(image);
        assertEquals((byte) 0xEB, head[0]);
        assertEquals('F', head[1]);
    }

    @Test
    void rawGivenExplicitlyIsNotRestricted() throws IOException {
        Path image = Files.write(dir.resolve("disk.raw"), new byte[64 * 1024]);
        BlockDriverState bs = BlockGraph.open(image.toString(), "raw", false, CacheMode.WRITEBACK);
        try {
            assertFalse(((RawDriver) bs.driver()).isProbed());
            write(bs, 0, new byte[] {'Q', 'F', 'I', (byte) 0xFB});
        } finally {
            bs.close();
        }
        assertEquals('Q', Files.readAllBytes(image)[0]);
    }
}
