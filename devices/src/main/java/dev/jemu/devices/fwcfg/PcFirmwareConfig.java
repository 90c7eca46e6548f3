package dev.jemu.devices.fwcfg;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The fw_cfg items of QEMU 7.2's pc machine that SeaBIOS reads and jemu can supply, checked
 * against QEMU 7.2 by reading them from a guest:
 * <ul>
 *   <li>0x03 RAM size (le64), 0x04 nographic (le16), 0x05 boot CPUs (le16), 0x0D NUMA (le64
 *       node count 0, then a zero per possible CPU), 0x0E boot menu (le16; SeaBIOS reads it as
 *       {@code etc/show-boot-menu}), 0x0F possible CPUs (le16; SeaBIOS's {@code etc/max-cpus}),
 *       0x8002 IRQ0 override (le32 1: the PIT is wired to IOAPIC pin 2);</li>
 *   <li>files {@code etc/e820} (the memory map), {@code bootorder} (device paths, one per
 *       line, NUL-terminated; empty when none has a boot index; a {@code -kernel} bzImage
 *       puts its boot ROM first), {@code etc/boot-fail-wait} (le32 milliseconds before
 *       SeaBIOS reboots after failing to boot, -1 = never).</li>
 * </ul>
 * Added by others: the ACPI tables ({@code etc/table-loader}, {@code etc/acpi/*}, by the
 * board), a {@code -kernel} bzImage's items and its option ROM ({@code genroms/}, by
 * {@code pc.boot.LinuxLoader}). Not supplied: SMBIOS ({@code etc/smbios/*}),
 * {@code etc/system-states}.
 *
 * <p>Immutable; built and installed while the machine is built, on that thread.
 *
 * @param ramSize RAM size in bytes
 * @param e820 the memory map, in the order given
 * @param cpus CPUs present at boot
 * @param maxCpus CPUs possible
 * @param nographic whether {@code -nographic} was given
 * @param bootMenu whether {@code -boot menu=on} was given
 * @param bootOrder device paths in boot order (Open Firmware style, as QEMU writes them)
 * @param bootFailWaitMs {@code -boot reboot-timeout}, or -1
 */
public record PcFirmwareConfig(long ramSize, List<E820Entry> e820, int cpus, int maxCpus, boolean nographic,
        boolean bootMenu, List<String> bootOrder, int bootFailWaitMs) {

    public PcFirmwareConfig {
        if (cpus < 1 || maxCpus < cpus) {
            throw new IllegalArgumentException("fw_cfg: " + cpus + " CPUs of at most " + maxCpus);
        }
        e820 = List.copyOf(e820);
        bootOrder = List.copyOf(bootOrder);
    }

    /** Adds these items to {@code fwCfg}. */
    public void install(FwCfg fwCfg) {
        fwCfg.addItem(FwCfg.KEY_RAM_SIZE, FwCfg.le(ramSize, 8));
        fwCfg.addItem(FwCfg.KEY_NOGRAPHIC, FwCfg.le(nographic ? 1 : 0, 2));
        fwCfg.addItem(FwCfg.KEY_NB_CPUS, FwCfg.le(cpus, 2));
        fwCfg.addItem(FwCfg.KEY_NUMA, new byte[8 * (1 + maxCpus)]);
        fwCfg.addItem(FwCfg.KEY_BOOT_MENU, FwCfg.le(bootMenu ? 1 : 0, 2));
        fwCfg.addItem(FwCfg.KEY_MAX_CPUS, FwCfg.le(maxCpus, 2));
        fwCfg.addItem(FwCfg.KEY_IRQ0_OVERRIDE, FwCfg.le(1, 4));
        fwCfg.addFile("etc/e820", e820Table());
        fwCfg.addFile("bootorder", bootOrderFile());
        fwCfg.addFile("etc/boot-fail-wait", FwCfg.le(bootFailWaitMs, 4));
    }

    private byte[] e820Table() {
        byte[] out = new byte[E820Entry.SIZE * e820.size()];
        for (int i = 0; i < e820.size(); i++) {
            E820Entry e = e820.get(i);
            int at = E820Entry.SIZE * i;
            System.arraycopy(FwCfg.le(e.address(), 8), 0, out, at, 8);
            System.arraycopy(FwCfg.le(e.length(), 8), 0, out, at + 8, 8);
            System.arraycopy(FwCfg.le(e.type(), 4), 0, out, at + 16, 4);
        }
        return out;
    }

    private byte[] bootOrderFile() {
        if (bootOrder.isEmpty()) {
            return new byte[0];
        }
        return (String.join("\n", bootOrder) + "\0").getBytes(StandardCharsets.US_ASCII);
    }
}
