package dev.jemu.cli.img;

import dev.jemu.block.BlockBackend;
import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockException;
import dev.jemu.block.tools.ImageConverter;
import dev.jemu.block.tools.ImageCreator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.DoubleConsumer;

/**
 * {@code convert [-c] [-p] [-q] [-n [--target-is-zero]] [-W] [-f fmt] [-O fmt] [-B backing_file -F backing_fmt]
 * [-o options] [-S size] [-m n] [-t cache] [-T cache] [-l snapshot_param] source output}. With
 * {@code -B} the output gets that backing file and only what the source's top image holds is
 * copied; with {@code -l} the source is read as one of its internal snapshots.
 */
@Command(name = "convert", description = "Convert an image to another format.")
final class ConvertCommand implements Callable<Integer> {
    /** The largest {@code -S} qemu-img takes (16 MiB, its largest buffer). */
    private static final long MAX_SPARSE = 16 << 20;

    @Mixin
    ImgOptions.Format fmt;
    @Mixin
    ImgOptions.OutputFormat outputFormat;
    @Mixin
    ImgOptions.CreationOptions options;
    @Option(names = "-B", paramLabel = "backing_file",
            description = "backing file of the output: only what the source's top image holds is copied")
    String backing;
    @Option(names = "-F", paramLabel = "backing_fmt", description = "format of the output's backing file")
    String backingFormat;
    @Option(names = "-c", description = "compress the output (qcow2)")
    boolean compress;
    @Mixin
    ImgOptions.Progress progress;
    @Mixin
    ImgOptions.Quiet quiet;
    @Option(names = "-n", description = "do not create the output image (it exists)")
    boolean noCreate;
    @Option(names = "--target-is-zero", description = "with -n: the output reads as zeros, skip writing zeros")
    boolean targetIsZero;
    @Option(names = "-S", description = "smallest run of zeros skipped in data (default 4k; 0: allocate all)",
            defaultValue = "4k")
    String sparse;
    @Option(names = "-m", description = "coroutines in parallel (1 to 16)", defaultValue = "8")
    int coroutines;
    @Option(names = "-W", description = "allow out-of-order writes")
    boolean outOfOrder;
    @Option(names = "-t", description = "output cache mode", defaultValue = "unsafe")
    String cache;
    @Mixin
    ImgOptions.SourceCache sourceCache;
    @Option(names = "-l", paramLabel = "snapshot_param",
            description = "read the source as its internal snapshot: ID_OR_NAME, or snapshot.id=ID,snapshot.name=NAME")
    String snapshot;
    @Mixin
    ImgOptions.ForceShare forceShare;
    @Parameters(paramLabel = "filename output_filename", description = "source image, then output image")
    List<String> files = List.of();

    /**
     * {@code -S}: a size that is a multiple of 512 up to 16 MiB (0: no sparse detection), with
     * qemu-img's two lines for one it cannot read and its line for one out of range.
     */
    private static long sparseSize(String text) throws BlockException {
        long size;
        try {
            size = ImgSupport.size("-S", text);
        } catch (BlockException e) {
            System.err.println("jemu-img: Invalid buffer size for sparse output specified. You may use k, M, G, T, P or E"
                    + " suffixes for");
            throw new BlockException("kilobytes, megabytes, gigabytes, terabytes, petabytes and exabytes.", e);
        }
        if (size % 512 != 0 || size > MAX_SPARSE) {
            throw new BlockException("Invalid buffer size for sparse output specified. Valid sizes are multiples of 512 up"
                    + " to " + MAX_SPARSE + ". Select 0 to disable sparse detection (fully allocates output).");
        }
        return size;
    }

    @Override
    public Integer call() throws Exception {
        ImgSupport.Snapshot snapshotParam = snapshot == null ? null : ImgSupport.Snapshot.parse(snapshot);
        if (snapshot != null && files.size() > 2) {
            throw new BlockException("No support for concatenating multiple snapshot");
        }
        if (files.size() < 2) {
            throw new BlockException("Must specify image file name");
        }
        if (files.size() > 2) {
            throw new BlockException("'convert' of more than one source image is not supported");
        }
        String source = files.get(0);
        String target = files.get(1);
        if (coroutines < 1 || coroutines > 16) {
            throw new BlockException("Invalid number of coroutines. Allowed number of coroutines is between 1 and 16");
        }
        if (targetIsZero && !noCreate) {
            throw new BlockException("--target-is-zero requires use of -n flag");
        }
        long sparseSize = sparseSize(sparse);
        BlockDriverState src = ImgSupport.open(source, fmt.format, true, sourceCache.srcCache, forceShare.forceShare);
        try {
            if (!outputFormat.outFormat.equals("raw") && !outputFormat.outFormat.equals("qcow2")) {
                throw new BlockException("Unknown file format '" + outputFormat.outFormat + "'");
            }
            if (compress && !outputFormat.outFormat.equals("qcow2")) {
                throw new BlockException("Compression not supported for this file format");
            }
            if (snapshotParam != null) {
                snapshotParam.load(src);
            }
            BlockBackend in = ImgSupport.backend(src, false, sourceCache.srcCache);
            checkBacking();
            if (!noCreate) {
                create(src.length());
            }
            BlockDriverState dst = ImgSupport.open(target, outputFormat.outFormat, false, cache);
            BlockBackend out = ImgSupport.backend(dst, true, cache);
            try {
                if (dst.length() < src.length()) {
                    throw new BlockException("output file is smaller than input file");
                }
                DoubleConsumer bar = progress.bar(quiet);
                ImageConverter.run(in, out, new ImageConverter.Options(compress, sparseSize, coroutines, outOfOrder,
                        targetIsZero || (!noCreate && backing == null), bar, backing != null));
                ImgOptions.Progress.finish(bar);
            } finally {
                out.close();
            }
        } finally {
            src.close();
        }
        return 0;
    }

    /** qemu-img's checks of {@code -B} and {@code -F}, made once the source is open. */
    private void checkBacking() throws BlockException {
        if (backing != null && !outputFormat.outFormat.equals("qcow2")) {
            throw new BlockException("Backing file not supported for file format '" + outputFormat.outFormat + "'");
        }
        if (backingFormat != null && !outputFormat.outFormat.equals("qcow2")) {
            throw new BlockException("Backing file format not supported for file format '" + outputFormat.outFormat + "'");
        }
        if (backing != null && backingFormat == null) {
            throw new BlockException("Use of backing file requires explicit backing format");
        }
    }

    /**
     * Creates the output; {@code -B}/{@code -F} take the place of {@code backing_file} and
     * {@code backing_fmt} in {@code -o}. The backing file is not opened here: the output's open
     * reports one that cannot be.
     */
    private void create(long size) throws java.io.IOException {
        String opts = options.joined();
        if (backing != null) {
            opts = (opts == null ? "" : opts + ",") + "backing_file=" + backing.replace(",", ",,")
                    + ",backing_fmt=" + backingFormat.replace(",", ",,");
        } else if (backingFormat != null) {
            opts = (opts == null ? "" : opts + ",") + "backing_fmt=" + backingFormat.replace(",", ",,");
        }
        try {
            ImageCreator.create(target(), outputFormat.outFormat, size, opts, null, null, backing != null, null);
        } catch (BlockException e) {
            throw ImgSupport.creationFailed(e, target(), "error while converting " + outputFormat.outFormat);
        }
    }

    private String target() {
        return files.get(1);
    }
}
