package dev.jemu.cli.img;

import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockException;
import dev.jemu.block.tools.ImageCommit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.DoubleConsumer;

/** {@code commit [-f fmt] [-t cache] [-d] [-p] [-q] filename}: writes an image's changes into its backing file. */
@Command(name = "commit", description = "Commit the changes of an image into its backing file.")
final class CommitCommand implements Callable<Integer> {
    @Mixin
    ImgOptions.Format fmt;
    @Mixin
    ImgOptions.Cache cache;
    @Option(names = "-d", description = "keep the image's content (do not empty it)")
    boolean keep;
    @Mixin
    ImgOptions.Progress progress;
    @Mixin
    ImgOptions.Quiet quiet;
    @Parameters(paramLabel = "filename", description = "image file")
    List<String> files = List.of();

    @Override
    public Integer call() throws Exception {
        String filename = ImgOptions.oneImage(files);
        BlockDriverState top = ImgSupport.open(filename, fmt.format, false, cache.cache);
        try {
            BlockDriverState backingNode = top.backing();
            if (backingNode == null) {
                throw new BlockException("Image does not have a backing file");
            }
            String baseName = backingNode.filename();
            BlockDriverState base = ImgSupport.open(baseName, backingNode.driver().formatName(), false, cache.cache);
            try {
                DoubleConsumer bar = progress.bar(quiet);
                ImageCommit.commit(top, base, keep, bar);
                ImgOptions.Progress.finish(bar);
            } finally {
                base.close();
            }
        } finally {
            top.close();
        }
        if (!quiet.quiet) {
            System.out.println("Image committed.");
        }
        return 0;
    }
}
