package dev.jemu.cli.img;

import dev.jemu.block.BlockDriverState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code snapshot [-q] [-U] [-l] filename}: lists internal snapshots (creating, applying and deleting are not supported). */
@Command(name = "snapshot", description = "List the internal snapshots of an image.")
final class SnapshotCommand implements Callable<Integer> {
    @Option(names = "-l", description = "list snapshots (without -l: only open the image)")
    boolean list;
    @Mixin
    ImgOptions.Quiet quiet;
    @Mixin
    ImgOptions.ForceShare forceShare;
    @Parameters(paramLabel = "filename", description = "image file")
    List<String> files = List.of();

    @Override
    @SuppressWarnings("unchecked")
    public Integer call() throws Exception {
        String filename = ImgOptions.oneImage(files);
        BlockDriverState bs = ImgSupport.open(filename, null, true, "writeback", forceShare.forceShare);
        try {
            if (list) {
                Map<String, Object> info = InfoCommand.describe(bs);
                if (info.containsKey("snapshots") && !quiet.quiet) {
                    System.out.println("Snapshot list:");
                    InfoCommand.printSnapshots((List<Object>) info.get("snapshots"));
                }
            }
        } finally {
            bs.close();
        }
        return 0;
    }
}
