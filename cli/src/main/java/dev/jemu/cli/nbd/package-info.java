/**
 * {@code jemu-nbd}: the NBD server's command line (picocli) with qemu-nbd's options. It opens
 * the image with {@code dev.jemu.block.BlockGraph} and serves it with
 * {@code dev.jemu.block.nbd.NbdServerHost} on the main thread, whose AioContext runs every
 * request.
 *
 * <p>May use {@code dev.jemu.block} and its packages, picocli.
 */
package dev.jemu.cli.nbd;
