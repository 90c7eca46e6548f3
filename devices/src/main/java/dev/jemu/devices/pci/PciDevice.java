package dev.jemu.devices.pci;

import dev.jemu.core.memory.MemoryRegion;

/**
 * One PCI function: its 256-byte configuration space (type 0 header), its base address
 * registers, its INTx pin and its capability list. Subclasses (the host bridge, the PIIX
 * functions, IDE, virtio) set their identity in the constructor, declare which config bytes
 * the guest may write ({@link #setWritable}), register their BARs with the region each maps,
 * and hear about config writes through {@link #configWritten}.
 *
 * <p>The guest programs a BAR by writing its address; the BAR's region appears in the bus's
 * memory or I/O space there while the command register's memory or I/O enable bit is set
 * and the address is not 0 and the BAR fits its space (I/O below 64 KiB; a 32-bit memory BAR
 * ending before 0xFFFFFFFF, so the all-ones sizing pattern never maps), and disappears
 * otherwise. Writing all ones reads back the size mask, as the specification's sizing
 * protocol asks.
 *
 * <p>Threading: under the big emulator lock.
 */
public abstract class PciDevice {
    public static final int VENDOR_ID = 0x00;
    public static final int DEVICE_ID = 0x02;
    public static final int COMMAND = 0x04;
    public static final int STATUS = 0x06;
    public static final int REVISION_ID = 0x08;
    public static final int CLASS_PROG = 0x09;
    public static final int CACHE_LINE_SIZE = 0x0C;
    public static final int LATENCY_TIMER = 0x0D;
    public static final int HEADER_TYPE = 0x0E;
    public static final int BAR0 = 0x10;
    public static final int SUBSYSTEM_VENDOR_ID = 0x2C;
    public static final int SUBSYSTEM_ID = 0x2E;
    public static final int CAPABILITY_LIST = 0x34;
    public static final int INTERRUPT_LINE = 0x3C;
    public static final int INTERRUPT_PIN = 0x3D;

    public static final int COMMAND_IO = 0x1;
    public static final int COMMAND_MEMORY = 0x2;
    public static final int COMMAND_MASTER = 0x4;
    public static final int COMMAND_SERR = 0x100;
    public static final int COMMAND_INTX_DISABLE = 0x400;
    public static final int STATUS_INTERRUPT = 0x08;
    public static final int STATUS_CAP_LIST = 0x10;
    public static final int HEADER_MULTI_FUNCTION = 0x80;
    /** QEMU's subsystem vendor (Red Hat / Qumranet) and subsystem ID for devices that set none. */
    public static final int DEFAULT_SUBSYSTEM_VENDOR = 0x1AF4;
    public static final int DEFAULT_SUBSYSTEM = 0x1100;

    /** BAR kinds, as the low bits of the register encode them. */
    public enum BarType {
        /** I/O space. */
        IO(0x1),
        /** 32-bit memory. */
        MEMORY32(0x0),
        /** 64-bit memory (takes two BAR slots). */
        MEMORY64(0x4),
        /** 64-bit prefetchable memory. */
        MEMORY64_PREFETCH(0xC);

        final int bits;

        BarType(int bits) {
            this.bits = bits;
        }
    }

    private final String name;
    protected final byte[] config = new byte[256];
    private final byte[] wmask = new byte[256];
    private final byte[] w1cmask = new byte[256];
    private byte[] resetConfig;
    private final Bar[] bars = new Bar[6];
    private PciBus bus;
    private int devfn = -1;
    private boolean intxLevel;
    private int lastCapability;
    private MsiX msix;

    /** A BAR: its kind, size and the region it maps; {@code mapped} is where it is now (-1: nowhere). */
    private record Bar(BarType type, long size, MemoryRegion region, long[] mapped) {
    }

    /**
     * @param name the device's name in messages and in {@code info pci}
     * @param vendor vendor ID
     * @param device device ID
     * @param revision revision ID
     * @param classCode class, subclass and programming interface as {@code 0xCCSSPP}
     */
    protected PciDevice(String name, int vendor, int device, int revision, int classCode) {
        this.name = name;
        setWord(VENDOR_ID, vendor);
        setWord(DEVICE_ID, device);
        config[REVISION_ID] = (byte) revision;
        config[CLASS_PROG] = (byte) classCode;
        config[CLASS_PROG + 1] = (byte) (classCode >> 8);
        config[CLASS_PROG + 2] = (byte) (classCode >> 16);
        setWord(SUBSYSTEM_VENDOR_ID, DEFAULT_SUBSYSTEM_VENDOR);
        setWord(SUBSYSTEM_ID, DEFAULT_SUBSYSTEM);
        setWritable(COMMAND, 2, COMMAND_IO | COMMAND_MEMORY | COMMAND_MASTER | COMMAND_SERR | COMMAND_INTX_DISABLE);
        setWritable(CACHE_LINE_SIZE, 1, 0xFF);
        setWritable(LATENCY_TIMER, 1, 0xFF);
        setWritable(INTERRUPT_LINE, 1, 0xFF);
    }

    /** The name given at creation. */
    public final String name() {
        return name;
    }

    /** Device and function number ({@code slot << 3 | function}), or -1 before it is plugged. */
    public final int devfn() {
        return devfn;
    }

    /** The bus this function is plugged into, or null. */
    protected final PciBus bus() {
        return bus;
    }

    final void plugged(PciBus bus, int devfn) {
        this.bus = bus;
        this.devfn = devfn;
        resetConfig = config.clone();
    }

    // ------------------------------------------------------------------ declaration helpers

    /** Lets the guest write the bits of {@code mask} in the {@code size} bytes at {@code offset}. */
    protected final void setWritable(int offset, int size, long mask) {
        for (int i = 0; i < size; i++) {
            wmask[offset + i] = (byte) (mask >>> (8 * i));
        }
    }

    /** Makes the bits of {@code mask} at {@code offset} write-one-to-clear. */
    protected final void setWriteOneToClear(int offset, int size, long mask) {
        for (int i = 0; i < size; i++) {
            w1cmask[offset + i] = (byte) (mask >>> (8 * i));
        }
    }

    /**
     * Marks this function as function 0 of a multi-function device (header type bit 7), which
     * makes the bus show the slot's other functions.
     */
    protected final void setMultiFunction() {
        config[HEADER_TYPE] |= (byte) HEADER_MULTI_FUNCTION;
    }

    /** Sets the INTx pin: 1 = INTA ... 4 = INTD (0: none). */
    protected final void setInterruptPin(int pin) {
        config[INTERRUPT_PIN] = (byte) pin;
    }

    /**
     * Declares BAR {@code index} of {@code type} and {@code size} (a power of two, at least 4
     * for I/O and 16 for memory) that maps {@code region}; the region is added to the bus's
     * space disabled and enabled when the guest maps it.
     */
    protected final void registerBar(int index, BarType type, long size, MemoryRegion region) {
        if (Long.bitCount(size) != 1 || size < (type == BarType.IO ? 4 : 16)) {
            throw new IllegalArgumentException(name + ": BAR " + index + " size " + size + " is not a power of two");
        }
        boolean wide = type == BarType.MEMORY64 || type == BarType.MEMORY64_PREFETCH;
        if (index < 0 || index + (wide ? 1 : 0) > 5 || bars[index] != null) {
            throw new IllegalArgumentException(name + ": BAR " + index + " is not free");
        }
        bars[index] = new Bar(type, size, region, new long[] {-1});
        int reg = BAR0 + 4 * index;
        setDword(reg, type.bits);
        setWritable(reg, 4, ~(size - 1) & 0xFFFF_FFFFL & (type == BarType.IO ? ~0x3L : ~0xFL));
        if (wide) {
            setWritable(reg + 4, 4, ~(size - 1) >>> 32);
        }
    }

    /**
     * Adds a capability with {@code id} at config offset {@code offset} ({@code length}
     * bytes, the first two being ID and next pointer), linked at the end of the list.
     */
    protected final void addCapability(int id, int offset, int length) {
        if (offset < 0x40 || offset + length > 256 || (offset & 3) != 0) {
            throw new IllegalArgumentException(name + ": capability at 0x" + Integer.toHexString(offset) + " does not fit");
        }
        config[offset] = (byte) id;
        config[offset + 1] = 0;
        if (lastCapability == 0) {
            config[CAPABILITY_LIST] = (byte) offset;
        } else {
            config[lastCapability + 1] = (byte) offset;
        }
        lastCapability = offset;
        setWord(STATUS, word(STATUS) | STATUS_CAP_LIST);
    }

    /**
     * Adds an MSI-X capability at config offset {@code offset} with {@code vectors} entries,
     * its table and pending bits in a 4 KiB memory BAR {@code bar} (see {@link MsiX}).
     */
    protected final MsiX addMsiX(int offset, int vectors, int bar) {
        msix = new MsiX(this, offset, vectors, bar);
        return msix;
    }

    /** Sends an MSI message (a DMA write of {@code data} to {@code address}) through the bus. */
    final void sendMsi(long address, int data) {
        if (bus != null && (word(COMMAND) & COMMAND_MASTER) != 0) {
            bus.sendMsi(this, address, data);
        }
    }

    // ------------------------------------------------------------------ config space access

    /** Reads {@code size} (1, 2 or 4) bytes of config space at {@code offset}. */
    public long configRead(int offset, int size) {
        long v = 0;
        for (int i = 0; i < size; i++) {
            v |= (config[offset + i] & 0xFFL) << (8 * i);
        }
        return v;
    }

    /**
     * Writes {@code size} (1, 2 or 4) bytes at {@code offset}, honouring the writable and
     * write-one-to-clear masks, then remaps BARs if the command register or a BAR changed and
     * calls {@link #configWritten}.
     */
    public void configWrite(int offset, long value, int size) {
        boolean remap = false;
        for (int i = 0; i < size; i++) {
            int at = offset + i;
            int b = (int) (value >>> (8 * i)) & 0xFF;
            int w = wmask[at] & 0xFF;
            int c = w1cmask[at] & 0xFF;
            config[at] = (byte) ((config[at] & ~w & ~(c & b)) | (b & w));
            remap |= at == COMMAND || (at >= BAR0 && at < BAR0 + 24);
        }
        if (remap) {
            updateMappings();
        }
        if (offset <= COMMAND + 1 && offset + size > COMMAND + 1) {
            updateIntx();
        }
        if (msix != null) {
            msix.configWritten(offset, size);
        }
        configWritten(offset, value, size);
    }

    /** Told after every guest config write; the default does nothing. */
    protected void configWritten(int offset, long value, int size) {
    }

    /** The size of BAR {@code index} in bytes, or 0 if the function has no such BAR. */
    public final long barSize(int index) {
        Bar bar = bars[index];
        return bar == null ? 0 : bar.size;
    }

    /** Whether BAR {@code index} is in I/O space (false for memory or no BAR). */
    public final boolean barIsIo(int index) {
        Bar bar = bars[index];
        return bar != null && bar.type == BarType.IO;
    }

    /** The address BAR {@code index} decodes at now, or -1 if it is not mapped. */
    public final long barAddress(int index) {
        Bar bar = bars[index];
        return bar == null ? -1 : bar.mapped[0];
    }

    private void updateMappings() {
        int command = word(COMMAND);
        for (int i = 0; i < 6; i++) {
            Bar bar = bars[i];
            if (bar == null) {
                continue;
            }
            long addr = barRegister(i, bar.type);
            boolean io = bar.type == BarType.IO;
            boolean enabled = (command & (io ? COMMAND_IO : COMMAND_MEMORY)) != 0;
            long want = enabled && addr != 0 && addr + bar.size <= limit(bar.type) ? addr : -1;
            if (want != bar.mapped[0] && bus != null) {
                bus.mapBar(bar.region, io, want);
                bar.mapped[0] = want;
            }
        }
    }

    /**
     * The address after the last byte a BAR of {@code type} may decode: the 64 KiB port space;
     * for a 32-bit memory BAR 0xFFFFFFFF, since a BAR whose last byte is 0xFFFFFFFF is the
     * sizing pattern and stays unmapped (as in QEMU); 1 TiB for a 64-bit one.
     */
    private static long limit(BarType type) {
        return switch (type) {
            case IO -> 0x10000;
            case MEMORY32 -> 0xFFFF_FFFFL;
            case MEMORY64, MEMORY64_PREFETCH -> 1L << 40;
        };
    }

    private long barRegister(int index, BarType type) {
        int reg = BAR0 + 4 * index;
        long low = dword(reg) & (type == BarType.IO ? ~0x3L : ~0xFL) & 0xFFFF_FFFFL;
        if (type == BarType.MEMORY64 || type == BarType.MEMORY64_PREFETCH) {
            return low | ((long) dword(reg + 4) << 32);
        }
        return low;
    }

    // ------------------------------------------------------------------ interrupts

    /** Drives this function's INTx pin to {@code level} (masked by the command register's INTx disable). */
    protected final void setIntx(boolean level) {
        intxLevel = level;
        int status = word(STATUS);
        setWord(STATUS, level ? status | STATUS_INTERRUPT : status & ~STATUS_INTERRUPT);
        updateIntx();
    }

    private void updateIntx() {
        int pin = config[INTERRUPT_PIN] & 0xFF;
        if (bus != null && pin != 0) {
            boolean asserted = intxLevel && (word(COMMAND) & COMMAND_INTX_DISABLE) == 0;
            bus.setIntx(this, pin - 1, asserted);
        }
    }

    // ------------------------------------------------------------------ reset

    /**
     * Returns the function to its power-on state: config space as it was when plugged (BARs
     * unmapped, command cleared), INTx lowered, then {@link #resetDevice()}.
     */
    public final void reset() {
        if (resetConfig != null) {
            System.arraycopy(resetConfig, 0, config, 0, 256);
        }
        intxLevel = false;
        updateMappings();
        updateIntx();
        if (msix != null) {
            msix.reset();
        }
        resetDevice();
    }

    /** The device's own reset; the default does nothing. */
    protected void resetDevice() {
    }

    // ------------------------------------------------------------------ little-endian helpers

    protected final int word(int offset) {
        return (config[offset] & 0xFF) | (config[offset + 1] & 0xFF) << 8;
    }

    protected final int dword(int offset) {
        return word(offset) | word(offset + 2) << 16;
    }

    protected final void setWord(int offset, int value) {
        config[offset] = (byte) value;
        config[offset + 1] = (byte) (value >> 8);
    }

    protected final void setDword(int offset, int value) {
        setWord(offset, value);
        setWord(offset + 2, value >>> 16);
    }

    @Override
    public String toString() {
        return String.format("%s (%02x.%d %04x:%04x)", name, devfn >> 3, devfn & 7, word(VENDOR_ID), word(DEVICE_ID));
    }
}
