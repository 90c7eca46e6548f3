/**
 * Boot tests as JUnit 5 tests: {@link dev.jemu.junit.BootTest} declares a machine (command-line
 * words or a builder method, a timeout) that {@link dev.jemu.junit.JemuExtension} builds,
 * starts and injects with its {@link dev.jemu.machine.Console}; {@link dev.jemu.junit.Disks}
 * makes copy-on-write qcow2 overlays over base images, discarded after the test;
 * {@link dev.jemu.junit.JemuMachines} boots further machines from a test (a parameterized
 * boot table); a failing test's error carries the serial transcript, the last {@code -d} log
 * lines and the CPU state. Uses {@code dev.jemu.machine}, {@code dev.jemu.block.tools} and
 * JUnit Jupiter's extension API.
 */
package dev.jemu.junit;
