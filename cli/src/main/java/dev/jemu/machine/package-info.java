/**
 * jemu as a library: {@link dev.jemu.machine.Machine} builds a PC from QEMU command-line words
 * or a {@link dev.jemu.machine.MachineBuilder}, runs it on threads of its own, and gives the
 * embedding program its serial console as streams with expect-style waits
 * ({@link dev.jemu.machine.Console}), its guest memory and registers while paused, its exit
 * status and the reason it stopped. Several machines may run in one JVM at once; each has its
 * own threads, AioContexts and log ({@link dev.jemu.core.log.Log.Scope}); closing one releases
 * all of them. Uses {@code dev.jemu.cli.vm} (the launcher's machine builder), {@code
 * dev.jemu.devices}, {@code dev.jemu.core} and {@code dev.jemu.aio}.
 */
package dev.jemu.machine;
