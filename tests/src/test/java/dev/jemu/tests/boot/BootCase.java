package dev.jemu.tests.boot;

import java.time.Duration;
import java.util.List;

/**
 * One row of the boot-test table: which guest stage the boot disk carries, the disks, the
 * command line (with {@code {d0}}, {@code {d1}} standing for the disks' paths), a timeout,
 * the exit status the guest must end with, and what the host finds in the images afterwards.
 *
 * @param name the row's name
 * @param mode the guest stage: {@code READ} or {@code WRITE} (see {@code images/disk/diskboot.asm})
 * @param disks the disks, in placeholder order
 * @param options the emulator's options after the common ones
 * @param timeout how long a run may take
 * @param exitStatus the status the guest exits with
 * @param after what the images must hold afterwards
 */
record BootCase(String name, String mode, List<Disk> disks, List<String> options, Duration timeout, int exitStatus,
                After after) {

    /** The guest's normal end: isa-debug-exit with 0x10. */
    static final int DONE = 33;

    /**
     * A disk of a row.
     *
     * @param sizeMiB its size
     * @param boot whether the guest stage is in its first sectors
     * @param format {@code raw}, {@code qcow2} (converted from the raw pattern disk),
     *     {@code overlay} (a qcow2 over the raw pattern disk as its backing file), or
     *     {@code nbd-eio-writes} (the raw pattern disk served by nbdkit over a Unix socket
     *     through its error filter, every write failing with EIO; {@code {dN}} is then the
     *     NBD URI)
     */
    record Disk(int sizeMiB, boolean boot, String format) {
    }

    /** What the images hold after the run. */
    enum After {
        /** Nothing was written: every image is as it was made. */
        UNCHANGED,
        /** The boot disk holds the WRITE guest's sectors and nothing else changed. */
        WRITTEN,
        /** The overlay holds the WRITE guest's sectors; its raw backing file is unchanged. */
        WRITTEN_TO_OVERLAY,
        /** The emulator refuses the command line (exit status 1, one error line), images unchanged. */
        REFUSED
    }

    @Override
    public String toString() {
        return name;
    }
}
