package dev.jemu.cli.vm;

import dev.jemu.block.BlockOptions;

/**
 * A disk the command line asked for ({@code -drive}, {@code -hda}..{@code -hdd} or
 * {@code -blockdev}), parsed but not opened.
 *
 * @param option the option as typed, for messages
 * @param id the drive's id ({@code id=}, or QEMU's generated {@code ide0-hd0} style name), or
 *     the node name of a {@code -blockdev}
 * @param iface {@code ide}, {@code virtio} or {@code none} ({@code -blockdev}: none)
 * @param index the IDE position (bus * 2 + unit) asked for, or -1 to take the next free one
 * @param readOnly {@code readonly=on} / {@code read-only=on}
 * @param snapshot {@code snapshot=on} or {@code -snapshot}: writes go to a temporary overlay
 * @param werror what a write error does: report, ignore, stop, enospc
 * @param rerror what a read error does: report, ignore, stop
 * @param discard whether guest discards reach the image ({@code discard=unmap})
 * @param block the block-layer options that open the node (driver, file, cache, ...)
 */
record DriveSpec(String option, String id, String iface, int index, boolean readOnly, boolean snapshot,
                 String werror, String rerror, boolean discard, BlockOptions block) {
}
