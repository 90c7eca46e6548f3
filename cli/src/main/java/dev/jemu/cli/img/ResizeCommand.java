package dev.jemu.cli.img;

import dev.jemu.block.BlockBackend;
import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockException;
import dev.jemu.block.Preallocation;
import dev.jemu.block.SyncIo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

/** {@code resize [-f fmt] [--shrink] [--preallocation=mode] [-q] filename [+|-]size}. */
@Command(name = "resize", description = "Change the virtual size of an image.")
final class ResizeCommand implements Callable<Integer> {
    @Option(names = "-f", description = "image format")
    String format;
    @Option(names = "--shrink", description = "allow shrinking (data past the new end is lost)")
    boolean shrink;
    @Option(names = "--preallocation", description = "off, metadata, falloc or full", defaultValue = "off")
    String prealloc;
    @Option(names = "-q", description = "quiet")
    boolean quiet;
    @Parameters(index = "0", description = "image file")
    String filename;
    @Parameters(index = "1", description = "new size, or +/- a delta")
    String size;

    @Override
    public Integer call() throws Exception {
        Preallocation p = Preallocation.parse(prealloc);
        BlockDriverState bs = ImgSupport.open(filename, format, false, "writeback");
        BlockBackend blk = ImgSupport.backend(bs, true, "writeback");
        try {
            long cur = bs.length();
            long target;
            if (size.startsWith("+")) {
                target = cur + ImgSupport.size("size", size.substring(1));
            } else if (size.startsWith("-")) {
                target = cur - ImgSupport.size("size", size.substring(1));
            } else {
                target = ImgSupport.size("size", size);
            }
            if (target < 0) {
                throw new BlockException("New image size must be positive");
            }
            if (target < cur && !shrink) {
                throw new BlockException("Use the --shrink option to perform a shrink operation.");
            }
            long t = target;
            SyncIo.run(() -> blk.coTruncate(t, p));
        } finally {
            blk.close();
        }
        if (!quiet) {
            System.out.println("Image resized.");
        }
        return 0;
    }
}
