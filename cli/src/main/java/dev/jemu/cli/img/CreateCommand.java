package dev.jemu.cli.img;

import dev.jemu.block.tools.ImageCreator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code create [-q] [-f fmt] [-b backing [-F fmt]] [-u] [-o options] filename [size]}. */
@Command(name = "create", description = "Create a new disk image.")
final class CreateCommand implements Callable<Integer> {
    @Option(names = "-f", description = "image format (raw or qcow2)", defaultValue = "raw")
    String format;
    @Option(names = "-b", description = "backing file")
    String backing;
    @Option(names = "-F", description = "backing file format")
    String backingFormat;
    @Option(names = "-u", description = "do not open the backing file")
    boolean unsafe;
    @Option(names = "-o", description = "format options, comma separated")
    List<String> options;
    @Option(names = "-q", description = "quiet")
    boolean quiet;
    @Parameters(index = "0", description = "image file")
    String filename;
    @Parameters(index = "1", arity = "0..1", description = "virtual size (k, M, G, T suffixes)")
    String size;

    @Override
    public Integer call() throws Exception {
        long bytes = size == null ? -1 : ImgSupport.size("size", size);
        String opts = options == null ? null : String.join(",", options);
        String line = ImageCreator.create(filename, format, bytes, opts, backing, backingFormat, unsafe);
        if (!quiet) {
            System.out.println(line);
        }
        return 0;
    }
}
