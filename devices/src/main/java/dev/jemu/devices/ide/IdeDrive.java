package dev.jemu.devices.ide;

import dev.jemu.aio.AioContext;
import dev.jemu.block.BlockBackend;
import dev.jemu.block.BlockDriverState;
import dev.jemu.block.SyncIo;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * An ATA hard disk ({@code ide-hd}) on a {@link BlockBackend}: its size in sectors, the
 * physical CHS geometry and the BIOS translation the board puts into CMOS ({@link
 * #geometry()}), the IDENTIFY DEVICE data, the settings a guest changes (multiple mode, write
 * cache, transfer mode), the error policies of {@code rerror=}/{@code werror=}, and the
 * preallocated buffers every transfer of this drive uses.
 *
 * <p>Threading: created before the machine runs; afterwards its settings are touched under
 * the big emulator lock and its backend only from coroutines in {@link #context()}.
 */
public final class IdeDrive {
    /** Bytes per sector. */
    public static final int SECTOR_SIZE = 512;
    /** The largest READ/WRITE MULTIPLE block, and the default after reset (as QEMU's). */
    public static final int MAX_MULT_SECTORS = 16;
    /** Sectors a transfer moves per block-layer request. */
    static final int BUFFER_SECTORS = 256;

    /** What a failed host request does ({@code rerror=}/{@code werror=}). */
    public enum ErrorAction {
        /** The guest sees the command fail (ABRT). */
        REPORT,
        /** The command completes as if it had succeeded. */
        IGNORE,
        /** The VM stops; the request is retried when it resumes. */
        STOP
    }

    private static final String MODEL = "QEMU HARDDISK";
    private static final int DEFAULT_TRANSFER_MODE = 0x40 | 5;
    private static final String FIRMWARE = "2.5+";

    private final BlockBackend blk;
    private final AioContext context;
    private final String serial;
    private final ErrorAction rerror;
    private final ErrorAction werror;
    private final long sectorCount;
    private final HdGeometry geometry;
    private final ByteBuffer ioBuffer;
    private final byte[] dataBuffer = new byte[BUFFER_SECTORS * SECTOR_SIZE];

    private int multSectors;
    private boolean writeCache;
    /** The transfer mode selected (SET FEATURES count register value); UDMA5 at power-on, as QEMU reports. */
    private int transferMode;

    /**
     * A disk on {@code blk} whose requests run in {@code context}. Reads the disk's first
     * sector synchronously on the calling thread to guess the geometry ({@link HdGeometry}):
     * create drives before the machine runs, on a thread that may poll its own AioContext.
     *
     * @param serial the IDENTIFY serial number (QEMU numbers drives {@code QM00001},
     *     {@code QM00002}, ... in the order they are created: see {@link #defaultSerial})
     * @param rerror what a failed read does
     * @param werror what a failed write or flush does
     */
    public IdeDrive(BlockBackend blk, AioContext context, String serial, ErrorAction rerror, ErrorAction werror) {
        this.blk = blk;
        this.context = context;
        this.serial = serial;
        this.rerror = rerror;
        this.werror = werror;
        this.sectorCount = blk.length() / SECTOR_SIZE;
        this.ioBuffer = BlockDriverState.alignedBuffer(BUFFER_SECTORS * SECTOR_SIZE, 4096);
        this.geometry = HdGeometry.guess(sectorCount, readFirstSector());
        reset();
    }

    /** QEMU's serial number of the {@code n}th drive created (from 1). */
    public static String defaultSerial(int n) {
        return String.format("QM%05d", n);
    }

    /** The backend. */
    public BlockBackend backend() {
        return blk;
    }

    /** Where this drive's requests run. */
    public AioContext context() {
        return context;
    }

    /** Capacity in sectors. */
    public long sectorCount() {
        return sectorCount;
    }

    /** Physical geometry and BIOS translation hint (for IDENTIFY, CHS addressing and CMOS). */
    public HdGeometry geometry() {
        return geometry;
    }

    /** The first sector, or null if the disk is empty or cannot be read. */
    private byte[] readFirstSector() {
        if (sectorCount == 0) {
            return null;
        }
        try {
            SyncIo.run(() -> blk.coPreadv(0, ioBuffer, 0, SECTOR_SIZE));
        } catch (IOException e) {
            return null;
        }
        byte[] sector = new byte[SECTOR_SIZE];
        ioBuffer.get(0, sector);
        return sector;
    }

    /** Whether writes are refused (a read-only node). */
    public boolean isReadOnly() {
        return blk.root().isReadOnly();
    }

    ErrorAction readErrorAction() {
        return rerror;
    }

    ErrorAction writeErrorAction() {
        return werror;
    }

    ByteBuffer ioBuffer() {
        return ioBuffer;
    }

    byte[] dataBuffer() {
        return dataBuffer;
    }

    int multSectors() {
        return multSectors;
    }

    void setMultSectors(int n) {
        multSectors = n;
    }

    boolean writeCacheEnabled() {
        return writeCache;
    }

    void setWriteCache(boolean enabled) {
        writeCache = enabled;
    }

    /**
     * Selects a transfer mode from SET FEATURES subcommand 03h's count value (PIO 00h/01h/08h+n,
     * single-word DMA 10h+n, multiword DMA 20h+n, UDMA 40h+n; any n, as QEMU takes); false for
     * another class.
     */
    boolean selectTransferMode(int value) {
        boolean ok = switch (value >> 3) {
            case 0, 1, 2, 4, 8 -> true;
            default -> false;
        };
        if (ok) {
            transferMode = value;
        }
        return ok;
    }

    /** Back to the power-on settings. */
    void reset() {
        multSectors = MAX_MULT_SECTORS;
        writeCache = !blk.isWritethrough();
        transferMode = DEFAULT_TRANSFER_MODE;
    }

    /** Writes the 512 bytes of IDENTIFY DEVICE data to {@code dst[0..512)}. */
    void identify(byte[] dst) {
        java.util.Arrays.fill(dst, 0, SECTOR_SIZE, (byte) 0);
        put(dst, 0, 0x0040);
        int cylinders = geometry.cylinders();
        int heads = geometry.heads();
        int sectors = geometry.sectors();
        put(dst, 1, cylinders);
        put(dst, 3, heads);
        put(dst, 4, SECTOR_SIZE * sectors);
        put(dst, 5, SECTOR_SIZE);
        put(dst, 6, sectors);
        putString(dst, 10, 20, serial);
        put(dst, 20, 3);
        put(dst, 21, 512);
        put(dst, 22, 4);
        putString(dst, 23, 8, FIRMWARE);
        putString(dst, 27, 40, MODEL);
        put(dst, 47, 0x8000 | MAX_MULT_SECTORS);
        put(dst, 48, 1);
        put(dst, 49, 1 << 11 | 1 << 9 | 1 << 8);
        put(dst, 51, 0x200);
        put(dst, 52, 0x200);
        put(dst, 53, 1 | 1 << 1 | 1 << 2);
        put(dst, 54, cylinders);
        put(dst, 55, heads);
        put(dst, 56, sectors);
        long chsCapacity = (long) cylinders * heads * sectors;
        put(dst, 57, (int) chsCapacity);
        put(dst, 58, (int) (chsCapacity >>> 16));
        if (multSectors != 0) {
            put(dst, 59, 0x100 | multSectors);
        }
        long lba28 = Math.min(sectorCount, 0x0FFF_FFFFL);
        put(dst, 60, (int) lba28);
        put(dst, 61, (int) (lba28 >>> 16));
        put(dst, 62, 0x07 | selectedBit(2));
        put(dst, 63, 0x07 | selectedBit(4));
        put(dst, 64, 0x03);
        for (int w = 65; w <= 68; w++) {
            put(dst, w, 120);
        }
        put(dst, 80, 0xF0);
        put(dst, 81, 0x16);
        put(dst, 82, 1 << 14 | 1 << 5);
        put(dst, 83, 1 << 14 | 1 << 13 | 1 << 12 | 1 << 10);
        put(dst, 84, 1 << 14);
        put(dst, 85, 1 << 14 | (writeCache ? 1 << 5 : 0));
        put(dst, 86, 1 << 13 | 1 << 12 | 1 << 10);
        put(dst, 87, 1 << 14);
        put(dst, 88, 0x3F | selectedBit(8));
        put(dst, 93, 1 | 1 << 14 | 0x2000);
        for (int i = 0; i < 4; i++) {
            put(dst, 100 + i, (int) (sectorCount >>> (16 * i)));
        }
        put(dst, 106, 0x6000);
        dst[2 * 255] = (byte) 0xA5;
        int sum = 0;
        for (int i = 0; i < SECTOR_SIZE - 1; i++) {
            sum += dst[i];
        }
        dst[2 * 255 + 1] = (byte) -sum;
    }

    /** The "selected" bit (high byte) of a DMA mode word if the chosen mode is of {@code kind}. */
    private int selectedBit(int kind) {
        return transferMode >> 3 == kind ? 1 << (8 + (transferMode & 7)) : 0;
    }

    private static void put(byte[] dst, int word, int value) {
        dst[2 * word] = (byte) value;
        dst[2 * word + 1] = (byte) (value >>> 8);
    }

    /** An ATA string: space padded, two characters per word, the first in the high byte. */
    private static void putString(byte[] dst, int word, int length, String s) {
        byte[] chars = s.getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < length; i++) {
            dst[2 * word + (i ^ 1)] = i < chars.length ? chars[i] : (byte) ' ';
        }
    }

    @Override
    public String toString() {
        return "ide-hd " + blk.root().filename();
    }
}
