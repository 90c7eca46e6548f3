/**
 * The 16550A UART (COM1-COM4 on the ISA bus). Uses {@code dev.jemu.core.memory} for its
 * register region and interrupt line.
 */
package dev.jemu.devices.serial;
