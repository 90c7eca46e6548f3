/**
 * The gdb stub beside QEMU's: Debian's {@code gdb -batch} drives a paused guest with symbols
 * on both emulators through the same script. Uses {@code dev.jemu.tests.guest}.
 */
package dev.jemu.tests.gdb;
