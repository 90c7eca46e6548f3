package dev.jemu.devices.virtio;

import dev.jemu.core.memory.AccessSizes;
import dev.jemu.core.memory.MmioOps;
import dev.jemu.core.memory.MmioRegion;
import dev.jemu.devices.pci.MsiX;
import dev.jemu.devices.pci.PciDevice;

/**
 * The virtio PCI transport (virtio 1.x section 4.1) as QEMU's transitional devices present it:
 * vendor 0x1AF4; the legacy interface in I/O BAR 0 (host and guest features, queue page frame,
 * size, select and notify, status, ISR and the device configuration at 0x14; a queue address
 * of 0 resets the device, as in QEMU); the modern
 * interface through vendor capabilities pointing into 64-bit prefetchable memory BAR 4 (common
 * configuration at 0x0000, ISR at 0x1000, device configuration at 0x2000, notifications at
 * 0x3000 with a multiplier of 4) plus the PCI configuration access capability. Options as QEMU
 * spells them: {@code disable-legacy=on} makes a modern-only device (ID 0x1040 + device ID,
 * revision 1), {@code disable-modern=on} a legacy-only one. Interrupts go out on INTA with the
 * ISR read-to-clear. MSI-X as QEMU has it: the capability at config 0x98 (0x40 on a
 * legacy-only device) with one vector per
 * queue plus one for configuration changes, its table and PBA in 32-bit memory BAR 1
 * ({@link MsiX}); the vector registers of both interfaces (in the legacy one at 0x14 and
 * 0x16 while MSI-X is enabled, which moves the device configuration to 0x18).
 *
 * <p>Threading: register and config accesses run under the big lock; each takes the device
 * lock of the {@link VirtioDevice} around its work and raises gathered interrupts afterwards.
 */
public final class VirtioPciDevice extends PciDevice implements VirtioDevice.Transport {
    public static final int VENDOR = 0x1AF4;
    /** Device IDs: transitional = 0x1000 + virtio ID - 1, modern = 0x1040 + virtio ID. */
    public static final int TRANSITIONAL_ID_BASE = 0x0FFF;
    public static final int MODERN_ID_BASE = 0x1040;
    /** Subsystem ID of a modern-only device (QEMU's). */
    public static final int MODERN_SUBSYSTEM_ID = 0x1100;

    // legacy I/O BAR 0
    public static final int LEGACY_HOST_FEATURES = 0x00;
    public static final int LEGACY_GUEST_FEATURES = 0x04;
    public static final int LEGACY_QUEUE_PFN = 0x08;
    public static final int LEGACY_QUEUE_NUM = 0x0C;
    public static final int LEGACY_QUEUE_SEL = 0x0E;
    public static final int LEGACY_QUEUE_NOTIFY = 0x10;
    public static final int LEGACY_STATUS = 0x12;
    public static final int LEGACY_ISR = 0x13;
    public static final int LEGACY_CONFIG = 0x14;
    /** With MSI-X enabled: the configuration vector, the selected queue's vector, and the device configuration after them. */
    public static final int LEGACY_MSIX_CONFIG_VECTOR = 0x14;
    public static final int LEGACY_MSIX_QUEUE_VECTOR = 0x16;
    public static final int LEGACY_CONFIG_MSIX = 0x18;
    /** The MSI-X capability and its BAR, where QEMU puts them: after the vendor capabilities, or first without them. */
    public static final int CAP_MSIX = 0x98;
    public static final int CAP_MSIX_LEGACY_ONLY = 0x40;
    public static final int MSIX_BAR = 1;

    // modern BAR 4 layout
    public static final int MODERN_BAR = 4;
    public static final int MODERN_BAR_SIZE = 0x4000;
    public static final int COMMON_OFFSET = 0x0000;
    public static final int ISR_OFFSET = 0x1000;
    public static final int DEVICE_OFFSET = 0x2000;
    public static final int NOTIFY_OFFSET = 0x3000;
    public static final int REGION_SIZE = 0x1000;
    public static final int NOTIFY_OFF_MULTIPLIER = 4;

    // common configuration registers
    public static final int COMMON_DFSELECT = 0x00;
    public static final int COMMON_DF = 0x04;
    public static final int COMMON_GFSELECT = 0x08;
    public static final int COMMON_GF = 0x0C;
    public static final int COMMON_MSIX = 0x10;
    public static final int COMMON_NUMQ = 0x12;
    public static final int COMMON_STATUS = 0x14;
    public static final int COMMON_CFGGENERATION = 0x15;
    public static final int COMMON_Q_SELECT = 0x16;
    public static final int COMMON_Q_SIZE = 0x18;
    public static final int COMMON_Q_MSIX = 0x1A;
    public static final int COMMON_Q_ENABLE = 0x1C;
    public static final int COMMON_Q_NOFF = 0x1E;
    public static final int COMMON_Q_DESCLO = 0x20;
    public static final int COMMON_Q_DESCHI = 0x24;
    public static final int COMMON_Q_AVAILLO = 0x28;
    public static final int COMMON_Q_AVAILHI = 0x2C;
    public static final int COMMON_Q_USEDLO = 0x30;
    public static final int COMMON_Q_USEDHI = 0x34;

    // vendor capabilities
    public static final int CAP_ID_VENDOR = 0x09;
    public static final int CFG_TYPE_COMMON = 1;
    public static final int CFG_TYPE_NOTIFY = 2;
    public static final int CFG_TYPE_ISR = 3;
    public static final int CFG_TYPE_DEVICE = 4;
    public static final int CFG_TYPE_PCI = 5;
    public static final int CAP_COMMON = 0x40;
    public static final int CAP_ISR = 0x50;
    public static final int CAP_DEVICE = 0x60;
    public static final int CAP_NOTIFY = 0x70;
    public static final int CAP_PCI_CFG = 0x84;
    /** Offsets inside a capability. */
    private static final int CAP_LEN = 2;
    private static final int CAP_CFG_TYPE = 3;
    private static final int CAP_BAR = 4;
    private static final int CAP_OFFSET = 8;
    private static final int CAP_LENGTH = 12;
    private static final int CAP_NOTIFY_MULT = 16;
    private static final int CAP_PCI_CFG_DATA = 16;

    /**
     * Offered only through the legacy interface: a driver that acks it acks everything
     * blindly, so it is given no features at all (as QEMU does).
     */
    public static final int F_BAD_FEATURE = 30;

    /** An MSI-X vector register without MSI-X. */
    public static final int NO_VECTOR = 0xFFFF;

    private final VirtioDevice device;
    private final boolean legacy;
    private final boolean modern;
    /** Features offered through the modern interface. */
    private final long offered;
    /** Features offered through the legacy interface (32 bits, with the legacy-only ones). */
    private final long legacyOffered;

    private final MsiX msix;
    private int configVector = NO_VECTOR;
    private final int[] queueVectors;
    private int isr;
    private int queueSel;
    private int deviceFeatureSel;
    private int driverFeatureSel;

    /**
     * @param name the device's name ({@code virtio-blk-pci} or its {@code id=})
     * @param device the virtio device behind the transport
     * @param disableLegacy QEMU's {@code disable-legacy=on}: no legacy I/O BAR
     * @param disableModern QEMU's {@code disable-modern=on}: no capabilities, no memory BAR
     * @param classCode the PCI class as {@code 0xCCSSPP} (0x010000 for a block device)
     * @throws IllegalArgumentException if both interfaces are disabled
     */
    public VirtioPciDevice(String name, VirtioDevice device, boolean disableLegacy, boolean disableModern,
                           int classCode) {
        super(name, VENDOR, disableLegacy ? MODERN_ID_BASE + device.deviceId() : TRANSITIONAL_ID_BASE + device.deviceId(),
                disableLegacy ? 1 : 0, classCode);
        if (disableLegacy && disableModern) {
            throw new IllegalArgumentException(name + ": device cannot work as neither modern nor legacy mode is enabled");
        }
        this.device = device;
        this.legacy = !disableLegacy;
        this.modern = !disableModern;
        this.legacyOffered = device.hostFeatures() & 0xFFFF_FFFFL | 1L << F_BAD_FEATURE;
        this.offered = device.hostFeatures() & ~(1L << VirtioDevice.F_NOTIFY_ON_EMPTY | 1L << VirtioDevice.F_ANY_LAYOUT);
        device.attach(this);
        setWord(SUBSYSTEM_VENDOR_ID, VENDOR);
        setWord(SUBSYSTEM_ID, legacy ? device.deviceId() : MODERN_SUBSYSTEM_ID);
        setInterruptPin(1);
        queueVectors = new int[device.numQueues()];
        java.util.Arrays.fill(queueVectors, NO_VECTOR);
        msix = addMsiX(modern ? CAP_MSIX : CAP_MSIX_LEGACY_ONLY, device.numQueues() + 1, MSIX_BAR);
        if (legacy) {
            int size = Integer.highestOneBit(Math.max(LEGACY_CONFIG_MSIX + device.configSize() - 1, 3)) << 1;
            registerBar(0, BarType.IO, size, new MmioRegion(name + "-legacy", size, new Interface(true),
                    AccessSizes.UP_TO_DWORD));
        }
        if (modern) {
            registerBar(MODERN_BAR, BarType.MEMORY64_PREFETCH, MODERN_BAR_SIZE,
                    new MmioRegion(name + "-modern", MODERN_BAR_SIZE, new Interface(false), AccessSizes.UP_TO_DWORD));
            addVendorCapability(CAP_PCI_CFG, CFG_TYPE_PCI, 0, 0, 0x14);
            setWritable(CAP_PCI_CFG + CAP_BAR, 1, 0xFF);
            setWritable(CAP_PCI_CFG + CAP_OFFSET, 4, 0xFFFF_FFFFL);
            setWritable(CAP_PCI_CFG + CAP_LENGTH, 4, 0xFFFF_FFFFL);
            setWritable(CAP_PCI_CFG + CAP_PCI_CFG_DATA, 4, 0xFFFF_FFFFL);
            addVendorCapability(CAP_NOTIFY, CFG_TYPE_NOTIFY, NOTIFY_OFFSET, REGION_SIZE, 0x14);
            setDword(CAP_NOTIFY + CAP_NOTIFY_MULT, NOTIFY_OFF_MULTIPLIER);
            addVendorCapability(CAP_DEVICE, CFG_TYPE_DEVICE, DEVICE_OFFSET, REGION_SIZE, 0x10);
            addVendorCapability(CAP_ISR, CFG_TYPE_ISR, ISR_OFFSET, REGION_SIZE, 0x10);
            addVendorCapability(CAP_COMMON, CFG_TYPE_COMMON, COMMON_OFFSET, REGION_SIZE, 0x10);
        }
    }

    /** The register callbacks of one interface's BAR. */
    private final class Interface implements MmioOps {
        private final boolean isLegacy;

        Interface(boolean isLegacy) {
            this.isLegacy = isLegacy;
        }

        @Override
        public long read(long offset, int size) {
            return isLegacy ? legacyRead((int) offset, size) : modernRead((int) offset, size);
        }

        @Override
        public void write(long offset, long value, int size) {
            if (isLegacy) {
                legacyWrite((int) offset, value, size);
            } else {
                modernWrite((int) offset, value, size);
            }
        }
    }

    private void addVendorCapability(int at, int cfgType, int offset, int length, int capLength) {
        addCapability(CAP_ID_VENDOR, at, capLength);
        config[at + CAP_LEN] = (byte) capLength;
        config[at + CAP_CFG_TYPE] = (byte) cfgType;
        config[at + CAP_BAR] = (byte) (cfgType == CFG_TYPE_PCI ? 0 : MODERN_BAR);
        setDword(at + CAP_OFFSET, offset);
        setDword(at + CAP_LENGTH, length);
    }

    // ------------------------------------------------------------------ legacy interface

    private long legacyRead(int offset, int size) {
        device.lock().lock();
        try {
            VirtQueue q = selectedQueue();
            return switch (offset) {
                case LEGACY_HOST_FEATURES -> legacyOffered;
                case LEGACY_GUEST_FEATURES -> device.driverFeatures() & 0xFFFF_FFFFL;
                case LEGACY_QUEUE_PFN -> q == null ? 0 : q.legacyPfn();
                case LEGACY_QUEUE_NUM -> q == null ? 0 : q.size();
                case LEGACY_QUEUE_SEL -> queueSel;
                case LEGACY_STATUS -> device.status();
                case LEGACY_ISR -> takeIsr();
                default -> {
                    int base = msix.enabled() ? LEGACY_CONFIG_MSIX : LEGACY_CONFIG;
                    if (offset >= base) {
                        yield readDeviceConfig(offset - base, size);
                    } else if (offset == LEGACY_MSIX_CONFIG_VECTOR) {
                        yield configVector;
                    } else if (offset == LEGACY_MSIX_QUEUE_VECTOR) {
                        yield q == null ? NO_VECTOR : queueVectors[queueSel];
                    }
                    yield 0;
                }
            };
        } finally {
            device.lock().unlock();
        }
    }

    private void legacyWrite(int offset, long value, int size) {
        device.lock().lock();
        try {
            VirtQueue q = selectedQueue();
            switch (offset) {
                case LEGACY_GUEST_FEATURES -> device.setDriverFeatures(
                        (value & 1L << F_BAD_FEATURE) != 0 ? 0 : value & 0xFFFF_FFFFL, legacyOffered);
                case LEGACY_QUEUE_PFN -> {
                    long pfn = value & 0xFFFF_FFFFL;
                    if (pfn == 0) {
                        writeStatus(0, false);
                    } else if (q != null) {
                        q.setLegacyPfn(pfn);
                    }
                }
                case LEGACY_QUEUE_SEL -> queueSel = (int) value & 0xFFFF;
                case LEGACY_QUEUE_NOTIFY -> device.notifyQueue((int) value & 0xFFFF);
                case LEGACY_STATUS -> writeStatus((int) value & 0xFF, false);
                default -> {
                    int base = msix.enabled() ? LEGACY_CONFIG_MSIX : LEGACY_CONFIG;
                    if (offset >= base) {
                        writeDeviceConfig(offset - base, value, size);
                    } else if (offset == LEGACY_MSIX_CONFIG_VECTOR) {
                        configVector = vector(value);
                    } else if (offset == LEGACY_MSIX_QUEUE_VECTOR && q != null) {
                        queueVectors[queueSel] = vector(value);
                    }
                }
            }
        } finally {
            device.lock().unlock();
        }
        device.raisePending();
    }

    // ------------------------------------------------------------------ modern interface

    private long modernRead(int offset, int size) {
        device.lock().lock();
        try {
            int off = offset & (REGION_SIZE - 1);
            return switch (offset & ~(REGION_SIZE - 1)) {
                case COMMON_OFFSET -> commonRead(off);
                case ISR_OFFSET -> takeIsr();
                case DEVICE_OFFSET -> readDeviceConfig(off, size);
                default -> 0;
            };
        } finally {
            device.lock().unlock();
        }
    }

    private void modernWrite(int offset, long value, int size) {
        device.lock().lock();
        try {
            int off = offset & (REGION_SIZE - 1);
            switch (offset & ~(REGION_SIZE - 1)) {
                case COMMON_OFFSET -> commonWrite(off, value);
                case DEVICE_OFFSET -> writeDeviceConfig(off, value, size);
                case NOTIFY_OFFSET -> device.notifyQueue(off / NOTIFY_OFF_MULTIPLIER);
                default -> { }
            }
        } finally {
            device.lock().unlock();
        }
        device.raisePending();
    }

    private long commonRead(int off) {
        VirtQueue q = selectedQueue();
        return switch (off) {
            case COMMON_DFSELECT -> deviceFeatureSel;
            case COMMON_DF -> deviceFeatureSel < 2 ? offered >>> (32 * deviceFeatureSel) & 0xFFFF_FFFFL : 0;
            case COMMON_GFSELECT -> driverFeatureSel;
            case COMMON_GF -> driverFeatureSel < 2 ? device.driverFeatures() >>> (32 * driverFeatureSel) & 0xFFFF_FFFFL : 0;
            case COMMON_MSIX -> configVector;
            case COMMON_Q_MSIX -> q == null ? NO_VECTOR : queueVectors[queueSel];
            case COMMON_NUMQ -> device.numQueues();
            case COMMON_STATUS -> device.status();
            case COMMON_CFGGENERATION -> device.configGeneration();
            case COMMON_Q_SELECT -> queueSel;
            case COMMON_Q_SIZE -> q == null ? 0 : q.size();
            case COMMON_Q_ENABLE -> q != null && q.isEnabled() ? 1 : 0;
            case COMMON_Q_NOFF -> q == null ? 0 : queueSel;
            case COMMON_Q_DESCLO -> q == null ? 0 : q.descAddress() & 0xFFFF_FFFFL;
            case COMMON_Q_DESCHI -> q == null ? 0 : q.descAddress() >>> 32;
            case COMMON_Q_AVAILLO -> q == null ? 0 : q.availAddress() & 0xFFFF_FFFFL;
            case COMMON_Q_AVAILHI -> q == null ? 0 : q.availAddress() >>> 32;
            case COMMON_Q_USEDLO -> q == null ? 0 : q.usedAddress() & 0xFFFF_FFFFL;
            case COMMON_Q_USEDHI -> q == null ? 0 : q.usedAddress() >>> 32;
            default -> 0;
        };
    }

    private void commonWrite(int off, long value) {
        VirtQueue q = selectedQueue();
        long v32 = value & 0xFFFF_FFFFL;
        switch (off) {
            case COMMON_DFSELECT -> deviceFeatureSel = (int) v32;
            case COMMON_GFSELECT -> driverFeatureSel = (int) v32;
            case COMMON_GF -> {
                if (driverFeatureSel < 2) {
                    int shift = 32 * driverFeatureSel;
                    long merged = device.driverFeatures() & ~(0xFFFF_FFFFL << shift) | v32 << shift;
                    device.setDriverFeatures(merged, offered);
                }
            }
            case COMMON_STATUS -> writeStatus((int) value & 0xFF, true);
            case COMMON_MSIX -> configVector = vector(value);
            case COMMON_Q_MSIX -> {
                if (q != null) {
                    queueVectors[queueSel] = vector(value);
                }
            }
            case COMMON_Q_SELECT -> queueSel = (int) value & 0xFFFF;
            case COMMON_Q_SIZE -> {
                if (q != null && !q.setSize((int) value & 0xFFFF)) {
                    device.logGuestError("queue " + queueSel + " size " + (value & 0xFFFF)
                            + " is not from 1 to " + q.maxSize() + "; ignored");
                }
            }
            case COMMON_Q_ENABLE -> {
                if (q != null && (value & 1) != 0) {
                    q.setEnabled(true);
                }
            }
            case COMMON_Q_DESCLO -> setLow(q, 0, v32);
            case COMMON_Q_DESCHI -> setHigh(q, 0, v32);
            case COMMON_Q_AVAILLO -> setLow(q, 1, v32);
            case COMMON_Q_AVAILHI -> setHigh(q, 1, v32);
            case COMMON_Q_USEDLO -> setLow(q, 2, v32);
            case COMMON_Q_USEDHI -> setHigh(q, 2, v32);
            default -> { }
        }
    }

    private static long ringAddress(VirtQueue q, int which) {
        return switch (which) {
            case 0 -> q.descAddress();
            case 1 -> q.availAddress();
            default -> q.usedAddress();
        };
    }

    private static void setRingAddress(VirtQueue q, int which, long address) {
        switch (which) {
            case 0 -> q.setDescAddress(address);
            case 1 -> q.setAvailAddress(address);
            default -> q.setUsedAddress(address);
        }
    }

    private static void setLow(VirtQueue q, int which, long v32) {
        if (q != null) {
            setRingAddress(q, which, ringAddress(q, which) & ~0xFFFF_FFFFL | v32);
        }
    }

    private static void setHigh(VirtQueue q, int which, long v32) {
        if (q != null) {
            setRingAddress(q, which, ringAddress(q, which) & 0xFFFF_FFFFL | v32 << 32);
        }
    }

    // ------------------------------------------------------------------ shared registers

    private VirtQueue selectedQueue() {
        return queueSel < device.numQueues() ? device.queue(queueSel) : null;
    }

    private void writeStatus(int value, boolean viaModern) {
        device.setStatus(value, viaModern);
        if (value == 0) {
            resetTransport();
        }
    }

    private int takeIsr() {
        int v = isr;
        isr = 0;
        setIntx(false);
        return v;
    }

    private long readDeviceConfig(int offset, int size) {
        if (offset + size > device.configSize()) {
            return size == 4 ? 0xFFFF_FFFFL : (1L << (8 * size)) - 1;
        }
        return device.readConfig(offset, size);
    }

    private void writeDeviceConfig(int offset, long value, int size) {
        if (offset + size <= device.configSize()) {
            device.writeConfig(offset, value, size);
        }
    }

    /** A vector register's new value: the vector if the table has it, else NO_VECTOR (what the driver reads back). */
    private int vector(long value) {
        int v = (int) value & 0xFFFF;
        return v < msix.vectors() ? v : NO_VECTOR;
    }

    /**
     * Sets ISR bits and raises INTA; with MSI-X enabled, signals the configuration vector for
     * a configuration change and the vectors of the queues for used buffers instead (the
     * transport is not told which queue, so every queue's vector is signalled once; a driver
     * finds nothing new on the others). Under the big lock, with the device lock.
     */
    @Override
    public void interrupt(int isrBits) {
        device.bql.assertHeld("virtio-pci interrupt");
        if (!msix.enabled()) {
            isr |= isrBits;
            setIntx(true);
            return;
        }
        if ((isrBits & VirtioDevice.ISR_CONFIG) != 0) {
            isr |= VirtioDevice.ISR_CONFIG;
            msix.notify(configVector);
        }
        if ((isrBits & VirtioDevice.ISR_QUEUE) != 0) {
            long sent = 0;
            for (int v : queueVectors) {
                if (v != NO_VECTOR && (sent & 1L << v) == 0) {
                    sent |= 1L << v;
                    msix.notify(v);
                }
            }
        }
    }

    // ------------------------------------------------------------------ PCI configuration access capability

    @Override
    public long configRead(int offset, int size) {
        if (modern && offset == CAP_PCI_CFG + CAP_PCI_CFG_DATA) {
            int len = dword(CAP_PCI_CFG + CAP_LENGTH);
            if (windowUsable(len, size)) {
                setDword(CAP_PCI_CFG + CAP_PCI_CFG_DATA, (int) modernRead(dword(CAP_PCI_CFG + CAP_OFFSET), len));
            }
        }
        return super.configRead(offset, size);
    }

    @Override
    protected void configWritten(int offset, long value, int size) {
        if (modern && offset == CAP_PCI_CFG + CAP_PCI_CFG_DATA) {
            int len = dword(CAP_PCI_CFG + CAP_LENGTH);
            if (windowUsable(len, size)) {
                modernWrite(dword(CAP_PCI_CFG + CAP_OFFSET), value, len);
            }
        }
    }

    /** The window reaches BAR 4 with an access of 1, 2 or 4 bytes inside it, aligned to its size. */
    private boolean windowUsable(int len, int size) {
        int off = dword(CAP_PCI_CFG + CAP_OFFSET);
        return (config[CAP_PCI_CFG + CAP_BAR] & 0xFF) == MODERN_BAR && (len == 1 || len == 2 || len == 4)
                && len <= size && off >= 0 && off <= MODERN_BAR_SIZE - len && off % len == 0;
    }

    // ------------------------------------------------------------------ reset

    private void resetTransport() {
        isr = 0;
        configVector = NO_VECTOR;
        java.util.Arrays.fill(queueVectors, NO_VECTOR);
        queueSel = 0;
        deviceFeatureSel = 0;
        driverFeatureSel = 0;
        setIntx(false);
    }

    @Override
    protected void resetDevice() {
        device.reset();
        resetTransport();
    }
}
