/**
 * Loading what a PC starts: firmware ROMs ({@code -bios}) at the top of the first MiB and of
 * 4 GiB, multiboot v1 kernels ({@code -kernel}) with their boot information, and Linux
 * bzImages by the x86 boot protocol's 32-bit entry (with {@code -initrd} and the chipset state
 * firmware leaves: PCI interrupt routing). Uses
 * {@code dev.jemu.core.memory} and {@code dev.jemu.core.x86}.
 */
package dev.jemu.devices.pc.boot;
