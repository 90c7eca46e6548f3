package dev.jemu.block;

import dev.jemu.block.file.FileAio;
import dev.jemu.block.file.FileDriver;
import dev.jemu.block.nbd.NbdAddress;
import dev.jemu.block.nbd.NbdClientDriver;
import dev.jemu.block.qcow2.Qcow2Driver;
import dev.jemu.block.raw.NullDriver;
import dev.jemu.block.raw.RawDriver;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Opens graphs of nodes from options in QEMU's syntax: {@code driver=} (probed from the file's
 * first bytes when absent), {@code file=}/{@code filename=}/{@code file.filename=},
 * {@code cache=}, {@code cache.direct=}, {@code cache.no-flush=}, {@code read-only=}, file's
 * {@code aio=} ({@code io_uring} or {@code threads}: {@link FileAio}), raw's
 * {@code offset=}/{@code size=}, null-co's {@code size=}/{@code read-zeroes=}, qcow2's
 * {@code backing=} (empty: no backing file) and {@code backing.*} options for the backing node,
 * file's {@code locking=on|off|auto} (QEMU's image locks; auto means on) and {@code force-share=}
 * (share every permission with other users of the image; read-only nodes only).
 * Must be called outside a coroutine or inside one; it runs its I/O through {@link SyncIo}.
 */
public final class BlockGraph {
    /**
     * jemu's option for {@code check -r}: open a qcow2 image writable for its check to repair
     * (QEMU's check open), accepting what only the check can fix. Not for guests or exports.
     */
    public static final String CHECK_REPAIR = "x-check-repair";

    /** Backing chains deeper than this are refused. */
    public static final int MAX_BACKING_DEPTH = 256;

    private static final byte[] QCOW2_MAGIC = {'Q', 'F', 'I', (byte) 0xfb};

    /** The drivers a node may name: protocols ({@code file}, {@code host_device}, {@code nbd}, {@code null-co}) and formats. */
    private static final Set<String> DRIVERS = Set.of("file", "host_device", "nbd", "null-co", "raw", "qcow2");

    private BlockGraph() {
    }

    /** Opens the node described by {@code opts}. */
    public static BlockDriverState open(BlockOptions opts) throws IOException {
        return open(opts, false, null, 0, new LinkedHashSet<>());
    }

    /** Opens {@code filename} with format {@code format} (null: probe) and the given cache mode. */
    public static BlockDriverState open(String filename, String format, boolean readOnly, CacheMode cache)
            throws IOException {
        return open(imageOptions(filename, format).put("read-only", readOnly ? "on" : "off")
                .put("cache", cache.optionName()));
    }

    /**
     * The options of an image named on a command line with its format ({@code -f}; null: probe):
     * a format opens a file node over the name, a protocol named as the format ({@code file},
     * {@code host_device}, {@code nbd}) opens the name itself, as QEMU's tools do.
     */
    public static BlockOptions imageOptions(String filename, String format) {
        boolean protocol = "file".equals(format) || "host_device".equals(format) || "nbd".equals(format);
        BlockOptions opts = BlockOptions.empty().put(protocol ? "filename" : "file.filename", filename);
        if (format != null) {
            opts.put("driver", format);
        }
        return opts;
    }

    /**
     * Opens a node as the backing file of another.
     *
     * @param parentCache the cache mode flags of the parent, inherited
     * @param depth how many images lie above this one
     * @param seen canonical paths of the images above, to detect loops
     */
    public static BlockDriverState open(BlockOptions opts, boolean forceReadOnly, CacheMode parentCache,
                                        int depth, Set<String> seen) throws IOException {
        boolean readOnly = opts.getBool("read-only", false) || forceReadOnly;
        String cacheName = opts.get("cache");
        CacheMode cache = cacheName != null ? CacheMode.parse(cacheName)
                : parentCache != null ? parentCache : CacheMode.WRITEBACK;
        boolean direct = opts.getBool("cache.direct", cache.direct());
        boolean noFlush = opts.getBool("cache.no-flush", cache.noFlush());
        boolean forceShare = opts.getBool("force-share", false);
        if (forceShare && !readOnly) {
            throw new BlockException("force-share=on can only be used with read-only images");
        }
        String driver = opts.get("driver");
        if (driver != null && !DRIVERS.contains(driver)) {
            throw new BlockException("Unknown driver '" + driver + "'");
        }
        String filename = opts.get("filename");
        String fileOpt = opts.get("file");
        BlockOptions fileOpts = opts.child("file");
        if (fileOpt != null) {
            if (fileOpts != null) {
                throw new BlockException("Cannot use 'file' together with 'file.*' options");
            }
            fileOpts = BlockOptions.empty().put("filename", fileOpt);
        }

        if ("file".equals(driver) || "host_device".equals(driver)) {
            if (filename == null) {
                throw new BlockException("The 'file' block driver requires a file name");
            }
            if ("host_device".equals(driver)) {
                requireDevice(filename);
            }
            String locking = opts.get("locking", "auto");
            if (!locking.equals("on") && !locking.equals("off") && !locking.equals("auto")) {
                throw new BlockException("invalid parameter value for 'locking': "
                        + locking + " (expected on, off or auto)");
            }
            FileAio aio = FileAio.parse(opts.get("aio"));
            opts.remove(CHECK_REPAIR); // no metadata for a check to repair
            removeNoBacking(opts);
            opts.checkAllUsed(driver);
            return new BlockDriverState(FileDriver.open(filename, readOnly, direct, noFlush, !locking.equals("off"), aio),
                    filename, readOnly);
        }
        if ("nbd".equals(driver)) {
            removeNoBacking(opts);
            NbdClientDriver nbd = NbdClientDriver.open(opts, readOnly);
            try {
                opts.checkAllUsed(driver);
            } catch (BlockException e) {
                nbd.close();
                throw e;
            }
            return new BlockDriverState(nbd, nbd.address().toString(), readOnly);
        }
        if ("null-co".equals(driver)) {
            long size = opts.getSize("size", 1L << 30);
            boolean zeroes = opts.getBool("read-zeroes", true);
            opts.checkAllUsed(driver);
            return new BlockDriverState(new NullDriver(size, zeroes), "null-co://", readOnly);
        }
        if (fileOpts == null && filename != null) {
            fileOpts = BlockOptions.empty().put("filename", filename);
        }
        if (fileOpts == null) {
            throw new BlockException("A block device must be given a file name (file= or file.filename=)");
        }
        fileOpts.putIfAbsent("driver", fileOpts.has("filename") && NbdAddress.isUri(fileOpts.get("filename"))
                ? "nbd" : "file");
        fileOpts.putIfAbsent("cache.direct", direct ? "on" : "off");
        fileOpts.putIfAbsent("cache.no-flush", noFlush ? "on" : "off");
        if (forceShare) {
            fileOpts.putIfAbsent("force-share", "on");
        }
        BlockDriverState file = open(fileOpts, readOnly, cache, depth, seen);
        try {
            boolean probed = driver == null;
            if (probed) {
                driver = probe(file);
            }
            if (driver.equals("qcow2") && !forceShare && file.driver() instanceof FileDriver f) {
                // QEMU's format driver takes resize with write, and lets nobody else change the file.
                int perm = FileDriver.PERM_CONSISTENT_READ
                        | (readOnly ? 0 : FileDriver.PERM_WRITE | FileDriver.PERM_RESIZE);
                f.setPermissions(perm, FileDriver.PERM_WRITE | FileDriver.PERM_RESIZE);
            }
            String name = file.filename();
            BlockDriverState node = switch (driver) {
                case "raw" -> {
                    long offset = opts.getSize("offset", 0);
                    long size = opts.getSize("size", -1);
                    opts.remove(CHECK_REPAIR); // a raw image has no metadata for a check to repair
                    removeNoBacking(opts);
                    opts.checkAllUsed(driver);
                    RawDriver raw = new RawDriver(file, offset, size);
                    if (probed) {
                        raw.restrictBlockZero();
                    }
                    yield new BlockDriverState(raw, name, readOnly);
                }
                // the protocols returned above and DRIVERS holds no other format
                default -> openQcow2(opts, file, readOnly, forceShare, cache, depth, seen);
            };
            return node;
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /**
     * Refuses, as QEMU's {@code host_device} driver does, a file that exists and is not a
     * character or block device (a missing or unnameable one is the file driver's to report).
     */
    private static void requireDevice(String filename) throws IOException {
        try {
            Path path = Path.of(filename);
            if (Files.exists(path) && !Files.readAttributes(path, BasicFileAttributes.class).isOther()) {
                throw new BlockException("'host_device' driver requires '" + filename
                        + "' to be either a character or block device");
            }
        } catch (InvalidPathException e) {
            // FileDriver.open names the file and the reason
        }
    }

    /** Drops {@code backing=} (no backing file), which a node that never has one takes as given. */
    private static void removeNoBacking(BlockOptions opts) {
        if ("".equals(opts.get("backing"))) {
            opts.remove("backing");
        }
    }

    private static BlockDriverState openQcow2(BlockOptions opts, BlockDriverState file, boolean readOnly,
                                              boolean forceShare, CacheMode cache, int depth, Set<String> seen)
            throws IOException {
        String name = file.filename();
        String canonical = canonical(name);
        String top = seen.isEmpty() ? name : seen.iterator().next();
        if (!seen.add(canonical)) {
            throw new ChainException("Could not open '" + top + "': backing chain contains a loop: '"
                    + name + "' is its own backing file");
        }
        String backingOpt = opts.get("backing");
        BlockOptions backingOpts = opts.child("backing");
        boolean noBacking = backingOpt != null && (backingOpt.isEmpty() || backingOpt.equals("null"));
        if (backingOpt != null && !noBacking) {
            throw new BlockException("backing= takes only an empty value"
                    + " (no backing file) or backing.* options");
        }
        Boolean lazy = opts.has("lazy-refcounts") ? opts.getBool("lazy-refcounts", false) : null;
        boolean forRepair = opts.getBool(CHECK_REPAIR, false);
        opts.checkAllUsed("qcow2");
        Qcow2Driver.BackingOpener opener = noBacking ? null : (backingName, backingFormat) -> {
            if (depth + 1 >= MAX_BACKING_DEPTH) {
                throw new ChainException("Could not open '" + top + "': backing chain is deeper than "
                        + MAX_BACKING_DEPTH + " images");
            }
            BlockOptions bo = backingOpts != null ? backingOpts.copy() : BlockOptions.empty();
            if (!bo.has("file") && bo.child("file") == null && !bo.has("filename")) {
                bo.put("file.filename", backingName);
            }
            if (!bo.has("driver") && backingFormat != null) {
                bo.put("driver", backingFormat);
            }
            if (forceShare) {
                bo.putIfAbsent("force-share", "on");
            }
            try {
                return open(bo, true, cache, depth + 1, seen);
            } catch (ChainException e) {
                throw e;
            } catch (BlockException e) {
                if (e.getMessage().startsWith("Could not open backing file")) {
                    throw e;
                }
                throw new BlockException("Could not open backing file: " + e.getMessage(), e);
            }
        };
        Qcow2Driver drv = Qcow2Driver.open(file, readOnly, opener, lazy, forRepair);
        return new BlockDriverState(drv, name, readOnly);
    }

    /**
     * An error about the chain as a whole (a loop, too deep), whose message names the top image
     * already: a tool reports it as it is, not under the image's name again.
     */
    public static final class ChainException extends BlockException {
        private static final long serialVersionUID = 1L;

        ChainException(String message) {
            super(message);
        }
    }

    /** The canonical form of a path, for loop detection. */
    private static String canonical(String name) {
        try {
            return Path.of(name).toRealPath().toString();
        } catch (IOException | RuntimeException e) {
            return Path.of(name).toAbsolutePath().normalize().toString();
        }
    }

    /** How many bytes at the start of an image decide its probed format. */
    public static final int PROBE_BYTES = 512;

    /** "qcow2" if the node starts with the qcow2 magic, else "raw". */
    public static String probe(BlockDriverState file) throws IOException {
        byte[] head = new byte[(int) Math.min(PROBE_BYTES, file.length())];
        SyncIo.run(() -> file.coPreadv(0, ByteBuffer.wrap(head), 0, head.length));
        return probeBytes(head);
    }

    /** The format the first bytes of an image say it has: "qcow2" for the qcow2 magic, else "raw". */
    public static String probeBytes(byte[] head) {
        if (head.length < QCOW2_MAGIC.length) {
            return "raw";
        }
        for (int i = 0; i < QCOW2_MAGIC.length; i++) {
            if (head[i] != QCOW2_MAGIC[i]) {
                return "raw";
            }
        }
        return "qcow2";
    }

    /** Resolves a backing file name stored in {@code image} the way QEMU does: relative to its directory. */
    public static String resolveBacking(String image, String backing) {
        if (backing.startsWith("/") || backing.contains("://") || backing.startsWith("json:")) {
            return backing;
        }
        Path parent = Path.of(image).getParent();
        return parent == null ? backing : parent.resolve(backing).toString();
    }
}
