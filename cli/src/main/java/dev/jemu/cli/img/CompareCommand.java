package dev.jemu.cli.img;

import dev.jemu.block.BlockDriverState;
import dev.jemu.block.tools.ImageComparer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

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
    @Option(names = "-q", description = "quiet")
    boolean quiet;
    @Option(names = "-T", description = "cache mode", defaultValue = "writeback")
    String cache;
    @Option(names = {"-U", "--force-share"}, description = "accepted for compatibility")
    boolean forceShare;
    @Parameters(index = "0", description = "first image")
    String first;
    @Parameters(index = "1", description = "second image")
    String second;

    @Override
    public Integer call() {
        try {
            BlockDriverState a = ImgSupport.open(first, format1, true, cache);
            try {
                BlockDriverState b = ImgSupport.open(second, format2, true, cache);
                try {
                    ImageComparer.Result r = ImageComparer.compare(a, b, strict);
                    if (!quiet) {
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
