/**
 * The x86-64 interpreter: {@link dev.jemu.core.x86.Cpu} (state and run loop), the decoder
 * driven by the data-only {@code OpTable}, the {@code CodeCache} of decoded instructions per
 * guest-physical page, the op classes that fill it (integer, shifts and bits, control
 * transfer, strings, system, the x87 with its 80-bit soft-float, SSE), lazy flags, the MMU
 * with its page walker and one-compare soft TLB, exception and interrupt delivery, debug
 * registers and breakpoints, segment loading, hardware task switching, virtual-8086 mode with
 * VME/PVI, MSRs and CPUID; the execution log of {@code -d in_asm,exec,cpu} ({@code ExecLog});
 * and the translating tier's
 * x86 side: {@code BlockTranslator} (regions of hot code), {@code BlockEmitter} and
 * {@code InlineOps} (their bytecode), {@code MemAccess} (the bytecode of their memory
 * accesses), {@code RegLocals} (the guest registers and flags a region keeps in JVM locals),
 * {@code MemOps} (the memory fast path that bytecode calls) and
 * {@code Translation} (the base of the generated hidden classes, which live in this package
 * to reach the CPU's state), and {@code TranslationWorker} (the CPU's translation thread,
 * which makes translations of blocks the vCPU decoded).
 *
 * <p>Uses {@code dev.jemu.core.memory} for physical memory and port I/O,
 * {@code dev.jemu.core.log} for diagnostics, {@code dev.jemu.core.x86.disas} for the
 * {@code -d in_asm} text, {@code dev.jemu.core.x86.jit} for the tier
 * choice, the bounded store of hidden classes and the ring that hands blocks to the
 * translation thread, the JDK's {@code java.lang.classfile}, and {@code java.lang.management}
 * for the translation thread's CPU time. Not thread-safe: a {@code Cpu} belongs to its vCPU
 * thread, except for the documented cross-thread entry points; its translation thread touches
 * only the blocks handed to it and the classes it defines.
 */
package dev.jemu.core.x86;
