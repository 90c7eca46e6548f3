package dev.jemu.cli.img;

import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code snapshot -l [-f fmt] filename}: lists internal snapshots (creating, applying and deleting are not supported). */
@Command(name = "snapshot", description = "List the internal snapshots of an image.")
final class SnapshotCommand implements Callable<Integer> {
    @Option(names = "-l", required = true, description = "list snapshots")
    boolean list;
    @Option(names = "-f", description = "image format")
    String format;
    @Option(names = "-q", description = "quiet")
    boolean quiet;
    @Option(names = {"-U", "--force-share"}, description = "accepted for compatibility")
    boolean forceShare;
    @Parameters(index = "0", description = "image file")
    String filename;

    @Override
    @SuppressWarnings("unchecked")
    public Integer call() throws Exception {
        BlockDriverState bs = ImgSupport.open(filename, format, true, "writeback");
        try {
            if (!bs.driver().formatName().equals("qcow2")) {
                throw new BlockException("Could not list snapshots: image format '" + bs.driver().formatName()
                        + "' does not support internal snapshots");
            }
            Map<String, Object> info = InfoCommand.describe(bs);
            if (info.containsKey("snapshots") && !quiet) {
                System.out.println("Snapshot list:");
                InfoCommand.printSnapshots((List<Object>) info.get("snapshots"));
            }
        } finally {
            bs.close();
        }
        return 0;
    }
}
