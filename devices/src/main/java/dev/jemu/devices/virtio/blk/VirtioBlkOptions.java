package dev.jemu.devices.virtio.blk;

/**
 * The properties of a virtio-blk device, named as QEMU's {@code -device virtio-blk-pci} names
 * them, with QEMU's defaults in {@link #defaults()}. Immutable.
 *
 * @param numQueues {@code num-queues}: request queues, 1 to 1024
 * @param queueSize {@code queue-size}: descriptors per queue, a power of two from 4 to 1024
 * @param logicalBlockSize {@code logical_block_size}: a power of two from 512 to 2 MiB
 * @param physicalBlockSize {@code physical_block_size}: a power of two, at least the logical size
 * @param serial {@code serial}: at most 20 bytes are given to the guest; null for none
 * @param writeCache {@code write-cache}: whether the write cache starts enabled (the
 *     {@code writeback} config field); the driver may change it, as in QEMU
 * @param readOnly whether the drive is read-only (the guest is offered VIRTIO_BLK_F_RO)
 * @param werror the drive's {@code werror=}
 * @param rerror the drive's {@code rerror=}
 */
public record VirtioBlkOptions(int numQueues, int queueSize, int logicalBlockSize, int physicalBlockSize,
                               String serial, boolean writeCache, boolean readOnly,
                               BlockErrorAction werror, BlockErrorAction rerror) {
    /** Largest logical and physical block size. */
    public static final int MAX_BLOCK_SIZE = 2 << 20;

    /**
     * @throws IllegalArgumentException naming the property and the reason, in QEMU's words
     */
    public VirtioBlkOptions {
        if (numQueues < 1) {
            throw new IllegalArgumentException("num-queues property must be larger than 0");
        }
        if (numQueues > 1024) {
            throw new IllegalArgumentException("num-queues property must be at most 1024");
        }
        if (queueSize <= 2) {
            throw new IllegalArgumentException("invalid queue-size property (" + queueSize + "), must be > 2");
        }
        if (queueSize > 1024 || Integer.bitCount(queueSize) != 1) {
            throw new IllegalArgumentException("invalid queue-size property (" + queueSize
                    + "), must be a power of 2 (max 1024)");
        }
        checkBlockSize("logical_block_size", logicalBlockSize);
        checkBlockSize("physical_block_size", physicalBlockSize);
        if (physicalBlockSize < logicalBlockSize) {
            throw new IllegalArgumentException("logical_block_size > physical_block_size not supported");
        }
        if (werror == null || rerror == null) {
            throw new IllegalArgumentException("werror and rerror must be given");
        }
    }

    private static void checkBlockSize(String name, int size) {
        if (Integer.bitCount(size) != 1) {
            throw new IllegalArgumentException("Property ." + name + " doesn't take value '" + size
                    + "', it's not a power of 2");
        }
        if (size < 512 || size > MAX_BLOCK_SIZE) {
            throw new IllegalArgumentException("Property ." + name + " doesn't take value '" + size
                    + "', it's not between 512 and " + MAX_BLOCK_SIZE);
        }
    }

    /** QEMU's defaults: one queue of 256, 512-byte blocks, no serial, write cache on, rerror=report, werror=enospc. */
    public static VirtioBlkOptions defaults() {
        return new VirtioBlkOptions(1, 256, 512, 512, null, true, false, BlockErrorAction.ENOSPC, BlockErrorAction.REPORT);
    }

    /** A copy with {@code num-queues} and {@code queue-size} changed. */
    public VirtioBlkOptions withQueues(int queues, int size) {
        return new VirtioBlkOptions(queues, size, logicalBlockSize, physicalBlockSize, serial, writeCache, readOnly,
                werror, rerror);
    }

    /** A copy with the block sizes changed. */
    public VirtioBlkOptions withBlockSizes(int logical, int physical) {
        return new VirtioBlkOptions(numQueues, queueSize, logical, physical, serial, writeCache, readOnly, werror, rerror);
    }

    /** A copy with {@code serial}, {@code write-cache} and read-only changed. */
    public VirtioBlkOptions withDrive(String newSerial, boolean newWriteCache, boolean newReadOnly) {
        return new VirtioBlkOptions(numQueues, queueSize, logicalBlockSize, physicalBlockSize, newSerial, newWriteCache,
                newReadOnly, werror, rerror);
    }

    /** A copy with the error actions changed. */
    public VirtioBlkOptions withErrorActions(BlockErrorAction write, BlockErrorAction read) {
        return new VirtioBlkOptions(numQueues, queueSize, logicalBlockSize, physicalBlockSize, serial, writeCache, readOnly,
                write, read);
    }
}
