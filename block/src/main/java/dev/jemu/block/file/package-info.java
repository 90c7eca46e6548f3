/**
 * The {@code file} protocol driver: a host file or block device, read and written with
 * positional {@link java.nio.channels.FileChannel} I/O on the AioContext's worker pool, with
 * O_DIRECT for {@code cache=none}/{@code directsync}, hole punching for discard and
 * {@code SEEK_DATA}/{@code SEEK_HOLE} block status through a few libc calls (java.lang.foreign),
 * and QEMU-compatible image locking ({@link dev.jemu.block.file.ImageLock}: open-file-description
 * locks on QEMU's permission bytes, shared by the nodes of one process).
 *
 * <p>May use {@code dev.jemu.block}, {@code dev.jemu.coroutine}, {@code dev.jemu.aio}.
 */
package dev.jemu.block.file;
