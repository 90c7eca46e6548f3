package dev.jemu.devices.pci;

import dev.jemu.core.memory.AliasRegion;
import dev.jemu.core.memory.ContainerRegion;
import dev.jemu.core.memory.RamRegion;

/**
 * The i440FX host bridge (PMC, 8086:1237, revision 2, class 0x060000) at 00.0: the PAM
 * registers that shadow the BIOS area in RAM, and the SMRAM control register.
 *
 * <p><b>PAM.</b> Registers 0x59–0x5F hold two 4-bit attribute fields each for the 13 segments
 * of 0xC0000–0xFFFFF: 0x59 bits 7:4 the 64 KiB segment at 0xF0000, then 0x5A bits 3:0 and
 * 7:4 for 0xC0000 and 0xC4000, and so on in 16 KiB steps up to 0x5F bits 7:4 for 0xEC000.
 * The low two bits of a field choose, as QEMU's pc machine does:
 * <ul>
 *   <li>0: reads and writes go to the PCI side (the ROMs the board places below);</li>
 *   <li>1: reads come from RAM, writes are dropped (the BIOS write-protecting its shadow);</li>
 *   <li>2 and 3: RAM for reads and writes (the datasheet's 2, "write-only RAM", reads the PCI
 *       side; QEMU treats it as 3, and so does jemu).</li>
 * </ul>
 * RAM is shown through aliases of the RAM region placed in system memory at
 * {@link #PAM_PRIORITY}; the board puts the PCI side (pc.rom at 0xC0000, the isa-bios alias at
 * 0xE0000) between RAM and these, e.g. at priority 1. The memory API has no read-only view
 * of writable RAM, so mode 1 shows a read-only copy of the segment taken when the mode is
 * entered: the shadow bytes at 0xC0000–0xFFFFF are reachable only through these addresses,
 * and writes through them are dropped in mode 1, so the copy cannot go stale unless
 * something writes the RAM block directly while the segment is write-protected.
 *
 * <p><b>SMRAM</b> (0x72): the register is kept with the datasheet's lock (setting D_LCK
 * clears D_OPEN and freezes the register but D_CLS until reset); jemu has no SMM, so SMRAM is
 * never mapped and 0xA0000–0xBFFFF always shows the PCI side.
 *
 * <p>The other device-specific registers (0x40–0xFF) are plain storage, as in QEMU.
 *
 * <p>Threading: under the big emulator lock.
 */
public final class I440fxHost extends PciDevice {
    public static final int VENDOR = 0x8086;
    public static final int DEVICE = 0x1237;
    public static final int REVISION = 0x02;
    public static final int CLASS_HOST_BRIDGE = 0x060000;
    /** The bridge's place on bus 0. */
    public static final int DEVFN = 0;

    /** First PAM register. */
    public static final int PAM0 = 0x59;
    /** Number of PAM registers. */
    public static final int PAM_REGISTERS = 7;
    /** System management RAM control. */
    public static final int SMRAM = 0x72;
    public static final int SMRAM_D_OPEN = 0x40;
    public static final int SMRAM_D_CLS = 0x20;
    public static final int SMRAM_D_LCK = 0x10;
    public static final int SMRAM_G_SMRAME = 0x08;
    /** Power-on SMRAM value: C_BASE_SEG = 010b (0xA0000), read-only. */
    public static final int SMRAM_DEFAULT = 0x02;

    /** Priority of the shadow-RAM views in system memory: above the ROMs of the PCI side. */
    public static final int PAM_PRIORITY = 2;

    /** PAM attribute values. */
    public static final int PAM_PCI = 0;
    public static final int PAM_READ_ONLY = 1;
    public static final int PAM_WRITE_ONLY = 2;
    public static final int PAM_READ_WRITE = 3;

    /** Number of shadowed segments. */
    public static final int SEGMENTS = 13;
    private static final long SHADOW_START = 0xC0000;
    private static final long SHADOW_END = 0x100000;

    private final RamRegion ram;
    private final AliasRegion[] ramViews = new AliasRegion[SEGMENTS];
    private final RamRegion[] readOnlyCopies = new RamRegion[SEGMENTS];
    private final int[] modes = new int[SEGMENTS];

    /**
     * Creates the bridge and places its (disabled) shadow views of {@code ram} in
     * {@code systemMemory} at {@link #PAM_PRIORITY}.
     *
     * @throws IllegalArgumentException if {@code ram} does not reach 1 MiB
     */
    public I440fxHost(ContainerRegion systemMemory, RamRegion ram) {
        super("i440FX", VENDOR, DEVICE, REVISION, CLASS_HOST_BRIDGE);
        if (ram.size() < SHADOW_END) {
            throw new IllegalArgumentException("i440FX: RAM of " + ram.size() + " bytes does not cover the BIOS shadow area");
        }
        this.ram = ram;
        for (int i = 0; i < SEGMENTS; i++) {
            long start = segmentStart(i);
            long size = segmentSize(i);
            String where = Long.toHexString(start);
            ramViews[i] = new AliasRegion("pam-ram-" + where, ram, start, size);
            readOnlyCopies[i] = RamRegion.ram("pam-rom-" + where, size);
            readOnlyCopies[i].setReadOnly(true);
            ramViews[i].setEnabled(false);
            readOnlyCopies[i].setEnabled(false);
            systemMemory.addSubregion(start, ramViews[i], PAM_PRIORITY);
            systemMemory.addSubregion(start, readOnlyCopies[i], PAM_PRIORITY);
        }
        config[SMRAM] = SMRAM_DEFAULT;
        for (int at = 0x40; at < 0x100; at++) {
            if (at != SMRAM) {
                setWritable(at, 1, 0xFF);
            }
        }
        setWritable(SMRAM, 1, SMRAM_D_OPEN | SMRAM_D_CLS | SMRAM_D_LCK | SMRAM_G_SMRAME);
    }

    /** Guest address of shadow segment {@code i} (0 = 0xF0000, 1.. = 0xC0000 upwards). */
    public static long segmentStart(int i) {
        return i == 0 ? 0xF0000 : SHADOW_START + (i - 1) * 0x4000L;
    }

    /** Size of shadow segment {@code i}. */
    public static long segmentSize(int i) {
        return i == 0 ? 0x10000 : 0x4000;
    }

    /** The attribute (0–3) segment {@code i} has now. */
    public int pamMode(int i) {
        return modes[i];
    }

    @Override
    protected void configWritten(int offset, long value, int size) {
        if (offset < PAM0 + PAM_REGISTERS && offset + size > PAM0) {
            updatePam();
        }
        if (offset <= SMRAM && offset + size > SMRAM && (config[SMRAM] & SMRAM_D_LCK) != 0) {
            config[SMRAM] &= (byte) ~SMRAM_D_OPEN;
            setWritable(SMRAM, 1, SMRAM_D_CLS);
        }
    }

    private void updatePam() {
        for (int i = 0; i < SEGMENTS; i++) {
            int reg = config[PAM0 + (i + 1) / 2] & 0xFF;
            int mode = ((i & 1) == 0 ? reg >> 4 : reg) & 3;
            if (mode != modes[i]) {
                setMode(i, mode);
            }
        }
    }

    private void setMode(int i, int mode) {
        if (mode == PAM_READ_ONLY) {
            byte[] bytes = new byte[(int) segmentSize(i)];
            ram.block().readBytes(segmentStart(i), bytes, 0, bytes.length);
            readOnlyCopies[i].load(0, bytes);
        }
        readOnlyCopies[i].setEnabled(mode == PAM_READ_ONLY);
        ramViews[i].setEnabled(mode == PAM_WRITE_ONLY || mode == PAM_READ_WRITE);
        modes[i] = mode;
    }

    @Override
    protected void resetDevice() {
        setWritable(SMRAM, 1, SMRAM_D_OPEN | SMRAM_D_CLS | SMRAM_D_LCK | SMRAM_G_SMRAME);
        updatePam();
    }
}
