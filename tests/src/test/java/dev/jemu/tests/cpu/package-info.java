/**
 * CPU conformance tests: the test kernels in {@code images/} and the random-sequence kernels of
 * {@link dev.jemu.tests.cpu.RandomProgram} run under QEMU (TCG, the reference) and under jemu,
 * and their serial output (register and flag dumps, fault reports) is compared line by line.
 * {@link dev.jemu.tests.cpu.KernelCases} is the table of cases; {@link dev.jemu.tests.cpu.SerialDiff}
 * names the first differing line and its test.
 *
 * <p>Uses {@code dev.jemu.tests.guest} and JUnit only.
 */
package dev.jemu.tests.cpu;
