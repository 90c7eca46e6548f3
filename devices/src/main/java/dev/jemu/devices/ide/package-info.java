/**
 * The PIIX3 IDE controller (PCI 8086:7010) and its ATA hard disks:
 * {@link dev.jemu.devices.ide.PiixIde} (the PCI function with its two legacy channels and the
 * bus-master DMA block), {@link dev.jemu.devices.ide.IdeChannel} (task file, device select,
 * device control, PIO data port, interrupt), {@link dev.jemu.devices.ide.IdeDrive} (a disk on a
 * {@code BlockBackend}: IDENTIFY data, settings), {@link dev.jemu.devices.ide.HdGeometry} (CHS
 * geometry and BIOS translation guessed as QEMU does), the command table
 * {@link dev.jemu.devices.ide.AtaCommand}, the transfers that run as coroutines in the block
 * layer ({@code IdeTransfer}), and the bus-master engine ({@code Bmdma}, {@code PrdTable}).
 *
 * <p>Threading: device state is owned by the big emulator lock. Register accesses arrive under
 * it on the vCPU thread and only start block requests; each request is a coroutine in the
 * drive's {@code AioContext} that takes the lock only to copy data and report completion.
 *
 * <p>Uses {@code dev.jemu.core.memory}, {@code dev.jemu.core.sync}, {@code dev.jemu.core.log},
 * {@code dev.jemu.devices.pci}, {@code dev.jemu.block} and {@code dev.jemu.coroutine}/{@code
 * dev.jemu.aio}.
 */
package dev.jemu.devices.ide;
