/**
 * Loading what a PC starts: firmware ROMs ({@code -bios}) at the top of the first MiB and of
 * 4 GiB, and multiboot v1 kernels ({@code -kernel}) with their boot information. Uses
 * {@code dev.jemu.core.memory} and {@code dev.jemu.core.x86}.
 */
package dev.jemu.devices.pc.boot;
