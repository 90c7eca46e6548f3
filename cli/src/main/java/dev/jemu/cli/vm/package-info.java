/**
 * The {@code jemu} VM launcher: QEMU-style command-line options, machine assembly and the
 * run. Uses {@code dev.jemu.core} and {@code dev.jemu.devices}.
 */
package dev.jemu.cli.vm;
