/**
 * Timers of the pc board: the 8254 PIT ({@link dev.jemu.devices.timer.I8254}) with port 0x61
 * ({@link dev.jemu.devices.timer.Port61}), the MC146818 RTC with its CMOS RAM
 * ({@link dev.jemu.devices.timer.Mc146818Rtc}), and the ACPI PM timer's counter
 * ({@link dev.jemu.devices.timer.AcpiPmTimer}). Their values are computed from guest time;
 * device timers are armed only for events that raise interrupts. Uses
 * {@code dev.jemu.core.machine}, {@code dev.jemu.core.memory} and {@code dev.jemu.core.log}.
 * Every class here runs under the big emulator lock, except that the PM timer may be read
 * from any thread.
 */
package dev.jemu.devices.timer;
