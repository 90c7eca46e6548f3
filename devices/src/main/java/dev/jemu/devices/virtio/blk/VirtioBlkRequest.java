package dev.jemu.devices.virtio.blk;

import dev.jemu.core.memory.AddressSpace;
import dev.jemu.coroutine.CoroutineEntry;
import dev.jemu.devices.virtio.VirtQueueElement;

import java.nio.ByteBuffer;

/**
 * One virtio-blk request: the popped chain, its header (virtio 1.x section 5.2.6: {@code le32
 * type, le32 reserved, le64 sector} in the device-readable part, then data, then the status
 * byte as the last device-writable byte), the single segment of a discard or write-zeroes
 * request, a reusable bounce buffer, and the outcome. Objects are pooled by {@link VirtioBlk};
 * each run is the entry of one coroutine.
 *
 * <p>Threading: the device's AioContext thread; the pool is guarded by the device lock.
 */
public final class VirtioBlkRequest implements CoroutineEntry {
    public static final int T_IN = 0;
    public static final int T_OUT = 1;
    public static final int T_FLUSH = 4;
    public static final int T_GET_ID = 8;
    public static final int T_DISCARD = 11;
    public static final int T_WRITE_ZEROES = 13;
    /** Legacy barrier flag in the type, ignored. */
    public static final int T_BARRIER = 0x8000_0000;

    public static final int S_OK = 0;
    public static final int S_IOERR = 1;
    public static final int S_UNSUPP = 2;

    /** Bytes of the request header. */
    public static final int HEADER_SIZE = 16;
    /** Bytes of one discard / write-zeroes segment. */
    public static final int SEGMENT_SIZE = 16;
    /** Write-zeroes segment flag: the range may be deallocated. */
    public static final int WRITE_ZEROES_UNMAP = 1;
    /** Bytes of a device ID (GET_ID). */
    public static final int ID_BYTES = 20;

    private static final int MIN_BUFFER = 4096;

    private final VirtioBlk owner;
    private final VirtQueueElement element = new VirtQueueElement();
    private final byte[] scratch = new byte[HEADER_SIZE];
    private ByteBuffer buffer = ByteBuffer.allocate(MIN_BUFFER);

    int queue;
    int generation;
    int type;
    long sector;
    long segmentSector;
    long segmentSectors;
    int segmentFlags;
    /** Bytes of {@link #buffer()} to copy to the guest on completion. */
    int inData;
    /** Why the device needs a reset, for a request it could not parse. */
    String malformed;
    VirtioBlkRequest next;

    VirtioBlkRequest(VirtioBlk owner) {
        this.owner = owner;
    }

    /** The chain this request came in. */
    public VirtQueueElement element() {
        return element;
    }

    /** Bytes of data after the header (OUT, DISCARD, WRITE_ZEROES). */
    public long outDataBytes() {
        return element.outBytes() - HEADER_SIZE;
    }

    /** Bytes of data before the status byte (IN, GET_ID). */
    public long inDataBytes() {
        return element.inBytes() - 1;
    }

    /**
     * Parses the header; false (with {@link #malformed} set) if the chain has no room for it
     * in its device-readable part or no device-writable status byte.
     */
    boolean parseHeader(AddressSpace mem) {
        if (element.outBytes() < HEADER_SIZE || element.inBytes() < 1) {
            malformed = "virtio-blk request at descriptor " + element.head() + " has "
                    + element.outBytes() + " device-readable bytes (a header needs " + HEADER_SIZE + ") and "
                    + element.inBytes() + " device-writable bytes (the status needs 1)";
            return false;
        }
        element.readOut(mem, 0, scratch, 0, HEADER_SIZE);
        type = le32(scratch, 0) & ~T_BARRIER;
        sector = le64(scratch, 8);
        return true;
    }

    /**
     * Parses the single discard / write-zeroes segment after the header; false (with {@link
     * #malformed} set) if it is shorter than one segment.
     */
    boolean parseSegment(AddressSpace mem) {
        if (outDataBytes() < SEGMENT_SIZE) {
            malformed = "virtio-blk discard/write_zeroes request at descriptor " + element.head()
                    + " has " + outDataBytes() + " bytes of segment (" + SEGMENT_SIZE + " needed)";
            return false;
        }
        element.readOut(mem, HEADER_SIZE, scratch, 0, SEGMENT_SIZE);
        segmentSector = le64(scratch, 0);
        segmentSectors = le32(scratch, 8) & 0xFFFF_FFFFL;
        segmentFlags = le32(scratch, 12);
        return true;
    }

    /** A bounce buffer of at least {@code bytes}, position 0, reused across requests. */
    ByteBuffer buffer(int bytes) {
        if (buffer.capacity() < bytes) {
            buffer = ByteBuffer.allocate(Math.max(Integer.highestOneBit(bytes - 1) << 1, MIN_BUFFER));
        }
        return buffer.clear();
    }

    /** The bounce buffer as last sized. */
    ByteBuffer buffer() {
        return buffer;
    }

    void reset(int queueIndex, int resetCount) {
        queue = queueIndex;
        generation = resetCount;
        type = -1;
        inData = 0;
        malformed = null;
        next = null;
    }

    @Override
    public void run(Object opaque) {
        owner.execute(this);
    }

    private static int le32(byte[] b, int at) {
        return (b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8 | (b[at + 2] & 0xFF) << 16 | (b[at + 3] & 0xFF) << 24;
    }

    private static long le64(byte[] b, int at) {
        return (le32(b, at) & 0xFFFF_FFFFL) | (long) le32(b, at + 4) << 32;
    }
}
