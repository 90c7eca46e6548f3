/**
 * Debian's Linux kernel booted by {@code -kernel} with an initramfs on jemu and on
 * {@code qemu-system-x86_64}: the guest reads and writes ext4 on virtio-blk and IDE, and the
 * disks are checked on the host with e2fsprogs. Uses {@code dev.jemu.tests.guest}.
 */
package dev.jemu.tests.linux;
