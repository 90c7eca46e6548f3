package dev.jemu.cli.nbd;

import dev.jemu.block.BlockBackend;
import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockException;
import dev.jemu.block.BlockGraph;
import dev.jemu.block.BlockOptions;
import dev.jemu.block.CacheMode;
import dev.jemu.block.raw.RawDriver;
import dev.jemu.block.tools.HostErrors;
import dev.jemu.block.tools.ImageCreator;
import dev.jemu.block.tools.ImageFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Opens the disk jemu-nbd exports as qemu-nbd does: FILE with {@code -f} (or probed), or FILE
 * as a set of block options ({@code --image-opts}); then {@code -s} puts a temporary qcow2
 * overlay on top that takes the writes and is deleted (it lives as long as its open file), and
 * {@code -o} exports the image from an offset on (a raw node over it). Runs on the server's
 * host thread.
 *
 * @param file FILE from the command line
 * @param format {@code -f}, or null to probe
 * @param imageOpts FILE is a block option string ({@code --image-opts})
 * @param snapshot {@code -s}
 * @param offset {@code -o}: bytes of the image skipped at its start
 */
record NbdImage(String file, String format, boolean imageOpts, boolean readOnly, CacheMode cache,
                boolean snapshot, long offset) {

    /**
     * Opens the disk and a backend over it with read (and, unless read-only, write) permission;
     * an error of the open is reported as qemu-nbd reports it ({@code Failed to blk_new_open
     * 'x.qcow2': Image is not in qcow2 format}).
     */
    BlockBackend open() throws IOException {
        BlockDriverState bs;
        try {
            bs = snapshot ? openOverlay() : openImage(file, format, readOnly);
        } catch (BlockGraph.ChainException e) {
            throw e;
        } catch (BlockException e) {
            throw new BlockException("Failed to blk_new_open '" + file + "': " + e.getMessage(), e);
        }
        try {
            if (offset > 0) {
                if (offset > bs.length()) {
                    throw new BlockException("Offset (" + offset + ") cannot be greater than size of the containing"
                            + " file (" + bs.length() + ")");
                }
                bs = new BlockDriverState(new RawDriver(bs, offset, -1), bs.filename(), readOnly);
            }
            int perms = BlockBackend.PERM_READ | (readOnly ? 0 : BlockBackend.PERM_WRITE);
            return new BlockBackend(bs, perms, cache.writethrough());
        } catch (IOException | RuntimeException e) {
            bs.close();
            throw e;
        }
    }

    private BlockDriverState openImage(String name, String fmt, boolean ro) throws IOException {
        if (!imageOpts) {
            ImageFiles.check(name);
            return BlockGraph.open(name, fmt, ro, cache);
        }
        BlockOptions o = BlockOptions.parse(name, null);
        o.putIfAbsent("read-only", ro ? "on" : "off");
        o.putIfAbsent("cache", cache.optionName());
        return BlockGraph.open(o);
    }

    /**
     * {@code -s}: a qcow2 overlay in $TMPDIR (else /var/tmp) whose backing file is the image,
     * opened and then unlinked so that nothing is left behind however the server ends.
     */
    private BlockDriverState openOverlay() throws IOException {
        String backingFormat;
        long size;
        BlockDriverState image = openImage(file, format, true);
        try {
            backingFormat = image.driver().formatName();
            size = image.length();
        } finally {
            image.close();
        }
        String tmp = System.getenv("TMPDIR");
        Path overlay;
        try {
            overlay = Files.createTempFile(Path.of(tmp == null || tmp.isEmpty() ? "/var/tmp" : tmp), "jemu-nbd-", ".qcow2");
        } catch (IOException e) {
            throw new BlockException("Could not create a temporary overlay for --snapshot: " + HostErrors.reason(e));
        }
        try {
            ImageCreator.create(overlay.toString(), "qcow2", size, null, Path.of(file).toAbsolutePath().toString(),
                    backingFormat, false, null);
            return BlockGraph.open(overlay.toString(), "qcow2", readOnly, cache);
        } finally {
            Files.deleteIfExists(overlay);
        }
    }
}
