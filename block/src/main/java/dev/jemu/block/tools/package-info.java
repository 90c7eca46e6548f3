/**
 * The engine of the image tools ({@code jemu-img}): creating images from {@code -o} options,
 * converting, mapping, comparing, rebasing, committing and benchmarking, each a coroutine-driven
 * loop over {@link dev.jemu.block.BlockBackend}s. Results are returned as data; printing is the
 * command line's business.
 *
 * <p>May use {@code dev.jemu.block} and its driver packages, {@code dev.jemu.coroutine},
 * {@code dev.jemu.aio}.
 */
package dev.jemu.block.tools;
