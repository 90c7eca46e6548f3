package dev.jemu.cli.img;

import dev.jemu.block.BlockBackend;
import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockException;
import dev.jemu.block.Preallocation;
import dev.jemu.block.SyncIo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code resize [-f fmt] [--shrink] [--preallocation=mode] [-q] filename [+|-]size}. */
@Command(name = "resize", description = "Change the virtual size of an image.")
final class ResizeCommand implements Callable<Integer> {
    @Mixin
    ImgOptions.Format fmt;
    @Option(names = "--shrink", description = "allow shrinking (data past the new end is lost)")
    boolean shrink;
    @Option(names = "--preallocation", description = "off, metadata, falloc or full", defaultValue = "off")
    String prealloc;
    @Mixin
    ImgOptions.Quiet quiet;
    @Parameters(paramLabel = "filename [+|-]size", description = "image file, then the new size or +/- a delta")
    List<String> files = List.of();
    /** The last argument, taken off the command line before parsing (see {@link #takeSize}). */
    String size;

    /**
     * As qemu-img, the last argument of {@code resize} is the size whatever it looks like, so
     * that {@code -1G} is a size and not an option: stores it in {@code command} and returns
     * the other arguments. Other command lines are returned as they are.
     */
    static String[] takeSize(ResizeCommand command, String[] args) {
        if (args.length < 3 || !args[0].equals("resize")) {
            return args;
        }
        String last = args[args.length - 1];
        if (last.equals("-h") || last.equals("--help")) {
            return args;
        }
        command.size = last;
        return Arrays.copyOf(args, args.length - 1);
    }

    @Override
    public Integer call() throws Exception {
        if (size == null) {
            throw new UsageException("Not enough arguments");
        }
        if (files.size() != 1) {
            throw new UsageException("Expecting image file name and size");
        }
        String filename = files.get(0);
        Preallocation p = Preallocation.parse(prealloc);
        BlockDriverState bs = ImgSupport.open(filename, fmt.format, false, "writeback");
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
        if (!quiet.quiet) {
            System.out.println("Image resized.");
        }
        return 0;
    }
}
