/**
 * QEMU's firmware configuration device ({@link dev.jemu.devices.fwcfg.FwCfg}: ports, file
 * directory, DMA) and the items the pc machine gives SeaBIOS through it
 * ({@link dev.jemu.devices.fwcfg.PcFirmwareConfig}). Uses {@code dev.jemu.core.memory} and
 * {@code dev.jemu.core.log}; runs under the big emulator lock.
 */
package dev.jemu.devices.fwcfg;
