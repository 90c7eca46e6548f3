/**
 * jemu's x86 disassembler, for {@code -d in_asm} and the monitor's {@code x /i}: 16-, 32- and
 * 64-bit code with every prefix, ModRM/SIB form, x87, MMX, SSE to SSE4.2 and the system
 * instructions, printed in the AT&T syntax and with the quirks of QEMU 7.2's {@code -d in_asm}
 * text, so that logs of the two can be compared line by line. Uses only the JDK; used by
 * {@code dev.jemu.core.x86}'s execution logging and by the monitor ({@code dev.jemu.cli.qmp}).
 */
package dev.jemu.core.x86.disas;
