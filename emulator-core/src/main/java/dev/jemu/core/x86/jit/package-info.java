/**
 * The machinery of the translating CPU tier that does not depend on the guest architecture:
 * the choice of tier ({@link dev.jemu.core.x86.jit.Tier}) and the bounded store of
 * translations defined as unloadable hidden classes with its statistics
 * ({@link dev.jemu.core.x86.jit.HiddenClassCache}), and the bounded single-producer
 * single-consumer ring ({@link dev.jemu.core.x86.jit.SpscRing}) through which the vCPU and its
 * translation thread hand blocks to each other. What a translation contains is decided
 * by the x86 package ({@code dev.jemu.core.x86.BlockTranslator}), which defines its classes
 * through a lookup of its own so they can reach the CPU's package-private state.
 *
 * <p>Uses only the JDK ({@code java.lang.invoke}, {@code java.lang}).
 */
package dev.jemu.core.x86.jit;
