package dev.jemu.cli.img;

import dev.jemu.block.tools.ImageCreator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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
    @Mixin
    ImgOptions.CreationOptions options;
    @Mixin
    ImgOptions.Quiet quiet;
    @Parameters(paramLabel = "filename [size]", description = "image file, then its virtual size (k, M, G, T suffixes)")
    List<String> args = List.of();

    @Override
    public Integer call() throws Exception {
        if (args.isEmpty()) {
            throw new UsageException("Expecting image file name");
        }
        if (args.size() > 2) {
            throw new UsageException("Unexpected argument: " + args.get(2));
        }
        String filename = args.get(0);
        long bytes = args.size() < 2 ? -1 : ImgSupport.size("size", args.get(1));
        String opts = options.joined();
        ImageCreator.create(filename, format, bytes, opts, backing, backingFormat, unsafe,
                quiet.quiet ? null : System.out::println);
        return 0;
    }
}
