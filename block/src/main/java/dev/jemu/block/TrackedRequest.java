package dev.jemu.block;

import dev.jemu.coroutine.CoQueue;

/**
 * One request in flight on a node, kept in the node's arrival-ordered list so that later
 * overlapping requests can wait for it. Instances are recycled through the node's free list;
 * used on the node's AioContext thread only.
 */
final class TrackedRequest {
    /** A plain read. */
    static final int READ = 0;
    /** A write, zero-write or discard: waits for earlier overlapping writes. */
    static final int WRITE = 1;
    /** A read-modify-write or other request that must not overlap anything in flight. */
    static final int SERIALISING = 2;

    long offset;
    long end;
    int kind;
    TrackedRequest prev;
    TrackedRequest next;
    final CoQueue waiters = new CoQueue();

    boolean overlaps(long otherOffset, long otherEnd) {
        return offset < otherEnd && otherOffset < end;
    }

    /** Whether a request of {@code laterKind} arriving after this one must wait for it. */
    boolean blocks(int laterKind) {
        if (kind == SERIALISING || laterKind == SERIALISING) {
            return true;
        }
        return kind == WRITE && laterKind == WRITE;
    }
}
