package dev.jemu.cli.img;

import dev.jemu.block.BlockBackend;
import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockException;
import dev.jemu.block.BlockGraph;
import dev.jemu.block.BlockOptions;
import dev.jemu.block.CacheMode;

import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.List;
import java.util.Map;

/** Shared pieces of the jemu-img commands: opening images, qemu-img's number formats, its JSON layout. */
final class ImgSupport {
    private static final String[] SUFFIXES = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

    private ImgSupport() {
    }

    /** Opens {@code filename} with format {@code format} (null: probe) and cache mode {@code cache}. */
    static BlockDriverState open(String filename, String format, boolean readOnly, String cache) throws IOException {
        BlockOptions o = BlockOptions.empty().put("file.filename", filename)
                .put("read-only", readOnly ? "on" : "off").put("cache", CacheMode.parse(cache).optionName());
        if (format != null) {
            o.put("driver", format);
        }
        return BlockGraph.open(o);
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

    /** An offset as qemu-img map prints it: "0" or "0x1f000". */
    static String hex(long v) {
        return v == 0 ? "0" : "0x" + Long.toHexString(v);
    }

    /** Prints {@code value} (maps, lists, strings, numbers, booleans) in qemu-img's JSON layout. */
    static void printJson(PrintStream out, Object value) {
        StringBuilder sb = new StringBuilder();
        json(sb, value, 0);
        out.println(sb);
    }

    private static void json(StringBuilder sb, Object v, int depth) {
        String pad = "    ".repeat(depth + 1);
        String end = "    ".repeat(depth);
        if (v instanceof Map<?, ?> m) {
            sb.append("{\n");
            int i = 0;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                sb.append(pad);
                string(sb, e.getKey().toString());
                sb.append(": ");
                json(sb, e.getValue(), depth + 1);
                sb.append(++i < m.size() ? ",\n" : "\n");
            }
            sb.append(end).append('}');
        } else if (v instanceof List<?> l) {
            sb.append("[\n");
            for (int i = 0; i < l.size(); i++) {
                sb.append(pad);
                json(sb, l.get(i), depth + 1);
                sb.append(i + 1 < l.size() ? ",\n" : "\n");
            }
            sb.append(end).append(']');
        } else if (v instanceof String s) {
            string(sb, s);
        } else {
            sb.append(v);
        }
    }

    static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '\r' -> sb.append("\\r");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
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
                out.printf("    (%.2f/100%%)\r", p);
                out.flush();
            }
        };
    }
}
