/**
 * The memory API: {@link dev.jemu.core.memory.MemoryRegion memory regions} (RAM, ROM, MMIO,
 * aliases and containers) composed into {@link dev.jemu.core.memory.AddressSpace address
 * spaces} that are flattened into a {@link dev.jemu.core.memory.FlatView} whenever their
 * layout changes; the 64 KiB port I/O space is an address space of the same kind.
 * {@link dev.jemu.core.memory.IrqLine} carries interrupt levels between devices.
 *
 * <p>Uses {@code dev.jemu.core.sync} and {@code dev.jemu.core.log}. Layout changes are
 * made under the big emulator lock; an address space given the lock takes it around every
 * MMIO and port access; a flat view, once published, is immutable and may be read by any
 * thread.
 */
package dev.jemu.core.memory;
