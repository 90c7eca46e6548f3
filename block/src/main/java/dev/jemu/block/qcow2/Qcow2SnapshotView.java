package dev.jemu.block.qcow2;

import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockException;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Reading a qcow2 image as one of its internal snapshots, as {@code qemu-img convert -l} does:
 * the snapshot's L1 table takes the place of the active one in memory, so that every read maps
 * guest clusters through the snapshot. Only for an image opened read-only; nothing in the file
 * changes and the view lasts until the image is closed. Coroutine functions, on the image's
 * AioContext, under the image's metadata mutex.
 */
public final class Qcow2SnapshotView {
    private Qcow2SnapshotView() {
    }

    /**
     * Makes {@code bs} read as the snapshot whose id is {@code id} and whose name is {@code name}
     * (either may be null: not compared; not both).
     *
     * @throws BlockException qemu's reason ({@code Can't find snapshot}, a format without
     *     internal snapshots, an image that is not read-only)
     */
    public static void load(BlockDriverState bs, String id, String name) throws IOException {
        Qcow2Driver d = driver(bs);
        for (Qcow2Snapshot s : d.snapshots) {
            if ((id == null || s.id().equals(id)) && (name == null || s.name().equals(name))) {
                switchTo(d, s);
                return;
            }
        }
        throw new BlockException("Can't find snapshot");
    }

    /** As {@link #load}, with {@code key} an id if a snapshot has that id, else a name. */
    public static void loadByIdOrName(BlockDriverState bs, String key) throws IOException {
        Qcow2Driver d = driver(bs);
        for (Qcow2Snapshot s : d.snapshots) {
            if (s.id().equals(key)) {
                switchTo(d, s);
                return;
            }
        }
        load(bs, null, key);
    }

    private static Qcow2Driver driver(BlockDriverState bs) throws BlockException {
        if (!(bs.driver() instanceof Qcow2Driver d)) {
            throw new BlockException("Block format '" + bs.driver().formatName() + "' used by device '' does not"
                    + " support temporarily loading internal snapshots");
        }
        if (!d.readOnly) {
            throw new BlockException("Device is not readonly");
        }
        return d;
    }

    private static void switchTo(Qcow2Driver d, Qcow2Snapshot s) throws IOException {
        String problem = s.l1Problem(d.clusterSize);
        if (problem != null) {
            throw new BlockException(d.name + ": Image is corrupt: snapshot '" + s.name() + "' has an invalid L1 table");
        }
        long[] l1 = new long[s.l1Size()];
        d.lock.lock();
        try {
            if (l1.length > 0) {
                ByteBuffer b = ByteBuffer.allocate(l1.length * 8);
                d.file.coPreadv(s.l1Offset(), b, 0, b.capacity());
                b.asLongBuffer().get(l1);
            }
            for (int i = 0; i < d.l1.length; i++) {
                d.l2Cache.discard(i);
            }
            d.l2Cache.growKeySpace(l1.length);
            d.l1 = l1;
        } finally {
            d.lock.unlock();
        }
    }
}
