/**
 * QEMU's isa-debug-exit device: a port that ends the emulator with a status the guest
 * chooses. Uses {@code dev.jemu.core.memory}.
 */
package dev.jemu.devices.debugexit;
