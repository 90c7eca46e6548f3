/**
 * The {@code raw} format driver (a window {@code offset}/{@code size} onto its file child) and
 * the {@code null-co} driver (a disk without storage).
 *
 * <p>May use {@code dev.jemu.block}.
 */
package dev.jemu.block.raw;
