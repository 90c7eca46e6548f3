package dev.jemu.devices.ide;

/**
 * One entry of the ATA command table: what the command does and which drives may run it.
 * {@link IdeChannel#execute} looks the command byte up in {@link #TABLE}; it does the common
 * prologue (absent drive, busy drive, command not in the table or not for this kind of drive)
 * and epilogue (status, interrupt), so a handler holds only the command's meaning.
 *
 * <p>Threading: the table is immutable; handlers run under the big emulator lock.
 *
 * @param handler the command's meaning
 * @param flags {@link #HD}, {@link #LBA48} and {@link #SET_DSC}
 */
record AtaCommand(Handler handler, int flags) {
    /** Hard disks may run it. */
    static final int HD = 1;
    /** The command uses 48-bit addresses and counts (the EXT commands). */
    static final int LBA48 = 2;
    /** Successful completion reports DSC (seek complete) besides DRDY. */
    static final int SET_DSC = 4;

    /** A command's meaning, run under the big emulator lock. */
    @FunctionalInterface
    interface Handler {
        /**
         * Runs the command on {@code drive}, the selected drive of {@code channel}. Returns true
         * if the command has completed successfully (the executor then reports DRDY and
         * interrupts); false if the handler has reported its own outcome or started a transfer.
         */
        boolean run(IdeChannel channel, IdeDrive drive, boolean lba48);
    }

    /** Entries by command byte; null for commands that abort. */
    static final AtaCommand[] TABLE = build();

    boolean allowsHardDisk() {
        return (flags & HD) != 0;
    }

    boolean lba48() {
        return (flags & LBA48) != 0;
    }

    boolean setsSeekComplete() {
        return (flags & SET_DSC) != 0;
    }

    private static AtaCommand[] build() {
        AtaCommand[] t = new AtaCommand[256];
        t[0x10] = hd(IdeChannel::cmdNoData);           // RECALIBRATE
        t[0x20] = hd(IdeChannel::cmdReadSectors);      // READ SECTORS
        t[0x21] = hd(IdeChannel::cmdReadSectors);      // READ SECTORS without retry
        t[0x24] = ext(IdeChannel::cmdReadSectors);     // READ SECTORS EXT
        t[0x25] = ext(IdeChannel::cmdReadDma);         // READ DMA EXT
        t[0x27] = ext(IdeChannel::cmdReadNativeMax);   // READ NATIVE MAX ADDRESS EXT
        t[0x29] = ext(IdeChannel::cmdReadMultiple);    // READ MULTIPLE EXT
        t[0x30] = hd(IdeChannel::cmdWriteSectors);     // WRITE SECTORS
        t[0x31] = hd(IdeChannel::cmdWriteSectors);     // WRITE SECTORS without retry
        t[0x34] = ext(IdeChannel::cmdWriteSectors);    // WRITE SECTORS EXT
        t[0x35] = ext(IdeChannel::cmdWriteDma);        // WRITE DMA EXT
        t[0x39] = ext(IdeChannel::cmdWriteMultiple);   // WRITE MULTIPLE EXT
        t[0x40] = hd(IdeChannel::cmdReadVerify);       // READ VERIFY SECTORS
        t[0x41] = hd(IdeChannel::cmdReadVerify);       // READ VERIFY SECTORS without retry
        t[0x42] = ext(IdeChannel::cmdReadVerify);      // READ VERIFY SECTORS EXT
        t[0x70] = hd(IdeChannel::cmdNoData);           // SEEK
        t[0x90] = hd(IdeChannel::cmdExecuteDiagnostic); // EXECUTE DEVICE DIAGNOSTIC
        t[0x91] = hd(IdeChannel::cmdNoData);           // INITIALIZE DEVICE PARAMETERS
        t[0xC4] = hd(IdeChannel::cmdReadMultiple);     // READ MULTIPLE
        t[0xC5] = hd(IdeChannel::cmdWriteMultiple);    // WRITE MULTIPLE
        t[0xC6] = hd(IdeChannel::cmdSetMultipleMode);  // SET MULTIPLE MODE
        t[0xC8] = hd(IdeChannel::cmdReadDma);          // READ DMA
        t[0xC9] = hd(IdeChannel::cmdReadDma);          // READ DMA without retry
        t[0xCA] = hd(IdeChannel::cmdWriteDma);         // WRITE DMA
        t[0xCB] = hd(IdeChannel::cmdWriteDma);         // WRITE DMA without retry
        t[0xE0] = hdNoDsc(IdeChannel::cmdNoData);           // STANDBY IMMEDIATE
        t[0xE1] = hdNoDsc(IdeChannel::cmdNoData);           // IDLE IMMEDIATE
        t[0xE2] = hdNoDsc(IdeChannel::cmdNoData);           // STANDBY
        t[0xE3] = hdNoDsc(IdeChannel::cmdNoData);           // IDLE
        t[0xE5] = hd(IdeChannel::cmdCheckPowerMode);   // CHECK POWER MODE
        t[0xE6] = hdNoDsc(IdeChannel::cmdNoData);           // SLEEP
        t[0xE7] = hd(IdeChannel::cmdFlushCache);       // FLUSH CACHE
        t[0xEA] = ext(IdeChannel::cmdFlushCache);      // FLUSH CACHE EXT
        t[0xEC] = hd(IdeChannel::cmdIdentify);         // IDENTIFY DEVICE
        t[0xEF] = hd(IdeChannel::cmdSetFeatures);      // SET FEATURES
        t[0xF8] = hd(IdeChannel::cmdReadNativeMax);    // READ NATIVE MAX ADDRESS
        return t;
    }

    private static AtaCommand hd(Handler h) {
        return new AtaCommand(h, HD | SET_DSC);
    }

    /** The power commands complete with DRDY alone (QEMU's status for them). */
    private static AtaCommand hdNoDsc(Handler h) {
        return new AtaCommand(h, HD);
    }

    private static AtaCommand ext(Handler h) {
        return new AtaCommand(h, HD | LBA48 | SET_DSC);
    }
}
