package dev.jemu.cli.img;

import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockException;
import dev.jemu.block.SyncIo;
import dev.jemu.block.qcow2.Qcow2Driver;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code snapshot [-q] [-U] [-l | -a snapshot | -c snapshot | -d snapshot] filename}: lists,
 * applies, creates or deletes the internal snapshots of a qcow2 image, as qemu-img does ({@code -a}
 * finds a snapshot by id, then by name; {@code -d} by name).
 */
@Command(name = "snapshot", description = "List, apply, create or delete the internal snapshots of an image.")
final class SnapshotCommand implements Callable<Integer> {
    @Option(names = "-l", description = "list snapshots (without an action: only open the image)")
    boolean list;
    @Option(names = "-a", paramLabel = "snapshot", description = "apply (revert the disk to) a snapshot")
    String apply;
    @Option(names = "-c", paramLabel = "snapshot", description = "create a snapshot")
    String create;
    @Option(names = "-d", paramLabel = "snapshot", description = "delete a snapshot")
    String delete;
    @Mixin
    ImgOptions.Quiet quiet;
    @Mixin
    ImgOptions.ForceShare forceShare;
    @Parameters(paramLabel = "filename", description = "image file")
    List<String> files = List.of();

    @Override
    @SuppressWarnings("unchecked")
    public Integer call() throws Exception {
        int actions = (list ? 1 : 0) + (apply != null ? 1 : 0) + (create != null ? 1 : 0) + (delete != null ? 1 : 0);
        if (actions > 1) {
            throw new UsageException("Cannot mix '-l', '-a', '-c', '-d'");
        }
        String filename = ImgOptions.oneImage(files);
        boolean change = actions == 1 && !list;
        if (change && forceShare.forceShare) {
            throw new BlockException("Could not open '" + filename
                    + "': force-share=on can only be used with read-only images");
        }
        BlockDriverState bs = ImgSupport.open(filename, null, !change, "writeback", forceShare.forceShare);
        try {
            if (list) {
                Map<String, Object> info = InfoCommand.describe(bs);
                if (info.containsKey("snapshots") && !quiet.quiet) {
                    System.out.println("Snapshot list:");
                    InfoCommand.printSnapshots((List<Object>) info.get("snapshots"));
                }
            } else if (change) {
                change(bs);
            }
        } finally {
            bs.close();
        }
        return 0;
    }

    private void change(BlockDriverState bs) throws Exception {
        String what = create != null ? "create" : apply != null ? "apply" : "delete";
        String snapshot = create != null ? create : apply != null ? apply : delete;
        try {
            if (!(bs.driver() instanceof Qcow2Driver q)) {
                throw new BlockException("Operation not supported");
            }
            Instant now = Instant.now();
            SyncIo.run(() -> {
                if (create != null) {
                    q.snapshotCreate(create, now.getEpochSecond(), now.getNano());
                } else if (apply != null) {
                    q.snapshotApply(apply);
                } else {
                    q.snapshotDelete(delete);
                }
            });
        } catch (BlockException e) {
            throw new BlockException("Could not " + what + " snapshot '" + snapshot + "': " + e.getMessage(), e);
        }
    }
}
