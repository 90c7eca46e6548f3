package dev.jemu.devices.acpi;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * An encoder of ACPI Machine Language (ACPI 6.4, chapter 20 "ACPI Machine Language
 * Specification"): each method returns the bytes of one term, built from the bytes of its
 * operands, so a DSDT is written as nested calls. Only the terms the pc board's DSDT uses
 * are here. Names are ACPI name strings: four-character segments separated by dots, with a
 * leading backslash for the root; short segments are padded with underscores.
 *
 * <p>Pure functions; any thread.
 */
public final class Aml {
    static final int ZERO_OP = 0x00;
    static final int ONE_OP = 0x01;
    static final int ONES_OP = 0xFF;
    static final int NAME_OP = 0x08;
    static final int BYTE_PREFIX = 0x0A;
    static final int WORD_PREFIX = 0x0B;
    static final int DWORD_PREFIX = 0x0C;
    static final int STRING_PREFIX = 0x0D;
    static final int QWORD_PREFIX = 0x0E;
    static final int SCOPE_OP = 0x10;
    static final int BUFFER_OP = 0x11;
    static final int PACKAGE_OP = 0x12;
    static final int METHOD_OP = 0x14;
    static final int DUAL_NAME_PREFIX = 0x2E;
    static final int MULTI_NAME_PREFIX = 0x2F;
    static final int EXT_OP_PREFIX = 0x5B;
    static final int ROOT_CHAR = 0x5C;
    static final int LOCAL0_OP = 0x60;
    static final int ARG0_OP = 0x68;
    static final int STORE_OP = 0x70;
    static final int AND_OP = 0x7B;
    static final int OR_OP = 0x7D;
    static final int CREATE_DWORD_FIELD_OP = 0x8A;
    static final int LLESS_OP = 0x95;
    static final int IF_OP = 0xA0;
    static final int ELSE_OP = 0xA1;
    static final int RETURN_OP = 0xA4;
    static final int EXT_OP_REGION = 0x80;
    static final int EXT_FIELD = 0x81;
    static final int EXT_DEVICE = 0x82;

    /** Operation region spaces. */
    public static final int SPACE_PCI_CONFIG = 0x02;
    /** Field flags: byte access, no lock, preserve. */
    public static final int FIELD_BYTE_ACC = 0x01;

    private Aml() {
    }

    /** Concatenates terms. */
    public static byte[] cat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** A PkgLength (20.2.4) for a body of {@code bodyLength} bytes, counting its own bytes. */
    static byte[] pkgLength(int bodyLength) {
        if (bodyLength + 1 < 0x40) {
            return new byte[] {(byte) (bodyLength + 1)};
        }
        for (int n = 1; n <= 3; n++) {
            int total = bodyLength + 1 + n;
            if (total < 1 << (4 + 8 * n)) {
                byte[] b = new byte[n + 1];
                b[0] = (byte) ((n << 6) | (total & 0xF));
                for (int i = 1; i <= n; i++) {
                    b[i] = (byte) (total >>> (4 + 8 * (i - 1)));
                }
                return b;
            }
        }
        throw new IllegalArgumentException("AML package of " + bodyLength + " bytes exceeds PkgLength's 28 bits");
    }

    private static byte[] withPkgLength(byte[] prefix, byte[] body) {
        return cat(prefix, pkgLength(body.length), body);
    }

    /** A name string: {@code \_SB.PCI0}, {@code LNKA}, {@code _PRT}. */
    public static byte[] name(String path) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String p = path;
        if (p.startsWith("\\")) {
            out.write(ROOT_CHAR);
            p = p.substring(1);
        }
        if (p.isEmpty()) {
            out.write(0);
            return out.toByteArray();
        }
        String[] segs = p.split("\\.");
        if (segs.length == 2) {
            out.write(DUAL_NAME_PREFIX);
        } else if (segs.length > 2) {
            out.write(MULTI_NAME_PREFIX);
            out.write(segs.length);
        }
        for (String s : segs) {
            if (s.isEmpty() || s.length() > 4 || !s.matches("[A-Z_][A-Z0-9_]*")) {
                throw new IllegalArgumentException("bad ACPI name segment '" + s + "' in " + path);
            }
            out.writeBytes((s + "___").substring(0, 4).getBytes(StandardCharsets.US_ASCII));
        }
        return out.toByteArray();
    }

    /** An integer in the shortest encoding. */
    public static byte[] integer(long v) {
        if (v == 0) {
            return new byte[] {ZERO_OP};
        }
        if (v == 1) {
            return new byte[] {ONE_OP};
        }
        if (v >= 0 && v <= 0xFF) {
            return new byte[] {BYTE_PREFIX, (byte) v};
        }
        if (v >= 0 && v <= 0xFFFF) {
            return new byte[] {WORD_PREFIX, (byte) v, (byte) (v >> 8)};
        }
        if (v >= 0 && v <= 0xFFFF_FFFFL) {
            return new byte[] {DWORD_PREFIX, (byte) v, (byte) (v >> 8), (byte) (v >> 16), (byte) (v >> 24)};
        }
        byte[] b = new byte[9];
        b[0] = QWORD_PREFIX;
        for (int i = 0; i < 8; i++) {
            b[i + 1] = (byte) (v >>> (8 * i));
        }
        return b;
    }

    /** A compressed EISA ID, such as {@code PNP0A03}, as the integer ACPI's EisaId() macro gives. */
    public static byte[] eisaId(String id) {
        if (id.length() != 7) {
            throw new IllegalArgumentException("EISA ID '" + id + "' is not three letters and four hex digits");
        }
        int v = ((id.charAt(0) - 0x40) << 26) | ((id.charAt(1) - 0x40) << 21) | ((id.charAt(2) - 0x40) << 16)
                | Integer.parseInt(id.substring(3), 16);
        int swapped = Integer.reverseBytes(v);
        return integer(swapped & 0xFFFF_FFFFL);
    }

    /** A string constant. */
    public static byte[] string(String s) {
        return cat(new byte[] {STRING_PREFIX}, s.getBytes(StandardCharsets.US_ASCII), new byte[] {0});
    }

    /** {@code Scope(path) { body }}. */
    public static byte[] scope(String path, byte[]... body) {
        return withPkgLength(new byte[] {SCOPE_OP}, cat(name(path), cat(body)));
    }

    /** {@code Device(path) { body }}. */
    public static byte[] device(String path, byte[]... body) {
        return withPkgLength(new byte[] {EXT_OP_PREFIX, (byte) EXT_DEVICE}, cat(name(path), cat(body)));
    }

    /** {@code Name(path, value)}. */
    public static byte[] nameDecl(String path, byte[] value) {
        return cat(new byte[] {NAME_OP}, name(path), value);
    }

    /** {@code Method(path, args, NotSerialized) { body }}. */
    public static byte[] method(String path, int args, byte[]... body) {
        return withPkgLength(new byte[] {METHOD_OP}, cat(name(path), new byte[] {(byte) (args & 7)}, cat(body)));
    }

    /** {@code Return(value)}. */
    public static byte[] ret(byte[] value) {
        return cat(new byte[] {(byte) RETURN_OP}, value);
    }

    /** {@code If(predicate) { body }}. */
    public static byte[] ifThen(byte[] predicate, byte[]... body) {
        return withPkgLength(new byte[] {(byte) IF_OP}, cat(predicate, cat(body)));
    }

    /** {@code Else { body }}, directly after an {@link #ifThen}. */
    public static byte[] orElse(byte[]... body) {
        return withPkgLength(new byte[] {(byte) ELSE_OP}, cat(body));
    }

    /** {@code Buffer() { bytes }}. */
    public static byte[] buffer(byte[] bytes) {
        return withPkgLength(new byte[] {BUFFER_OP}, cat(integer(bytes.length), bytes));
    }

    /** {@code Package() { elements }}. */
    public static byte[] pkg(byte[]... elements) {
        if (elements.length > 0xFF) {
            throw new IllegalArgumentException("AML package of " + elements.length + " elements exceeds 255");
        }
        return withPkgLength(new byte[] {PACKAGE_OP}, cat(new byte[] {(byte) elements.length}, cat(elements)));
    }

    /** {@code OperationRegion(path, space, offset, length)}. */
    public static byte[] opRegion(String path, int space, long offset, long length) {
        return cat(new byte[] {EXT_OP_PREFIX, (byte) EXT_OP_REGION}, name(path), new byte[] {(byte) space},
                integer(offset), integer(length));
    }

    /** {@code Field(region, flags) { name, bits; ... }}: {@code names[i]} is {@code bits[i]} wide. */
    public static byte[] field(String region, int flags, String[] names, int[] bits) {
        ByteArrayOutputStream list = new ByteArrayOutputStream();
        for (int i = 0; i < names.length; i++) {
            if (bits[i] < 1 || bits[i] >= 0x40) {
                throw new IllegalArgumentException("field unit " + names[i] + " of " + bits[i] + " bits");
            }
            list.writeBytes(name(names[i]));
            list.write(bits[i]);
        }
        return withPkgLength(new byte[] {EXT_OP_PREFIX, (byte) EXT_FIELD},
                cat(name(region), new byte[] {(byte) flags}, list.toByteArray()));
    }

    /** {@code Store(source, target)}. */
    public static byte[] store(byte[] source, byte[] target) {
        return cat(new byte[] {STORE_OP}, source, target);
    }

    /** {@code And(a, b, target)}; an empty target discards the result. */
    public static byte[] and(byte[] a, byte[] b, byte[] target) {
        return cat(new byte[] {AND_OP}, a, b, target.length == 0 ? new byte[] {0} : target);
    }

    /** {@code Or(a, b, target)}. */
    public static byte[] or(byte[] a, byte[] b, byte[] target) {
        return cat(new byte[] {OR_OP}, a, b, target.length == 0 ? new byte[] {0} : target);
    }

    /** {@code LLess(a, b)}. */
    public static byte[] lLess(byte[] a, byte[] b) {
        return cat(new byte[] {(byte) LLESS_OP}, a, b);
    }

    /** {@code CreateDWordField(source, byteIndex, path)}. */
    public static byte[] createDWordField(byte[] source, int byteIndex, String path) {
        return cat(new byte[] {(byte) CREATE_DWORD_FIELD_OP}, source, integer(byteIndex), name(path));
    }

    /** {@code Arg0}..{@code Arg6}. */
    public static byte[] arg(int n) {
        return new byte[] {(byte) (ARG0_OP + n)};
    }

    /** {@code Local0}..{@code Local7}. */
    public static byte[] local(int n) {
        return new byte[] {(byte) (LOCAL0_OP + n)};
    }
}
