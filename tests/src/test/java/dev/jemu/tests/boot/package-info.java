/**
 * The boot-test table: SeaBIOS boots disk guests from IDE on jemu and on
 * {@code qemu-system-x86_64}, row by row, and both must print the same serial lines; the disk
 * images are then checked on the host. Uses {@code dev.jemu.tests.guest}.
 */
package dev.jemu.tests.boot;
