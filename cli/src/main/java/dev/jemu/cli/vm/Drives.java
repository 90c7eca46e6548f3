package dev.jemu.cli.vm;

import dev.jemu.block.BlockBackend;
import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockException;
import dev.jemu.block.BlockGraph;
import dev.jemu.block.BlockOptions;
import dev.jemu.block.CacheMode;
import dev.jemu.block.SyncIo;
import dev.jemu.block.raw.RawDriver;
import dev.jemu.block.tools.ImageCreator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Opens the disks of the command line: each {@link DriveSpec} becomes a block graph and a
 * {@link BlockBackend} with the permissions its device needs. {@code snapshot=on} opens a
 * temporary qcow2 overlay (created in {@code $TMPDIR}, unlinked as soon as it is open, as QEMU
 * does) whose backing file is the image, so the image itself is only read.
 *
 * <p>Threading: the main loop thread, whose AioContext the nodes then live in.
 */
final class Drives {
    /**
     * An opened drive.
     *
     * @param ownsNode whether the drive opened its node (else the embedding program did, and closes it)
     */
    record Drive(DriveSpec spec, String id, BlockBackend backend, boolean ownsNode) {
        /**
         * Waits for the node's requests and flushes it; closes it if the drive opened it. On the
         * main loop's thread.
         */
        void release() throws IOException {
            if (ownsNode) {
                backend.close();
                return;
            }
            backend.root().drain();
            if (!backend.root().isReadOnly()) {
                SyncIo.run(backend::coFlush);
            }
        }
    }

    private Drives() {
    }

    /** Opens {@code spec} for a device that reads and (unless read-only) writes it. */
    static Drive open(DriveSpec spec, String id) throws OptionException {
        BlockOptions opts = spec.block().copy();
        Path overlay = null;
        try {
            CacheMode cache = CacheMode.parse(opts.copy().get("cache", "writeback"));
            if (spec.snapshot()) {
                overlay = createOverlay(opts);
                opts = BlockOptions.empty().put("driver", "qcow2").put("file", overlay.toString())
                        .put("cache", cache.optionName());
            }
            opts.put("read-only", spec.readOnly() ? "on" : "off");
            BlockDriverState root = BlockGraph.open(opts);
            if (root.driver() instanceof RawDriver raw && raw.isProbed()) {
                System.err.println("WARNING: Image format was not specified for '" + root.filename()
                        + "' and probing guessed raw.\n"
                        + "         Automatically detecting the format is dangerous for raw images, write operations on block 0 will be restricted.\n"
                        + "         Specify the 'raw' format explicitly to remove the restrictions.");
            }
            int perms = BlockBackend.PERM_READ | (spec.readOnly() ? 0 : BlockBackend.PERM_WRITE);
            return new Drive(spec, id, new BlockBackend(root, perms, cache.writethrough()), true);
        } catch (BlockException e) {
            throw new OptionException(spec.option(), e.getMessage());
        } catch (IOException e) {
            throw new OptionException(spec.option(), OsErrors.reason(e));
        } finally {
            if (overlay != null) {
                try {
                    Files.deleteIfExists(overlay);
                } catch (IOException e) {
                    System.err.println("jemu: could not remove the snapshot overlay " + overlay + ": " + OsErrors.reason(e));
                }
            }
        }
    }

    /**
     * A drive on a node the embedding program opened: its own backend on {@code node}, with
     * write permission unless the node is read-only; the node stays the program's to close.
     */
    static Drive attach(DriveSpec spec, BlockDriverState node) throws OptionException {
        int perms = BlockBackend.PERM_READ | (node.isReadOnly() ? 0 : BlockBackend.PERM_WRITE);
        try {
            return new Drive(spec, spec.id(), new BlockBackend(node, perms, false), false);
        } catch (BlockException e) {
            throw new OptionException(spec.option(), e.getMessage());
        }
    }

    /** Creates a temporary qcow2 whose backing file is the image {@code opts} name. */
    private static Path createOverlay(BlockOptions opts) throws IOException {
        String file = opts.copy().get("file");
        if (file == null) {
            throw new BlockException("snapshot=on needs the image given as file=PATH");
        }
        String format = opts.copy().get("driver");
        String backing = file.contains("://") ? file : Path.of(file).toAbsolutePath().toString();
        Path tmp = Files.createTempFile(Path.of(System.getProperty("java.io.tmpdir")), "vl.", ".qcow2");
        try {
            ImageCreator.create(tmp.toString(), "qcow2", -1, null, backing, format, false, line -> { });
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        return tmp;
    }
}
