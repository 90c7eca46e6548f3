/**
 * The pc machine's board ({@link dev.jemu.devices.pc.PcBoard}): RAM and firmware layout, the
 * CPU, the big lock, guest time, and every device wired to its ports, PCI slot and interrupt
 * line; the ISA interrupt lines with several sources ({@link dev.jemu.devices.pc.IsaIrqs}); the
 * CMOS bytes the BIOS reads ({@link dev.jemu.devices.pc.PcCmos}). Uses every other package of
 * {@code dev.jemu.devices}, {@code dev.jemu.core.*} and the block layer's back-ends. Built on
 * the launcher's thread; afterwards under the big emulator lock.
 */
package dev.jemu.devices.pc;
