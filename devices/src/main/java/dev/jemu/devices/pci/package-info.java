/**
 * PCI: the function model ({@link dev.jemu.devices.pci.PciDevice}: config space, BARs,
 * INTx, capabilities), bus 0 with BAR mapping and PIRQ swizzling
 * ({@link dev.jemu.devices.pci.PciBus}), configuration mechanism #1
 * ({@link dev.jemu.devices.pci.PciHostConf1}), and the i440FX/PIIX functions of the pc board.
 * Uses {@code dev.jemu.core.memory} and {@code dev.jemu.core.sync}. Every class here runs under
 * the big emulator lock.
 */
package dev.jemu.devices.pci;
