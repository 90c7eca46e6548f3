/**
 * A qtest-style harness ({@link dev.jemu.tests.qtest.QTest}) that builds a machine from a
 * command line without running its CPU and drives its devices through ports and memory, with
 * guest time stepped by the test; and board-level device tests that use it. Uses the launcher
 * ({@code dev.jemu.cli.vm}) and the board.
 */
package dev.jemu.tests.qtest;
