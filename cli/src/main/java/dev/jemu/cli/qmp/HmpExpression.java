package dev.jemu.cli.qmp;

import dev.jemu.core.x86.Cpu;

/**
 * The expressions the human monitor takes for addresses and numbers, as QEMU's monitor
 * evaluates them: numbers in C's notation ({@code 0x10}, {@code 020}, {@code 16}), character
 * constants ({@code 'a'}), the CPU's registers ({@code $eax} ... {@code $edi}, {@code $sp},
 * {@code $r8} ... {@code $r15}, {@code $eip}, {@code $eflags}, {@code $pc} = CS base + EIP, and
 * the segment selectors {@code $cs} ... {@code $gs}), unary {@code + - ~}, parentheses, and the
 * binary operators in QEMU's three levels of precedence, each left-associative: {@code * / %}
 * bind tightest, then {@code & | ^}, then {@code + -} (so {@code 6&3+1} is 3). Division is
 * signed, in 64 bits.
 *
 * <p>Threading: one per command, on the thread that runs it; registers are read as they are.
 */
final class HmpExpression {
    private final String text;
    private final String command;
    private final Cpu cpu;
    private int pos;

    private HmpExpression(String text, int pos, String command, Cpu cpu) {
        this.text = text;
        this.pos = pos;
        this.command = command;
        this.cpu = cpu;
    }

    /**
     * The value of the expression at {@code text[pos]}, which must be all that is left of the line
     * of {@code command} (the name its errors point to the help of).
     */
    static long evaluateRest(String text, int pos, String command, Cpu cpu) throws HmpError {
        HmpExpression e = new HmpExpression(text, pos, command, cpu);
        long v = e.sum();
        e.skipSpaces();
        if (e.pos < text.length()) {
            throw new HmpError(command, command + ": extraneous characters at the end of line");
        }
        return v;
    }

    private long sum() throws HmpError {
        long v = logic();
        for (char op = peek(); op == '+' || op == '-'; op = peek()) {
            pos++;
            long w = logic();
            v = op == '+' ? v + w : v - w;
        }
        return v;
    }

    private long logic() throws HmpError {
        long v = product();
        for (char op = peek(); op == '&' || op == '|' || op == '^'; op = peek()) {
            pos++;
            long w = product();
            v = op == '&' ? v & w : op == '|' ? v | w : v ^ w;
        }
        return v;
    }

    private long product() throws HmpError {
        long v = unary();
        for (char op = peek(); op == '*' || op == '/' || op == '%'; op = peek()) {
            pos++;
            long w = unary();
            if (op == '*') {
                v *= w;
            } else if (w == 0) {
                throw new HmpError(command, "division by zero");
            } else {
                v = op == '/' ? v / w : v % w;
            }
        }
        return v;
    }

    private long unary() throws HmpError {
        char c = peek();
        switch (c) {
            case 0 -> throw new HmpError(command, "unexpected end of expression");
            case '+' -> {
                pos++;
                return unary();
            }
            case '-' -> {
                pos++;
                return -unary();
            }
            case '~' -> {
                pos++;
                return ~unary();
            }
            case '(' -> {
                pos++;
                long v = sum();
                if (peek() != ')') {
                    throw new HmpError(command, "')' expected");
                }
                pos++;
                return v;
            }
            case '\'' -> {
                if (pos + 2 >= text.length() || text.charAt(pos + 1) == '\'' || text.charAt(pos + 2) != '\'') {
                    throw new HmpError(command, "missing terminating ' character");
                }
                long v = text.charAt(pos + 1);
                pos += 3;
                return v;
            }
            case '$' -> {
                int start = ++pos;
                while (pos < text.length() && (Character.isLetterOrDigit(text.charAt(pos)) || text.charAt(pos) == '_'
                        || text.charAt(pos) == '.')) {
                    pos++;
                }
                return register(text.substring(start, pos));
            }
            default -> {
                if (c >= '0' && c <= '9') {
                    return number();
                }
                throw new HmpError(command, "invalid char '" + c + "' in expression");
            }
        }
    }

    /** A number as C's {@code strtoull} with base 0 reads it: 0x hexadecimal, 0 octal, else decimal. */
    private long number() throws HmpError {
        int radix = 10;
        if (text.charAt(pos) == '0') {
            radix = 8;
            if (pos + 2 < text.length() && (text.charAt(pos + 1) | 0x20) == 'x'
                    && Character.digit(text.charAt(pos + 2), 16) >= 0) {
                radix = 16;
                pos += 2;
            }
        }
        long v = 0;
        boolean overflow = false;
        for (int d; pos < text.length() && (d = Character.digit(text.charAt(pos), radix)) >= 0; pos++) {
            long next = v * radix + d;
            if (Long.compareUnsigned(v, Long.divideUnsigned(-1L - d, radix)) > 0) {
                overflow = true;
            }
            v = next;
        }
        if (overflow) {
            throw new HmpError(command, "number too large");
        }
        return v;
    }

    private long register(String name) throws HmpError {
        int index = switch (name) {
            case "eax" -> Cpu.RAX;
            case "ecx" -> Cpu.RCX;
            case "edx" -> Cpu.RDX;
            case "ebx" -> Cpu.RBX;
            case "esp", "sp" -> Cpu.RSP;
            case "ebp" -> Cpu.RBP;
            case "esi" -> Cpu.RSI;
            case "edi" -> Cpu.RDI;
            case "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15" -> Integer.parseInt(name.substring(1));
            default -> -1;
        };
        if (index >= 0) {
            return cpu.reg(index);
        }
        return switch (name) {
            case "eip" -> cpu.rip();
            case "eflags" -> cpu.rflags();
            case "pc" -> cpu.segment(Cpu.CS).base() + cpu.rip();
            case "es" -> cpu.segment(Cpu.ES).selector();
            case "cs" -> cpu.segment(Cpu.CS).selector();
            case "ss" -> cpu.segment(Cpu.SS).selector();
            case "ds" -> cpu.segment(Cpu.DS).selector();
            case "fs" -> cpu.segment(Cpu.FS).selector();
            case "gs" -> cpu.segment(Cpu.GS).selector();
            default -> throw new HmpError(command, "unknown register");
        };
    }

    /** The next character after spaces, or 0 at the end. */
    private char peek() {
        skipSpaces();
        return pos < text.length() ? text.charAt(pos) : 0;
    }

    private void skipSpaces() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
            pos++;
        }
    }
}
