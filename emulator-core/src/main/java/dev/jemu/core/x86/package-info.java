/**
 * The x86-64 interpreter: {@link dev.jemu.core.x86.Cpu} (state and run loop), the decoder
 * driven by the data-only {@code OpTable}, the {@code CodeCache} of decoded instructions per
 * guest-physical page, the op classes that fill it (integer, shifts and bits, control
 * transfer, strings, system, the x87 with its 80-bit soft-float, SSE), lazy flags, the MMU
 * with its page walker and one-compare soft TLB, exception and interrupt delivery, debug
 * registers and breakpoints, segment loading, hardware task switching, virtual-8086 mode with
 * VME/PVI, MSRs and CPUID.
 *
 * <p>Uses {@code dev.jemu.core.memory} for physical memory and port I/O and
 * {@code dev.jemu.core.log} for diagnostics. Not thread-safe: a {@code Cpu} belongs to its
 * vCPU thread, except for the documented cross-thread entry points.
 */
package dev.jemu.core.x86;
