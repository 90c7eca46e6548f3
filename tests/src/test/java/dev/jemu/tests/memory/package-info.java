/** Host memory used by guests: RAM reserved, not committed. Uses {@code dev.jemu.tests.guest}. */
package dev.jemu.tests.memory;
