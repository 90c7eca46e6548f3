package dev.jemu.cli.img;

import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockException;
import dev.jemu.block.ImageInfo;
import dev.jemu.block.Preallocation;
import dev.jemu.block.SyncIo;
import dev.jemu.block.qcow2.Qcow2Driver;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code amend [-f fmt] [-t cache] [-p] [-q] [--force] -o options filename}: changes what
 * qemu-img 7.2 amends on a qcow2 image: {@code compat} (0.10/v2, 1.1/v3), {@code lazy_refcounts},
 * {@code refcount_bits} and {@code size}; {@code backing_file}/{@code backing_fmt} only to their
 * current values. The rest is refused in qemu-img's words.
 */
@Command(name = "amend", description = "Amend the format-specific options of an image.")
final class AmendCommand implements Callable<Integer> {
    /** qemu-img's qcow2 creation options that amend refuses. */
    private static final Set<String> CREATE_ONLY = Set.of("cluster_size", "preallocation", "encryption",
            "extended_l2", "compression_type", "encrypt.format", "encrypt.key-secret", "encrypt.cipher-alg",
            "encrypt.cipher-mode", "encrypt.ivgen-alg", "encrypt.ivgen-hash-alg", "encrypt.hash-alg");
    private static final Set<String> AMENDABLE = Set.of("compat", "lazy_refcounts", "size", "backing_file",
            "backing_fmt", "refcount_bits", "data_file", "data_file_raw", "encrypt.iter-time", "encrypt.keyslot",
            "encrypt.new-secret", "encrypt.old-secret", "encrypt.state");

    @Mixin
    ImgOptions.Format fmt;
    @Option(names = "-o", paramLabel = "options", description = "options to amend (key=value,...)")
    List<String> options = new ArrayList<>();
    @Mixin
    ImgOptions.Cache cache;
    @Option(names = "-p", description = "show progress (accepted)")
    boolean progress;
    @Option(names = "--force", description = "allow changes that may lose data (accepted)")
    boolean force;
    @Mixin
    ImgOptions.Quiet quiet;
    @Parameters(paramLabel = "filename", description = "image file")
    List<String> files = List.of();

    @Override
    public Integer call() throws Exception {
        if (options.isEmpty()) {
            throw new UsageException("Must specify options (-o)");
        }
        String filename = ImgOptions.oneImage(files);
        Map<String, String> opts = parse(String.join(",", options));
        BlockDriverState bs = ImgSupport.openWithoutBacking(filename, fmt.format, false, cache.cache, false);
        try {
            if (!(bs.driver() instanceof Qcow2Driver q)) {
                throw new BlockException("Format driver '" + bs.driver().formatName()
                        + "' does not support option amendment");
            }
            amend(q, opts);
        } finally {
            bs.close();
        }
        return 0;
    }

    private static Map<String, String> parse(String text) throws BlockException {
        Map<String, String> m = new LinkedHashMap<>();
        for (String item : text.split(",")) {
            if (item.isEmpty()) {
                continue;
            }
            int eq = item.indexOf('=');
            String key = eq < 0 ? item : item.substring(0, eq);
            if (CREATE_ONLY.contains(key)) {
                throw new BlockException("Invalid parameter '" + key + "'\nThis option is only supported for image creation");
            }
            if (!AMENDABLE.contains(key)) {
                throw new BlockException("Invalid parameter '" + key + "'");
            }
            m.put(key, eq < 0 ? "on" : item.substring(eq + 1));
        }
        return m;
    }

    private static void amend(Qcow2Driver q, Map<String, String> opts) throws Exception {
        ImageInfo info = q.getInfo();
        int version = q.header().version();
        int target = version;
        if (opts.containsKey("compat")) {
            target = switch (opts.get("compat")) {
                case "0.10", "v2" -> 2;
                case "1.1", "v3" -> 3;
                default -> throw new BlockException("Unknown compatibility level " + opts.get("compat"));
            };
        }
        Boolean lazy = opts.containsKey("lazy_refcounts") ? bool("lazy_refcounts", opts.get("lazy_refcounts")) : null;
        if (Boolean.TRUE.equals(lazy) && target < 3) {
            throw new BlockException("Lazy refcounts only supported with compatibility level 1.1 and above "
                    + "(use compat=1.1 or greater)");
        }
        Integer bits = null;
        if (opts.containsKey("refcount_bits")) {
            long b;
            try {
                b = Long.parseLong(opts.get("refcount_bits"));
            } catch (NumberFormatException e) {
                throw new BlockException("Parameter 'refcount_bits' expects a number", e);
            }
            if (b < 1 || b > 64 || Long.bitCount(b) != 1) {
                throw new BlockException("Refcount width must be a power of two and may not exceed 64 bits");
            }
            if (target < 3 && b != 16) {
                throw new BlockException("Refcount widths other than 16 bits require compatibility level 1.1 or "
                        + "above (use compat=1.1 or greater)");
            }
            bits = (int) b;
        }
        if (opts.containsKey("data_file")) {
            throw new BlockException("data-file can only be set for images that use an external data file");
        }
        if (opts.containsKey("data_file_raw")) {
            throw new BlockException("data-file-raw cannot be set on existing images");
        }
        if (opts.keySet().stream().anyMatch(k -> k.startsWith("encrypt."))) {
            throw new BlockException("Can't amend encryption options - encryption not present");
        }
        if ((opts.containsKey("backing_file") && !opts.get("backing_file").equals(info.backingFilename()))
                || (opts.containsKey("backing_fmt") && !opts.get("backing_fmt").equals(info.backingFormat()))) {
            throw new BlockException("Cannot amend the backing file\nYou can use 'jemu-img rebase' instead.");
        }
        Long size = opts.containsKey("size") ? ImgSupport.size("size", opts.get("size")) : null;
        int newVersion = target;
        Integer newBits = bits;
        SyncIo.run(() -> {
            if (newVersion == 3) {
                q.amendVersion(3);
            }
            if (lazy != null && newVersion == 3) {
                q.amendLazyRefcounts(lazy);
            }
            if (newBits != null) {
                q.amendRefcountBits(newBits);
            }
            if (newVersion == 2) {
                q.amendVersion(2);
            }
            if (size != null) {
                q.coTruncate(size, Preallocation.OFF);
            }
        });
    }

    private static boolean bool(String key, String v) throws BlockException {
        return switch (v) {
            case "on", "yes", "true" -> true;
            case "off", "no", "false" -> false;
            default -> throw new BlockException("Parameter '" + key + "' expects 'on' or 'off'");
        };
    }
}
