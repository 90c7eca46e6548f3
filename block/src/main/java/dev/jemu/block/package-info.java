/**
 * The block layer's graph: {@link dev.jemu.block.BlockBackend} (what a device or tool holds),
 * {@link dev.jemu.block.BlockDriverState} nodes with their children and the request layer
 * (alignment, read-modify-write, tracking of in-flight requests, drain), the
 * {@link dev.jemu.block.BlockDriver} contract every driver implements as coroutine functions,
 * and the parsing of drive options in QEMU's syntax.
 *
 * <p>May use {@code dev.jemu.coroutine} and {@code dev.jemu.aio}; nothing else of jemu.
 */
package dev.jemu.block;
