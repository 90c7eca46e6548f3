package dev.jemu.cli.img;

import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockException;
import dev.jemu.block.tools.ImageMapper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code map [-f fmt] [--output=human|json] [--start-offset=o] [--max-length=l] filename}. */
@Command(name = "map", description = "Dump the metadata of an image: where each range's data is.")
final class MapCommand implements Callable<Integer> {
    @Mixin
    ImgOptions.Format fmt;
    @Mixin
    ImgOptions.Output output;
    @Option(names = {"-s", "--start-offset"}, description = "first byte to map", defaultValue = "0")
    String start;
    @Option(names = {"-l", "--max-length"}, description = "bytes to map")
    String length;
    @Mixin
    ImgOptions.ForceShare forceShare;
    @Parameters(paramLabel = "filename", description = "image file")
    List<String> files = List.of();

    @Override
    public Integer call() throws Exception {
        String filename = ImgOptions.oneImage(files);
        boolean json = output.json();
        long from = ImgSupport.size("--start-offset", start);
        long len = length == null ? Long.MAX_VALUE - from : ImgSupport.size("--max-length", length);
        BlockDriverState bs = ImgSupport.open(filename, fmt.format, true, "writeback", forceShare.forceShare);
        try {
            List<ImageMapper.Extent> extents = ImageMapper.map(bs, from, len);
            if (json) {
                List<Map<String, Object>> objects = new ArrayList<>();
                for (ImageMapper.Extent e : extents) {
                    Map<String, Object> o = new LinkedHashMap<>();
                    o.put("start", e.start());
                    o.put("length", e.length());
                    o.put("depth", e.depth());
                    o.put("present", e.present());
                    o.put("zero", e.zero());
                    o.put("data", e.data());
                    if (e.offset() >= 0) {
                        o.put("offset", e.offset());
                    }
                    objects.add(o);
                }
                QemuJson.printLines(System.out, objects);
            } else {
                System.out.printf("%-16s%-16s%-16s%s%n", "Offset", "Length", "Mapped to", "File");
                for (ImageMapper.Extent e : extents) {
                    if (!e.data()) {
                        continue;
                    }
                    if (e.offset() < 0) {
                        throw new BlockException("File contains external, encrypted or compressed clusters.");
                    }
                    System.out.printf("%-16s%-16s%-16s%s%n", ImgSupport.hex(e.start()), ImgSupport.hex(e.length()),
                            ImgSupport.hex(e.offset()), e.filename());
                }
            }
        } finally {
            bs.close();
        }
        return 0;
    }
}
