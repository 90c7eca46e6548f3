/**
 * PCI: the function model ({@link dev.jemu.devices.pci.PciDevice}: config space, BARs,
 * INTx, capabilities), bus 0 with BAR mapping and PIRQ swizzling
 * ({@link dev.jemu.devices.pci.PciBus}), configuration mechanism #1
 * ({@link dev.jemu.devices.pci.PciHostConf1}), and the i440FX/PIIX functions of the pc board:
 * the host bridge with PAM shadowing ({@link dev.jemu.devices.pci.I440fxHost}), the ISA
 * bridge with PIRQ routing and reset control ({@link dev.jemu.devices.pci.Piix3Isa}), the
 * power management function with the ACPI PM registers and APM ports
 * ({@link dev.jemu.devices.pci.Piix4Pm}).
 * Uses {@code dev.jemu.core.memory}, {@code dev.jemu.core.machine} (device timers),
 * {@code dev.jemu.core.log} and {@code dev.jemu.core.sync}. Every class here runs under the
 * big emulator lock.
 */
package dev.jemu.devices.pci;
