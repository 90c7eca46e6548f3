/**
 * Interrupt controllers of the pc board: the 8259A ({@link dev.jemu.devices.intc.I8259}), the
 * PC's cascaded pair with the PIIX3 ELCR ({@link dev.jemu.devices.intc.I8259Pair}) and the
 * CPU's local APIC ({@link dev.jemu.devices.intc.Lapic}). Uses {@code dev.jemu.core.memory},
 * {@code dev.jemu.core.machine} (device timers), {@code dev.jemu.core.x86} (the CPU's
 * {@code LocalApicAccess}), {@code dev.jemu.core.sync} and {@code dev.jemu.core.log}.
 * Every class here runs under the big emulator lock.
 */
package dev.jemu.devices.intc;
