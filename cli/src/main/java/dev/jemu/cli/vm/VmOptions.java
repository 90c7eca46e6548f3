package dev.jemu.cli.vm;

import dev.jemu.core.log.LogCategory;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The launcher's options, parsed QEMU-style: single or double dash, each option's argument
 * the next word. Unknown options and malformed values are rejected with a one-line message
 * naming the option.
 *
 * @param ramBytes {@code -m}, default 128 MiB
 * @param serialStdio whether COM1 is connected to standard input and output
 * @param noReboot {@code -no-reboot}
 * @param kernel {@code -kernel} file, or null
 * @param append {@code -append} text
 * @param bios {@code -bios} file, or null for the default
 * @param debugExits the {@code -device isa-debug-exit} instances
 * @param logCategories {@code -d}
 * @param logFile {@code -D}, or null
 */
public record VmOptions(long ramBytes, boolean serialStdio, boolean noReboot, String kernel, String append,
                        String bios, List<DebugExit> debugExits, Set<LogCategory> logCategories, String logFile) {

    /** One isa-debug-exit device. */
    public record DebugExit(int iobase, int iosize) {
    }

    static final long DEFAULT_RAM = 128L << 20;
    static final long MAX_RAM = 1L << 40;

    /** Parses {@code args}; returns null when help or version was printed instead. */
    public static VmOptions parse(String[] args) throws OptionException {
        long ram = DEFAULT_RAM;
        boolean serialStdio = false;
        boolean noReboot = false;
        String kernel = null;
        String append = "";
        String bios = null;
        List<DebugExit> exits = new ArrayList<>();
        Set<LogCategory> log = EnumSet.noneOf(LogCategory.class);
        String logFile = null;
        for (int k = 0; k < args.length; k++) {
            String arg = args[k];
            if (!arg.startsWith("-")) {
                throw new OptionException(arg, "unexpected argument (disk images are given with -drive)");
            }
            String name = arg.startsWith("--") ? arg.substring(2) : arg.substring(1);
            switch (name) {
                case "no-reboot" -> noReboot = true;
                case "nographic" -> serialStdio = true;
                case "h", "help" -> {
                    return null;
                }
                default -> {
                    if (k + 1 >= args.length || !takesArgument(name)) {
                        throw new OptionException(arg, takesArgument(name) ? "requires an argument" : "invalid option");
                    }
                    String value = args[++k];
                    String opt = arg + " " + value;
                    switch (name) {
                        case "machine", "M" -> checkMachine(opt, value);
                        case "m" -> ram = parseSize(opt, value.startsWith("size=") ? value.substring(5) : value);
                        case "display" -> {
                            if (!value.equals("none")) {
                                throw new OptionException(opt, "display '" + value + "' is not available (only 'none')");
                            }
                        }
                        case "serial" -> serialStdio = parseSerial(opt, value);
                        case "device" -> exits.add(parseDevice(opt, value));
                        case "kernel" -> kernel = value;
                        case "append" -> append = value;
                        case "bios" -> bios = value;
                        case "cpu" -> {
                            if (!value.equals("qemu64")) {
                                throw new OptionException(opt, "unable to find CPU model '" + value + "' (jemu has qemu64)");
                            }
                        }
                        case "d" -> log.addAll(parseLog(opt, value));
                        case "D" -> logFile = value;
                        default -> throw new IllegalStateException(name);
                    }
                }
            }
        }
        return new VmOptions(ram, serialStdio, noReboot, kernel, append, bios, List.copyOf(exits), log, logFile);
    }

    private static boolean takesArgument(String name) {
        return switch (name) {
            case "machine", "M", "m", "display", "serial", "device", "kernel", "append", "bios", "cpu", "d", "D" -> true;
            default -> false;
        };
    }

    private static void checkMachine(String opt, String value) throws OptionException {
        String type = value.split(",", 2)[0];
        if (type.startsWith("type=")) {
            type = type.substring(5);
        }
        if (!type.equals("pc")) {
            throw new OptionException(opt, "unsupported machine type '" + type + "' (jemu has 'pc')");
        }
        if (value.contains(",")) {
            throw new OptionException(opt, "machine properties are not supported yet");
        }
    }

    static long parseSize(String opt, String value) throws OptionException {
        String v = value.toUpperCase(Locale.ROOT);
        long unit = 1L << 20;
        char last = v.isEmpty() ? ' ' : v.charAt(v.length() - 1);
        switch (last) {
            case 'K' -> unit = 1L << 10;
            case 'M' -> unit = 1L << 20;
            case 'G' -> unit = 1L << 30;
            case 'T' -> unit = 1L << 40;
            default -> last = ' ';
        }
        String digits = last == ' ' ? v : v.substring(0, v.length() - 1);
        long n;
        try {
            n = Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw new OptionException(opt, "invalid RAM size '" + value + "'");
        }
        if (n <= 0 || n > MAX_RAM / unit) {
            throw new OptionException(opt, "RAM size must be between 1 MiB and 1 TiB");
        }
        long bytes = n * unit;
        if (bytes < (1L << 20) || (bytes & 0xFFF) != 0) {
            throw new OptionException(opt, "RAM size must be at least 1 MiB and a multiple of 4 KiB");
        }
        return bytes;
    }

    private static boolean parseSerial(String opt, String value) throws OptionException {
        return switch (value) {
            case "stdio", "mon:stdio" -> true;
            case "none", "null" -> false;
            default -> throw new OptionException(opt, "character device backend '" + value
                    + "' is not supported (stdio, null, none)");
        };
    }

    private static DebugExit parseDevice(String opt, String value) throws OptionException {
        String[] parts = value.split(",");
        if (!parts[0].equals("isa-debug-exit") && !parts[0].equals("driver=isa-debug-exit")) {
            throw new OptionException(opt, "'" + parts[0] + "' is not a valid device model name");
        }
        int iobase = 0x501;
        int iosize = 2;
        for (int k = 1; k < parts.length; k++) {
            String[] kv = parts[k].split("=", 2);
            if (kv.length != 2) {
                throw new OptionException(opt, "property '" + parts[k] + "' has no value");
            }
            switch (kv[0]) {
                case "iobase" -> iobase = (int) parseNumber(opt, kv[1], 0xFFFF);
                case "iosize" -> iosize = (int) parseNumber(opt, kv[1], 4);
                default -> throw new OptionException(opt, "property 'isa-debug-exit." + kv[0] + "' not found");
            }
        }
        if (iosize != 1 && iosize != 2 && iosize != 4) {
            throw new OptionException(opt, "iosize must be 1, 2 or 4");
        }
        return new DebugExit(iobase, iosize);
    }

    private static long parseNumber(String opt, String s, long max) throws OptionException {
        try {
            long v = s.startsWith("0x") || s.startsWith("0X") ? Long.parseLong(s.substring(2), 16) : Long.parseLong(s);
            if (v < 0 || v > max) {
                throw new OptionException(opt, "value " + s + " out of range (0 to " + max + ")");
            }
            return v;
        } catch (NumberFormatException e) {
            throw new OptionException(opt, "'" + s + "' is not a number");
        }
    }

    private static Set<LogCategory> parseLog(String opt, String value) throws OptionException {
        Set<LogCategory> out = EnumSet.noneOf(LogCategory.class);
        for (String item : value.split(",")) {
            LogCategory c = LogCategory.fromOptionName(item);
            if (c == null) {
                throw new OptionException(opt, "unknown log item '" + item + "' (int, cpu_reset, guest_errors, unimp)");
            }
            out.add(c);
        }
        return out;
    }
}
