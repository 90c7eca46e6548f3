package dev.jemu.devices.fwcfg;

import dev.jemu.core.log.Log;
import dev.jemu.core.log.LogCategory;
import dev.jemu.core.memory.AccessSizes;
import dev.jemu.core.memory.AddressSpace;
import dev.jemu.core.memory.FlatRange;
import dev.jemu.core.memory.MmioOps;
import dev.jemu.core.memory.MmioRegion;
import dev.jemu.core.memory.RamRegion;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * QEMU's firmware configuration device (fw_cfg), x86 I/O flavour, as QEMU's
 * {@code docs/specs/fw_cfg.rst} describes it: numbered items of bytes the firmware reads,
 * a directory of named "file" items, and the DMA interface.
 *
 * <p><b>Ports.</b> 0x510: selector (16-bit write; selecting an item rewinds its data offset);
 * 0x510 or 0x511 byte reads: the next byte of the selected item (0 past its end or for an
 * absent item); byte writes there are ignored (QEMU 2.4+); a word read is invalid and gives 0,
 * as on QEMU 7.2. 0x514–0x51B: the DMA address
 * register, big-endian: a dword write at 0x514 sets its high half, a dword write at 0x518 its
 * low half and starts the operation (an 8-byte write at 0x514 does both); reading returns
 * "QEMU CFG".
 *
 * <p><b>Keys.</b> Bit 15 selects the architecture-specific table, bit 14 (the old write
 * channel) is ignored, bits 13:0 the item. The device owns 0x0000 (signature "QEMU"),
 * 0x0001 (feature bits: traditional interface and DMA) and 0x0019 (the file directory: a
 * big-endian count, then per file a big-endian size, select key, reserved word and a
 * NUL-padded 56-byte name). Files get keys from 0x0020 on in name order, as QEMU 7.2 gives
 * them, so the directory is sorted by name.
 *
 * <p><b>DMA.</b> The address names a 16-byte {@code FWCfgDmaAccess} in guest memory (big-endian
 * control, length, address). Select (bit 3) selects the key in the control word's high 16
 * bits; then read (bit 1) copies item bytes to guest memory (zeros past the item's end), or
 * else write (bit 4) copies guest memory into a writable item (an item that is read-only or
 * too short refuses the whole write), or else skip (bit 2) advances the offset. The control
 * word is then written back: 0 on success, the error bit (bit 0) on a refused write or a
 * header or buffer outside RAM. Guest mistakes set the error bit; none throws.
 *
 * <p>Threading: items are added while the machine is built; port accesses and DMA run under
 * the big emulator lock.
 */
public final class FwCfg {
    public static final int SELECTOR_PORT = 0x510;
    public static final int DATA_PORT = 0x511;
    public static final int DMA_PORT = 0x514;

    public static final int KEY_SIGNATURE = 0x00;
    public static final int KEY_ID = 0x01;
    public static final int KEY_RAM_SIZE = 0x03;
    public static final int KEY_NOGRAPHIC = 0x04;
    public static final int KEY_NB_CPUS = 0x05;
    public static final int KEY_KERNEL_ADDR = 0x07;
    public static final int KEY_KERNEL_SIZE = 0x08;
    public static final int KEY_INITRD_ADDR = 0x0A;
    public static final int KEY_INITRD_SIZE = 0x0B;
    public static final int KEY_NUMA = 0x0D;
    public static final int KEY_BOOT_MENU = 0x0E;
    public static final int KEY_MAX_CPUS = 0x0F;
    public static final int KEY_KERNEL_DATA = 0x11;
    public static final int KEY_INITRD_DATA = 0x12;
    public static final int KEY_CMDLINE_ADDR = 0x13;
    public static final int KEY_CMDLINE_SIZE = 0x14;
    public static final int KEY_CMDLINE_DATA = 0x15;
    public static final int KEY_SETUP_ADDR = 0x16;
    public static final int KEY_SETUP_SIZE = 0x17;
    public static final int KEY_SETUP_DATA = 0x18;
    public static final int KEY_FILE_DIR = 0x19;
    public static final int KEY_FILE_FIRST = 0x20;
    /** Bit 15: the architecture-specific table. */
    public static final int ARCH_LOCAL = 0x8000;
    /** Bit 14: the write channel of QEMU before 2.4, ignored. */
    public static final int WRITE_CHANNEL = 0x4000;
    private static final int ENTRY_MASK = 0x3FFF;
    public static final int KEY_IRQ0_OVERRIDE = ARCH_LOCAL | 0x02;
    public static final int KEY_E820_TABLE = ARCH_LOCAL | 0x03;

    public static final int ID_TRADITIONAL = 0x1;
    public static final int ID_DMA = 0x2;

    public static final int DMA_ERROR = 0x01;
    public static final int DMA_READ = 0x02;
    public static final int DMA_SKIP = 0x04;
    public static final int DMA_SELECT = 0x08;
    public static final int DMA_WRITE = 0x10;
    /** Size of {@code FWCfgDmaAccess}. */
    private static final int DMA_HEADER = 16;

    /** Size of one file directory entry, and the longest name (with its NUL). */
    public static final int FILE_ENTRY_SIZE = 64;
    public static final int FILE_NAME_SIZE = 56;

    private static final byte[] DMA_SIGNATURE = "QEMU CFG".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ZEROS = new byte[4096];

    /** One item: its bytes and whether the guest may write it through DMA. */
    private record Item(byte[] data, boolean writable) {
    }

    private final AddressSpace dma;
    private final Map<Integer, Item> items = new HashMap<>();
    /** By name; String order is C's strcmp order for the ASCII names allowed. */
    private final TreeMap<String, Item> files = new TreeMap<>();
    private int selected;
    private Item current;
    private int offset;
    private long dmaAddress;

    /** A device whose DMA reaches guest memory through {@code dma}. */
    public FwCfg(AddressSpace dma) {
        this.dma = dma;
        items.put(KEY_SIGNATURE, new Item("QEMU".getBytes(StandardCharsets.US_ASCII), false));
        items.put(KEY_ID, new Item(le(ID_TRADITIONAL | ID_DMA, 4), false));
        rebuildDirectory();
        select(KEY_SIGNATURE);
    }

    // ------------------------------------------------------------------ building

    /**
     * Adds item {@code key} (below 0x20, or architecture-specific with bit 15).
     *
     * @throws IllegalArgumentException for a key the device owns, a file key or a key in use
     */
    public void addItem(int key, byte[] data) {
        int k = key & (ARCH_LOCAL | ENTRY_MASK);
        if (k != key || k == KEY_SIGNATURE || k == KEY_ID || k == KEY_FILE_DIR || (k & ARCH_LOCAL) == 0 && k >= KEY_FILE_FIRST) {
            throw new IllegalArgumentException(String.format("fw_cfg: key 0x%x cannot be added as an item", key));
        }
        if (items.containsKey(k)) {
            throw new IllegalArgumentException(String.format("fw_cfg: key 0x%x added twice", key));
        }
        items.put(k, new Item(data.clone(), false));
    }

    /** Adds a read-only file. */
    public void addFile(String name, byte[] data) {
        addFile(name, data, false);
    }

    /**
     * Adds file {@code name}; {@code writable} lets the guest overwrite it (never resize it)
     * through DMA.
     *
     * @throws IllegalArgumentException for a name that is empty, too long, not ASCII or
     *     already used
     */
    public void addFile(String name, byte[] data, boolean writable) {
        byte[] ascii = name.getBytes(StandardCharsets.US_ASCII);
        if (name.isEmpty() || ascii.length >= FILE_NAME_SIZE || !StandardCharsets.US_ASCII.newEncoder().canEncode(name)) {
            throw new IllegalArgumentException("fw_cfg: invalid file name \"" + name + "\"");
        }
        if (files.containsKey(name)) {
            throw new IllegalArgumentException("fw_cfg: duplicate file name \"" + name + "\"");
        }
        if (KEY_FILE_FIRST + files.size() > ENTRY_MASK) {
            throw new IllegalArgumentException("fw_cfg: no room for file \"" + name + "\"");
        }
        files.put(name, new Item(data.clone(), writable));
        rebuildDirectory();
    }

    private void rebuildDirectory() {
        byte[] dir = new byte[4 + FILE_ENTRY_SIZE * files.size()];
        putBe(dir, 0, files.size(), 4);
        int key = KEY_FILE_FIRST;
        int at = 4;
        for (Map.Entry<String, Item> e : files.entrySet()) {
            items.put(key, e.getValue());
            putBe(dir, at, e.getValue().data().length, 4);
            putBe(dir, at + 4, key, 2);
            byte[] name = e.getKey().getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(name, 0, dir, at + 8, name.length);
            key++;
            at += FILE_ENTRY_SIZE;
        }
        items.put(KEY_FILE_DIR, new Item(dir, false));
    }

    // ------------------------------------------------------------------ regions

    /** Ports 0x510–0x511: selector (word write) and data (byte read). */
    public MmioRegion ioRegion() {
        return new MmioRegion("fwcfg", 2, new MmioOps() {
            @Override
            public long read(long at, int size) {
                if (size != 1) {
                    guestError("word read of the fw_cfg ports");
                    return 0;
                }
                return readData();
            }

            @Override
            public void write(long at, long value, int size) {
                if (size == 2 && at == 0) {
                    select((int) value);
                } else if (size != 1) {
                    guestError("misaligned word write of the fw_cfg ports");
                }
            }
        }, new AccessSizes(1, 2));
    }

    /** Ports 0x514–0x51B: the DMA address register. */
    public MmioRegion dmaRegion() {
        return new MmioRegion("fwcfg.dma", 8, new MmioOps() {
            @Override
            public long read(long at, int size) {
                long v = 0;
                for (int i = 0; i < size; i++) {
                    v |= (DMA_SIGNATURE[(int) at + i] & 0xFFL) << (8 * i);
                }
                return v;
            }

            @Override
            public void write(long at, long value, int size) {
                if (size == 4 && at == 0) {
                    dmaAddress = (long) Integer.reverseBytes((int) value) << 32;
                } else if (size == 4 && at == 4) {
                    dmaAddress |= Integer.reverseBytes((int) value) & 0xFFFF_FFFFL;
                    runDma();
                } else if (size == 8 && at == 0) {
                    dmaAddress = Long.reverseBytes(value);
                    runDma();
                } else {
                    guestError(size + "-byte write at offset " + at + " of the fw_cfg DMA register");
                }
            }
        }, AccessSizes.ANY);
    }

    // ------------------------------------------------------------------ data register

    private void select(int key) {
        selected = key & ~WRITE_CHANNEL & 0xFFFF;
        current = items.get(selected);
        offset = 0;
    }

    private int readData() {
        if (current == null || offset >= current.data().length) {
            return 0;
        }
        return current.data()[offset++] & 0xFF;
    }

    // ------------------------------------------------------------------ DMA

    private void runDma() {
        long header = dmaAddress;
        dmaAddress = 0;
        byte[] h = new byte[DMA_HEADER];
        if (!isRam(header, DMA_HEADER)) {
            guestError(String.format("DMA header at 0x%x is not in RAM", header));
            return;
        }
        dma.readBytes(header, h, 0, DMA_HEADER);
        int control = (int) getBe(h, 0, 4);
        long length = getBe(h, 4, 4);
        long address = getBe(h, 8, 8);
        if ((control & DMA_SELECT) != 0) {
            select(control >>> 16);
        }
        boolean read = (control & DMA_READ) != 0;
        boolean write = !read && (control & DMA_WRITE) != 0;
        boolean skip = !read && !write && (control & DMA_SKIP) != 0;
        int result = read || write || skip ? transfer(read, write, address, length) : 0;
        dma.write(header, Integer.reverseBytes(result) & 0xFFFF_FFFFL, 4);
    }

    /** Moves {@code length} bytes between the selected item and guest memory; the result control word. */
    private int transfer(boolean read, boolean write, long address, long length) {
        while (length > 0) {
            int available = current == null ? 0 : Math.max(0, current.data().length - offset);
            long chunk = available > 0 ? available : read ? ZEROS.length : length;
            long len = Math.min(length, chunk);
            if ((read || write) && !isRam(address, len)) {
                guestError(String.format("DMA buffer at 0x%x is not in RAM", address));
                return DMA_ERROR;
            }
            if (available == 0) {
                if (write) {
                    guestError("DMA write past the end of fw_cfg item 0x" + Integer.toHexString(selected));
                    return DMA_ERROR;
                }
                if (read) {
                    dma.writeBytes(address, ZEROS, 0, (int) len);
                }
            } else {
                if (read) {
                    dma.writeBytes(address, current.data(), offset, (int) len);
                } else if (write) {
                    if (!current.writable() || len != length) {
                        guestError("DMA write refused by fw_cfg item 0x" + Integer.toHexString(selected));
                        return DMA_ERROR;
                    }
                    dma.readBytes(address, current.data(), offset, (int) len);
                }
                offset += (int) len;
            }
            address += len;
            length -= len;
        }
        return 0;
    }

    /** Whether guest addresses {@code [addr, addr + len)} are all RAM. */
    private boolean isRam(long addr, long len) {
        long end = addr + len;
        while (Long.compareUnsigned(addr, end) < 0) {
            FlatRange r = dma.flatView().find(addr);
            if (r == null || !(r.region() instanceof RamRegion)) {
                return false;
            }
            addr = r.end();
        }
        return true;
    }

    // ------------------------------------------------------------------ reset

    /** Selects the signature and clears the DMA address, as at power-on. */
    public void reset() {
        select(KEY_SIGNATURE);
        dmaAddress = 0;
    }

    // ------------------------------------------------------------------ helpers

    private static void guestError(String what) {
        if (Log.enabled(LogCategory.GUEST_ERRORS)) {
            Log.log(LogCategory.GUEST_ERRORS, "fw_cfg: " + what);
        }
    }

    /** {@code value} as {@code size} little-endian bytes. */
    public static byte[] le(long value, int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (value >>> (8 * i));
        }
        return b;
    }

    private static void putBe(byte[] b, int at, long value, int size) {
        for (int i = 0; i < size; i++) {
            b[at + i] = (byte) (value >>> (8 * (size - 1 - i)));
        }
    }

    private static long getBe(byte[] b, int at, int size) {
        long v = 0;
        for (int i = 0; i < size; i++) {
            v = v << 8 | (b[at + i] & 0xFF);
        }
        return v;
    }
}
