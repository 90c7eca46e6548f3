package dev.jemu.devices.virtio.blk;

import dev.jemu.aio.AioContext;
import dev.jemu.aio.BottomHalf;
import dev.jemu.aio.IOThread;
import dev.jemu.block.BlockBackend;
import dev.jemu.block.RequestFlags;
import dev.jemu.block.SyncIo;
import dev.jemu.core.memory.AddressSpace;
import dev.jemu.core.sync.BigLock;
import dev.jemu.coroutine.Coroutine;
import dev.jemu.devices.virtio.VirtQueue;
import dev.jemu.devices.virtio.VirtQueueElement;
import dev.jemu.devices.virtio.VirtQueueException;
import dev.jemu.devices.virtio.VirtioDevice;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;

/**
 * A virtio block device (virtio 1.x section 5.2) on a {@link BlockBackend}: IN, OUT, FLUSH,
 * GET_ID, DISCARD and WRITE_ZEROES (with UNMAP); the configuration space of QEMU's device
 * (capacity, seg_max, geometry, blk_size, topology, writeback, num_queues, discard and
 * write-zeroes limits); {@code num-queues}, {@code queue-size}, {@code logical_block_size},
 * {@code serial}, {@code write-cache} and read-only drives.
 *
 * <p>A driver's notify (a register write on the vCPU thread, under the big lock) only
 * schedules the queue's bottom half in the drive's AioContext: the main loop's, or with
 * {@code iothread=} the IOThread's. There the queue is drained under the device lock and every
 * request becomes a coroutine of its own, so many are in flight at once. A completion copies
 * read data to the guest, writes the status byte and pushes the used element; one bottom half
 * per batch publishes the used index and raises at most one interrupt per queue (respecting
 * EVENT_IDX). Without an IOThread the device half of processing and completion runs under the
 * big lock; with one, only the interrupt raise takes it. Host errors follow {@code werror=} and
 * {@code rerror=}: report (IOERR), ignore (OK), or stop (the board's stop handler is called and
 * the request is retried at {@link #resume()}).
 *
 * <p>Guest mistakes the request format makes impossible to answer (no room for the header or
 * the status byte, a short discard segment) stop the device until reset ({@link
 * VirtioDevice#needsReset}); requests that are well formed but
 * wrong (past the end of the disk, misaligned, a write to a read-only drive) complete with
 * IOERR; unknown types and unsupported flags with UNSUPP.
 *
 * <p>Threading: see {@link VirtioDevice}; {@link #resume()}, {@link #drain()} and {@link
 * #close()} may be called from any thread.
 */
public final class VirtioBlk extends VirtioDevice {
    /** The virtio device ID of a block device. */
    public static final int DEVICE_ID = 2;
    /** PCI class of a virtio block device: mass storage, SCSI. */
    public static final int PCI_CLASS = 0x010000;

    public static final int F_SIZE_MAX = 1;
    public static final int F_SEG_MAX = 2;
    public static final int F_GEOMETRY = 4;
    public static final int F_RO = 5;
    public static final int F_BLK_SIZE = 6;
    public static final int F_FLUSH = 9;
    public static final int F_TOPOLOGY = 10;
    public static final int F_CONFIG_WCE = 11;
    public static final int F_MQ = 12;
    public static final int F_DISCARD = 13;
    public static final int F_WRITE_ZEROES = 14;

    public static final int CFG_CAPACITY = 0;
    public static final int CFG_SIZE_MAX = 8;
    public static final int CFG_SEG_MAX = 12;
    public static final int CFG_CYLINDERS = 16;
    public static final int CFG_HEADS = 18;
    public static final int CFG_SECTORS = 19;
    public static final int CFG_BLK_SIZE = 20;
    public static final int CFG_PHYSICAL_BLOCK_EXP = 24;
    public static final int CFG_ALIGNMENT_OFFSET = 25;
    public static final int CFG_MIN_IO_SIZE = 26;
    public static final int CFG_OPT_IO_SIZE = 28;
    public static final int CFG_WRITEBACK = 32;
    public static final int CFG_NUM_QUEUES = 34;
    public static final int CFG_MAX_DISCARD_SECTORS = 36;
    public static final int CFG_MAX_DISCARD_SEG = 40;
    public static final int CFG_DISCARD_SECTOR_ALIGNMENT = 44;
    public static final int CFG_MAX_WRITE_ZEROES_SECTORS = 48;
    public static final int CFG_MAX_WRITE_ZEROES_SEG = 52;
    public static final int CFG_WRITE_ZEROES_MAY_UNMAP = 56;
    /** Bytes of configuration space, up to {@code write_zeroes_may_unmap} (QEMU's size). */
    public static final int CONFIG_SIZE = 57;

    /** Largest discard or write-zeroes request in sectors (QEMU's limit). */
    public static final long MAX_DISCARD_SECTORS = 0x3F_FFFF;
    /** Largest read or write the device accepts in one request; longer ones get IOERR. */
    public static final int MAX_TRANSFER = 64 << 20;
    private static final int SECTOR = 512;

    private final BlockBackend backend;
    private final VirtioBlkOptions options;
    private final AioContext ctx;
    private final boolean underBigLock;
    private final boolean readOnly;
    private final long capacity;
    private final int sectorMask;
    private final byte[] config = new byte[CONFIG_SIZE];
    private final byte[] serial;
    private final BottomHalf[] kick;
    private final BottomHalf publish;
    private final boolean[] dirty;

    private Runnable stopHandler = () -> { };
    private VirtioBlkRequest free;
    private VirtioBlkRequest stopped;
    private volatile boolean writeCacheOn;
    private long requests;

    /**
     * @param name the device's name in messages
     * @param backend the drive
     * @param options the device's properties
     * @param memory guest memory
     * @param bql the machine's big lock
     * @param mainContext the main loop's AioContext (used without an IOThread)
     * @param iothread the {@code iothread=} the device runs in, or null
     * @throws IOException if the first sector cannot be read: like QEMU at realize, the
     *     constructor reads it synchronously on the calling thread (through {@link SyncIo}) to
     *     guess the geometry
     */
    public VirtioBlk(String name, BlockBackend backend, VirtioBlkOptions options, AddressSpace memory, BigLock bql,
                     AioContext mainContext, IOThread iothread) throws IOException {
        super(name, DEVICE_ID, options.numQueues(), options.queueSize(), memory, bql);
        this.backend = backend;
        this.options = options;
        this.ctx = iothread != null ? iothread.context() : java.util.Objects.requireNonNull(mainContext,
                "virtio-blk: the main AioContext is needed without an iothread");
        this.underBigLock = iothread == null;
        this.readOnly = options.readOnly() || backend.root().isReadOnly();
        this.capacity = backend.length() / SECTOR;
        this.sectorMask = options.logicalBlockSize() / SECTOR - 1;
        this.serial = options.serial() == null ? new byte[0] : options.serial().getBytes(StandardCharsets.UTF_8);
        this.writeCacheOn = options.writeCache();
        this.kick = new BottomHalf[options.numQueues()];
        this.dirty = new boolean[options.numQueues()];
        for (int i = 0; i < kick.length; i++) {
            int q = i;
            kick[i] = ctx.newBottomHalf(() -> processQueue(q));
        }
        this.publish = ctx.newBottomHalf(this::publishCompletions);
        buildConfig(readFirstSector());
    }

    /**
     * Sets what {@code werror=stop}/{@code rerror=stop} calls to stop the VM (the board passes
     * its machine loop's pause); it is called in the device's AioContext without locks. Set it
     * before the guest runs.
     */
    public void setStopHandler(Runnable handler) {
        stopHandler = handler;
    }

    /** The AioContext the device's requests run in. */
    public AioContext context() {
        return ctx;
    }

    /** Requests started since creation. */
    public long requestCount() {
        return requests;
    }

    // ------------------------------------------------------------------ features and configuration

    @Override
    protected long deviceFeatures() {
        long f = 1L << F_SEG_MAX | 1L << F_GEOMETRY | 1L << F_BLK_SIZE | 1L << F_TOPOLOGY | 1L << F_CONFIG_WCE
                | 1L << F_FLUSH | 1L << F_DISCARD | 1L << F_WRITE_ZEROES;
        if (readOnly) {
            f |= 1L << F_RO;
        }
        if (options.numQueues() > 1) {
            f |= 1L << F_MQ;
        }
        return f;
    }

    private byte[] readFirstSector() throws IOException {
        byte[] mbr = new byte[SECTOR];
        if (backend.length() >= SECTOR) {
            SyncIo.run(() -> backend.coPreadv(0, ByteBuffer.wrap(mbr), 0, SECTOR));
        }
        return mbr;
    }

    private void buildConfig(byte[] mbr) {
        put(CFG_CAPACITY, capacity, 8);
        put(CFG_SEG_MAX, options.queueSize() - 2, 4);
        int[] chs = Geometry.guess(mbr, capacity);
        put(CFG_CYLINDERS, chs[0], 2);
        put(CFG_HEADS, chs[1], 1);
        put(CFG_SECTORS, chs[2], 1);
        put(CFG_BLK_SIZE, options.logicalBlockSize(), 4);
        put(CFG_PHYSICAL_BLOCK_EXP, Integer.numberOfTrailingZeros(options.physicalBlockSize() / options.logicalBlockSize()), 1);
        put(CFG_WRITEBACK, writeCacheOn ? 1 : 0, 1);
        put(CFG_NUM_QUEUES, options.numQueues(), 2);
        put(CFG_MAX_DISCARD_SECTORS, MAX_DISCARD_SECTORS, 4);
        put(CFG_MAX_DISCARD_SEG, 1, 4);
        put(CFG_DISCARD_SECTOR_ALIGNMENT, options.logicalBlockSize() / SECTOR, 4);
        put(CFG_MAX_WRITE_ZEROES_SECTORS, MAX_DISCARD_SECTORS, 4);
        put(CFG_MAX_WRITE_ZEROES_SEG, 1, 4);
        put(CFG_WRITE_ZEROES_MAY_UNMAP, 1, 1);
    }

    private void put(int offset, long value, int size) {
        for (int i = 0; i < size; i++) {
            config[offset + i] = (byte) (value >>> (8 * i));
        }
    }

    @Override
    public int configSize() {
        return CONFIG_SIZE;
    }

    @Override
    public long readConfig(int offset, int size) {
        long v = 0;
        for (int i = 0; i < size; i++) {
            v |= (config[offset + i] & 0xFFL) << (8 * i);
        }
        return v;
    }

    /**
     * The driver may write only {@code writeback}, switching the cache mode (as in QEMU, even
     * on a {@code write-cache=off} device: the property is the initial state).
     */
    @Override
    public void writeConfig(int offset, long value, int size) {
        if (offset == CFG_WRITEBACK && size == 1) {
            setWriteCache(value != 0);
        }
    }

    private void setWriteCache(boolean on) {
        writeCacheOn = on;
        config[CFG_WRITEBACK] = (byte) (on ? 1 : 0);
    }

    // ------------------------------------------------------------------ lifecycle hooks

    @Override
    protected void activated() {
        if (!hasFeature(F_CONFIG_WCE)) {
            setWriteCache(hasFeature(F_FLUSH));
        }
        for (BottomHalf bh : kick) {
            bh.schedule();
        }
    }

    @Override
    protected void queueNotified(int index) {
        kick[index].schedule();
    }

    @Override
    protected void deviceReset() {
        setWriteCache(options.writeCache());
        Arrays.fill(dirty, false);
        while (stopped != null) {
            VirtioBlkRequest r = stopped;
            stopped = r.next;
            recycle(r);
        }
    }

    // ------------------------------------------------------------------ queue processing (AioContext)

    private void lockDevice() {
        if (underBigLock) {
            bql.lock();
        }
        lock().lock();
    }

    private void unlockDevice() {
        lock().unlock();
        if (underBigLock) {
            bql.unlock();
        }
    }

    /** The queue's bottom half: pops every available chain, then starts one coroutine per request. */
    private void processQueue(int index) {
        VirtioBlkRequest first = null;
        VirtioBlkRequest last = null;
        lockDevice();
        try {
            VirtQueue q = queue(index);
            if (!isActive() || !q.isEnabled()) {
                return;
            }
            VirtioBlkRequest spare = null;
            try {
                q.checkRings();
                do {
                    q.setNotification(false);
                    while (true) {
                        if (spare == null) {
                            spare = obtain(index);
                        }
                        if (!q.pop(spare.element())) {
                            break;
                        }
                        if (last == null) {
                            first = spare;
                        } else {
                            last.next = spare;
                        }
                        last = spare;
                        spare = null;
                    }
                    q.setNotification(true);
                } while (!q.isEmpty());
            } catch (VirtQueueException e) {
                needsReset(e.getMessage());
            }
            if (spare != null) {
                recycle(spare);
            }
        } finally {
            unlockDevice();
        }
        while (first != null) {
            VirtioBlkRequest r = first;
            first = r.next;
            r.next = null;
            requests++;
            Coroutine.create(r, null).enter();
        }
        raisePending();
    }

    private VirtioBlkRequest obtain(int queue) {
        VirtioBlkRequest r = free;
        if (r != null) {
            free = r.next;
        } else {
            r = new VirtioBlkRequest(this);
        }
        r.reset(queue, resetCount());
        return r;
    }

    private void recycle(VirtioBlkRequest r) {
        r.next = free;
        free = r;
    }

    // ------------------------------------------------------------------ request execution (coroutine)

    /** Runs one request; the entry of its coroutine. */
    void execute(VirtioBlkRequest r) {
        int status;
        try {
            status = handle(r);
        } catch (IOException e) {
            BlockErrorAction action = (r.type == VirtioBlkRequest.T_IN ? options.rerror() : options.werror()).resolve(e);
            backend.reportError(r.type == VirtioBlkRequest.T_IN, action.name().toLowerCase(java.util.Locale.ROOT), e);
            if (action == BlockErrorAction.STOP) {
                park(r);
                return;
            }
            r.inData = 0;
            status = action == BlockErrorAction.IGNORE ? VirtioBlkRequest.S_OK : VirtioBlkRequest.S_IOERR;
        }
        complete(r, status);
    }

    /** The request's status, or -1 if it is malformed (the device then needs a reset). */
    private int handle(VirtioBlkRequest r) throws IOException {
        if (!r.parseHeader(memory)) {
            return -1;
        }
        return switch (r.type) {
            case VirtioBlkRequest.T_IN -> read(r);
            case VirtioBlkRequest.T_OUT -> write(r);
            case VirtioBlkRequest.T_FLUSH -> {
                backend.coFlush();
                yield VirtioBlkRequest.S_OK;
            }
            case VirtioBlkRequest.T_GET_ID -> getId(r);
            case VirtioBlkRequest.T_DISCARD, VirtioBlkRequest.T_WRITE_ZEROES -> discardOrZero(r);
            default -> VirtioBlkRequest.S_UNSUPP;
        };
    }

    private int read(VirtioBlkRequest r) throws IOException {
        long bytes = r.inDataBytes();
        if (!transferOk(r, r.sector, bytes, "read")) {
            return VirtioBlkRequest.S_IOERR;
        }
        int n = (int) bytes;
        ByteBuffer buf = r.buffer(n);
        backend.coPreadv(r.sector * SECTOR, buf, 0, n);
        r.inData = n;
        return VirtioBlkRequest.S_OK;
    }

    private int write(VirtioBlkRequest r) throws IOException {
        long bytes = r.outDataBytes();
        if (readOnly) {
            requestError("write to a read-only drive");
            return VirtioBlkRequest.S_IOERR;
        }
        if (!transferOk(r, r.sector, bytes, "write")) {
            return VirtioBlkRequest.S_IOERR;
        }
        int n = (int) bytes;
        ByteBuffer buf = r.buffer(n);
        r.element().readOut(memory, VirtioBlkRequest.HEADER_SIZE, buf.array(), 0, n);
        backend.coPwritev(r.sector * SECTOR, buf, 0, n, writeCacheOn ? 0 : RequestFlags.FUA);
        return VirtioBlkRequest.S_OK;
    }

    private int getId(VirtioBlkRequest r) {
        int n = (int) Math.min(serial.length + 1, Math.min(r.inDataBytes(), VirtioBlkRequest.ID_BYTES));
        ByteBuffer buf = r.buffer(n);
        buf.put(0, serial, 0, Math.min(n, serial.length));
        if (n > serial.length) {
            buf.put(serial.length, (byte) 0);
        }
        r.inData = n;
        return VirtioBlkRequest.S_OK;
    }

    private int discardOrZero(VirtioBlkRequest r) throws IOException {
        if (!r.parseSegment(memory)) {
            return -1;
        }
        boolean discard = r.type == VirtioBlkRequest.T_DISCARD;
        if (r.outDataBytes() > VirtioBlkRequest.SEGMENT_SIZE) {
            return VirtioBlkRequest.S_UNSUPP;
        }
        if ((r.segmentFlags & ~VirtioBlkRequest.WRITE_ZEROES_UNMAP) != 0
                || (discard && r.segmentFlags != 0)) {
            return VirtioBlkRequest.S_UNSUPP;
        }
        if (readOnly) {
            requestError((discard ? "discard" : "write zeroes") + " on a read-only drive");
            return VirtioBlkRequest.S_IOERR;
        }
        if (r.segmentSectors > MAX_DISCARD_SECTORS
                || !rangeOk(r.segmentSector, r.segmentSectors * SECTOR, discard ? "discard" : "write zeroes")) {
            return VirtioBlkRequest.S_IOERR;
        }
        long offset = r.segmentSector * SECTOR;
        long bytes = r.segmentSectors * SECTOR;
        if (discard) {
            backend.coPdiscard(offset, bytes);
        } else {
            int flags = (r.segmentFlags & VirtioBlkRequest.WRITE_ZEROES_UNMAP) != 0 ? RequestFlags.MAY_UNMAP : 0;
            backend.coPwriteZeroes(offset, bytes, writeCacheOn ? flags : flags | RequestFlags.FUA);
        }
        return VirtioBlkRequest.S_OK;
    }

    private boolean transferOk(VirtioBlkRequest r, long sector, long bytes, String what) {
        if (bytes > MAX_TRANSFER) {
            requestError(what + " of " + bytes + " bytes at descriptor " + r.element().head()
                    + " is longer than " + MAX_TRANSFER);
            return false;
        }
        return rangeOk(sector, bytes, what);
    }

    /** QEMU's sector range check: aligned to the logical block size and inside the disk. */
    private boolean rangeOk(long sector, long bytes, String what) {
        long sectors = bytes / SECTOR;
        if ((sector & sectorMask) != 0 || bytes % options.logicalBlockSize() != 0
                || Long.compareUnsigned(sector, capacity) > 0 || sectors > capacity - sector) {
            requestError(what + " of " + bytes + " bytes at sector " + Long.toUnsignedString(sector)
                    + " is misaligned or past the end of the disk (" + capacity + " sectors)");
            return false;
        }
        return true;
    }

    // ------------------------------------------------------------------ completion

    /** The device half of a completion: data and status to the guest, the used element pushed. */
    private void complete(VirtioBlkRequest r, int status) {
        boolean schedule = false;
        lockDevice();
        try {
            if (r.generation == resetCount() && isActive()) {
                VirtQueueElement e = r.element();
                if (status < 0) {
                    needsReset(r.malformed);
                } else if (!inBuffersInRam(e)) {
                    needsReset("virtio-blk request at descriptor " + e.head() + ": its buffers are no longer in RAM");
                } else {
                    if (r.inData > 0) {
                        e.writeIn(memory, 0, r.buffer().array(), 0, r.inData);
                    }
                    int last = e.outCount() + e.inCount() - 1;
                    memory.write(e.address(last) + Integer.toUnsignedLong(e.length(last)) - 1, status, 1);
                    queue(r.queue).push(e, e.inBytes());
                    schedule = !dirty[r.queue];
                    dirty[r.queue] = true;
                }
            }
            recycle(r);
        } finally {
            unlockDevice();
        }
        if (schedule) {
            publish.schedule();
        }
        if (status < 0) {
            raisePending();
        }
    }

    private boolean inBuffersInRam(VirtQueueElement e) {
        for (int i = e.outCount(); i < e.outCount() + e.inCount(); i++) {
            if (!VirtQueue.isRam(memory, e.address(i), Integer.toUnsignedLong(e.length(i)))) {
                return false;
            }
        }
        return true;
    }

    /** The batch bottom half: publishes each dirty queue's used index and raises one interrupt. */
    private void publishCompletions() {
        lockDevice();
        try {
            for (int i = 0; i < dirty.length; i++) {
                if (dirty[i]) {
                    dirty[i] = false;
                    VirtQueue q = queue(i);
                    q.flush();
                    try {
                        if (q.shouldNotify()) {
                            queueInterrupt();
                        }
                    } catch (VirtQueueException e) {
                        needsReset(e.getMessage());
                    }
                }
            }
        } finally {
            lock().unlock();
        }
        try {
            raisePending();
        } finally {
            if (underBigLock) {
                bql.unlock();
            }
        }
    }

    // ------------------------------------------------------------------ werror/rerror=stop

    private void park(VirtioBlkRequest r) {
        lockDevice();
        try {
            r.next = stopped;
            stopped = r;
        } finally {
            unlockDevice();
        }
        stopHandler.run();
    }

    /** The VM resumed: retries the requests a {@code stop} error action held back. Any thread. */
    public void resume() {
        ctx.oneShot(this::retryStopped);
    }

    private void retryStopped() {
        VirtioBlkRequest list;
        lockDevice();
        try {
            list = stopped;
            stopped = null;
        } finally {
            unlockDevice();
        }
        while (list != null) {
            VirtioBlkRequest r = list;
            list = r.next;
            r.next = null;
            r.inData = 0;
            Coroutine.create(r, null).enter();
        }
    }

    /**
     * Waits until no request of the device is in flight in the block layer (QEMU's drain), by
     * draining the drive in its AioContext. Any thread, but not with the big lock held: the
     * requests it waits for complete under it.
     */
    public void drain() {
        if (bql.isHeld()) {
            throw new IllegalStateException(name() + ": drain called with the big emulator lock held");
        }
        if (Thread.currentThread() == ctx.homeThread()) {
            backend.root().drain();
            return;
        }
        CountDownLatch done = new CountDownLatch(1);
        ctx.oneShot(() -> {
            try {
                backend.root().drain();
            } finally {
                done.countDown();
            }
        });
        boolean interrupted = false;
        while (done.getCount() > 0) {
            try {
                done.await();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Drains the device's requests and frees its bottom halves. Any thread, without the big lock. */
    public void close() {
        drain();
        for (BottomHalf bh : kick) {
            bh.delete();
        }
        publish.delete();
    }
}
