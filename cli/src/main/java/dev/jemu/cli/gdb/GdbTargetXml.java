package dev.jemu.cli.gdb;

import dev.jemu.core.x86.HostDebug;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The target description jemu sends gdb ({@code qXfer:features:read:target.xml}): the
 * architecture {@code i386:x86-64} and the registers of {@link HostDebug#REGISTERS} in their
 * order, grouped in gdb's x86 features, with the EFLAGS and MXCSR bit (and field) names and the XMM
 * views gdb shows. Immutable.
 */
final class GdbTargetXml {
    private static final String EFLAGS_BITS = "CF:0 :1 PF:2 AF:4 ZF:6 SF:7 TF:8 IF:9 DF:10 OF:11 IOPL:12-13 NT:14 RF:16 VM:17 "
            + "AC:18 VIF:19 VIP:20 ID:21";
    private static final String MXCSR_BITS = "IE:0 DE:1 ZE:2 OE:3 UE:4 PE:5 DAZ:6 IM:7 DM:8 ZM:9 OM:10 UM:11 PM:12 FZ:15";

    /** The whole document. */
    static final String XML = build();

    private GdbTargetXml() {
    }

    private static String build() {
        Map<String, StringBuilder> features = new LinkedHashMap<>();
        for (HostDebug.Register r : HostDebug.REGISTERS) {
            StringBuilder f = features.computeIfAbsent(r.feature(), GdbTargetXml::featureHead);
            f.append("    <reg name=\"").append(r.name()).append("\" bitsize=\"").append(r.bits())
                    .append("\" type=\"").append(r.type()).append('"');
            if (r.group() != null) {
                f.append(" group=\"").append(r.group()).append('"');
            }
            f.append("/>\n");
        }
        StringBuilder x = new StringBuilder("<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n")
                .append("<target version=\"1.0\">\n  <architecture>i386:x86-64</architecture>\n");
        for (StringBuilder f : features.values()) {
            x.append(f).append("  </feature>\n");
        }
        return x.append("</target>\n").toString();
    }

    private static StringBuilder featureHead(String name) {
        StringBuilder f = new StringBuilder("  <feature name=\"").append(name).append("\">\n");
        if (name.equals(HostDebug.CORE)) {
            flags(f, "i386_eflags", EFLAGS_BITS);
        } else if (name.equals(HostDebug.SSE)) {
            for (String[] v : List.of(new String[] {"v8bf16", "bfloat16", "8"}, new String[] {"v4f", "ieee_single", "4"},
                    new String[] {"v2d", "ieee_double", "2"}, new String[] {"v16i8", "int8", "16"},
                    new String[] {"v8i16", "int16", "8"}, new String[] {"v4i32", "int32", "4"},
                    new String[] {"v2i64", "int64", "2"})) {
                f.append("    <vector id=\"").append(v[0]).append("\" type=\"").append(v[1]).append("\" count=\"")
                        .append(v[2]).append("\"/>\n");
            }
            f.append("    <union id=\"vec128\">\n");
            for (String[] u : List.of(new String[] {"v8_bfloat16", "v8bf16"}, new String[] {"v4_float", "v4f"},
                    new String[] {"v2_double", "v2d"}, new String[] {"v16_int8", "v16i8"},
                    new String[] {"v8_int16", "v8i16"}, new String[] {"v4_int32", "v4i32"},
                    new String[] {"v2_int64", "v2i64"}, new String[] {"uint128", "uint128"})) {
                f.append("      <field name=\"").append(u[0]).append("\" type=\"").append(u[1]).append("\"/>\n");
            }
            f.append("    </union>\n");
            flags(f, "i386_mxcsr", MXCSR_BITS);
        }
        return f;
    }

    private static void flags(StringBuilder f, String id, String bits) {
        f.append("    <flags id=\"").append(id).append("\" size=\"4\">\n");
        // highest bit first: gdb lists the set fields in this order, and QEMU's description has it
        String[] fields = bits.split(" ");
        for (int k = fields.length - 1; k >= 0; k--) {
            String b = fields[k];
            int colon = b.indexOf(':');
            String[] range = b.substring(colon + 1).split("-");
            f.append("      <field name=\"").append(b, 0, colon).append("\" start=\"").append(range[0])
                    .append("\" end=\"").append(range[range.length - 1]).append("\"/>\n");
        }
        f.append("    </flags>\n");
    }
}
