package dev.jemu.devices.acpi;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The ACPI tables of the pc board (ACPI 6.4 chapter 5) and the BIOS linker/loader script
 * that places them, as QEMU publishes them over fw_cfg for SeaBIOS: {@code etc/acpi/tables}
 * (FACS, DSDT, FACP, APIC, HPET when present, RSDT), {@code etc/acpi/rsdp} (an ACPI 1.0 RSDP
 * in the F segment) and {@code etc/table-loader}.
 *
 * <ul>
 *   <li>FACP, revision 1: the PIIX4 PM block at {@link #PM_BASE} (PM1a event 4 bytes,
 *       control 2 bytes, the 24-bit PM timer at +8), the SCI on IRQ 9, the APM port 0xB2
 *       as SMI_CMD with ACPI_ENABLE 0xF1 and ACPI_DISABLE 0xF0, no GPE block, C2 and C3
 *       unsupported, the RTC century at CMOS 0x32; flags WBINVD, PROC_C1, SLP_BUTTON (no
 *       fixed sleep button), RTC_S4.</li>
 *   <li>APIC: the local APIC at 0xFEE00000 (PCAT_COMPAT: 8259s present), processor 0 with
 *       APIC ID 0, the IO-APIC (ID 0) at 0xFEC00000 with GSI base 0, interrupt source
 *       overrides IRQ 0 → GSI 2 (bus default polarity and trigger) and IRQ 5, 9, 10, 11 level
 *       active-high (the PCI link and SCI IRQs), and LINT1 as NMI on every processor.</li>
 *   <li>HPET: the block at 0xFED00000, its capabilities' low half as the event timer block
 *       ID, HPET number 0.</li>
 *   <li>DSDT: {@link PcDsdt}.</li>
 * </ul>
 *
 * <p>Pure function of its arguments; any thread.
 */
public final class PcAcpiTables {
    public static final String TABLES_FILE = "etc/acpi/tables";
    public static final String RSDP_FILE = "etc/acpi/rsdp";
    public static final String LOADER_FILE = "etc/table-loader";

    /** The PIIX4 PM I/O base firmware programs (SeaBIOS's PORT_ACPI_PM_BASE). */
    public static final int PM_BASE = 0x600;
    public static final int SCI_IRQ = 9;
    public static final int SMI_CMD = 0xB2;
    public static final int ACPI_ENABLE = 0xF1;
    public static final int ACPI_DISABLE = 0xF0;
    public static final long LAPIC_BASE = 0xFEE0_0000L;
    public static final long IOAPIC_BASE = 0xFEC0_0000L;
    public static final long HPET_BASE = 0xFED0_0000L;
    static final int CMOS_CENTURY = 0x32;

    static final int HEADER_SIZE = 36;
    static final int CHECKSUM_OFFSET = 9;
    static final int FACS_SIZE = 64;
    static final int FADT_SIZE = 116;
    static final int FADT_FIRMWARE_CTRL = 36;
    static final int FADT_DSDT = 40;
    static final int FADT_WBINVD = 1 << 0;
    static final int FADT_PROC_C1 = 1 << 2;
    static final int FADT_SLP_BUTTON = 1 << 5;
    static final int FADT_RTC_S4 = 1 << 7;
    static final int MADT_PCAT_COMPAT = 1;
    static final int MADT_LOCAL_APIC = 0;
    static final int MADT_IO_APIC = 1;
    static final int MADT_OVERRIDE = 2;
    static final int MADT_LOCAL_APIC_NMI = 4;
    /** MPS INTI flags: active high (01) and level-triggered (11 << 2). */
    static final int INTI_LEVEL_HIGH = 0x0D;
    static final int[] LEVEL_IRQS = {5, 9, 10, 11};
    static final int RSDP_SIZE = 20;
    static final int RSDP_RSDT = 16;
    static final String OEM_ID = "JEMU  ";
    static final String OEM_TABLE_ID = "JEMUPC  ";
    static final String CREATOR_ID = "JEMU";

    private final byte[] tables;
    private final byte[] rsdp;
    private final BiosLinker linker = new BiosLinker();

    /**
     * Builds the tables.
     *
     * @param hpet whether the board has the HPET (and so its table)
     * @param hpetCapabilitiesLow the HPET's capabilities register, low half
     * @param pciHoleStart where the 32-bit PCI memory window starts (the end of RAM below 4 GiB)
     * @param comPorts the UARTs' ports, 0 for an absent one
     * @param comIrqs the UARTs' ISA IRQs
     */
    public PcAcpiTables(boolean hpet, int hpetCapabilitiesLow, long pciHoleStart, int[] comPorts, int[] comIrqs) {
        ByteArrayOutputStream blob = new ByteArrayOutputStream();
        List<Integer> rsdtEntries = new ArrayList<>();
        blob.writeBytes(facs());
        int dsdtAt = blob.size();
        blob.writeBytes(table("DSDT", 1, PcDsdt.aml(pciHoleStart, comPorts, comIrqs, hpet)));
        int fadtAt = blob.size();
        byte[] fadt = fadt(dsdtAt);
        blob.writeBytes(fadt);
        rsdtEntries.add(fadtAt);
        int madtAt = blob.size();
        blob.writeBytes(madt());
        rsdtEntries.add(madtAt);
        int hpetAt = -1;
        if (hpet) {
            hpetAt = blob.size();
            blob.writeBytes(hpetTable(hpetCapabilitiesLow));
            rsdtEntries.add(hpetAt);
        }
        int rsdtAt = blob.size();
        ByteBuffer rsdtBody = ByteBuffer.allocate(4 * rsdtEntries.size()).order(ByteOrder.LITTLE_ENDIAN);
        for (int e : rsdtEntries) {
            rsdtBody.putInt(e);
        }
        blob.writeBytes(table("RSDT", 1, rsdtBody.array()));
        tables = blob.toByteArray();

        rsdp = new byte[RSDP_SIZE];
        ByteBuffer r = ByteBuffer.wrap(rsdp).order(ByteOrder.LITTLE_ENDIAN);
        r.put("RSD PTR ".getBytes(StandardCharsets.US_ASCII)).put((byte) 0).put(OEM_ID.getBytes(StandardCharsets.US_ASCII))
                .put((byte) 0).putInt(rsdtAt);

        linker.allocate(TABLES_FILE, tables, 64, BiosLinker.ZONE_HIGH);
        linker.allocate(RSDP_FILE, rsdp, 16, BiosLinker.ZONE_FSEG);
        checksum(dsdtAt);
        linker.addPointer(TABLES_FILE, fadtAt + FADT_FIRMWARE_CTRL, 4, TABLES_FILE);
        linker.addPointer(TABLES_FILE, fadtAt + FADT_DSDT, 4, TABLES_FILE);
        checksum(fadtAt);
        checksum(madtAt);
        if (hpet) {
            checksum(hpetAt);
        }
        for (int i = 0; i < rsdtEntries.size(); i++) {
            linker.addPointer(TABLES_FILE, rsdtAt + HEADER_SIZE + 4 * i, 4, TABLES_FILE);
        }
        checksum(rsdtAt);
        linker.addPointer(RSDP_FILE, RSDP_RSDT, 4, TABLES_FILE);
        linker.addChecksum(RSDP_FILE, 8, 0, RSDP_SIZE);
    }

    /** The linker/loader script and its files. */
    public BiosLinker linker() {
        return linker;
    }

    private void checksum(int tableAt) {
        int length = ByteBuffer.wrap(tables).order(ByteOrder.LITTLE_ENDIAN).getInt(tableAt + 4);
        linker.addChecksum(TABLES_FILE, tableAt + CHECKSUM_OFFSET, tableAt, length);
    }

    /** A table: the standard header (checksum left 0 for the loader) and {@code body}. */
    static byte[] table(String signature, int revision, byte[] body) {
        byte[] t = new byte[HEADER_SIZE + body.length];
        ByteBuffer b = ByteBuffer.wrap(t).order(ByteOrder.LITTLE_ENDIAN);
        b.put(signature.getBytes(StandardCharsets.US_ASCII)).putInt(t.length).put((byte) revision).put((byte) 0)
                .put(OEM_ID.getBytes(StandardCharsets.US_ASCII)).put(OEM_TABLE_ID.getBytes(StandardCharsets.US_ASCII))
                .putInt(1).put(CREATOR_ID.getBytes(StandardCharsets.US_ASCII)).putInt(1).put(body);
        return t;
    }

    private static byte[] facs() {
        byte[] f = new byte[FACS_SIZE];
        ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN).put("FACS".getBytes(StandardCharsets.US_ASCII))
                .putInt(FACS_SIZE);
        return f;
    }

    private static byte[] fadt(int dsdtAt) {
        ByteBuffer b = ByteBuffer.allocate(FADT_SIZE - HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0); // FIRMWARE_CTRL: the FACS, at the start of the blob (patched by the loader)
        b.putInt(dsdtAt);
        b.put((byte) 1); // INT_MODEL (ACPI 1.0): multiple APIC
        b.put((byte) 0); // preferred PM profile: unspecified
        b.putShort((short) SCI_IRQ);
        b.putInt(SMI_CMD);
        b.put((byte) ACPI_ENABLE).put((byte) ACPI_DISABLE).put((byte) 0).put((byte) 0);
        b.putInt(PM_BASE).putInt(0); // PM1a, PM1b event blocks
        b.putInt(PM_BASE + 4).putInt(0); // PM1a, PM1b control blocks
        b.putInt(0); // PM2 control block
        b.putInt(PM_BASE + 8); // PM timer
        b.putInt(0).putInt(0); // GPE0, GPE1 blocks
        b.put((byte) 4).put((byte) 2).put((byte) 0).put((byte) 4); // PM1 event, PM1 control, PM2, timer lengths
        b.put((byte) 0).put((byte) 0).put((byte) 0).put((byte) 0); // GPE0, GPE1 lengths, GPE1 base, CST_CNT
        b.putShort((short) 0x0FFF).putShort((short) 0x0FFF); // C2 and C3 latencies: not supported
        b.putShort((short) 0).putShort((short) 0); // flush size and stride
        b.put((byte) 0).put((byte) 0); // duty offset and width
        b.put((byte) 0).put((byte) 0).put((byte) CMOS_CENTURY); // day alarm, month alarm, century
        b.putShort((short) 0).put((byte) 0); // reserved in revision 1
        b.putInt(FADT_WBINVD | FADT_PROC_C1 | FADT_SLP_BUTTON | FADT_RTC_S4);
        return table("FACP", 1, b.array());
    }

    private static byte[] madt() {
        ByteBuffer b = ByteBuffer.allocate(8 + 8 + 12 + 10 * (1 + LEVEL_IRQS.length) + 6).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt((int) LAPIC_BASE).putInt(MADT_PCAT_COMPAT);
        b.put((byte) MADT_LOCAL_APIC).put((byte) 8).put((byte) 0).put((byte) 0).putInt(1);
        b.put((byte) MADT_IO_APIC).put((byte) 12).put((byte) 0).put((byte) 0).putInt((int) IOAPIC_BASE).putInt(0);
        override(b, 0, 2, 0);
        for (int irq : LEVEL_IRQS) {
            override(b, irq, irq, INTI_LEVEL_HIGH);
        }
        b.put((byte) MADT_LOCAL_APIC_NMI).put((byte) 6).put((byte) 0xFF).putShort((short) 0).put((byte) 1);
        return table("APIC", 1, b.array());
    }

    private static void override(ByteBuffer b, int irq, int gsi, int flags) {
        b.put((byte) MADT_OVERRIDE).put((byte) 10).put((byte) 0).put((byte) irq).putInt(gsi).putShort((short) flags);
    }

    private static byte[] hpetTable(int capabilitiesLow) {
        ByteBuffer b = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(capabilitiesLow);
        // Generic Address Structure: system memory, no bit width/offset/access size given
        b.put((byte) 0).put((byte) 0).put((byte) 0).put((byte) 0).putLong(HPET_BASE);
        b.put((byte) 0).putShort((short) 0).put((byte) 0); // HPET number, minimum tick, page protection
        return table("HPET", 1, b.array());
    }
}
