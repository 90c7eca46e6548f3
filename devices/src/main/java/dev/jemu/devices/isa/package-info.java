/**
 * Small ISA devices of the pc board: system control port A ({@link dev.jemu.devices.isa.Port92},
 * fast A20 and reset) and the 8237 DMA controller pair's registers
 * ({@link dev.jemu.devices.isa.IsaDma}). Uses {@code dev.jemu.core.memory} and
 * {@code dev.jemu.core.log}; runs under the big emulator lock.
 */
package dev.jemu.devices.isa;
