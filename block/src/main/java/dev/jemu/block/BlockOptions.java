package dev.jemu.block;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Drive options in QEMU's syntax: {@code key=value} pairs separated by commas, a doubled comma
 * standing for a comma inside a value, dotted keys addressing children
 * ({@code file.filename=x.img}, {@code backing.file.filename=b.img}). Keeps insertion order and
 * remembers which keys were used, so that leftovers can be refused by name.
 */
public final class BlockOptions {
    private final Map<String, String> values;
    private final Set<String> used = new LinkedHashSet<>();

    private BlockOptions(Map<String, String> values) {
        this.values = values;
    }

    /** An empty option set. */
    public static BlockOptions empty() {
        return new BlockOptions(new LinkedHashMap<>());
    }

    /**
     * Parses {@code text}; a first element without {@code =} is the value of {@code implicitKey}
     * (for example "file" for {@code -drive}), or an error when {@code implicitKey} is null.
     */
    public static BlockOptions parse(String text, String implicitKey) throws BlockException {
        Map<String, String> map = new LinkedHashMap<>();
        int i = 0;
        int n = text.length();
        boolean first = true;
        while (i < n) {
            StringBuilder key = new StringBuilder();
            while (i < n && text.charAt(i) != '=' && text.charAt(i) != ',') {
                key.append(text.charAt(i++));
            }
            String k;
            String v;
            if (i < n && text.charAt(i) == '=') {
                i++;
                StringBuilder val = new StringBuilder();
                i = readValue(text, i, val);
                k = key.toString();
                v = val.toString();
            } else {
                if (!first || implicitKey == null) {
                    throw new BlockException("Invalid parameter '" + key + "': expected key=value");
                }
                StringBuilder val = new StringBuilder(key);
                i = readValue(text, i, val);
                k = implicitKey;
                v = val.toString();
            }
            if (k.isEmpty()) {
                throw new BlockException("Invalid option list '" + text + "': empty parameter name");
            }
            if (map.containsKey(k)) {
                throw new BlockException("Parameter '" + k + "' is given more than once");
            }
            map.put(k, v);
            first = false;
        }
        return new BlockOptions(map);
    }

    private static int readValue(String text, int i, StringBuilder out) {
        int n = text.length();
        while (i < n) {
            char c = text.charAt(i);
            if (c == ',') {
                if (i + 1 < n && text.charAt(i + 1) == ',') {
                    out.append(',');
                    i += 2;
                    continue;
                }
                return i + 1;
            }
            out.append(c);
            i++;
        }
        return i;
    }

    /** Sets a value, replacing any earlier one. */
    public BlockOptions put(String key, String value) {
        values.put(key, value);
        return this;
    }

    /** Sets a value only if the key is absent. */
    public BlockOptions putIfAbsent(String key, String value) {
        values.putIfAbsent(key, value);
        return this;
    }

    /** Whether the key is present. */
    public boolean has(String key) {
        return values.containsKey(key);
    }

    /** The value of {@code key} (marking it used), or null. */
    public String get(String key) {
        used.add(key);
        return values.get(key);
    }

    /** The value of {@code key}, or {@code dflt}. */
    public String get(String key, String dflt) {
        String v = get(key);
        return v != null ? v : dflt;
    }

    /** A boolean option: on/off, true/false, yes/no. */
    public boolean getBool(String key, boolean dflt) throws BlockException {
        String v = get(key);
        if (v == null) {
            return dflt;
        }
        return switch (v) {
            case "on", "true", "yes" -> true;
            case "off", "false", "no" -> false;
            default -> throw new BlockException("Parameter '" + key + "' expects 'on' or 'off'");
        };
    }

    /** A size option with an optional k/M/G/T/P/E suffix (powers of 1024). */
    public long getSize(String key, long dflt) throws BlockException {
        String v = get(key);
        return v == null ? dflt : parseSize(key, v);
    }

    /** Parses a size such as {@code 64k}, {@code 1G} or {@code 512}; names {@code what} on error. */
    public static long parseSize(String what, String v) throws BlockException {
        String s = v.trim();
        if (s.isEmpty()) {
            throw new BlockException("Parameter '" + what + "' expects a size");
        }
        int shift = 0;
        char last = Character.toLowerCase(s.charAt(s.length() - 1));
        int pos = "bkmgtpe".indexOf(last);
        if (pos >= 0) {
            shift = pos * 10;
            s = s.substring(0, s.length() - 1);
        }
        try {
            if (s.contains(".")) {
                double d = Double.parseDouble(s) * Math.pow(2, shift);
                if (d < 0 || d >= 0x1p63) {
                    throw new NumberFormatException();
                }
                return (long) d;
            }
            long n = Long.parseLong(s);
            if (n < 0 || (shift > 0 && n > (Long.MAX_VALUE >> shift))) {
                throw new NumberFormatException();
            }
            return n << shift;
        } catch (NumberFormatException e) {
            throw new BlockException("Parameter '" + what + "' expects a non-negative number below 2^63"
                    + " with an optional suffix k, M, G, T, P or E; got '" + v + "'");
        }
    }

    /**
     * The options under {@code prefix + "."} with the prefix removed, or null if there are
     * none; the keys taken are marked used here.
     */
    public BlockOptions child(String prefix) {
        String p = prefix + ".";
        Map<String, String> sub = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : values.entrySet()) {
            if (e.getKey().startsWith(p)) {
                sub.put(e.getKey().substring(p.length()), e.getValue());
                used.add(e.getKey());
            }
        }
        return sub.isEmpty() ? null : new BlockOptions(sub);
    }

    /** The first key that was never read, or null when every key was. */
    public String firstUnused() {
        for (String k : values.keySet()) {
            if (!used.contains(k)) {
                return k;
            }
        }
        return null;
    }

    /** Removes {@code key} (marking it used) and returns its value, or null. */
    public String remove(String key) {
        used.add(key);
        return values.remove(key);
    }

    /** Throws naming the first key that was never read, as QEMU does for unknown options. */
    public void checkAllUsed(String driverName) throws BlockException {
        for (String k : values.keySet()) {
            if (!used.contains(k)) {
                throw new BlockException("Block format '" + driverName + "' does not support the option '"
                        + k + "'");
            }
        }
    }

    /** A copy with the same values and nothing marked used. */
    public BlockOptions copy() {
        return new BlockOptions(new LinkedHashMap<>(values));
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> e : values.entrySet()) {
            if (!sb.isEmpty()) {
                sb.append(',');
            }
            sb.append(e.getKey()).append('=').append(e.getValue().replace(",", ",,"));
        }
        return sb.toString();
    }
}
