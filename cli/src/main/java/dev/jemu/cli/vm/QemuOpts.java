package dev.jemu.cli.vm;

import dev.jemu.block.BlockException;
import dev.jemu.block.BlockOptions;

/**
 * One option's argument in QEMU's {@code key=value,...} syntax (QemuOpts), parsed once by the
 * block layer's {@link BlockOptions} parser (a doubled comma inside a value, an implicit first
 * key), with typed getters whose errors name the whole option as QEMU's do:
 * {@code -device isa-debugcon,iobase=x: Parameter 'iobase' expects a number}. Keys are marked
 * as read, so that {@link #rejectUnused} can refuse what nobody understood.
 *
 * <p>Threading: the launcher's main thread.
 */
final class QemuOpts {
    private final String option;
    private final BlockOptions values;

    private QemuOpts(String option, BlockOptions values) {
        this.option = option;
        this.values = values;
    }

    /**
     * Parses {@code text}, the argument of {@code name} (e.g. "-drive"); a first element
     * without '=' is the value of {@code implicitKey} (null: not allowed).
     */
    static QemuOpts parse(String name, String text, String implicitKey) throws OptionException {
        String option = name + " " + text;
        try {
            return new QemuOpts(option, BlockOptions.parse(text, implicitKey));
        } catch (BlockException e) {
            throw new OptionException(option, e.getMessage());
        }
    }

    /** The option as typed, for messages ("-drive file=x,if=ide"). */
    String option() {
        return option;
    }

    /** An error about this option. */
    OptionException error(String reason) {
        return new OptionException(option, reason);
    }

    boolean has(String key) {
        return values.has(key);
    }

    String get(String key) {
        return values.get(key);
    }

    String get(String key, String dflt) {
        return values.get(key, dflt);
    }

    /** A boolean: on/off (also true/false, yes/no). */
    boolean bool(String key, boolean dflt) throws OptionException {
        try {
            return values.getBool(key, dflt);
        } catch (BlockException e) {
            throw error(e.getMessage());
        }
    }

    /** A size with an optional k/M/G/T/P/E suffix. */
    long size(String key, long dflt) throws OptionException {
        try {
            return values.getSize(key, dflt);
        } catch (BlockException e) {
            throw error(e.getMessage());
        }
    }

    /** A number in decimal or 0x-hexadecimal from 0 to {@code max}. */
    long number(String key, long dflt, long max) throws OptionException {
        String v = values.get(key);
        if (v == null) {
            return dflt;
        }
        return parseNumber(key, v, max);
    }

    long parseNumber(String key, String v, long max) throws OptionException {
        try {
            long n = v.startsWith("0x") || v.startsWith("0X") ? Long.parseUnsignedLong(v.substring(2), 16) : Long.parseLong(v);
            if (n < 0 || n > max) {
                throw error("Parameter '" + key + "' expects a number from 0 to " + max + ", not " + v);
            }
            return n;
        } catch (NumberFormatException e) {
            throw error("Parameter '" + key + "' expects a number, not '" + v + "'");
        }
    }

    /** One of {@code choices}, or {@code dflt} when absent. */
    String choice(String key, String dflt, String... choices) throws OptionException {
        String v = values.get(key);
        if (v == null) {
            return dflt;
        }
        for (String c : choices) {
            if (c.equals(v)) {
                return v;
            }
        }
        throw error("Parameter '" + key + "' does not accept value '" + v + "' (" + String.join(", ", choices) + ")");
    }

    /** The options under {@code prefix.}, prefix removed, or null. */
    BlockOptions child(String prefix) {
        return values.child(prefix);
    }

    /** The remaining block-layer options (for -drive and -blockdev). */
    BlockOptions blockOptions() {
        return values;
    }

    /** Removes {@code key} and returns its value (null when absent). */
    String remove(String key) {
        return values.remove(key);
    }

    /** Throws {@code messageFor(key)} for the first key nobody read. */
    void rejectUnused(java.util.function.UnaryOperator<String> messageFor) throws OptionException {
        String k = values.firstUnused();
        if (k != null) {
            throw error(messageFor.apply(k));
        }
    }
}
