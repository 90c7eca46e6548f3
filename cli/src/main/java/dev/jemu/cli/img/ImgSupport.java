package dev.jemu.cli.img;

import dev.jemu.block.BlockBackend;
import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockException;
import dev.jemu.block.BlockGraph;
import dev.jemu.block.BlockOptions;
import dev.jemu.block.CacheMode;
import dev.jemu.block.tools.ImageFiles;

import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/** Shared pieces of the jemu-img commands: opening images, qemu-img's number formats, progress. */
final class ImgSupport {
    private static final String[] SUFFIXES = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

    private ImgSupport() {
    }

    /** Opens {@code filename} with format {@code format} (null: probe) and cache mode {@code cache}. */
    static BlockDriverState open(String filename, String format, boolean readOnly, String cache) throws IOException {
        return open(filename, format, readOnly, cache, false);
    }

    /**
     * Opens {@code filename}; with {@code forceShare} ({@code -U}) a read-only open ignores the
     * image locks of other processes, as qemu-img's does.
     */
    static BlockDriverState open(String filename, String format, boolean readOnly, String cache, boolean forceShare)
            throws IOException {
        return BlockGraph.open(options(filename, format, readOnly, cache, forceShare));
    }

    /**
     * As {@link #open(String, String, boolean, String, boolean)} without opening the backing file,
     * as qemu-img opens for {@code info} and {@code rebase -u}: a missing backing file is no error.
     */
    static BlockDriverState openWithoutBacking(String filename, String format, boolean readOnly, String cache,
                                               boolean forceShare) throws IOException {
        return BlockGraph.open(options(filename, format, readOnly, cache, forceShare).put("backing", ""));
    }

    /** As {@link #open(String, String, boolean, String, boolean)}, with the file's {@code aio=} mode (qemu-img's {@code -i}). */
    static BlockDriverState open(String filename, String format, boolean readOnly, String cache, boolean forceShare,
                                 String aio) throws IOException {
        BlockOptions o = options(filename, format, readOnly, cache, forceShare);
        if (!dev.jemu.block.nbd.NbdAddress.isUri(filename)) {
            o.put("file.aio", aio);
        }
        return BlockGraph.open(o);
    }

    /**
     * Opens {@code filename} for {@code check}: read-only, or with {@code repair} writable in the
     * mode qemu-img's check opens with, which accepts a corrupt or damaged image for the repair.
     */
    static BlockDriverState openForCheck(String filename, String format, boolean repair, String cache, boolean forceShare)
            throws IOException {
        return BlockGraph.open(options(filename, format, !repair, cache, forceShare).put(BlockGraph.CHECK_REPAIR, "on"));
    }

    private static BlockOptions options(String filename, String format, boolean readOnly, String cache, boolean forceShare)
            throws IOException {
        ImageFiles.check(filename);
        BlockOptions o = BlockOptions.empty().put("file.filename", filename)
                .put("read-only", readOnly ? "on" : "off").put("cache", CacheMode.parse(cache).optionName());
        if (forceShare) {
            o.put("force-share", "on");
        }
        if (format != null) {
            o.put("driver", format);
        }
        return o;
    }

    /** A backend over {@code bs} with read (and optionally write and resize) permission. */
    static BlockBackend backend(BlockDriverState bs, boolean write, String cache) throws BlockException {
        int perms = BlockBackend.PERM_READ | (write ? BlockBackend.PERM_WRITE | BlockBackend.PERM_RESIZE : 0);
        return new BlockBackend(bs, perms, CacheMode.parse(cache).writethrough());
    }

    /** Parses a size argument such as {@code 1G} or {@code 65536}. */
    static long size(String what, String text) throws BlockException {
        return BlockOptions.parseSize(what, text);
    }

    /** qemu's size_to_str: three significant digits and a binary unit ("1 GiB", "1.26 MiB"). */
    static String humanSize(long bytes) {
        double val = bytes;
        int exp = bytes == 0 ? 0 : Math.getExponent(val / (1000.0 / 1024.0)) + 1;
        int i = Math.max(0, (exp - 1) / 10);
        i = Math.min(i, SUFFIXES.length - 1);
        double scaled = val / Math.pow(2, i * 10);
        String num = new BigDecimal(scaled).round(new MathContext(3)).stripTrailingZeros().toPlainString();
        return num + " " + SUFFIXES[i];
    }

    /**
     * {@code value} with two decimals as C's {@code printf("%.2f")} prints it: the exact binary
     * value rounded half to even (3.125 is "3.12"), where Java's format rounds half up.
     */
    static String twoDecimals(double value) {
        return new BigDecimal(value).setScale(2, RoundingMode.HALF_EVEN).toPlainString();
    }

    /** An offset as qemu-img map prints it: "0" or "0x1f000". */
    static String hex(long v) {
        return v == 0 ? "0" : "0x" + Long.toHexString(v);
    }

    /**
     * A progress printer as qemu-img's {@code -p}: prints "    (xx.xx/100%)" and returns to the
     * line start whenever progress advanced by at least one percent.
     */
    static java.util.function.DoubleConsumer progressPrinter(PrintStream out) {
        double[] last = {-1};
        return p -> {
            if (p - last[0] >= 1.0 || (p >= 100.0 && last[0] < 100.0)) {
                last[0] = p;
                out.print("    (" + twoDecimals(p) + "/100%)\r");
                out.flush();
            }
        };
    }
}
