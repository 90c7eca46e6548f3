package dev.jemu.cli.img;

import dev.jemu.block.BlockException;
import picocli.CommandLine.Option;

import java.util.List;

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
