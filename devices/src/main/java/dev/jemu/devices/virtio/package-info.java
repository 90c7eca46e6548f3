/**
 * Virtio 1.x: the device model every virtio device shares ({@link
 * dev.jemu.devices.virtio.VirtioDevice}: status, feature negotiation, reset, interrupts), split
 * virtqueues in guest memory ({@link dev.jemu.devices.virtio.VirtQueue}, {@link
 * dev.jemu.devices.virtio.VirtQueueElement}) and the PCI transport with its legacy and modern
 * interfaces ({@link dev.jemu.devices.virtio.VirtioPciDevice}).
 *
 * <p>Threading: register accesses run under the big emulator lock; queue processing runs in
 * the device's AioContext (the main loop's or an IOThread's) under the device's own lock
 * ({@link dev.jemu.devices.virtio.VirtioDevice#lock()}), always taken after the big lock.
 *
 * <p>Uses {@code dev.jemu.core.memory}, {@code dev.jemu.core.sync}, {@code dev.jemu.core.log} and
 * {@code dev.jemu.devices.pci}; a device on top (such as {@code .blk}) brings its own
 * AioContext.
 */
package dev.jemu.devices.virtio;
