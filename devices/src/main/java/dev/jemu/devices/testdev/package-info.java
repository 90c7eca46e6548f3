/**
 * QEMU's test devices that guest test suites such as kvm-unit-tests program:
 * {@link dev.jemu.devices.testdev.PcTestdev} ({@code -device pc-testdev}) and
 * {@link dev.jemu.devices.testdev.PciTestdev} ({@code -device pci-testdev}). Uses
 * {@code dev.jemu.core.memory}, {@code dev.jemu.core.log} and {@code dev.jemu.devices.pci}.
 * Every class here runs under the big emulator lock.
 */
package dev.jemu.devices.testdev;
