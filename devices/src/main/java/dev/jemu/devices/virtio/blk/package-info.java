/**
 * virtio-blk (virtio 1.x section 5.2) on the block layer: {@link
 * dev.jemu.devices.virtio.blk.VirtioBlk} (features, configuration space, request execution as
 * coroutines in the drive's AioContext), {@link dev.jemu.devices.virtio.blk.VirtioBlkRequest}
 * (one request: its header, buffers and status), {@link
 * dev.jemu.devices.virtio.blk.VirtioBlkOptions} (the {@code -device virtio-blk-pci} properties)
 * and {@link dev.jemu.devices.virtio.blk.BlockErrorAction} ({@code werror=}/{@code rerror=}).
 *
 * <p>How a board plugs one in ({@code -device virtio-blk-pci,drive=d0[,iothread=io0]}):
 * <pre>{@code
 * VirtioBlk blk = new VirtioBlk(id, backend, options, memory, bql, mainContext, iothreadOrNull);
 * blk.setStopHandler(machineLoop::pause);           // werror=stop / rerror=stop
 * VirtioPciDevice pci = new VirtioPciDevice("virtio-blk-pci", blk, disableLegacy, disableModern,
 *         VirtioBlk.PCI_CLASS);
 * bus.plug(pci, bus.freeSlot(1));                   // INTA through the PIIX PIRQ routing
 * // on resume after a stop: blk.resume(); at shutdown (guest stopped, big lock free): blk.close()
 * }</pre>
 *
 * <p>Uses {@code dev.jemu.devices.virtio}, {@code dev.jemu.block}, {@code dev.jemu.coroutine},
 * {@code dev.jemu.aio}, {@code dev.jemu.core.memory} and {@code dev.jemu.core.sync}.
 */
package dev.jemu.devices.virtio.blk;
