/**
 * The {@code qcow2} format driver: header and extension parsing with validation, the two-level
 * guest-to-host mapping (L1/L2 tables) with an L2 cache, refcounts with a refcount-block cache
 * and the cluster allocator, compressed clusters (raw deflate), backing files, the internal
 * snapshot table (created, applied and deleted by {@code Qcow2Snapshots}, read through by
 * {@code Qcow2SnapshotView}), image creation, and
 * consistency check and repair.
 *
 * <p>All metadata is changed under one {@link dev.jemu.coroutine.CoMutex} per image; guest data
 * I/O runs outside it. May use {@code dev.jemu.block}, {@code dev.jemu.coroutine},
 * {@code dev.jemu.aio}.
 */
package dev.jemu.block.qcow2;
