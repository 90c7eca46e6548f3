/**
 * QEMU's debug devices: isa-debug-exit, a port that ends the emulator with a status the guest
 * chooses, and isa-debugcon, a port that writes the guest's bytes to a stream. Uses
 * {@code dev.jemu.core.memory}.
 */
package dev.jemu.devices.debugexit;
