/**
 * The i8042 keyboard controller with its PS/2 keyboard and mouse
 * ({@link dev.jemu.devices.input.I8042}). Uses {@code dev.jemu.core.memory} and
 * {@code dev.jemu.core.log}; runs under the big emulator lock.
 */
package dev.jemu.devices.input;
