/**
 * jemu as a library: {@link dev.jemu.machine.Machine} builds a PC from QEMU command-line words
 * or a {@link dev.jemu.machine.MachineBuilder}, runs it on threads of its own, and gives the
 * embedding program its serial consoles as streams with expect-style waits
 * ({@link dev.jemu.machine.Console}, one per serial port on {@code stdio}), its guest memory
 * (physical, and virtual through the guest's paging) and registers while paused, disks on
 * block nodes the program opened, its exit status and the reason it stopped. Several machines
 * may run in one JVM at once; each has its own threads, AioContexts and log
 * ({@link dev.jemu.core.log.Log.Scope}); closing one releases all of them. Uses {@code dev.jemu.cli.vm} (the launcher's machine builder), {@code
 * dev.jemu.devices}, {@code dev.jemu.core}, {@code dev.jemu.block} and {@code dev.jemu.aio}.
 */
package dev.jemu.machine;
