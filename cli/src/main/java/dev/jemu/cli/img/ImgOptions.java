package dev.jemu.cli.img;

import dev.jemu.block.BlockException;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.function.DoubleConsumer;

/**
 * The options several jemu-img subcommands share, each declared once and mixed into the
 * subcommands that take it ({@code @Mixin}). Used on the main thread only.
 */
final class ImgOptions {
    private ImgOptions() {
    }

    /** {@code -f fmt}: the image's format; probed when absent. */
    static final class Format {
        @Option(names = "-f", paramLabel = "fmt", description = "image format (default: probed)")
        String format;
    }

    /** {@code --output=human|json}. */
    static final class Output {
        @Option(names = "--output", paramLabel = "ofmt", description = "human (default) or json")
        String output;

        /** True for json, false for human; any other value is qemu-img's error. */
        boolean json() throws BlockException {
            if (output == null || output.equals("human")) {
                return false;
            }
            if (output.equals("json")) {
                return true;
            }
            throw new BlockException("--output must be used with human or json as argument.");
        }
    }

    /** {@code -q}: print nothing but errors. */
    static final class Quiet {
        @Option(names = "-q", description = "quiet: print nothing but errors")
        boolean quiet;
    }

    /** {@code -U}: jemu takes no image locks, so sharing is always allowed; accepted as in qemu-img. */
    static final class ForceShare {
        @Option(names = {"-U", "--force-share"}, description = "open the image even if another process uses it")
        boolean forceShare;
    }

    /** {@code -t cache}: the cache mode of the image the command writes. */
    static final class Cache {
        @Option(names = "-t", description = "cache mode", defaultValue = "writeback")
        String cache;
    }

    /** {@code -T src_cache}: the cache mode of the images the command reads. */
    static final class SourceCache {
        @Option(names = "-T", description = "cache mode of the images read", defaultValue = "writeback")
        String srcCache;
    }

    /** {@code -O output_fmt}: the format of the image the command creates. */
    static final class OutputFormat {
        @Option(names = "-O", paramLabel = "output_fmt", description = "format of the new image (default raw)",
                defaultValue = "raw")
        String outFormat;
    }

    /** {@code -o options}: the creation options of the new image; repeated ones add up. */
    static final class CreationOptions {
        @Option(names = "-o", paramLabel = "options", description = "creation options of the new image, comma separated")
        List<String> options;

        /** The options as one comma-separated list, or null when none was given. */
        String joined() {
            return options == null ? null : String.join(",", options);
        }
    }

    /** {@code -p}: a progress bar on standard output while the command copies data. */
    static final class Progress {
        @Option(names = "-p", description = "show progress")
        boolean progress;

        /** The bar to feed with the percentage done, or null without {@code -p} or with {@code -q}. */
        DoubleConsumer bar(Quiet quiet) {
            return progress && !quiet.quiet ? ImgSupport.progressPrinter(System.out) : null;
        }

        /** Ends {@code bar} (from {@link #bar}) at 100% and a new line; nothing for null. */
        static void finish(DoubleConsumer bar) {
            if (bar != null) {
                bar.accept(100.0);
                System.out.println();
            }
        }
    }

    /**
     * The one image file name of subcommands such as {@code info} and {@code check}; any other
     * count is qemu-img's usage error.
     */
    static String oneImage(List<String> files) throws UsageException {
        if (files.size() != 1) {
            throw new UsageException("Expecting one image file name");
        }
        return files.get(0);
    }
}
