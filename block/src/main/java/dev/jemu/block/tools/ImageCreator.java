package dev.jemu.block.tools;

import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockException;
import dev.jemu.block.BlockGraph;
import dev.jemu.block.BlockOptions;
import dev.jemu.block.CacheMode;
import dev.jemu.block.Preallocation;
import dev.jemu.block.qcow2.Qcow2Create;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * {@code create}: makes a raw or qcow2 image from qemu-img's {@code -o} options
 * (cluster_size, preallocation, compat, lazy_refcounts, refcount_bits, backing_file,
 * backing_fmt), with qemu-img 7.2's checks and messages: every error names the image
 * ({@code x.qcow2: Image creation needs a size parameter}), and a backing file needs its format.
 * Stateless; called from a thread that is not in a coroutine.
 */
public final class ImageCreator {
    /** qemu-img 7.2 no longer probes a new image's backing file: its format must be given. */
    private static final String NO_BACKING_FORMAT = "Backing file specified without backing format";

    private ImageCreator() {
    }

    /**
     * Creates {@code path}.
     *
     * @param format "qcow2" or "raw"
     * @param size the virtual size, or -1 to take the backing file's
     * @param options the {@code -o} string, or null
     * @param backing backing file name ({@code -b}), or null
     * @param backingFormat its format ({@code -F}), or null to probe
     * @param unsafe do not open the backing file ({@code -u}); then the size must be given
     * @param formatting receives the "Formatting ..." line qemu-img prints, before the file is
     *     written; or null
     */
    public static void create(String path, String format, long size, String options, String backing,
                              String backingFormat, boolean unsafe, Consumer<String> formatting) throws IOException {
        try {
            createImage(path, format, size, options, backing, backingFormat, unsafe, formatting);
        } catch (BlockException e) {
            throw new BlockException(path + ": " + e.getMessage(), e);
        }
    }

    private static void createImage(String path, String format, long size, String options, String backing,
                                    String backingFormat, boolean unsafe, Consumer<String> formatting)
            throws IOException {
        BlockOptions o = options == null || options.isEmpty() ? BlockOptions.empty()
                : BlockOptions.parse(options, null);
        if (o.has("size")) {
            size = o.getSize("size", size);
        }
        String b = o.get("backing_file", backing);
        String bf = o.get("backing_fmt", backingFormat);
        if ((b != null || bf != null) && !format.equals("qcow2")) {
            throw new BlockException("Backing file " + (b != null ? "" : "format ") + "not supported for file format '"
                    + format + "'");
        }
        if (b != null && !unsafe) {
            String resolved = BlockGraph.resolveBacking(path, b);
            BlockDriverState bs;
            try {
                bs = BlockGraph.open(resolved, bf, true, CacheMode.WRITEBACK);
            } catch (BlockException e) {
                throw new BlockException(e.getMessage() + "\nCould not open backing image.");
            }
            try {
                if (bf == null) {
                    throw new BlockException(NO_BACKING_FORMAT + "\nDetected format of " + bs.driver().formatName()
                            + ".");
                }
                if (size < 0) {
                    size = bs.length();
                }
            } finally {
                bs.close();
            }
        } else if (b != null && bf == null) {
            throw new BlockException(NO_BACKING_FORMAT);
        }
        if (size < 0) {
            throw new BlockException("Image creation needs a size parameter");
        }
        Map<String, String> shown = new LinkedHashMap<>();
        switch (format) {
            case "raw" -> {
                Preallocation p = Preallocation.parse(o.get("preallocation", "off"));
                if (p == Preallocation.METADATA) {
                    throw new BlockException("Unsupported preallocation mode 'metadata'");
                }
                o.checkAllUsed("raw");
                if (p != Preallocation.OFF) {
                    shown.put("preallocation", p.optionName());
                }
                shown.put("size", Long.toString(size));
                announce(formatting, path, format, shown);
                // As qemu's file driver, the file is a whole number of 512-byte sectors.
                createRaw(path, (size + 511) & ~511L, p);
            }
            case "qcow2" -> {
                Qcow2Params q = Qcow2Params.parse(o);
                o.checkAllUsed("qcow2");
                int cs = q.clusterSize();
                Preallocation p = q.preallocation();
                int version = q.version();
                boolean lazy = q.lazyRefcounts();
                int refBits = q.refcountBits();
                if (version == 2) {
                    shown.put("cluster_size", Integer.toString(cs));
                    shown.put("compat", "0.10");
                } else {
                    shown.put("cluster_size", Integer.toString(cs));
                    shown.put("extended_l2", "off");
                    shown.put("compression_type", "zlib");
                }
                if (p != Preallocation.OFF) {
                    shown.put("preallocation", p.optionName());
                }
                shown.put("size", Long.toString((size + 511) & ~511L));
                if (b != null) {
                    shown.put("backing_file", b);
                }
                if (bf != null) {
                    shown.put("backing_fmt", bf);
                }
                shown.put("lazy_refcounts", lazy ? "on" : "off");
                shown.put("refcount_bits", Integer.toString(refBits));
                announce(formatting, path, format, shown);
                if (b == null && bf != null) {
                    throw new BlockException("Backing format cannot be used without backing file");
                }
                Qcow2Create.create(path, new Qcow2Create.Options(size, cs, version, refBits, lazy, p, b,
                        b == null ? null : bf));
            }
            default -> throw new BlockException("Unknown file format '" + format + "'");
        }
    }

    /** Hands qemu-img's "Formatting 'path', fmt=... key=value ..." line to {@code formatting}. */
    private static void announce(Consumer<String> formatting, String path, String format, Map<String, String> shown) {
        if (formatting != null) {
            StringBuilder sb = new StringBuilder("Formatting '").append(path).append("', fmt=").append(format);
            shown.forEach((k, v) -> sb.append(' ').append(k).append('=').append(v));
            formatting.accept(sb.toString());
        }
    }

    private static void createRaw(String path, long size, Preallocation p) throws BlockException {
        try (FileChannel ch = FileChannel.open(Path.of(path), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            if (p == Preallocation.FULL || p == Preallocation.FALLOC) {
                ByteBuffer zeros = ByteBuffer.allocateDirect(1 << 20);
                long pos = 0;
                while (pos < size) {
                    zeros.clear().limit((int) Math.min(zeros.capacity(), size - pos));
                    pos += ch.write(zeros, pos);
                }
            } else {
                // FileChannel cannot grow a file without writing to it; setLength leaves it sparse.
                try (RandomAccessFile raf = new RandomAccessFile(path, "rw")) {
                    raf.setLength(size);
                }
            }
        } catch (IOException e) {
            throw new BlockException("Could not create '" + path + "': " + HostErrors.reason(e));
        }
    }
}
