package dev.jemu.core.x86.disas;

/**
 * The line layout of QEMU 7.2's {@code -d in_asm}: {@code 0x%08x:}, two spaces, the
 * instruction's bytes as {@code "xx "} padded to 24 columns, a space, the mnemonic padded to
 * 8, a space, the operands; bytes beyond the eighth continue on lines of their own at their
 * address.
 *
 * <p>Threading: stateless; any thread.
 */
public final class InAsmFormat {
    private static final int BYTES_PER_LINE = 8;

    private InAsmFormat() {
    }

    /** Appends the line(s) of one instruction of {@code len} bytes at {@code code[off]}, located at {@code address}. */
    public static void line(StringBuilder sb, long address, byte[] code, int off, int len, String mnemonic,
            String operands) {
        int first = Math.min(len, BYTES_PER_LINE);
        sb.append(String.format("0x%08x:  ", address));
        StringBuilder bytes = new StringBuilder();
        for (int k = 0; k < first; k++) {
            bytes.append(String.format("%02x ", code[off + k] & 0xFF));
        }
        sb.append(String.format("%-24s %-8s %s\n", bytes, mnemonic, operands));
        for (int k = first; k < len; k += BYTES_PER_LINE) {
            sb.append(String.format("0x%08x:  ", address + k));
            for (int j = k; j < Math.min(len, k + BYTES_PER_LINE); j++) {
                sb.append(String.format(j == k ? "%02x" : " %02x", code[off + j] & 0xFF));
            }
            sb.append('\n');
        }
    }
}
