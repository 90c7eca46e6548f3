/**
 * Running guests as outside processes: the workspace layout ({@link dev.jemu.tests.guest.Workspace}),
 * assembling nasm sources ({@link dev.jemu.tests.guest.Nasm}), the emulators under test with their
 * common command line ({@link dev.jemu.tests.guest.Emulator}) and bounded subprocess runs that
 * capture the serial console ({@link dev.jemu.tests.guest.GuestProcess}).
 *
 * <p>Uses only the JDK; it reaches jemu through the {@code bin/jemu} launcher, never through its
 * classes, and QEMU and nasm through the Debian packages on {@code PATH}.
 */
package dev.jemu.tests.guest;
