package dev.jemu.devices.ide;

import dev.jemu.block.RequestFlags;
import dev.jemu.core.sync.BigLock;
import dev.jemu.coroutine.Coroutine;
import dev.jemu.coroutine.CoroutineEntry;

import java.io.IOException;

/**
 * The data-moving half of a channel's command: PIO reads and writes, bus-master DMA and
 * FLUSH CACHE, each carried out by a coroutine in the drive's AioContext. A command starts
 * under the big lock on the vCPU thread, which only marks the drive busy and schedules the
 * coroutine; the coroutine does the block request without the lock and takes the lock to
 * copy data (to the PIO buffer or through the PRD table) and report the outcome. Requests
 * move at most {@value IdeDrive#BUFFER_SECTORS} sectors at a time through the drive's
 * preallocated buffers.
 *
 * <p>PIO reads fill the buffer and then hand it to the guest a block (one sector, or the
 * multiple-mode count) at a time, with an interrupt per block; PIO writes collect the
 * guest's blocks in the buffer, interrupting for each, and write them with one request when
 * the buffer is full or the command's data is all in. DMA walks the PRD table chunk by chunk.
 *
 * <p>A failed host request follows the drive's error policy: {@code report} aborts the
 * command, {@code ignore} completes it, {@code stop} leaves the drive busy, keeps the request
 * and stops the VM; {@link #resume()} then retries it. A software or machine reset cancels
 * the command; a request already in the block layer finishes first and is then dropped.
 *
 * <p>Threading: every field is guarded by the big emulator lock; the coroutine holds the lock
 * only while it copies data or changes state, never across a block request.
 */
final class IdeTransfer {
    private static final int NONE = 0;
    private static final int PIO_READ = 1;
    private static final int PIO_WRITE = 2;
    private static final int DMA_READ = 3;
    private static final int DMA_WRITE = 4;
    private static final int FLUSH = 5;

    private final IdeChannel channel;
    private final BigLock bql;
    private final Bmdma bmdma;
    private final Runnable vmStop;
    private final CoroutineEntry body = this::run;

    private int kind = NONE;
    private int unit;
    private IdeDrive drive;
    private boolean lba48;
    /** Next sector to go to or come from the disk. */
    private long lba;
    /** Sectors of the command not yet read from or written to the disk. */
    private int left;
    /** PIO block size in sectors. */
    private int block;
    /** PIO read: sectors in the buffer not yet given to the guest; PIO write: sectors collected. */
    private int buffered;
    /** PIO read: byte offset of the next block in the buffer. */
    private int bufferPos;
    /** Sectors in the block the guest is moving now. */
    private int blockSectors;

    /** The chunk of the current block request. */
    private long ioLba;
    private int ioSectors;
    private int ioFlags;

    private boolean inFlight;
    private boolean dmaWaiting;
    private boolean stopped;
    private int generation;
    private int runGeneration;
    private boolean retry;

    IdeTransfer(IdeChannel channel, BigLock bql, Bmdma bmdma, Runnable vmStop) {
        this.channel = channel;
        this.bql = bql;
        this.bmdma = bmdma;
        this.vmStop = vmStop;
    }

    boolean inFlight() {
        return inFlight;
    }

    boolean isPio() {
        return kind == PIO_READ || kind == PIO_WRITE;
    }

    // ------------------------------------------------------------------ starting (vCPU, big lock)

    void startPioRead(int unit, IdeDrive drive, long lba, int sectors, int block, boolean lba48) {
        begin(PIO_READ, unit, drive, lba, sectors, lba48);
        this.block = block;
        nextChunk();
        channel.setBusy(unit);
        launch();
    }

    void startPioWrite(int unit, IdeDrive drive, long lba, int sectors, int block, boolean lba48) {
        begin(PIO_WRITE, unit, drive, lba, sectors, lba48);
        this.block = block;
        offerWriteBlock();
    }

    void startDma(int unit, IdeDrive drive, long lba, int sectors, boolean write, boolean lba48) {
        begin(write ? DMA_WRITE : DMA_READ, unit, drive, lba, sectors, lba48);
        channel.setBusy(unit);
        if (bmdma.isStarted()) {
            launch();
        } else {
            dmaWaiting = true;
        }
    }

    void startFlush(int unit, IdeDrive drive) {
        begin(FLUSH, unit, drive, 0, 0, false);
        channel.setBusy(unit);
        launch();
    }

    private void begin(int kind, int unit, IdeDrive drive, long lba, int sectors, boolean lba48) {
        this.kind = kind;
        this.unit = unit;
        this.drive = drive;
        this.lba = lba;
        this.left = sectors;
        this.lba48 = lba48;
        this.buffered = 0;
        this.bufferPos = 0;
    }

    /** The bus-master engine was started: a DMA command waiting for it begins (or goes on). */
    void dmaEngineStarted() {
        if (dmaWaiting && !inFlight && (kind == DMA_READ || kind == DMA_WRITE)) {
            dmaWaiting = false;
            launch();
        }
    }

    /** Retries the request that {@code stop} kept. */
    void resume() {
        if (stopped && !inFlight) {
            stopped = false;
            retry = true;
            launch();
        }
    }

    /** Drops the command (reset); an in-flight request is left to finish and then ignored. */
    void cancel() {
        generation++;
        kind = NONE;
        dmaWaiting = false;
        stopped = false;
        retry = false;
    }

    private void launch() {
        inFlight = true;
        runGeneration = generation;
        drive.context().schedule(Coroutine.create(body, null));
    }

    // ------------------------------------------------------------------ PIO blocks (vCPU, big lock)

    /** The guest has moved the block offered through the data register. */
    void pioBlockDone() {
        if (kind == PIO_READ) {
            buffered -= blockSectors;
            bufferPos += blockSectors * IdeDrive.SECTOR_SIZE;
            if (buffered > 0) {
                offerReadBlock();
            } else if (left > 0) {
                nextChunk();
                channel.setBusy(unit);
                launch();
            } else {
                kind = NONE;
                channel.setReady(unit);
            }
        } else {
            buffered += blockSectors;
            if (buffered == left || buffered == IdeDrive.BUFFER_SECTORS) {
                ioLba = lba;
                ioSectors = buffered;
                channel.setBusy(unit);
                launch();
            } else {
                offerWriteBlock();
                channel.raiseIrq();
            }
        }
    }

    private void offerReadBlock() {
        blockSectors = Math.min(block, buffered);
        channel.startPio(unit, drive.dataBuffer(), bufferPos, bufferPos + blockSectors * IdeDrive.SECTOR_SIZE, false);
        channel.raiseIrq();
    }

    private void offerWriteBlock() {
        blockSectors = Math.min(block, left - buffered);
        int from = buffered * IdeDrive.SECTOR_SIZE;
        channel.startPio(unit, drive.dataBuffer(), from, from + blockSectors * IdeDrive.SECTOR_SIZE, true);
    }

    private void nextChunk() {
        ioLba = lba;
        ioSectors = Math.min(left, IdeDrive.BUFFER_SECTORS);
    }

    // ------------------------------------------------------------------ the coroutine

    private void run(Object unused) {
        int gen;
        boolean again;
        bql.lock();
        try {
            gen = runGeneration;
            again = retry;
            retry = false;
        } finally {
            bql.unlock();
        }
        while (true) {
            if (!again) {
                bql.lock();
                try {
                    if (gen != generation) {
                        settle();
                        return;
                    }
                    if (!prepare()) {
                        inFlight = false;
                        return;
                    }
                } finally {
                    bql.unlock();
                }
            }
            again = false;
            IOException failure = null;
            try {
                doIo();
            } catch (IOException e) {
                failure = e;
            }
            bql.lock();
            try {
                if (gen != generation) {
                    settle();
                    return;
                }
                if (failure != null && !failed(failure)) {
                    inFlight = false;
                    return;
                }
                if (!completed()) {
                    inFlight = false;
                    return;
                }
            } finally {
                bql.unlock();
            }
        }
    }

    /** A cancelled command's request has ended. Under the lock. */
    private void settle() {
        inFlight = false;
        channel.ioSettled();
    }

    /** Sets up the next chunk; false if there is nothing to do now. Under the lock. */
    private boolean prepare() {
        ioFlags = drive.writeCacheEnabled() ? 0 : RequestFlags.FUA;
        if (kind != DMA_READ && kind != DMA_WRITE) {
            return kind != NONE;
        }
        if (!bmdma.isStarted()) {
            dmaWaiting = true;
            return false;
        }
        nextChunk();
        if (kind == DMA_WRITE) {
            int r = bmdma.prd().copy(drive.dataBuffer(), 0, ioSectors * IdeDrive.SECTOR_SIZE, false);
            if (r < 0) {
                dmaFault(r);
                return false;
            }
        }
        return true;
    }

    /** The block request; no lock held. */
    private void doIo() throws IOException {
        var blk = drive.backend();
        var io = drive.ioBuffer();
        byte[] data = drive.dataBuffer();
        int bytes = ioSectors * IdeDrive.SECTOR_SIZE;
        switch (kind) {
            case PIO_READ, DMA_READ -> {
                blk.coPreadv(ioLba * IdeDrive.SECTOR_SIZE, io, 0, bytes);
                io.get(0, data, 0, bytes);
            }
            case PIO_WRITE, DMA_WRITE -> {
                io.put(0, data, 0, bytes);
                blk.coPwritev(ioLba * IdeDrive.SECTOR_SIZE, io, 0, bytes, ioFlags);
            }
            default -> blk.coFlush();
        }
    }

    /** Applies the error policy; true if the command goes on as if the request had worked. Under the lock. */
    private boolean failed(IOException failure) {
        boolean read = kind == PIO_READ || kind == DMA_READ;
        IdeDrive.ErrorAction action = read ? drive.readErrorAction() : drive.writeErrorAction();
        drive.backend().reportError(read, action.name().toLowerCase(java.util.Locale.ROOT), failure);
        switch (action) {
            case IGNORE -> {
                return true;
            }
            case STOP -> {
                stopped = true;
                vmStop.run();
                return false;
            }
            default -> {
                if (kind == DMA_READ || kind == DMA_WRITE) {
                    bmdma.deactivate();
                }
                kind = NONE;
                channel.abort(unit, IdeChannel.ERR_ABRT);
                return false;
            }
        }
    }

    /** Moves on after a successful request; true if the coroutine has another chunk to do. Under the lock. */
    private boolean completed() {
        if (kind == FLUSH) {
            kind = NONE;
            channel.complete(unit);
            return false;
        }
        if (kind == DMA_READ) {
            int r = bmdma.prd().copy(drive.dataBuffer(), 0, ioSectors * IdeDrive.SECTOR_SIZE, true);
            if (r < 0) {
                dmaFault(r);
                return false;
            }
        }
        lba += ioSectors;
        left -= ioSectors;
        channel.setAddress(unit, drive, lba, lba48);
        switch (kind) {
            case PIO_READ -> {
                buffered = ioSectors;
                bufferPos = 0;
                offerReadBlock();
                return false;
            }
            case PIO_WRITE -> {
                buffered = 0;
                if (left > 0) {
                    offerWriteBlock();
                    channel.raiseIrq();
                } else {
                    kind = NONE;
                    channel.complete(unit);
                }
                return false;
            }
            default -> {
                if (left > 0) {
                    return true;
                }
                kind = NONE;
                bmdma.transferEnded(false);
                channel.complete(unit);
                return false;
            }
        }
    }

    /** The PRD walk failed: a table that ends early stops the engine quietly, bad memory is an error. */
    private void dmaFault(int result) {
        kind = NONE;
        if (result == PrdTable.EXHAUSTED) {
            channel.guestError(IdeChannel.GuestError.PRD_SHORT, "PRD table ends before the transfer's "
                    + left + " sectors");
            bmdma.deactivate();
            channel.setReady(unit);
        } else {
            channel.guestError(IdeChannel.GuestError.PRD_MEMORY, String.format(
                    "PRD entry or buffer outside RAM (table entry at 0x%x)", bmdma.prd().nextEntry()));
            bmdma.transferEnded(true);
            channel.abort(unit, IdeChannel.ERR_ABRT);
        }
    }
}
