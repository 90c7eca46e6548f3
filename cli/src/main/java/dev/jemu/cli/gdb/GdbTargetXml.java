package dev.jemu.cli.gdb;

import dev.jemu.core.x86.HostDebug;

import java.util.List;

/**
 * The target description jemu sends gdb ({@code qXfer:features:read:target.xml}): the
 * architecture {@code i386:x86-64} in every CPU mode, as {@code qemu-system-x86_64} 7.2
 * sends it, and the registers of {@link HostDebug#REGISTERS} in their order, with the bit
 * (and field) names of EFLAGS, CR0, CR3, CR4, EFER and MXCSR (SDM vol. 1 3.4.3, vol. 3A 2.5
 * and 2.2.1) and the XMM views gdb shows, in the same types and field orders as QEMU's, so
 * that gdb prints the same. Immutable.
 */
final class GdbTargetXml {
    /** Fields, each NAME:BIT or NAME:FIRST-LAST (an empty name for reserved bits), in the order gdb is given them. */
    private static final String EFLAGS_FIELDS = ":22-31 ID:21 VIP:20 VIF:19 AC:18 VM:17 RF:16 :15 NT:14 IOPL:12-13 OF:11 "
            + "DF:10 IF:9 TF:8 SF:7 ZF:6 :5 AF:4 :3 PF:2 :1 CF:0";
    private static final String CR0_FIELDS = "PG:31 CD:30 NW:29 AM:18 WP:16 NE:5 ET:4 TS:3 EM:2 MP:1 PE:0";
    private static final String CR3_FIELDS = "PDBR:12-63 PCID:0-11";
    private static final String CR4_FIELDS = "PKE:22 SMAP:21 SMEP:20 OSXSAVE:18 PCIDE:17 FSGSBASE:16 SMXE:14 VMXE:13 LA57:12 "
            + "UMIP:11 OSXMMEXCPT:10 OSFXSR:9 PCE:8 PGE:7 MCE:6 PAE:5 PSE:4 DE:3 TSD:2 PVI:1 VME:0";
    private static final String EFER_FIELDS = "TCE:15 FFXSR:14 LMSLE:13 SVME:12 NXE:11 LMA:10 LME:8 SCE:0";
    private static final String MXCSR_FIELDS = "IE:0 DE:1 ZE:2 OE:3 UE:4 PE:5 DAZ:6 IM:7 DM:8 ZM:9 OM:10 UM:11 PM:12 FZ:15";

    /** The whole document. */
    static final String XML = build();

    private GdbTargetXml() {
    }

    private static String build() {
        StringBuilder x = new StringBuilder("<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n")
                .append("<target version=\"1.0\">\n  <architecture>i386:x86-64</architecture>\n")
                .append("  <feature name=\"").append(HostDebug.CORE).append("\">\n");
        flags(x, "x64_eflags", 4, EFLAGS_FIELDS);
        flags(x, "x64_cr0", 8, CR0_FIELDS);
        flags(x, "x64_cr3", 8, CR3_FIELDS);
        flags(x, "x64_cr4", 8, CR4_FIELDS);
        flags(x, "x64_efer", 8, EFER_FIELDS);
        for (String[] v : List.of(new String[] {"v4f", "ieee_single", "4"}, new String[] {"v2d", "ieee_double", "2"},
                new String[] {"v16i8", "int8", "16"}, new String[] {"v8i16", "int16", "8"},
                new String[] {"v4i32", "int32", "4"}, new String[] {"v2i64", "int64", "2"})) {
            x.append("    <vector id=\"").append(v[0]).append("\" type=\"").append(v[1]).append("\" count=\"")
                    .append(v[2]).append("\"/>\n");
        }
        x.append("    <union id=\"vec128\">\n");
        for (String[] u : List.of(new String[] {"v4_float", "v4f"}, new String[] {"v2_double", "v2d"},
                new String[] {"v16_int8", "v16i8"}, new String[] {"v8_int16", "v8i16"},
                new String[] {"v4_int32", "v4i32"}, new String[] {"v2_int64", "v2i64"},
                new String[] {"uint128", "uint128"})) {
            x.append("      <field name=\"").append(u[0]).append("\" type=\"").append(u[1]).append("\"/>\n");
        }
        x.append("    </union>\n");
        flags(x, "x64_mxcsr", 4, MXCSR_FIELDS);
        for (HostDebug.Register r : HostDebug.REGISTERS) {
            x.append("    <reg name=\"").append(r.name()).append("\" bitsize=\"").append(r.bits())
                    .append("\" type=\"").append(r.type()).append('"');
            if (r.group() != null) {
                x.append(" group=\"").append(r.group()).append('"');
            }
            x.append("/>\n");
        }
        return x.append("  </feature>\n</target>\n").toString();
    }

    /** A flags type of {@code size} bytes; single bits are bools, wider fields unsigned integers of that size. */
    private static void flags(StringBuilder x, String id, int size, String fields) {
        x.append("    <flags id=\"").append(id).append("\" size=\"").append(size).append("\">\n");
        for (String b : fields.split(" ")) {
            int colon = b.indexOf(':');
            String[] range = b.substring(colon + 1).split("-");
            String type = range.length == 1 ? "bool" : size == 8 ? "uint64" : "uint32";
            x.append("      <field name=\"").append(b, 0, colon).append("\" start=\"").append(range[0])
                    .append("\" end=\"").append(range[range.length - 1]).append("\" type=\"").append(type)
                    .append("\"/>\n");
        }
        x.append("    </flags>\n");
    }
}
