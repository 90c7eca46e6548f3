package dev.jemu.devices.acpi;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pc board's ACPI tables after the linker/loader script has run, read as an OS reads
 * them: RSDP → RSDT → each table, checksums over each table's length. Expected layouts and
 * values from the ACPI 6.4 specification (table headers, FADT revision 1 offsets, MADT
 * structures, AML encodings) and the HPET specification's ACPI table, with the values QEMU's
 * pc board gives (PM base 0x600, SCI 9, overrides 0→2 and 5, 9, 10, 11 level high).
 */
class PcAcpiTablesTest {
    private static final int[] COM = {0x3F8, 0};
    private static final int[] COM_IRQ = {4, 3};

    private final Map<Long, Byte> memory = new HashMap<>();

    private Map<String, Long> load(PcAcpiTables t) {
        long[] next = {0x0FFF_0000L};
        return LinkerScriptRunner.execute(t.linker().script(), t.linker().files(), (zone, size, align) -> {
            long a = (next[0] + align - 1) & -(long) align;
            next[0] = a + size;
            return a;
        }, (address, data) -> {
            for (int i = 0; i < data.length; i++) {
                memory.put(address + i, data[i]);
            }
        });
    }

    private ByteBuffer bytes(long address, int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = memory.getOrDefault(address + i, (byte) 0);
        }
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    private ByteBuffer table(long address, String signature) {
        ByteBuffer header = bytes(address, 36);
        assertEquals(signature, new String(header.array(), 0, 4, StandardCharsets.US_ASCII));
        int length = header.getInt(4);
        ByteBuffer t = bytes(address, length);
        assertEquals(0, LinkerScriptRunner.sum(t.array(), 0, length), signature + " checksum");
        return t;
    }

    @Test
    void rsdpLeadsToEveryTableWithValidChecksums() {
        Map<String, Long> where = load(new PcAcpiTables(true, 0x8086_A201, 0x1000_0000L, COM, COM_IRQ));
        long rsdpAt = where.get(PcAcpiTables.RSDP_FILE);
        ByteBuffer rsdp = bytes(rsdpAt, 20);
        assertEquals("RSD PTR ", new String(rsdp.array(), 0, 8, StandardCharsets.US_ASCII));
        assertEquals(0, LinkerScriptRunner.sum(rsdp.array(), 0, 20), "RSDP checksum over the ACPI 1.0 part");
        assertEquals(0, rsdp.get(15), "revision 0: RSDT only");
        ByteBuffer rsdt = table(rsdp.getInt(16) & 0xFFFF_FFFFL, "RSDT");
        assertEquals(36 + 3 * 4, rsdt.capacity());
        ByteBuffer fadt = table(rsdt.getInt(36) & 0xFFFF_FFFFL, "FACP");
        ByteBuffer madt = table(rsdt.getInt(40) & 0xFFFF_FFFFL, "APIC");
        ByteBuffer hpet = table(rsdt.getInt(44) & 0xFFFF_FFFFL, "HPET");

        assertEquals(116, fadt.capacity(), "FADT revision 1 is 116 bytes");
        assertEquals(1, fadt.get(8));
        long facs = fadt.getInt(36) & 0xFFFF_FFFFL;
        assertEquals("FACS", new String(bytes(facs, 4).array(), StandardCharsets.US_ASCII));
        assertEquals(0, facs % 64, "FACS 64-byte aligned");
        table(fadt.getInt(40) & 0xFFFF_FFFFL, "DSDT");
        assertEquals(9, fadt.getShort(46), "SCI_INT");
        assertEquals(0xB2, fadt.getInt(48), "SMI_CMD");
        assertEquals(0xF1, fadt.get(52) & 0xFF, "ACPI_ENABLE");
        assertEquals(0xF0, fadt.get(53) & 0xFF, "ACPI_DISABLE");
        assertEquals(0x600, fadt.getInt(56), "PM1a_EVT_BLK");
        assertEquals(0x604, fadt.getInt(64), "PM1a_CNT_BLK");
        assertEquals(0x608, fadt.getInt(76), "PM_TMR_BLK");
        assertEquals(4, fadt.get(88));
        assertEquals(2, fadt.get(89));
        assertEquals(4, fadt.get(91));
        assertEquals(0, fadt.getInt(112) & (1 << 8), "TMR_VAL_EXT clear: the PM timer is 24 bits");

        assertEquals(0xFEE0_0000L, madt.getInt(36) & 0xFFFF_FFFFL);
        assertEquals(1, madt.getInt(40), "PCAT_COMPAT");
        assertEquals(120, madt.capacity(), "LAPIC, IO-APIC, five overrides, LAPIC NMI");
        assertArrayEquals(new byte[] {0, 8, 0, 0, 1, 0, 0, 0}, slice(madt, 44, 8), "processor 0, APIC ID 0, enabled");
        assertArrayEquals(new byte[] {1, 12, 0, 0, 0, 0, (byte) 0xC0, (byte) 0xFE, 0, 0, 0, 0}, slice(madt, 52, 12));
        assertArrayEquals(new byte[] {2, 10, 0, 0, 2, 0, 0, 0, 0, 0}, slice(madt, 64, 10), "IRQ 0 -> GSI 2");
        assertArrayEquals(new byte[] {2, 10, 0, 9, 9, 0, 0, 0, 0x0D, 0}, slice(madt, 84, 10), "SCI level high");
        assertArrayEquals(new byte[] {4, 6, (byte) 0xFF, 0, 0, 1}, slice(madt, 114, 6), "LINT1 NMI");

        assertEquals(56, hpet.capacity());
        assertEquals(0x8086_A201, hpet.getInt(36));
        assertEquals(0xFED0_0000L, hpet.getLong(44));
    }

    @Test
    void withoutHpetTheRsdtHasTwoTables() {
        Map<String, Long> where = load(new PcAcpiTables(false, 0, 0x1000_0000L, COM, COM_IRQ));
        ByteBuffer rsdp = bytes(where.get(PcAcpiTables.RSDP_FILE), 20);
        ByteBuffer rsdt = table(rsdp.getInt(16) & 0xFFFF_FFFFL, "RSDT");
        assertEquals(36 + 2 * 4, rsdt.capacity());
    }

    @Test
    void loaderCommandsAreQemusFormat() {
        byte[] script = new PcAcpiTables(true, 0, 0x1000_0000L, COM, COM_IRQ).linker().script();
        assertEquals(0, script.length % 128, "128-byte commands");
        ByteBuffer s = ByteBuffer.wrap(script).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(1, s.getInt(0), "first: ALLOCATE");
        assertEquals("etc/acpi/tables", new String(script, 4, 15, StandardCharsets.US_ASCII));
        assertEquals(64, s.getInt(4 + 56), "FACS alignment");
        assertEquals(1, script[4 + 56 + 4], "high zone");
        assertEquals(1, s.getInt(128));
        assertEquals(2, script[128 + 4 + 56 + 4], "RSDP in the F segment");
    }

    @Test
    void amlEncodingsFromTheSpecification() {
        assertArrayEquals(new byte[] {0x0C, 0x41, (byte) 0xD0, 0x0A, 0x03}, Aml.eisaId("PNP0A03"),
                "EisaId(\"PNP0A03\") is 0x030AD041");
        assertArrayEquals(new byte[] {0x3F}, Aml.pkgLength(0x3E), "one byte up to 63");
        assertArrayEquals(new byte[] {0x41, 0x04}, Aml.pkgLength(0x3F), "0x41 total: two bytes");
        assertArrayEquals("\\_SB_".getBytes(StandardCharsets.US_ASCII), Aml.name("\\_SB"));
        assertArrayEquals(new byte[] {0x2E, 'P', 'C', 'I', '0', 'I', 'S', 'A', '_'}, Aml.name("PCI0.ISA"));
        assertArrayEquals(new byte[] {0x0A, 0x0B}, Aml.integer(11));
        assertArrayEquals(new byte[] {0x0B, 0x00, 0x01}, Aml.integer(0x100));
        assertThrows(IllegalArgumentException.class, () -> Aml.name("pci0"));
    }

    @Test
    void dsdtHoldsThePciRootTheLinksAndS5() {
        byte[] aml = PcDsdt.aml(0x1000_0000L, COM, COM_IRQ, true);
        String text = new String(aml, StandardCharsets.ISO_8859_1);
        for (String name : new String[] {"PCI0", "_PRT", "LNKA", "LNKB", "LNKC", "LNKD", "_S5_", "_SRS", "PRQ3",
                "RTC_", "KBD_", "MOU_", "COM1", "HPET"}) {
            assertTrue(text.contains(name), name);
        }
        assertFalse(text.contains("COM2"), "no COM2 when it is absent");
        // Linux numbers PNP devices in namespace order; on QEMU's pc COM1 is 00:03 and the RTC 00:04
        assertTrue(text.indexOf("HPET") < text.indexOf("KBD_") && text.indexOf("KBD_") < text.indexOf("MOU_")
                && text.indexOf("MOU_") < text.indexOf("COM1") && text.indexOf("COM1") < text.indexOf("RTC_"),
                "HPET, KBD, MOU, COM1, RTC in QEMU's order");
        assertTrue(contains(aml, new byte[] {0x47, 0x01, (byte) 0xF8, 0x03, (byte) 0xF8, 0x03, 0x01, 0x08, 0x22, 0x10, 0x00}),
                "COM1: IO(Decode16, 0x3F8, 0x3F8, 1, 8), IRQNoFlags() {4}");
        assertEquals(0x10, aml[0] & 0xFF, "ScopeOp first");
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (java.util.Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return true;
            }
        }
        return false;
    }

    private static byte[] slice(ByteBuffer b, int at, int length) {
        byte[] out = new byte[length];
        b.get(at, out, 0, length);
        return out;
    }
}
