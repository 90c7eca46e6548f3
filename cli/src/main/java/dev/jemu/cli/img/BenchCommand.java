package dev.jemu.cli.img;

import dev.jemu.block.BlockBackend;
import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockException;
import dev.jemu.block.tools.ImageBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code bench [-c count] [-d depth] [-f fmt] [--flush-interval=n] [-i aio] [-n] [--no-drain]
 * [-o offset] [--pattern=p] [-q] [-s size] [-S step] [-t cache] [-w] [-U] filename}, printing the
 * same lines as qemu-img 7.2.
 */
@Command(name = "bench", description = "Run a simple I/O benchmark on an image.")
final class BenchCommand implements Callable<Integer> {
    @Option(names = "-c", description = "number of requests", defaultValue = "75000")
    int count;
    @Option(names = "-d", description = "requests in flight", defaultValue = "64")
    int depth;
    @Mixin
    ImgOptions.Format fmt;
    @Option(names = "--flush-interval", description = "flush after this many requests", defaultValue = "0")
    int flushInterval;
    @Option(names = "-i", description = "AIO mode of the file: threads or io_uring (native is not built)",
            defaultValue = "threads")
    String aio;
    @Option(names = "-n", description = "bypass the host page cache (cache=none)")
    boolean nocache;
    @Option(names = "--no-drain", description = "do not drain before a flush")
    boolean noDrain;
    @Option(names = "-o", description = "first offset", defaultValue = "0")
    String offset;
    @Option(names = "--pattern", description = "byte written by -w", defaultValue = "0")
    int pattern;
    @Mixin
    ImgOptions.Quiet quiet;
    @Option(names = "-s", description = "request size", defaultValue = "4096")
    String size;
    @Option(names = "-S", description = "step between requests (default: the request size)")
    String step;
    @Mixin
    ImgOptions.Cache cache;
    @Option(names = "-w", description = "write instead of read")
    boolean write;
    @Mixin
    ImgOptions.ForceShare forceShare;
    @Parameters(paramLabel = "filename", description = "image file")
    List<String> files = List.of();

    @Override
    public Integer call() throws Exception {
        String filename = ImgOptions.oneImage(files);
        if (!aio.equals("threads") && !aio.equals("native") && !aio.equals("io_uring")) {
            throw new BlockException("Invalid aio option: " + aio);
        }
        if (count < 0 || depth < 1) {
            throw new BlockException(count < 0 ? "Invalid request count specified" : "Invalid queue depth specified");
        }
        if (flushInterval > 0 && !write) {
            throw new BlockException("--flush-interval is only available in write tests");
        }
        long bytes = ImgSupport.size("-s", size);
        if (bytes <= 0 || bytes > (1 << 30)) {
            throw new BlockException("Invalid buffer size specified");
        }
        long stepBytes = step == null ? bytes : ImgSupport.size("-S", step);
        String mode = nocache ? "none" : cache.cache;
        BlockDriverState bs = ImgSupport.open(filename, fmt.format, !write, mode, forceShare.forceShare, aio);
        BlockBackend blk = ImgSupport.backend(bs, write, mode);
        try {
            if (blk.length() < bytes) {
                throw new BlockException("Image is smaller than the request size");
            }
            ImageBench.Options o = new ImageBench.Options(count, depth, ImgSupport.size("-o", offset), (int) bytes,
                    stepBytes, write, pattern, flushInterval, noDrain);
            System.out.println(ImageBench.describe(o));
            long ns = ImageBench.run(blk, o);
            System.out.printf("Run completed in %.3f seconds.%n", ns / 1e9);
        } finally {
            blk.close();
        }
        return 0;
    }
}
