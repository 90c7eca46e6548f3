package dev.jemu.block;

import java.util.List;
import java.util.Map;

/**
 * What {@code jemu-img info} shows about one node, under the names of {@code qemu-img info
 * --output=json}.
 *
 * @param format driver name ("qcow2", "raw"...)
 * @param virtualSize guest-visible size in bytes
 * @param clusterSize cluster size, or 0 when the format has none
 * @param dirty whether the image's dirty flag is set
 * @param backingFilename backing file name as stored in the image, or null
 * @param fullBackingFilename the backing file name resolved against the image's directory, or null
 * @param backingFormat backing format as stored in the image, or null
 * @param snapshots internal snapshots, in table order
 * @param formatSpecific the "format-specific" data object (kept in insertion order), or null
 */
public record ImageInfo(String format, long virtualSize, int clusterSize, boolean dirty,
                        String backingFilename, String fullBackingFilename, String backingFormat,
                        List<SnapshotInfo> snapshots, Map<String, Object> formatSpecific) {

    /** An internal snapshot as listed by {@code snapshot -l} and {@code info}. */
    public record SnapshotInfo(String id, String name, long vmStateSize, long dateSec, long dateNsec,
                               long vmClockNsec, long icount) {
    }

    /** Info of a format without clusters, backing files or snapshots. */
    public static ImageInfo simple(String format, long virtualSize) {
        return new ImageInfo(format, virtualSize, 0, false, null, null, null, List.of(), null);
    }
}
