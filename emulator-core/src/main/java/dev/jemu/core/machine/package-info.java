/**
 * A machine's run-time core: the machine loop that runs a vCPU and carries out resets,
 * pauses and shutdown requests, guest time ({@link dev.jemu.core.machine.GuestClock}) and
 * the device timers on it ({@link dev.jemu.core.machine.DeviceTimers}). Uses
 * {@code dev.jemu.core.x86}, {@code dev.jemu.core.sync} and {@code dev.jemu.core.log}.
 */
package dev.jemu.core.machine;
