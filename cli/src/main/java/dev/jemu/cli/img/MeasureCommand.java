package dev.jemu.cli.img;

import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockException;
import dev.jemu.block.ImageInfo;
import dev.jemu.block.tools.ImageMeasure;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code measure [--output=ofmt] [-O output_fmt] [-o options] [--size N | [-f fmt] [-l snapshot_param] filename]}: the
 * size a new image needs, printed as qemu-img 7.2 does. "bitmaps size" is shown when both the
 * source and the new image are qcow2 version 3; it is 0, jemu's qcow2 driver keeping no
 * persistent bitmaps.
 */
@Command(name = "measure", description = "Calculate the file size required for a new image.")
final class MeasureCommand implements Callable<Integer> {
    @Mixin
    ImgOptions.Output output;
    @Mixin
    ImgOptions.OutputFormat outputFormat;
    @Mixin
    ImgOptions.CreationOptions options;
    @Option(names = "--size", paramLabel = "N", description = "measure an empty image of this virtual size")
    String size;
    @Mixin
    ImgOptions.Format fmt;
    @Option(names = "-l", paramLabel = "snapshot_param",
            description = "measure the image's internal snapshot: ID_OR_NAME, or snapshot.id=ID,snapshot.name=NAME")
    String snapshot;
    @Parameters(paramLabel = "filename", description = "measure a conversion of this image")
    List<String> files = List.of();

    @Override
    public Integer call() throws Exception {
        boolean json = output.json();
        ImgSupport.Snapshot snapshotParam = snapshot == null ? null : ImgSupport.Snapshot.parse(snapshot);
        if (files.size() > 1) {
            throw new BlockException("At most one filename argument is allowed.");
        }
        if (size != null && !files.isEmpty()) {
            throw new BlockException("--size N cannot be used together with a filename.");
        }
        if (size == null && files.isEmpty()) {
            throw new BlockException("Either --size N or one filename must be specified.");
        }
        String opts = options.joined();
        ImageMeasure.Result r;
        boolean sourceBitmaps = false;
        if (size != null) {
            long bytes;
            try {
                bytes = ImgSupport.size("--size", size);
            } catch (BlockException e) {
                throw new BlockException("Invalid image size specified. You may use k, M, G, T, P or E suffixes for\n"
                        + "jemu-img: kilobytes, megabytes, gigabytes, terabytes, petabytes and exabytes.");
            }
            r = ImageMeasure.measure(outputFormat.outFormat, opts, bytes, cs -> 0);
        } else {
            BlockDriverState bs = ImgSupport.open(files.get(0), fmt.format, true, "writeback");
            try {
                if (snapshotParam != null) {
                    snapshotParam.load(bs);
                }
                r = ImageMeasure.measure(outputFormat.outFormat, opts, bs.length(), cs -> ImageMeasure.dataBytes(bs, cs));
                sourceBitmaps = isQcow2v3(bs.info());
            } finally {
                bs.close();
            }
        }
        boolean bitmaps = r.bitmaps() && sourceBitmaps;
        if (json) {
            // The keys in the order qemu-img 7.2 prints them.
            Map<String, Object> m = new LinkedHashMap<>();
            if (bitmaps) {
                m.put("bitmaps", 0L);
            }
            m.put("required", r.required());
            m.put("fully-allocated", r.fullyAllocated());
            QemuJson.print(System.out, m);
        } else {
            System.out.println("required size: " + r.required());
            System.out.println("fully allocated size: " + r.fullyAllocated());
            if (bitmaps) {
                System.out.println("bitmaps size: 0");
            }
        }
        return 0;
    }

    private static boolean isQcow2v3(ImageInfo info) {
        if (!"qcow2".equals(info.format()) || info.formatSpecific() == null) {
            return false;
        }
        Object data = (info.formatSpecific()).get("data");
        return data instanceof Map<?, ?> d && "1.1".equals(d.get("compat"));
    }
}
