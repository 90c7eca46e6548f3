/**
 * The gdb stub of {@code jemu} ({@code -s}, {@code -gdb tcp::PORT|unix:PATH}): gdb's remote
 * serial protocol over a listening socket ({@link dev.jemu.cli.gdb.GdbStub}: one debugger at
 * a time), the packets of one connection ({@link dev.jemu.cli.gdb.GdbSession}: registers,
 * memory through the guest's paging, breakpoints, watchpoints, continue, single step, Ctrl-C,
 * {@code qSupported}, {@code vCont}, the target description, {@code monitor} commands passed
 * to the machine's human monitor) and the x86-64 target
 * description ({@link dev.jemu.cli.gdb.GdbTargetXml}).
 *
 * <p>A connection is served by its own thread with blocking socket I/O; everything it does
 * to the CPU runs on the vCPU thread through {@code MachineLoop.callOnVcpu}, while the
 * machine is paused. Uses {@code dev.jemu.core} (the machine loop and
 * {@code dev.jemu.core.x86.HostDebug}) and {@code dev.jemu.block.nbd.SocketPaths}.
 */
package dev.jemu.cli.gdb;
