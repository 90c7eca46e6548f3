/**
 * Diagnostic logging with QEMU's {@code -d} categories and {@code -D} destination. Uses only
 * the JDK; every other package of the core may use it.
 */
package dev.jemu.core.log;
