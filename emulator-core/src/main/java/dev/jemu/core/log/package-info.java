/**
 * Diagnostic logging with QEMU's {@code -d} categories and {@code -D} destination, with a
 * bounded once-per-key form for messages a guest can repeat. Uses only the JDK; every other
 * package of the core may use it.
 */
package dev.jemu.core.log;
