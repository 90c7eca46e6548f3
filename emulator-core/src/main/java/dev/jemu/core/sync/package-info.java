/**
 * The big emulator lock ({@link dev.jemu.core.sync.BigLock}): the one owner of a machine's
 * device state, and the threading rule every device, timer and completion follows. Uses only
 * the JDK; every other package of the emulator may use it.
 */
package dev.jemu.core.sync;
