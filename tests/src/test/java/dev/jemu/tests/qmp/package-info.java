/**
 * End-to-end tests of QMP: a real {@code bin/jemu} process driven through its QMP sockets by
 * a small Java client ({@link dev.jemu.tests.qmp.QmpClient}) and by {@code socat}, the same
 * scripts against {@code qemu-system-x86_64} (the reply shapes must match), a boot that starts
 * paused and ends with the guest's power-off, and bad clients. Uses {@code dev.jemu.tests.guest}
 * and {@code dev.jemu.tests.boot}'s disk guest, Jackson.
 */
package dev.jemu.tests.qmp;
