package dev.jemu.block.nbd;

import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockException;
import dev.jemu.block.BlockGraph;
import dev.jemu.block.BlockOptions;
import dev.jemu.block.CacheMode;
import dev.jemu.block.SyncIo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;

import static dev.jemu.block.nbd.NbdTesting.ok;
import static dev.jemu.block.nbd.NbdTesting.qemuIo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** NBD exports open through the normal open path: URIs, file.filename= and driver=nbd options. */
class NbdBlockGraphTest {
    @TempDir
    Path dir;

    @Test
    void opensNbdUrisAndServerOptionsThroughBlockGraph() throws Exception {
        Path img = dir.resolve("g.qcow2");
        ok("qemu-img", "create", "-q", "-f", "qcow2", img.toString(), "8M");
        qemuIo("qcow2", img.toString(), "write -P 0x2a 0 4k");
        try (NbdTesting.Served served = NbdTesting.serve(img, NbdTesting.settings("g", false, 4), 4, 5000)) {
            BlockDriverState viaUri = BlockGraph.open(served.uri("g"), null, true, CacheMode.WRITEBACK);
            assertEquals("raw", viaUri.driver().formatName());
            assertEquals("nbd", viaUri.file().driver().formatName());
            ByteBuffer b = ByteBuffer.allocate(4096);
            SyncIo.run(() -> viaUri.coPreadv(0, b, 0, 4096));
            assertEquals(0x2a, b.get(4095));
            viaUri.close();
            BlockDriverState viaOptions = BlockGraph.open(BlockOptions.parse("driver=nbd,server.type=inet,"
                    + "server.host=127.0.0.1,server.port=" + served.port() + ",export=g,read-only=on", null));
            assertEquals(8L << 20, viaOptions.length());
            viaOptions.close();
            BlockException e = assertThrows(BlockException.class, () -> BlockGraph.open(BlockOptions.parse(
                    "driver=nbd,server.type=inet,server.host=127.0.0.1,server.port=" + served.port()
                            + ",export=g,bogus=1", null)));
            assertEquals("Block format 'nbd' does not support the option 'bogus'", e.getMessage());
        }
    }
}
