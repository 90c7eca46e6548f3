package dev.jemu.block.qcow2;

import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockGraph;
import dev.jemu.block.CacheMode;
import dev.jemu.block.SyncIo;
import dev.jemu.coroutine.Coroutine;

import java.nio.ByteBuffer;
import java.util.Random;

/**
 * A process for {@link CrashTest}: opens a qcow2 image and does allocating writes from several
 * coroutines, with a flush now and then, until it is killed. Prints "written N" after every
 * hundredth write, so that the test can kill it at a point it chooses.
 */
public final class CrashWriter {
    private CrashWriter() {
    }

    /** {@code CrashWriter image seed}. */
    public static void main(String[] args) throws Exception {
        BlockDriverState bs = BlockGraph.open(args[0], "qcow2", false, CacheMode.WRITEBACK);
        Random rnd = new Random(Long.parseLong(args[1]));
        long size = bs.length();
        var ctx = SyncIo.context();
        int[] writes = {0};
        for (int w = 0; w < 8; w++) {
            Coroutine.create(o -> {
                ByteBuffer buf = ByteBuffer.allocateDirect(200000);
                try {
                    while (true) {
                        int len = 512 + rnd.nextInt(190000);
                        long off = (long) (rnd.nextDouble() * (size - len));
                        bs.coPwritev(off, buf, 0, len, 0);
                        int done = ++writes[0];
                        if (done % 50 == 0) {
                            bs.coFlush();
                        }
                        if (done % 100 == 0) {
                            System.out.println("written " + done);
                            System.out.flush();
                        }
                    }
                } catch (Exception e) {
                    System.err.println("writer failed: " + e);
                    System.exit(2);
                }
            }, null).enter();
        }
        while (true) {
            ctx.poll(true);
        }
    }
}
