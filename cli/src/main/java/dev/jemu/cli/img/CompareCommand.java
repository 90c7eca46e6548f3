package dev.jemu.cli.img;

import dev.jemu.block.BlockDriverState;
import dev.jemu.block.tools.ImageComparer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code compare [-f fmt] [-F fmt] [-s] [-q] [-T cache] a b}: exit 0 identical, 1 different, 2 error. */
@Command(name = "compare", description = "Check whether two images have the same content.")
final class CompareCommand implements Callable<Integer> {
    @Option(names = "-f", description = "format of the first image")
    String format1;
    @Option(names = "-F", description = "format of the second image")
    String format2;
    @Option(names = "-s", description = "strict: sizes and allocation must match too")
    boolean strict;
    @Mixin
    ImgOptions.Quiet quiet;
    @Mixin
    ImgOptions.SourceCache cache;
    @Mixin
    ImgOptions.ForceShare forceShare;
    @Parameters(paramLabel = "filename1 filename2", description = "the two images")
    List<String> files = List.of();

    @Override
    public Integer call() throws UsageException {
        if (files.size() != 2) {
            throw new UsageException("Expecting two image file names");
        }
        String first = files.get(0);
        String second = files.get(1);
        try {
            BlockDriverState a = ImgSupport.open(first, format1, true, cache.srcCache, forceShare.forceShare);
            try {
                BlockDriverState b = ImgSupport.open(second, format2, true, cache.srcCache, forceShare.forceShare);
                try {
                    ImageComparer.Result r = ImageComparer.compare(a, b, strict);
                    if (!quiet.quiet) {
                        System.out.println(r.message());
                    }
                    return r.identical() ? 0 : 1;
                } finally {
                    b.close();
                }
            } finally {
                a.close();
            }
        } catch (Exception e) {
            System.err.println("jemu-img: " + JemuImg.message(e));
            return 2;
        }
    }
}
