/**
 * {@code jemu-img}: the image tool's command line (picocli), with qemu-img's subcommands,
 * options, output formats (human and {@code --output=json}) and exit codes. The work itself is
 * done by {@code dev.jemu.block.tools} and the block drivers.
 *
 * <p>May use {@code dev.jemu.block} and its packages, {@code dev.jemu.aio}, picocli, and
 * Jackson's generator for the JSON output.
 */
package dev.jemu.cli.img;
