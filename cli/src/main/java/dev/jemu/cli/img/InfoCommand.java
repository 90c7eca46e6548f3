package dev.jemu.cli.img;

import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockException;
import dev.jemu.block.ImageInfo;
import dev.jemu.block.file.FileDriver;
import dev.jemu.block.tools.ImageFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code info [-f fmt] [--output=human|json] [--backing-chain] [-U] filename}. */
@Command(name = "info", description = "Show information about an image.")
final class InfoCommand implements Callable<Integer> {
    /**
     * The snapshot table's dates, in the local time zone: made on first use, since reading the
     * zone rules costs every {@code info} start-up and only images with snapshots need them.
     */
    private static final class Dates {
        static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
                .withZone(ZoneId.systemDefault());
    }

    @Mixin
    ImgOptions.Format fmt;
    @Mixin
    ImgOptions.Output output;
    @Option(names = "--backing-chain", description = "show every image of the backing chain")
    boolean chain;
    @Mixin
    ImgOptions.ForceShare forceShare;
    @Parameters(paramLabel = "filename", description = "image file")
    List<String> files = List.of();

    @Override
    public Integer call() throws Exception {
        String filename = ImgOptions.oneImage(files);
        boolean json = output.json();
        // As qemu-img, each image is opened without its backing file (which may be missing unless
        // --backing-chain asks for it) and the chain followed by name, one image at a time.
        List<Map<String, Object>> infos = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        String name = filename;
        String format = fmt.format;
        while (name != null) {
            if (!seen.add(name)) {
                throw new BlockException("Backing file '" + name + "' creates an infinite loop.");
            }
            BlockDriverState bs = ImgSupport.openWithoutBacking(name, format, true, "writeback",
                    forceShare.forceShare);
            Map<String, Object> m;
            try {
                m = describe(bs);
            } finally {
                bs.close();
            }
            infos.add(m);
            name = chain ? (String) m.get("full-backing-filename") : null;
            format = (String) m.get("backing-filename-format");
        }
        if (json) {
            QemuJson.print(System.out, chain ? infos : infos.get(0));
        } else {
            for (int i = 0; i < infos.size(); i++) {
                if (i > 0) {
                    System.out.println();
                }
                printHuman(infos.get(i));
            }
        }
        return 0;
    }

    /** The JSON object of one image, keys in the order qemu-img 7.2 prints them. */
    static Map<String, Object> describe(BlockDriverState bs) throws IOException {
        ImageInfo info = bs.info();
        Map<String, Object> m = new LinkedHashMap<>();
        if (info.backingFormat() != null) {
            m.put("backing-filename-format", info.backingFormat());
        }
        if (!info.snapshots().isEmpty()) {
            List<Object> snaps = new ArrayList<>();
            for (ImageInfo.SnapshotInfo s : info.snapshots()) {
                Map<String, Object> sm = new LinkedHashMap<>();
                if (s.icount() >= 0) {
                    // As in qemu-img, a snapshot without the icount field (-1) has no "icount" key.
                    sm.put("icount", s.icount());
                }
                sm.put("vm-clock-nsec", s.vmClockNsec() % 1_000_000_000L);
                sm.put("name", s.name());
                sm.put("date-sec", s.dateSec());
                sm.put("date-nsec", s.dateNsec());
                sm.put("vm-clock-sec", s.vmClockNsec() / 1_000_000_000L);
                sm.put("id", s.id());
                sm.put("vm-state-size", s.vmStateSize());
                snaps.add(sm);
            }
            m.put("snapshots", snaps);
        }
        m.put("virtual-size", ImageFiles.virtualSize(bs));
        m.put("filename", bs.filename());
        if (info.clusterSize() > 0) {
            m.put("cluster-size", info.clusterSize());
        }
        m.put("format", info.format());
        BlockDriverState file = bs.file() != null ? bs.file() : bs;
        // qemu-img has the allocated size and the dirty flag from a file, not from an NBD export.
        FileDriver local = file.driver() instanceof FileDriver fd ? fd : null;
        if (local != null) {
            m.put("actual-size", dev.jemu.block.SyncIo.call(local::allocatedBytes));
        }
        if (info.formatSpecific() != null) {
            m.put("format-specific", info.formatSpecific());
        }
        if (info.backingFilename() != null) {
            m.put("full-backing-filename", info.fullBackingFilename());
            m.put("backing-filename", info.backingFilename());
        }
        if (local != null) {
            m.put("dirty-flag", info.dirty());
        }
        return m;
    }

    @SuppressWarnings("unchecked")
    private static void printHuman(Map<String, Object> m) {
        System.out.println("image: " + m.get("filename"));
        System.out.println("file format: " + m.get("format"));
        long vs = (Long) m.get("virtual-size");
        System.out.println("virtual size: " + ImgSupport.humanSize(vs) + " (" + vs + " bytes)");
        System.out.println("disk size: " + (m.containsKey("actual-size")
                ? ImgSupport.humanSize((Long) m.get("actual-size")) : "unavailable"));
        if (m.containsKey("cluster-size")) {
            System.out.println("cluster_size: " + m.get("cluster-size"));
        }
        if (m.containsKey("backing-filename")) {
            String b = (String) m.get("backing-filename");
            String full = (String) m.get("full-backing-filename");
            System.out.println("backing file: " + b + (full.equals(b) ? "" : " (actual path: " + full + ")"));
            if (m.containsKey("backing-filename-format")) {
                System.out.println("backing file format: " + m.get("backing-filename-format"));
            }
        }
        if (m.containsKey("snapshots")) {
            System.out.println("Snapshot list:");
            printSnapshots((List<Object>) m.get("snapshots"));
        }
        if (m.containsKey("format-specific")) {
            Map<String, Object> fs = (Map<String, Object>) m.get("format-specific");
            System.out.println("Format specific information:");
            Map<String, Object> data = (Map<String, Object>) fs.get("data");
            for (Map.Entry<String, Object> e : data.entrySet()) {
                System.out.println("    " + e.getKey().replace('-', ' ') + ": " + e.getValue());
            }
        }
    }

    /** Prints the snapshot table as qemu-img does. */
    @SuppressWarnings("unchecked")
    static void printSnapshots(List<Object> snaps) {
        System.out.printf("%-10s%-17s%8s%20s%13s%11s%n", "ID", "TAG", "VM SIZE", "DATE", "VM CLOCK", "ICOUNT");
        for (Object o : snaps) {
            Map<String, Object> s = (Map<String, Object>) o;
            long clockSec = (Long) s.get("vm-clock-sec");
            long clockNs = (Long) s.get("vm-clock-nsec");
            String clock = String.format("%02d:%02d:%02d.%03d", clockSec / 3600, (clockSec / 60) % 60, clockSec % 60,
                    clockNs / 1_000_000);
            String date = Dates.DATE.format(Instant.ofEpochSecond((Long) s.get("date-sec")));
            System.out.printf("%-9s %-16s %8s%20s%13s%11s%n", s.get("id"), s.get("name"),
                    ImgSupport.humanSize((Long) s.get("vm-state-size")), date, clock, s.getOrDefault("icount", ""));
        }
    }
}
