package dev.jemu.block.qcow2;

import dev.jemu.block.BlockDriverState;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A write-back cache of one-cluster metadata tables (L2 tables or refcount blocks), keyed by
 * the table's index (its L1 index or refcount-table index), with least-recently-used eviction.
 * Used only under the image's metadata mutex; a table returned by {@link #get} is valid until the
 * next call that may load or evict (any call that does I/O).
 */
final class Qcow2Cache {

    /** Called before a dirty table is written, to write what it depends on first. */
    interface Dependency {
        /** Makes every write the table depends on stable. */
        void beforeWriteback() throws IOException;
    }

    private final BlockDriverState file;
    private final int clusterSize;
    private final ByteBuffer[] tables;
    private final long[] offsets;
    private final int[] keys;
    private final boolean[] dirty;
    private final long[] lastUse;
    private int[] slotOfKey;
    private long useCounter;
    private Dependency dependency;

    Qcow2Cache(BlockDriverState file, int clusterSize, int slots, int keySpace) {
        this.file = file;
        this.clusterSize = clusterSize;
        this.tables = new ByteBuffer[slots];
        this.offsets = new long[slots];
        this.keys = new int[slots];
        this.dirty = new boolean[slots];
        this.lastUse = new long[slots];
        Arrays.fill(keys, -1);
        this.slotOfKey = new int[Math.max(keySpace, 1)];
    }

    void setDependency(Dependency dependency) {
        this.dependency = dependency;
    }

    /** Makes room for keys below {@code keySpace}. */
    void growKeySpace(int keySpace) {
        if (keySpace > slotOfKey.length) {
            slotOfKey = Arrays.copyOf(slotOfKey, keySpace);
        }
    }

    /** The table with {@code key} stored at {@code offset}, read from the file if not cached. */
    ByteBuffer get(int key, long offset) throws IOException {
        int slot = slotOfKey[key] - 1;
        if (slot >= 0 && offsets[slot] == offset) {
            lastUse[slot] = ++useCounter;
            return tables[slot];
        }
        if (slot >= 0) {
            writeback(slot);
            drop(slot);
        }
        slot = freeSlot();
        ByteBuffer t = tables[slot];
        file.coPreadv(offset, t, 0, clusterSize);
        bind(slot, key, offset);
        return t;
    }

    /** A table of zeros for {@code key} at {@code offset} (a newly allocated one), marked dirty. */
    ByteBuffer create(int key, long offset) throws IOException {
        int slot = slotOfKey[key] - 1;
        if (slot >= 0) {
            drop(slot);
        }
        slot = freeSlot();
        ByteBuffer t = tables[slot];
        t.clear();
        t.put(0, new byte[clusterSize]);
        bind(slot, key, offset);
        dirty[slot] = true;
        return t;
    }

    /** Marks the cached table of {@code key} as modified. */
    void markDirty(int key) {
        int slot = slotOfKey[key] - 1;
        if (slot < 0) {
            throw new IllegalStateException("qcow2 cache: marking an uncached table dirty (key " + key + ")");
        }
        dirty[slot] = true;
    }

    /** Writes the table of {@code key} now if it is cached and dirty. */
    void writeNow(int key) throws IOException {
        int slot = slotOfKey[key] - 1;
        if (slot >= 0) {
            writeback(slot);
        }
    }

    /** Forgets the table of {@code key} without writing it. */
    void discard(int key) {
        int slot = slotOfKey[key] - 1;
        if (slot >= 0) {
            drop(slot);
        }
    }

    /** Whether any table is dirty. */
    boolean isDirty() {
        for (boolean d : dirty) {
            if (d) {
                return true;
            }
        }
        return false;
    }

    /** Writes every dirty table; returns whether anything was written. */
    boolean flush() throws IOException {
        boolean wrote = false;
        for (int slot = 0; slot < tables.length; slot++) {
            if (dirty[slot]) {
                writeback(slot);
                wrote = true;
            }
        }
        return wrote;
    }

    /** Drops every table (after a repair rewrote them on disk). */
    void clear() {
        for (int slot = 0; slot < tables.length; slot++) {
            if (keys[slot] >= 0) {
                drop(slot);
            }
        }
    }

    private void writeback(int slot) throws IOException {
        if (!dirty[slot]) {
            return;
        }
        if (dependency != null) {
            dependency.beforeWriteback();
        }
        if (dirty[slot]) {
            file.coPwritev(offsets[slot], tables[slot], 0, clusterSize, 0);
            dirty[slot] = false;
        }
    }

    private int freeSlot() throws IOException {
        int victim = -1;
        for (int slot = 0; slot < tables.length; slot++) {
            if (keys[slot] < 0) {
                victim = slot;
                break;
            }
            if (victim < 0 || lastUse[slot] < lastUse[victim]) {
                victim = slot;
            }
        }
        if (keys[victim] >= 0) {
            writeback(victim);
            drop(victim);
        }
        if (tables[victim] == null) {
            tables[victim] = ByteBuffer.allocateDirect(clusterSize);
        }
        return victim;
    }

    private void bind(int slot, int key, long offset) {
        keys[slot] = key;
        offsets[slot] = offset;
        dirty[slot] = false;
        lastUse[slot] = ++useCounter;
        slotOfKey[key] = slot + 1;
    }

    private void drop(int slot) {
        slotOfKey[keys[slot]] = 0;
        keys[slot] = -1;
        dirty[slot] = false;
    }
}
