/**
 * {@code jemu-nbd}: the NBD server's command line (picocli) with qemu-nbd's options. It opens
 * the image with {@code dev.jemu.block.BlockGraph} and serves it with
 * {@code dev.jemu.block.nbd.NbdServerHost} on the main thread, whose AioContext runs every
 * request. {@code --fork} starts the server as a second process and detaches it from the
 * first's pipes through the foreign function API ({@code setsid}, {@code dup2}); SIGTERM,
 * SIGINT and SIGHUP stop the server through {@code sun.misc.Signal}.
 *
 * <p>May use {@code dev.jemu.block} and its packages, picocli, {@code java.lang.foreign} and
 * {@code sun.misc.Signal}.
 */
package dev.jemu.cli.nbd;
