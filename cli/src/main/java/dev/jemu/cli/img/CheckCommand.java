package dev.jemu.cli.img;

import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockException;
import dev.jemu.block.SyncIo;
import dev.jemu.block.qcow2.Qcow2Check;
import dev.jemu.block.qcow2.Qcow2Driver;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code check [-q] [-f fmt] [--output=human|json] [-r leaks|all] [-T cache] filename}. Exit
 * codes as qemu-img: 0 consistent, 1 check not completed, 2 corrupted, 3 leaks only, 63 format
 * without checks.
 */
@Command(name = "check", description = "Check an image for consistency.")
final class CheckCommand implements Callable<Integer> {
    @Mixin
    ImgOptions.Format fmt;
    @Mixin
    ImgOptions.Output output;
    @Option(names = "-r", description = "repair: leaks or all")
    String repair;
    @Mixin
    ImgOptions.SourceCache cache;
    @Mixin
    ImgOptions.Quiet quiet;
    @Mixin
    ImgOptions.ForceShare forceShare;
    @Parameters(paramLabel = "filename", description = "image file")
    List<String> files = List.of();

    @Override
    public Integer call() throws Exception {
        String filename = ImgOptions.oneImage(files);
        boolean json = output.json();
        int fix = Qcow2Check.NO_REPAIR;
        if (repair != null) {
            fix = switch (repair) {
                case "leaks" -> Qcow2Check.REPAIR_LEAKS;
                case "all" -> Qcow2Check.REPAIR_ALL;
                default -> throw new BlockException("Unknown option value for -r (expecting 'leaks' or 'all'): "
                        + repair);
            };
        }
        BlockDriverState bs = ImgSupport.openForCheck(filename, fmt.format, fix != Qcow2Check.NO_REPAIR, cache.srcCache, forceShare.forceShare);
        Qcow2Check.Result r;
        try {
            if (!(bs.driver() instanceof Qcow2Driver q)) {
                System.err.println("jemu-img: This image format does not support checks");
                return 63;
            }
            int mode = fix;
            try {
                r = SyncIo.call(() -> q.check(mode));
            } catch (BlockException e) {
                System.err.println("jemu-img: Check failed: " + e.getMessage());
                return 1;
            }
        } finally {
            bs.close();
        }
        for (String m : r.messages()) {
            System.err.println(m);
        }
        if (json) {
            printJson(r, filename);
        } else if (!quiet.quiet) {
            printHuman(r);
        }
        if (r.checkErrors() > 0) {
            return 1;
        }
        if (r.corruptions() > 0) {
            return 2;
        }
        return r.leaks() > 0 ? 3 : 0;
    }

    private static void printJson(Qcow2Check.Result r, String filename) {
        // The keys in the order qemu-img 7.2 prints them.
        Map<String, Object> m = new LinkedHashMap<>();
        putNonZero(m, "image-end-offset", r.imageEndOffset());
        putNonZero(m, "compressed-clusters", r.compressedClusters());
        putNonZero(m, "total-clusters", r.totalClusters());
        putNonZero(m, "corruptions", r.corruptions());
        putNonZero(m, "corruptions-fixed", r.corruptionsFixed());
        m.put("check-errors", r.checkErrors());
        putNonZero(m, "leaks", r.leaks());
        putNonZero(m, "leaks-fixed", r.leaksFixed());
        putNonZero(m, "allocated-clusters", r.allocatedClusters());
        m.put("filename", filename);
        m.put("format", "qcow2");
        putNonZero(m, "fragmented-clusters", r.fragmentedClusters());
        QemuJson.print(System.out, m);
    }

    private static void putNonZero(Map<String, Object> m, String key, long v) {
        if (v != 0) {
            m.put(key, v);
        }
    }

    private void printHuman(Qcow2Check.Result r) {
        if (r.corruptionsFixed() > 0 || r.leaksFixed() > 0) {
            System.out.println("The following inconsistencies were found and repaired:");
            System.out.println();
            System.out.println("    " + r.leaksFixed() + " leaked clusters");
            System.out.println("    " + r.corruptionsFixed() + " corruptions");
            System.out.println();
            System.out.println("Double checking the fixed image now...");
        }
        if (r.corruptions() == 0 && r.leaks() == 0 && r.checkErrors() == 0) {
            System.out.println("No errors were found on the image.");
        } else {
            if (r.corruptions() > 0) {
                System.out.println();
                System.out.println(r.corruptions() + " errors were found on the image.");
                System.out.println("Data may be corrupted, or further writes to the image may corrupt it.");
            }
            if (r.leaks() > 0) {
                System.out.println();
                System.out.println(r.leaks() + " leaked clusters were found on the image.");
                System.out.println("This means waste of disk space, but no harm to data.");
            }
        }
        long total = r.totalClusters();
        long allocated = r.allocatedClusters();
        // As qemu-img: no allocation line for an image without allocated clusters.
        if (total > 0 && allocated > 0) {
            System.out.println(allocated + "/" + total + " = " + ImgSupport.twoDecimals(100.0 * allocated / total)
                    + "% allocated, " + ImgSupport.twoDecimals(allocated == 0 ? 0 : 100.0 * r.fragmentedClusters() / allocated)
                    + "% fragmented, " + ImgSupport.twoDecimals(allocated == 0 ? 0 : 100.0 * r.compressedClusters() / allocated)
                    + "% compressed clusters");
        }
        System.out.println("Image end offset: " + r.imageEndOffset());
    }
}
