package dev.jemu.devices.ide;

import dev.jemu.core.log.Log;
import dev.jemu.core.log.LogCategory;
import dev.jemu.core.memory.AccessSizes;
import dev.jemu.core.memory.IrqLine;
import dev.jemu.core.memory.MmioOps;
import dev.jemu.core.memory.MmioRegion;
import dev.jemu.core.sync.BigLock;

/**
 * One IDE channel (ATA/ATAPI-6): the command block (data, error/features, sector count, LBA
 * low/mid/high, device, status/command; 8 ports) and the control block (alternate status /
 * device control; 1 port), master and slave drives, the channel's interrupt line and its
 * bus-master registers. Both drives latch what the host writes to the task file; each keeps
 * its own copy, which its commands update, and its own status and error. Writing the LBA and
 * count registers pushes the previous value into the high-order byte (HOB) that the device
 * control's HOB bit reads. While the selected drive is busy (BSY or DRQ) only the command
 * register takes writes.
 *
 * <p>A channel with no drive reads 0 in every register; with the selected drive absent its
 * status and error read 0, its task file holds what was written (and after a reset the
 * signature of no device, 01 01 FF FF), and commands to it are ignored (QEMU's answers). The
 * interrupt is raised at the end of a command or when a PIO block is ready, lowered by a
 * read of the status register or a new command, and kept off the line while nIEN is set.
 *
 * <p>Threading: register access and every method here run under the big emulator lock.
 */
public final class IdeChannel {
    static final int DATA = 0;
    static final int ERROR_FEATURES = 1;
    static final int SECTOR_COUNT = 2;
    static final int LBA_LOW = 3;
    static final int LBA_MID = 4;
    static final int LBA_HIGH = 5;
    static final int DEVICE = 6;
    static final int STATUS_COMMAND = 7;

    static final int ST_ERR = 0x01;
    static final int ST_DRQ = 0x08;
    static final int ST_DSC = 0x10;
    static final int ST_DRDY = 0x40;
    static final int ST_BSY = 0x80;
    static final int READY = ST_DRDY | ST_DSC;

    static final int ERR_ABRT = 0x04;
    static final int ERR_IDNF = 0x10;
    static final int DIAGNOSTIC_PASSED = 0x01;

    static final int DEV_LBA = 0x40;
    static final int DEV_SLAVE = 0x10;
    static final int DEV_ALWAYS_ONE = 0xA0;

    static final int CTL_NIEN = 0x02;
    static final int CTL_SRST = 0x04;
    static final int CTL_HOB = 0x80;

    /** Kinds of guest mistakes, each logged once per channel. */
    enum GuestError {
        ABSENT_DRIVE, BUSY, BYTE_DATA_ACCESS, UNSUPPORTED_COMMAND, MULTIPLE_DISABLED, PAST_END, READ_ONLY, PRD_MEMORY,
        PRD_SHORT
    }

    private final String name;
    private final IrqLine irq;
    private final Bmdma bmdma;
    private final IdeTransfer transfer;
    private final IdeDrive[] drives = new IdeDrive[2];
    private final MmioRegion commandRegion;
    private final MmioRegion controlRegion;

    private int features;
    private int hobFeatures;
    private final TaskFile[] taskFiles = {new TaskFile(), new TaskFile()};
    private int selected;
    private int control;
    private final int[] status = new int[2];
    private final int[] error = new int[2];
    private boolean irqPending;
    private boolean resetDeferred;

    private byte[] pioBuffer;
    private int pioPos;
    private int pioEnd;
    private boolean pioOut;
    private int pioUnit;

    private int loggedErrors;
    private long guestErrors;

    IdeChannel(String name, BigLock bql, IrqLine irq, Bmdma bmdma, Runnable vmStop) {
        this.name = name;
        this.irq = irq;
        this.bmdma = bmdma;
        this.transfer = new IdeTransfer(this, bql, bmdma, vmStop);
        bmdma.attach(this);
        this.commandRegion = new MmioRegion(name + "-cmd", 8, new MmioOps() {
            @Override
            public long read(long offset, int size) {
                return readCommandBlock((int) offset, size);
            }

            @Override
            public void write(long offset, long value, int size) {
                writeCommandBlock((int) offset, value, size);
            }
        }, AccessSizes.UP_TO_DWORD);
        this.controlRegion = new MmioRegion(name + "-ctl", 1, new MmioOps() {
            @Override
            public long read(long offset, int size) {
                return alternateStatus();
            }

            @Override
            public void write(long offset, long value, int size) {
                writeDeviceControl((int) value);
            }
        }, AccessSizes.BYTE);
        reset();
    }

    /** The 8 command block ports (0x1F0 or 0x170). */
    public MmioRegion commandRegion() {
        return commandRegion;
    }

    /** The control block port (0x3F6 or 0x376). */
    public MmioRegion controlRegion() {
        return controlRegion;
    }

    /** The drive at {@code unit} (0 master, 1 slave), or null. */
    public IdeDrive drive(int unit) {
        return drives[unit];
    }

    /** Guest mistakes seen on this channel. */
    public long guestErrors() {
        return guestErrors;
    }

    void attach(int unit, IdeDrive drive) {
        if (drives[unit] != null) {
            throw new IllegalArgumentException(name + ": unit " + unit + " is already in use by " + drives[unit]);
        }
        drives[unit] = drive;
        status[unit] = READY;
        setSignature(unit);
    }

    // ------------------------------------------------------------------ register access

    private long readCommandBlock(int offset, int size) {
        if (offset == DATA) {
            return readData(size);
        }
        long value = 0;
        for (int i = 0; i < size; i++) {
            value |= (long) readRegister(offset + i) << (8 * i);
        }
        return value;
    }

    private void writeCommandBlock(int offset, long value, int size) {
        if (offset == DATA) {
            writeData(value, size);
            return;
        }
        for (int i = 0; i < size; i++) {
            writeRegister(offset + i, (int) (value >>> (8 * i)) & 0xFF);
        }
    }

    private int readRegister(int reg) {
        int unit = selected;
        TaskFile t = taskFiles[unit];
        boolean none = drives[0] == null && drives[1] == null;
        boolean absent = drives[unit] == null;
        boolean hob = (control & CTL_HOB) != 0;
        return switch (reg) {
            case ERROR_FEATURES -> absent ? 0 : hob ? hobFeatures : error[unit];
            case SECTOR_COUNT -> none ? 0 : hob ? t.hobCount : t.count;
            case LBA_LOW -> none ? 0 : hob ? t.hobLbaLow : t.lbaLow;
            case LBA_MID -> none ? 0 : hob ? t.hobLbaMid : t.lbaMid;
            case LBA_HIGH -> none ? 0 : hob ? t.hobLbaHigh : t.lbaHigh;
            case DEVICE -> none ? 0 : t.device;
            default -> {
                irqPending = false;
                updateIrq();
                yield absent ? 0 : status[unit];
            }
        };
    }

    private void writeRegister(int reg, int v) {
        if (reg != STATUS_COMMAND && (status[selected] & (ST_BSY | ST_DRQ)) != 0) {
            guestError(GuestError.BUSY, String.format("write of register %d while the %s is busy", reg,
                    unitName(selected)));
            return;
        }
        control &= ~CTL_HOB;
        switch (reg) {
            case ERROR_FEATURES -> {
                hobFeatures = features;
                features = v;
            }
            case SECTOR_COUNT, LBA_LOW, LBA_MID, LBA_HIGH -> {
                taskFiles[0].write(reg, v);
                taskFiles[1].write(reg, v);
            }
            case DEVICE -> {
                taskFiles[0].device = (v & ~DEV_SLAVE) | DEV_ALWAYS_ONE;
                taskFiles[1].device = v | DEV_SLAVE | DEV_ALWAYS_ONE;
                selected = (v & DEV_SLAVE) != 0 ? 1 : 0;
            }
            default -> {
                irqPending = false;
                updateIrq();
                execute(v);
            }
        }
    }

    private int alternateStatus() {
        int unit = selected;
        return drives[unit] == null ? 0 : status[unit];
    }

    private void writeDeviceControl(int v) {
        int old = control;
        control = v;
        if ((v & CTL_SRST) != 0 && (old & CTL_SRST) == 0) {
            transfer.cancel();
            endPio();
            for (int u = 0; u < 2; u++) {
                if (drives[u] != null) {
                    status[u] = ST_BSY | ST_DSC;
                    error[u] = DIAGNOSTIC_PASSED;
                }
            }
        } else if ((v & CTL_SRST) == 0 && (old & CTL_SRST) != 0) {
            if (transfer.inFlight()) {
                resetDeferred = true;
            } else {
                completeSoftReset();
            }
        }
        updateIrq();
    }

    /** The in-flight request of a cancelled command has ended: a deferred reset completes now. */
    void ioSettled() {
        if (resetDeferred && (control & CTL_SRST) == 0) {
            resetDeferred = false;
            completeSoftReset();
        }
    }

    private void completeSoftReset() {
        for (int u = 0; u < 2; u++) {
            if (drives[u] != null) {
                drives[u].setMultSectors(IdeDrive.MAX_MULT_SECTORS);
                status[u] = READY;
                error[u] = DIAGNOSTIC_PASSED;
            }
        }
        setSignature(0);
        setSignature(1);
    }

    /** The signature a reset or diagnostic leaves: 01 01 00 00 for a hard disk, 01 01 FF FF for none. */
    private void setSignature(int unit) {
        taskFiles[unit].setSignature(drives[unit] != null);
    }

    // ------------------------------------------------------------------ PIO data port

    private long readData(int size) {
        if (size == 1) {
            guestError(GuestError.BYTE_DATA_ACCESS, "byte read of the data register");
            return 0xFF;
        }
        if (pioBuffer == null || pioOut || selected != pioUnit) {
            return 0;
        }
        long value = 0;
        for (int i = 0; i < size && pioPos < pioEnd; i++) {
            value |= (pioBuffer[pioPos++] & 0xFFL) << (8 * i);
        }
        if (pioPos >= pioEnd) {
            pioBlockDone();
        }
        return value;
    }

    private void writeData(long value, int size) {
        if (size == 1) {
            guestError(GuestError.BYTE_DATA_ACCESS, "byte write of the data register");
            return;
        }
        if (pioBuffer == null || !pioOut || selected != pioUnit) {
            return;
        }
        for (int i = 0; i < size && pioPos < pioEnd; i++) {
            pioBuffer[pioPos++] = (byte) (value >>> (8 * i));
        }
        if (pioPos >= pioEnd) {
            pioBlockDone();
        }
    }

    /**
     * Offers {@code buffer[from, to)} through the data register for unit {@code unit}, in the
     * direction {@code out} (host to device), with DRQ set.
     */
    void startPio(int unit, byte[] buffer, int from, int to, boolean out) {
        pioBuffer = buffer;
        pioPos = from;
        pioEnd = to;
        pioOut = out;
        pioUnit = unit;
        status[unit] = READY | ST_DRQ;
    }

    private void pioBlockDone() {
        int unit = pioUnit;
        endPio();
        status[unit] = READY;
        if (transfer.isPio()) {
            transfer.pioBlockDone();
        }
    }

    private void endPio() {
        pioBuffer = null;
        pioPos = 0;
        pioEnd = 0;
    }

    // ------------------------------------------------------------------ interrupt

    void raiseIrq() {
        irqPending = true;
        bmdma.interruptRaised();
        updateIrq();
    }

    private void updateIrq() {
        irq.set(irqPending && (control & CTL_NIEN) == 0);
    }

    // ------------------------------------------------------------------ command execution

    /** Runs command byte {@code cmd} on the selected drive: the common prologue and epilogue. */
    void execute(int cmd) {
        int unit = selected;
        IdeDrive drive = drives[unit];
        if (drive == null) {
            guestError(GuestError.ABSENT_DRIVE, String.format("command 0x%02x to absent %s", cmd, unitName(unit)));
            return;
        }
        if ((status[unit] & (ST_BSY | ST_DRQ)) != 0) {
            guestError(GuestError.BUSY, String.format("command 0x%02x while %s is busy", cmd, unitName(unit)));
            return;
        }
        AtaCommand c = AtaCommand.TABLE[cmd];
        if (c == null || !c.allowsHardDisk()) {
            guestError(GuestError.UNSUPPORTED_COMMAND, String.format("command 0x%02x not supported by a hard disk", cmd));
            abort(unit, ERR_ABRT);
            return;
        }
        error[unit] = 0;
        if (c.handler().run(this, drive, c.lba48())) {
            status[unit] = c.setsSeekComplete() ? READY : ST_DRDY;
            raiseIrq();
        }
    }

    /** Ends the command of {@code unit} successfully (DRDY and DSC) and interrupts. */
    void complete(int unit) {
        status[unit] = READY;
        raiseIrq();
    }

    /** Ends the command of {@code unit} with {@code err} in the error register (DRDY and ERR) and interrupts. */
    void abort(int unit, int err) {
        error[unit] = err;
        status[unit] = ST_DRDY | ST_ERR;
        raiseIrq();
    }

    /** Marks {@code unit} busy while its request is in flight. */
    void setBusy(int unit) {
        status[unit] = ST_BSY | READY;
    }

    /** Leaves {@code unit} ready without an interrupt (the end of a PIO-in command, a short PRD table). */
    void setReady(int unit) {
        status[unit] = READY;
    }

    // ------------------------------------------------------------------ command handlers

    boolean cmdNoData(IdeDrive drive, boolean lba48) {
        return true;
    }

    boolean cmdCheckPowerMode(IdeDrive drive, boolean lba48) {
        taskFiles[selected].count = 0xFF;
        return true;
    }

    boolean cmdExecuteDiagnostic(IdeDrive drive, boolean lba48) {
        setSignature(selected);
        error[selected] = DIAGNOSTIC_PASSED;
        return true;
    }

    boolean cmdIdentify(IdeDrive drive, boolean lba48) {
        drive.identify(drive.dataBuffer());
        startPio(selected, drive.dataBuffer(), 0, IdeDrive.SECTOR_SIZE, false);
        raiseIrq();
        return false;
    }

    /**
     * SET FEATURES: write cache on (02h) or off (82h, which also flushes, as QEMU does),
     * transfer mode (03h), and the subcommands a drive may accept without effect.
     */
    boolean cmdSetFeatures(IdeDrive drive, boolean lba48) {
        int count = taskFiles[selected].count;
        switch (features) {
            case 0x02 -> drive.setWriteCache(true);
            case 0x82 -> {
                drive.setWriteCache(false);
                transfer.startFlush(selected, drive);
                return false;
            }
            case 0x03 -> {
                if (!drive.selectTransferMode(count)) {
                    return unsupportedFeature(count);
                }
            }
            case 0x05, 0x85, 0x42, 0xC2, 0x55, 0xAA, 0x66, 0xCC -> {
            }
            default -> {
                return unsupportedFeature(count);
            }
        }
        return true;
    }

    private boolean unsupportedFeature(int count) {
        guestError(GuestError.UNSUPPORTED_COMMAND, String.format("SET FEATURES 0x%02x count 0x%02x", features, count));
        abort(selected, ERR_ABRT);
        return false;
    }

    /** SET MULTIPLE MODE: a power of two up to 16 sectors, or 0 to turn multiple mode off (as QEMU allows). */
    boolean cmdSetMultipleMode(IdeDrive drive, boolean lba48) {
        int n = taskFiles[selected].count;
        if (n > IdeDrive.MAX_MULT_SECTORS || (n & (n - 1)) != 0) {
            abort(selected, ERR_ABRT);
            return false;
        }
        drive.setMultSectors(n);
        return true;
    }

    boolean cmdReadNativeMax(IdeDrive drive, boolean lba48) {
        long max = drive.sectorCount() - 1;
        taskFiles[selected].setLba(lba48 ? max : Math.min(max, 0x0FFF_FFFFL), lba48);
        return true;
    }

    boolean cmdFlushCache(IdeDrive drive, boolean lba48) {
        transfer.startFlush(selected, drive);
        return false;
    }

    /** READ VERIFY SECTORS: the range is checked (IDNF past the end, where QEMU checks nothing); no data moves. */
    boolean cmdReadVerify(IdeDrive drive, boolean lba48) {
        return checkRange(drive, lba48, false) >= 0;
    }

    boolean cmdReadSectors(IdeDrive drive, boolean lba48) {
        return startTransfer(drive, lba48, false, false, 1);
    }

    boolean cmdReadMultiple(IdeDrive drive, boolean lba48) {
        return startTransfer(drive, lba48, false, false, drive.multSectors());
    }

    boolean cmdReadDma(IdeDrive drive, boolean lba48) {
        return startTransfer(drive, lba48, false, true, 0);
    }

    boolean cmdWriteSectors(IdeDrive drive, boolean lba48) {
        return startTransfer(drive, lba48, true, false, 1);
    }

    boolean cmdWriteMultiple(IdeDrive drive, boolean lba48) {
        return startTransfer(drive, lba48, true, false, drive.multSectors());
    }

    boolean cmdWriteDma(IdeDrive drive, boolean lba48) {
        return startTransfer(drive, lba48, true, true, 0);
    }

    /** The common part of the read and write commands: address checks, then the transfer starts. */
    private boolean startTransfer(IdeDrive drive, boolean lba48, boolean write, boolean dma, int block) {
        int unit = selected;
        if (!dma && block == 0) {
            guestError(GuestError.MULTIPLE_DISABLED, "READ/WRITE MULTIPLE with multiple mode off");
            abort(unit, ERR_ABRT);
            return false;
        }
        if (write && drive.isReadOnly()) {
            guestError(GuestError.READ_ONLY, "write to read-only " + unitName(unit));
            abort(unit, ERR_ABRT);
            return false;
        }
        long lba = checkRange(drive, lba48, write);
        if (lba < 0) {
            return false;
        }
        int sectors = sectorCount(lba48);
        if (dma) {
            transfer.startDma(unit, drive, lba, sectors, write, lba48);
        } else if (write) {
            transfer.startPioWrite(unit, drive, lba, sectors, block, lba48);
        } else {
            transfer.startPioRead(unit, drive, lba, sectors, block, lba48);
        }
        return false;
    }

    /** The command's first sector, or -1 after aborting with IDNF if the range is not on the disk. */
    private long checkRange(IdeDrive drive, boolean lba48, boolean write) {
        long lba = taskFileAddress(drive, lba48);
        int sectors = sectorCount(lba48);
        if (lba < 0 || lba + sectors > drive.sectorCount()) {
            guestError(GuestError.PAST_END, String.format("%s of %d sectors at %s past the end of %s (%d sectors)",
                    write ? "write" : "read", sectors, lba < 0 ? "an invalid CHS address" : "sector " + lba,
                    unitName(selected), drive.sectorCount()));
            abort(selected, ERR_IDNF);
            return -1;
        }
        return lba;
    }

    private int sectorCount(boolean lba48) {
        TaskFile t = taskFiles[selected];
        int n = lba48 ? t.hobCount << 8 | t.count : t.count;
        return n != 0 ? n : lba48 ? 65536 : 256;
    }

    /** The address in the task file: LBA48, LBA28 or CHS (-1 if sector 0 or beyond the geometry). */
    private long taskFileAddress(IdeDrive drive, boolean lba48) {
        TaskFile t = taskFiles[selected];
        if (lba48) {
            return (long) t.hobLbaHigh << 40 | (long) t.hobLbaMid << 32 | (long) t.hobLbaLow << 24
                    | t.lbaHigh << 16 | t.lbaMid << 8 | t.lbaLow;
        }
        if ((t.device & DEV_LBA) != 0) {
            return (long) (t.device & 0x0F) << 24 | t.lbaHigh << 16 | t.lbaMid << 8 | t.lbaLow;
        }
        HdGeometry g = drive.geometry();
        int cylinder = t.lbaHigh << 8 | t.lbaMid;
        int head = t.device & 0x0F;
        if (t.lbaLow == 0 || t.lbaLow > g.sectors() || head >= g.heads()) {
            return -1;
        }
        return ((long) cylinder * g.heads() + head) * g.sectors() + t.lbaLow - 1;
    }

    /** Writes {@code sector} to {@code unit}'s task file as the next address, in the command's addressing mode. */
    void setAddress(int unit, IdeDrive drive, long sector, boolean lba48) {
        TaskFile t = taskFiles[unit];
        if (lba48 || (t.device & DEV_LBA) != 0) {
            t.setLba(sector, lba48);
            return;
        }
        HdGeometry g = drive.geometry();
        int perCylinder = g.heads() * g.sectors();
        long cylinder = sector / perCylinder;
        int rest = (int) (sector % perCylinder);
        t.lbaHigh = (int) (cylinder >> 8) & 0xFF;
        t.lbaMid = (int) cylinder & 0xFF;
        t.device = (t.device & 0xF0) | rest / g.sectors();
        t.lbaLow = rest % g.sectors() + 1;
    }

    // ------------------------------------------------------------------ DMA and resume

    /** The guest set the bus-master start bit. */
    void dmaEngineStarted() {
        transfer.dmaEngineStarted();
    }

    /** Retries the request a {@code werror/rerror=stop} stopped, if any (the VM resumed). */
    void resumeStoppedRequest() {
        transfer.resume();
    }

    // ------------------------------------------------------------------ guest errors

    /** Counts a guest mistake and logs the first of each kind under {@code -d guest_errors}. */
    void guestError(GuestError kind, String message) {
        guestErrors++;
        int bit = 1 << kind.ordinal();
        if ((loggedErrors & bit) == 0) {
            loggedErrors |= bit;
            Log.log(LogCategory.GUEST_ERRORS, name + ": " + message);
        }
    }

    private String unitName(int unit) {
        return unit == 0 ? "master" : "slave";
    }

    // ------------------------------------------------------------------ reset

    /** Power-on state: registers, drive settings and the bus-master block; an in-flight request is dropped. */
    void reset() {
        transfer.cancel();
        endPio();
        features = 0;
        hobFeatures = 0;
        selected = 0;
        control = 0;
        irqPending = false;
        updateIrq();
        bmdma.reset();
        for (int u = 0; u < 2; u++) {
            if (drives[u] != null) {
                drives[u].reset();
                status[u] = READY;
                error[u] = DIAGNOSTIC_PASSED;
            } else {
                status[u] = 0;
                error[u] = 0;
            }
        }
        for (int u = 0; u < 2; u++) {
            taskFiles[u].clear(u);
            setSignature(u);
        }
        if (transfer.inFlight()) {
            resetDeferred = true;
            for (int u = 0; u < 2; u++) {
                if (drives[u] != null) {
                    status[u] = ST_BSY | ST_DSC;
                }
            }
        }
    }

    /** One drive's copy of the task file registers (with their high-order bytes). */
    private static final class TaskFile {
        int count;
        int hobCount;
        int lbaLow;
        int hobLbaLow;
        int lbaMid;
        int hobLbaMid;
        int lbaHigh;
        int hobLbaHigh;
        int device;

        /** The host wrote {@code v} to register {@code reg} (2-5); the old value becomes the HOB. */
        void write(int reg, int v) {
            switch (reg) {
                case SECTOR_COUNT -> {
                    hobCount = count;
                    count = v;
                }
                case LBA_LOW -> {
                    hobLbaLow = lbaLow;
                    lbaLow = v;
                }
                case LBA_MID -> {
                    hobLbaMid = lbaMid;
                    lbaMid = v;
                }
                default -> {
                    hobLbaHigh = lbaHigh;
                    lbaHigh = v;
                }
            }
        }

        void setLba(long sector, boolean lba48) {
            lbaLow = (int) sector & 0xFF;
            lbaMid = (int) (sector >>> 8) & 0xFF;
            lbaHigh = (int) (sector >>> 16) & 0xFF;
            if (lba48) {
                hobLbaLow = (int) (sector >>> 24) & 0xFF;
                hobLbaMid = (int) (sector >>> 32) & 0xFF;
                hobLbaHigh = (int) (sector >>> 40) & 0xFF;
            } else {
                device = (device & 0xF0) | (int) (sector >>> 24) & 0x0F;
            }
        }

        void setSignature(boolean present) {
            count = 1;
            lbaLow = 1;
            lbaMid = present ? 0 : 0xFF;
            lbaHigh = present ? 0 : 0xFF;
            device = DEV_ALWAYS_ONE | (device & DEV_SLAVE);
        }

        void clear(int unit) {
            hobCount = 0;
            hobLbaLow = 0;
            hobLbaMid = 0;
            hobLbaHigh = 0;
            device = DEV_ALWAYS_ONE | (unit == 1 ? DEV_SLAVE : 0);
        }
    }
}
