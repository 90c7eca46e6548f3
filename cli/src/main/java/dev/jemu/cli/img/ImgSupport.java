package dev.jemu.cli.img;

import dev.jemu.block.BlockBackend;
import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockException;
import dev.jemu.block.BlockGraph;
import dev.jemu.block.BlockOptions;
import dev.jemu.block.CacheMode;
import dev.jemu.block.SyncIo;
import dev.jemu.block.qcow2.Qcow2SnapshotView;
import dev.jemu.block.nbd.NbdAddress;
import dev.jemu.block.tools.ImageFiles;

import java.io.IOException;
import java.io.PrintStream;

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
        return openGraph(filename, options(filename, format, readOnly, cache, forceShare));
    }

    /**
     * As {@link #open(String, String, boolean, String, boolean)} without opening the backing file,
     * as qemu-img opens for {@code info} and {@code rebase -u}: a missing backing file is no error.
     */
    static BlockDriverState openWithoutBacking(String filename, String format, boolean readOnly, String cache,
                                               boolean forceShare) throws IOException {
        return openGraph(filename, options(filename, format, readOnly, cache, forceShare).put("backing", ""));
    }

    /** As {@link #open(String, String, boolean, String, boolean)}, with the file's {@code aio=} mode (qemu-img's {@code -i}). */
    static BlockDriverState open(String filename, String format, boolean readOnly, String cache, boolean forceShare,
                                 String aio) throws IOException {
        BlockOptions o = options(filename, format, readOnly, cache, forceShare);
        if (!NbdAddress.isUri(filename)) {
            o.put("file.aio", aio);
        }
        return openGraph(filename, o);
    }

    /**
     * Opens {@code filename} for {@code check}: read-only, or with {@code repair} writable in the
     * mode qemu-img's check opens with, which accepts a corrupt or damaged image for the repair.
     */
    static BlockDriverState openForCheck(String filename, String format, boolean repair, String cache, boolean forceShare)
            throws IOException {
        BlockOptions o = options(filename, format, !repair, cache, forceShare);
        o.put(BlockGraph.CHECK_REPAIR, "on");
        return openGraph(filename, o);
    }

    /**
     * Opens the graph {@code o} describes; as qemu-img, every error of the open is reported under
     * the image's name ({@code Could not open 'top.qcow2': Image is not in qcow2 format}; a
     * missing file, whose file driver names it too, is named twice: {@code Could not open 'x':
     * Could not open 'x': No such file or directory}), but for the backing-chain checks, which
     * name the image they start from themselves.
     */
    private static BlockDriverState openGraph(String filename, BlockOptions o) throws IOException {
        try {
            return BlockGraph.open(o);
        } catch (BlockGraph.ChainException e) {
            throw e;
        } catch (BlockException e) {
            throw new BlockException("Could not open '" + filename + "': " + e.getMessage(), e);
        }
    }

    private static BlockOptions options(String filename, String format, boolean readOnly, String cache, boolean forceShare)
            throws IOException {
        ImageFiles.check(filename);
        BlockOptions o = BlockGraph.imageOptions(filename, format).put("read-only", readOnly ? "on" : "off")
                .put("cache", CacheMode.parse(cache).optionName());
        if (forceShare) {
            o.put("force-share", "on");
        }
        return o;
    }

    /**
     * An image-creation error of {@link dev.jemu.block.tools.ImageCreator} ({@code PATH: reason})
     * as a command that creates its output reports it: {@code PATH: <doing>: reason}, e.g.
     * {@code out.qcow2: error while converting qcow2: ...}.
     */
    static BlockException creationFailed(BlockException e, String path, String doing) {
        String prefix = path + ": ";
        String reason = e.getMessage().startsWith(prefix) ? e.getMessage().substring(prefix.length()) : e.getMessage();
        return new BlockException(prefix + doing + ": " + reason, e);
    }

    /**
     * qemu-img's {@code -l snapshot_param} of convert and measure: {@code ID_OR_NAME} (an id if
     * a snapshot has it, else a name; {@code idOrName} set) or {@code snapshot.id=ID,snapshot.name=NAME}
     * (either may be null).
     */
    record Snapshot(String idOrName, String id, String name) {
        /** Parses {@code param}; for a parameter qemu-img does not know, its two error lines. */
        static Snapshot parse(String param) throws BlockException {
            if (!param.startsWith("snapshot.")) {
                return new Snapshot(param, null, null);
            }
            String id = null;
            String name = null;
            for (String kv : param.split(",")) {
                int eq = kv.indexOf('=');
                String key = eq < 0 ? kv : kv.substring(0, eq);
                String value = eq < 0 ? "" : kv.substring(eq + 1);
                switch (key) {
                    case "snapshot.id" -> id = value;
                    case "snapshot.name" -> name = value;
                    default -> {
                        System.err.println("jemu-img: Invalid parameter '" + key + "'");
                        throw new BlockException("Failed in parsing snapshot param '" + param + "'");
                    }
                }
            }
            return new Snapshot(null, id, name);
        }

        /** Makes {@code bs} (open read-only) read as this snapshot, as qemu-img's bdrv_snapshot_load_tmp. */
        void load(BlockDriverState bs) throws IOException {
            try {
                SyncIo.run(() -> {
                    if (idOrName != null) {
                        Qcow2SnapshotView.loadByIdOrName(bs, idOrName);
                    } else {
                        Qcow2SnapshotView.load(bs, id, name);
                    }
                });
            } catch (BlockException e) {
                throw new BlockException("Failed to load snapshot: " + e.getMessage(), e);
            }
        }
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

    /**
     * qemu's size_to_str: the size in the largest binary unit that keeps it below 1000 (so
     * 1000 KiB is "0.977 MiB"), printed as C's {@code "%.3g"}: three significant digits of the
     * exact binary value rounded half to even ("1.12 MiB" for 1.125 MiB), trailing zeros
     * dropped, and "1e+03" when rounding reaches 1000.
     */
    static String humanSize(long bytes) {
        double val = bytes;
        int exp = bytes == 0 ? 0 : Math.getExponent(val / (1000.0 / 1024.0)) + 1;
        int i = Math.min(Math.max(0, (exp - 1) / 10), SUFFIXES.length - 1);
        double scaled = val / Math.pow(2, i * 10);
        // 0.9765625 <= scaled < 1000 (or 0): the digits after the point that make three significant
        int decimals = scaled >= 100 ? 0 : scaled >= 10 ? 1 : scaled >= 1 || scaled == 0 ? 2 : 3;
        long digits = roundHalfEven(scaled, decimals);
        if (digits == 1000 && decimals == 0) {
            return "1e+03 " + SUFFIXES[i];
        }
        if (digits == 1000) {
            digits = 100;
            decimals--;
        }
        while (decimals > 0 && digits % 10 == 0) {
            digits /= 10;
            decimals--;
        }
        return fixed(digits, decimals) + " " + SUFFIXES[i];
    }

    /**
     * {@code value} with two decimals as C's {@code printf("%.2f")} prints it: the exact binary
     * value rounded half to even (3.125 is "3.12"), where Java's format rounds half up.
     * {@code value} is at least 0 and below 2^45.
     */
    static String twoDecimals(double value) {
        return fixed(roundHalfEven(value, 2), 2);
    }

    /**
     * {@code value * 10^decimals} rounded to an integer, half to even, from the exact binary value
     * of {@code value} (the product's rounding error is recovered with a fused multiply-add).
     * {@code value} is at least 0 and {@code value * 10^decimals} below 2^52.
     */
    private static long roundHalfEven(double value, int decimals) {
        double scale = Math.pow(10, decimals);
        double p = value * scale;
        double error = Math.fma(value, scale, -p);
        double floor = Math.floor(p);
        double frac = p - floor;
        long n = (long) floor;
        if (frac > 0.5 || (frac == 0.5 && (error > 0 || (error == 0 && (n & 1) == 1)))) {
            n++;
        }
        return n;
    }

    /** {@code digits / 10^decimals} in plain notation with exactly {@code decimals} decimals. */
    private static String fixed(long digits, int decimals) {
        if (decimals == 0) {
            return Long.toString(digits);
        }
        String s = Long.toString(digits);
        if (s.length() <= decimals) {
            s = "0".repeat(decimals - s.length() + 1) + s;
        }
        return s.substring(0, s.length() - decimals) + "." + s.substring(s.length() - decimals);
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
