/**
 * The boot-test table: SeaBIOS boots disk guests from IDE and virtio-blk on jemu (a machine in
 * the test's JVM, through {@code dev.jemu.junit}) and on {@code qemu-system-x86_64} (a
 * process), row by row, and both must print the same serial lines; the disk images are then
 * checked on the host. Uses {@code dev.jemu.tests.guest}, {@code dev.jemu.junit} and
 * {@code dev.jemu.machine}.
 */
package dev.jemu.tests.boot;
