/**
 * The public CPU test suites (kvm-unit-tests' x86_64 kernels and test386.asm), built from the
 * source archives in the directory the {@code jemu.ext} system property names by
 * {@code images/conformance/build-suites.sh}, run on QEMU (TCG, the reference) and on jemu
 * with the same command line; jemu must pass what QEMU passes.
 *
 * <p>Uses {@code dev.jemu.tests.guest} and JUnit only.
 */
package dev.jemu.tests.conformance;
