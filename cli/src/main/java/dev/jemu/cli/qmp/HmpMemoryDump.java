package dev.jemu.cli.qmp;

import dev.jemu.core.memory.AddressSpace;
import dev.jemu.core.x86.Cpu;
import dev.jemu.core.x86.CpuStateDump;
import dev.jemu.core.x86.DebugPageWalk;
import dev.jemu.core.x86.disas.Disassembler;
import dev.jemu.core.x86.disas.InAsmFormat;
import dev.jemu.devices.pc.PcBoard;

/**
 * The monitor's {@code x /FMT ADDR} (linear addresses, through the guest's paging) and
 * {@code xp /FMT ADDR} (physical), as QEMU's monitor runs them. FMT is a count, a format
 * ({@code x} hexadecimal, {@code d} decimal, {@code u} unsigned, {@code o} octal, {@code c}
 * character, {@code i} instruction) and a size ({@code b}, {@code h}, {@code w}, {@code g});
 * the format and size left out are those of the command before (hexadecimal words at
 * first; {@code i} changes the remembered format but not the size), and the format may follow
 * the command's name without a space ({@code x/4xb}). ADDR is an {@link HmpExpression}.
 *
 * <p>Output: lines of 16 bytes (8 for byte units), each after the address it starts at; a line
 * any byte of which is not backed by RAM, ROM or a device (or, for {@code x}, not mapped)
 * ends the dump with "Cannot access memory". Decimal units of under 8 bytes print unsigned,
 * as QEMU reads them. {@code i} disassembles {@code count} instructions (at least one) in the
 * size given ({@code h} 16-bit, {@code w} 32-bit) or else in the current code segment's.
 *
 * <p>Threading: the main loop thread; memory and the CPU are read under the big lock.
 */
final class HmpMemoryDump {
    /** The most units one command dumps (a reply stays far below the output bound). */
    static final int MAX_COUNT = 4096;

    private char lastFormat = 'x';
    private int lastSize = 4;

    /** Runs {@code command} ("x" or "xp") with the rest of its line, {@code args}. */
    String run(PcBoard board, String command, String args) throws HmpError {
        boolean physical = command.equals("xp");
        int pos = 0;
        while (pos < args.length() && Character.isWhitespace(args.charAt(pos))) {
            pos++;
        }
        int count = 1;
        char format = lastFormat;
        int size = -1;
        if (pos < args.length() && args.charAt(pos) == '/') {
            pos++;
            int digits = pos;
            while (pos < args.length() && Character.isDigit(args.charAt(pos))) {
                pos++;
            }
            if (pos > digits) {
                if (pos - digits > 4 || Integer.parseInt(args.substring(digits, pos)) > MAX_COUNT) {
                    throw new HmpError(command, command + ": jemu dumps at most " + MAX_COUNT + " units at a time");
                }
                count = Integer.parseInt(args.substring(digits, pos));
            }
            for (; pos < args.length() && !Character.isWhitespace(args.charAt(pos)); pos++) {
                char c = args.charAt(pos);
                switch (c) {
                    case 'x', 'd', 'u', 'o', 'c', 'i' -> format = c;
                    case 'b' -> size = 1;
                    case 'h' -> size = 2;
                    case 'w' -> size = 4;
                    case 'g' -> size = 8;
                    default -> throw new HmpError(command, "invalid char in format: '" + c + "'");
                }
            }
        }
        String rest = args;
        int at = pos;
        char fmt = format;
        int explicit = size;
        int n = count;
        return HmpError.underLock(board.bql(), () -> {
            long addr = HmpExpression.evaluateRest(rest, at, command, board.cpu());
            lastFormat = fmt;
            if (fmt == 'i') {
                return instructions(board, addr, Math.max(1, n), explicit, physical);
            }
            lastSize = explicit < 0 ? lastSize : explicit;
            return units(board, addr, n, fmt, lastSize, physical);
        });
    }

    private static String units(PcBoard board, long addr, int count, char format, int size, boolean physical) {
        long len = (long) count * size;
        int lineBytes = size == 1 ? 8 : 16;
        int unit = format == 'c' ? 1 : size;
        byte[] line = new byte[lineBytes];
        StringBuilder sb = new StringBuilder();
        while (len > 0) {
            sb.append(String.format("%016x:", addr));
            int n = (int) Math.min(len, lineBytes);
            if (readable(board, addr, line, n, physical) < n) {
                return sb.append(" Cannot access memory\r\n").toString();
            }
            for (int i = 0; i < n; i += unit) {
                long v = 0;
                for (int b = unit - 1; b >= 0; b--) {
                    v = v << 8 | (line[i + b] & 0xFF);
                }
                sb.append(' ').append(unit(v, format, unit));
            }
            sb.append("\r\n");
            addr += n;
            len -= n;
        }
        return sb.toString();
    }

    /** One unit of {@code size} bytes, read unsigned, in {@code format} padded as QEMU pads it. */
    private static String unit(long v, char format, int size) {
        return switch (format) {
            case 'o' -> pad(v == 0 ? "0" : "0" + Long.toOctalString(v), (size * 8 + 2) / 3);
            case 'u' -> pad(Long.toUnsignedString(v), (size * 80 + 32) / 33);
            case 'd' -> pad(Long.toString(v), (size * 80 + 32) / 33);
            case 'c' -> character((int) v);
            default -> String.format("0x%0" + size * 2 + "x", v);
        };
    }

    private static String pad(String s, int width) {
        return s.length() >= width ? s : " ".repeat(width - s.length()) + s;
    }

    private static String character(int c) {
        String inner = switch (c) {
            case '\'' -> "\\'";
            case '\\' -> "\\\\";
            case '\n' -> "\\n";
            case '\r' -> "\\r";
            default -> c >= 32 && c <= 126 ? String.valueOf((char) c) : String.format("\\x%02x", c);
        };
        return "'" + inner + "'";
    }

    private static String instructions(PcBoard board, long addr, int count, int size, boolean physical) {
        int bits = size == 2 ? 16 : size == 4 ? 32 : CpuStateDump.codeBits(board.cpu());
        byte[] code = new byte[Disassembler.MAX_LENGTH];
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < count; k++) {
            int avail = readable(board, addr, code, code.length, physical);
            if (avail == 0) {
                return sb.append(String.format("0x%08x: unable to read memory\r\n", addr)).toString();
            }
            Disassembler.Insn d = Disassembler.disassemble(code, 0, avail, addr, bits);
            int n = d == null ? 1 : d.length();
            StringBuilder line = new StringBuilder();
            InAsmFormat.line(line, addr, code, 0, n, d == null ? ".byte" : d.mnemonic(),
                    d == null ? String.format("0x%02x", code[0] & 0xFF) : d.operands());
            sb.append(line.toString().replace("\n", "\r\n"));
            addr += n;
        }
        return sb.toString();
    }

    /**
     * Reads up to {@code n} bytes at {@code addr} into {@code dst}; returns how many leading bytes
     * were readable (each backed by a region, and for a linear address mapped).
     */
    private static int readable(PcBoard board, long addr, byte[] dst, int n, boolean physical) {
        AddressSpace mem = board.memory();
        Cpu cpu = board.cpu();
        for (int i = 0; i < n; i++) {
            long a = addr + i;
            long phys = physical ? a : DebugPageWalk.physical(mem, cpu.cr(0), cpu.cr(3), cpu.cr(4), cpu.efer(), a);
            if (phys < 0 || mem.flatView().find(phys) == null) {
                return i;
            }
            dst[i] = (byte) mem.read(phys, 1);
        }
        return n;
    }
}
