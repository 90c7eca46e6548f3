/**
 * The {@code file} protocol driver: a host file or block device. With {@code aio=io_uring} (the
 * default where the kernel allows it, {@link dev.jemu.block.file.FileAio}) reads, writes,
 * flushes and fallocate are requests on the AioContext's ring ({@link
 * dev.jemu.block.file.UringFile}); with {@code aio=threads}, or in a context that runs on epoll,
 * they are positional {@link java.nio.channels.FileChannel} I/O on the AioContext's worker pool.
 * O_DIRECT for {@code cache=none}/{@code directsync}, hole punching for discard and
 * {@code SEEK_DATA}/{@code SEEK_HOLE} block status (always on the pool) through a few libc calls
 * (java.lang.foreign), and QEMU-compatible image locking ({@link dev.jemu.block.file.ImageLock}:
 * open-file-description locks on QEMU's permission bytes, shared by the nodes of one process).
 *
 * <p>May use {@code dev.jemu.block}, {@code dev.jemu.coroutine}, {@code dev.jemu.aio}.
 */
package dev.jemu.block.file;
