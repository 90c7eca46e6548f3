package dev.jemu.devices.acpi;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import static dev.jemu.devices.acpi.Aml.and;
import static dev.jemu.devices.acpi.Aml.arg;
import static dev.jemu.devices.acpi.Aml.buffer;
import static dev.jemu.devices.acpi.Aml.cat;
import static dev.jemu.devices.acpi.Aml.createDWordField;
import static dev.jemu.devices.acpi.Aml.device;
import static dev.jemu.devices.acpi.Aml.eisaId;
import static dev.jemu.devices.acpi.Aml.field;
import static dev.jemu.devices.acpi.Aml.ifThen;
import static dev.jemu.devices.acpi.Aml.integer;
import static dev.jemu.devices.acpi.Aml.lLess;
import static dev.jemu.devices.acpi.Aml.method;
import static dev.jemu.devices.acpi.Aml.name;
import static dev.jemu.devices.acpi.Aml.nameDecl;
import static dev.jemu.devices.acpi.Aml.opRegion;
import static dev.jemu.devices.acpi.Aml.or;
import static dev.jemu.devices.acpi.Aml.orElse;
import static dev.jemu.devices.acpi.Aml.pkg;
import static dev.jemu.devices.acpi.Aml.ret;
import static dev.jemu.devices.acpi.Aml.scope;
import static dev.jemu.devices.acpi.Aml.store;

/**
 * The AML of the pc board's DSDT (ACPI 6.4 chapter 6 for the objects, chapter 6.4 for the
 * resource descriptors), as a guest needs it on QEMU's i440FX board:
 * <ul>
 *   <li>{@code \_SB.PCI0}, the PCI root bridge (PNP0A03) with its resource windows (bus
 *       0–255, I/O below and above the configuration ports, the VGA window and the 32-bit
 *       PCI hole) and a {@code _PRT} that maps INTA–INTD of every slot to the link devices
 *       by the board's swizzle (PIRQ = (slot + pin − 1) mod 4);</li>
 *   <li>{@code \_SB.PCI0.ISA}, the PIIX3 at 01.0, whose PIRQ route registers (config
 *       0x60–0x63) the links read and write, with the ISA devices: RTC (PNP0B00), keyboard
 *       (PNP0303) and mouse (PNP0F13) of the i8042, the UARTs present (PNP0501) and the HPET
 *       (PNP0103) when present;</li>
 *   <li>{@code \_SB.LNKA}–{@code LNKD} (PNP0C0F): level, active-high, shared, on ISA IRQ 5,
 *       10 or 11; {@code _STA}, {@code _CRS}, {@code _SRS} and {@code _DIS} through the
 *       route registers (bit 7 = disabled);</li>
 *   <li>{@code \_SB.LNKS}, the SCI's fixed link on IRQ 9;</li>
 *   <li>{@code \_S4} and {@code \_S5}: sleep types 2 and 0, which the PIIX4 PM powers off on
 *       (no {@code \_S3}: suspend to RAM is not supported).</li>
 * </ul>
 *
 * <p>Pure function; any thread.
 */
final class PcDsdt {
    static final String[] LINKS = {"LNKA", "LNKB", "LNKC", "LNKD"};
    static final int[] LINK_IRQS = {5, 10, 11};
    static final int PIIX3_ADR = 0x0001_0000;
    static final int PIRQ_ROUTE = 0x60;
    static final int PIRQ_DISABLED = 0x80;
    static final int SLOTS = 32;
    /** PM1 SLP_TYP of S4, which the PIIX4 PM turns into power-off as QEMU's does. */
    static final int SLP_TYP_S4 = 2;

    static final int TAG_IRQ_NO_FLAGS = 0x22;
    static final int TAG_IO = 0x47;
    static final int TAG_MEMORY32_FIXED = 0x86;
    static final byte[] END = {(byte) 0x79, 0};
    static final int HPET_SIZE = 0x400;
    static final int TAG_END = 0x79;
    static final int TAG_DWORD_ADDRESS = 0x87;
    static final int TAG_WORD_ADDRESS = 0x88;
    static final int TAG_EXTENDED_IRQ = 0x89;
    static final int ADDRESS_MEMORY = 0;
    static final int ADDRESS_IO = 1;
    static final int ADDRESS_BUS = 2;
    /** General flags of a producer window: MinFixed and MaxFixed, positive decode. */
    static final int WINDOW_FIXED = 0x0C;
    /** Extended interrupt flags: consumer, level, active high, shared. */
    static final int IRQ_LEVEL_HIGH_SHARED = 0x09;
    /** The IRQ number's byte offset in a one-IRQ extended interrupt descriptor. */
    static final int IRQ_NUMBER_OFFSET = 5;

    private PcDsdt() {
    }

    /**
     * The DSDT's AML body (after the table header) for a PCI hole from {@code pciHoleStart} to
     * 0xFEBFFFFF, with the UARTs whose ports and IRQs are {@code comPorts[i]}/{@code comIrqs[i]}
     * (0 for an absent one) and the HPET if {@code hpet}.
     */
    static byte[] aml(long pciHoleStart, int[] comPorts, int[] comIrqs, boolean hpet) {
        List<byte[]> sb = new ArrayList<>();
        sb.add(pciRoot(pciHoleStart, isaDevices(comPorts, comIrqs, hpet)));
        for (int i = 0; i < LINKS.length; i++) {
            sb.add(link(i));
        }
        sb.add(sciLink());
        return cat(
                scope("\\_SB", sb.toArray(new byte[0][])),
                nameDecl("\\_S4", pkg(integer(SLP_TYP_S4), integer(SLP_TYP_S4), integer(0), integer(0))),
                nameDecl("\\_S5", pkg(integer(0), integer(0), integer(0), integer(0))));
    }

    /**
     * The ISA devices under the PIIX3 (PNP IDs and resources as the PC's ports are), in the
     * order a guest numbers them on QEMU's pc (the HPET, the i8042's keyboard and mouse, the
     * UARTs, the RTC: Linux calls COM1 00:03 and the RTC 00:04 there).
     */
    private static byte[] isaDevices(int[] comPorts, int[] comIrqs, boolean hpet) {
        List<byte[]> devices = new ArrayList<>();
        if (hpet) {
            byte[] mem = new byte[12];
            ByteBuffer.wrap(mem).order(ByteOrder.LITTLE_ENDIAN).put((byte) TAG_MEMORY32_FIXED).putShort((short) 9)
                    .put((byte) 0).putInt((int) PcAcpiTables.HPET_BASE).putInt(HPET_SIZE);
            devices.add(device("HPET", nameDecl("_HID", eisaId("PNP0103")), nameDecl("_UID", integer(0)),
                    nameDecl("_CRS", buffer(cat(mem, END)))));
        }
        devices.add(device("KBD", nameDecl("_HID", eisaId("PNP0303")),
                nameDecl("_CRS", buffer(cat(io(0x60, 1), io(0x64, 1), irqNoFlags(1), END)))));
        devices.add(device("MOU", nameDecl("_HID", eisaId("PNP0F13")),
                nameDecl("_CRS", buffer(cat(irqNoFlags(12), END)))));
        for (int i = 0; i < comPorts.length; i++) {
            if (comPorts[i] != 0) {
                devices.add(device("COM" + (i + 1), nameDecl("_HID", eisaId("PNP0501")),
                        nameDecl("_UID", integer(i + 1)),
                        nameDecl("_CRS", buffer(cat(io(comPorts[i], 8), irqNoFlags(comIrqs[i]), END)))));
            }
        }
        devices.add(device("RTC", nameDecl("_HID", eisaId("PNP0B00")),
                nameDecl("_CRS", buffer(cat(io(0x70, 8), irqNoFlags(8), END)))));
        return cat(devices.toArray(new byte[0][]));
    }

    private static byte[] pciRoot(long pciHoleStart, byte[] isaDevices) {
        byte[] crs = cat(
                wordAddress(ADDRESS_BUS, 0, 0, 0xFF),
                io(0xCF8, 8),
                wordAddress(ADDRESS_IO, 3, 0x0000, 0x0CF7),
                wordAddress(ADDRESS_IO, 3, 0x0D00, 0xFFFF),
                dwordMemory(0xA0000, 0xBFFFF),
                dwordMemory(pciHoleStart, 0xFEBF_FFFFL),
                new byte[] {(byte) TAG_END, 0});
        return device("PCI0",
                nameDecl("_HID", eisaId("PNP0A03")),
                nameDecl("_ADR", integer(0)),
                nameDecl("_UID", integer(0)),
                nameDecl("_CRS", buffer(crs)),
                nameDecl("_PRT", prt()),
                device("ISA",
                        nameDecl("_ADR", integer(PIIX3_ADR)),
                        opRegion("PIRQ", Aml.SPACE_PCI_CONFIG, PIRQ_ROUTE, 4),
                        field("PIRQ", Aml.FIELD_BYTE_ACC, new String[] {"PRQ0", "PRQ1", "PRQ2", "PRQ3"},
                                new int[] {8, 8, 8, 8}),
                        isaDevices));
    }

    /** {@code _PRT}: every slot's four pins, to the link its PIRQ line is. */
    private static byte[] prt() {
        List<byte[]> entries = new ArrayList<>();
        for (int slot = 1; slot < SLOTS; slot++) {
            for (int pin = 0; pin < 4; pin++) {
                int pirq = (slot + pin - 1) & 3;
                entries.add(pkg(integer(((long) slot << 16) | 0xFFFF), integer(pin), name("\\_SB." + LINKS[pirq]),
                        integer(0)));
            }
        }
        return pkg(entries.toArray(new byte[0][]));
    }

    private static byte[] link(int index) {
        String prq = "\\_SB.PCI0.ISA.PRQ" + index;
        byte[] route = name(prq);
        byte[] prs = new byte[7 + 4 * LINK_IRQS.length];
        ByteBuffer b = ByteBuffer.wrap(prs).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) TAG_EXTENDED_IRQ).putShort((short) (2 + 4 * LINK_IRQS.length)).put((byte) IRQ_LEVEL_HIGH_SHARED)
                .put((byte) LINK_IRQS.length);
        for (int irq : LINK_IRQS) {
            b.putInt(irq);
        }
        b.put((byte) TAG_END).put((byte) 0);
        byte[] one = extendedIrq(0);
        return device(LINKS[index],
                nameDecl("_HID", eisaId("PNP0C0F")),
                nameDecl("_UID", integer(index)),
                nameDecl("_PRS", buffer(prs)),
                method("_STA", 0,
                        ifThen(and(route, integer(PIRQ_DISABLED), new byte[0]), ret(integer(0x09))),
                        orElse(ret(integer(0x0B)))),
                method("_DIS", 0, or(route, integer(PIRQ_DISABLED), route)),
                method("_CRS", 0,
                        nameDecl("BUF", buffer(one)),
                        createDWordField(name("BUF"), IRQ_NUMBER_OFFSET, "IRQ"),
                        ifThen(lLess(route, integer(PIRQ_DISABLED)), store(route, name("IRQ"))),
                        ret(name("BUF"))),
                method("_SRS", 1,
                        createDWordField(arg(0), IRQ_NUMBER_OFFSET, "IRQ"),
                        store(name("IRQ"), route)));
    }

    /**
     * {@code LNKS}, the SCI's link: fixed on IRQ 9, so its {@code _PRS} and {@code _CRS} name
     * only that IRQ and {@code _SRS} has nothing to change.
     */
    private static byte[] sciLink() {
        byte[] irq9 = extendedIrq(PcAcpiTables.SCI_IRQ);
        return device("LNKS",
                nameDecl("_HID", eisaId("PNP0C0F")),
                nameDecl("_UID", integer(LINKS.length)),
                nameDecl("_STA", integer(0x0B)),
                nameDecl("_PRS", buffer(irq9)),
                nameDecl("_CRS", buffer(irq9)),
                method("_SRS", 1));
    }

    /** One IRQ in an extended interrupt descriptor, then the end tag. */
    private static byte[] extendedIrq(int irq) {
        byte[] d = new byte[11];
        ByteBuffer.wrap(d).order(ByteOrder.LITTLE_ENDIAN).put((byte) TAG_EXTENDED_IRQ).putShort((short) 6)
                .put((byte) IRQ_LEVEL_HIGH_SHARED).put((byte) 1).putInt(irq).put((byte) TAG_END).put((byte) 0);
        return d;
    }

    /** A 16-bit address space window (bus numbers or I/O) that the bridge produces. */
    private static byte[] wordAddress(int type, int typeFlags, int min, int max) {
        byte[] d = new byte[16];
        ByteBuffer.wrap(d).order(ByteOrder.LITTLE_ENDIAN).put((byte) TAG_WORD_ADDRESS).putShort((short) 13)
                .put((byte) type).put((byte) WINDOW_FIXED).put((byte) typeFlags).putShort((short) 0)
                .putShort((short) min).putShort((short) max).putShort((short) 0).putShort((short) (max - min + 1));
        return d;
    }

    /** A 32-bit memory window (read-write, cacheable) that the bridge produces. */
    private static byte[] dwordMemory(long min, long max) {
        byte[] d = new byte[26];
        ByteBuffer.wrap(d).order(ByteOrder.LITTLE_ENDIAN).put((byte) TAG_DWORD_ADDRESS).putShort((short) 23)
                .put((byte) ADDRESS_MEMORY).put((byte) WINDOW_FIXED).put((byte) 0x03).putInt(0).putInt((int) min)
                .putInt((int) max).putInt(0).putInt((int) (max - min + 1));
        return d;
    }

    /** An edge-triggered, active-high ISA IRQ (small IRQ descriptor without its information byte). */
    private static byte[] irqNoFlags(int irq) {
        return new byte[] {(byte) TAG_IRQ_NO_FLAGS, (byte) (1 << irq), (byte) (1 << irq >> 8)};
    }

    /** A fixed 16-bit-decoded I/O range. */
    private static byte[] io(int base, int length) {
        return new byte[] {(byte) TAG_IO, 0x01, (byte) base, (byte) (base >> 8), (byte) base, (byte) (base >> 8), 1,
                (byte) length};
    }
}
