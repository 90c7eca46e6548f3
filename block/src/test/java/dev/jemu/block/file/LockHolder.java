package dev.jemu.block.file;

import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockGraph;
import dev.jemu.block.BlockOptions;
import java.io.IOException;

/**
 * A second jemu process for {@link ImageLockTest}: opens the node described by its argument,
 * prints {@code opened} (or the error, then exits 1) and holds the node until its standard input
 * closes.
 */
public final class LockHolder {
    private LockHolder() {
    }

    public static void main(String[] args) throws IOException {
        BlockDriverState bs;
        try {
            bs = BlockGraph.open(BlockOptions.parse(args[0], "file.filename"));
        } catch (IOException e) {
            System.out.println(e.getMessage());
            System.out.flush();
            System.exit(1);
            return;
        }
        System.out.println("opened");
        System.out.flush();
        while (System.in.read() >= 0) {
            // Hold the image until the test closes our standard input.
        }
        bs.close();
    }
}
