package dev.jemu.cli.img;

import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockException;
import dev.jemu.block.BlockGraph;
import dev.jemu.block.tools.ImageRebase;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code rebase [-f fmt] [-u] -b backing [-F fmt] [-t cache] filename}; {@code -b ""} (or {@code -u}
 * without {@code -b}) removes the backing file.
 */
@Command(name = "rebase", description = "Change the backing file of an image.")
final class RebaseCommand implements Callable<Integer> {
    @Mixin
    ImgOptions.Format fmt;
    @Option(names = "-b", description = "new backing file (empty: none)")
    String backing;
    @Option(names = "-F", description = "new backing file format")
    String backingFormat;
    @Option(names = "-u", description = "unsafe: only change the name in the header")
    boolean unsafe;
    @Mixin
    ImgOptions.Cache cache;
    @Option(names = "-p", description = "show progress (accepted)")
    boolean progress;
    @Mixin
    ImgOptions.Quiet quiet;
    @Parameters(paramLabel = "filename", description = "image file")
    List<String> files = List.of();

    @Override
    public Integer call() throws Exception {
        if (backing == null && !unsafe) {
            throw new UsageException("Must specify backing file (-b) or use unsafe mode (-u)");
        }
        String filename = ImgOptions.oneImage(files);
        String name = backing == null || backing.isEmpty() ? null : backing;
        if (unsafe && name != null && backingFormat == null) {
            throw new BlockException("Could not change the backing file to '" + name
                    + "': backing format must be specified");
        }
        // As qemu-img: an unsafe rebase does not open the old backing file (it may be missing).
        BlockDriverState top = unsafe ? ImgSupport.openWithoutBacking(filename, fmt.format, false, cache.cache, false)
                : ImgSupport.open(filename, fmt.format, false, cache.cache);
        try {
            BlockDriverState newBacking = null;
            String fmt = backingFormat;
            if (name != null && !unsafe) {
                String resolved = BlockGraph.resolveBacking(filename, name);
                try {
                    newBacking = ImgSupport.open(resolved, backingFormat, true, "writeback");
                } catch (BlockException e) {
                    throw new BlockException("Could not open new backing file '" + resolved + "': " + e.getMessage());
                }
                if (fmt == null) {
                    fmt = newBacking.driver().formatName();
                }
            }
            try {
                ImageRebase.rebase(top, newBacking, name, fmt, unsafe);
            } finally {
                if (newBacking != null) {
                    newBacking.close();
                }
            }
        } finally {
            top.close();
        }
        return 0;
    }
}
