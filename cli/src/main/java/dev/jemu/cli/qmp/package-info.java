/**
 * QMP, QEMU's JSON machine protocol, for {@code jemu}: the protocol state of one client
 * ({@link dev.jemu.cli.qmp.QmpSession}: framing, greeting, capabilities negotiation, command
 * dispatch, events), the commands ({@link dev.jemu.cli.qmp.QmpCommands}; the block commands
 * in {@link dev.jemu.cli.qmp.QmpBlock}; the coroutine and AioContext listings in {@link
 * dev.jemu.cli.qmp.QmpIntrospection}; the human monitor commands in {@link
 * dev.jemu.cli.qmp.Hmp}, with {@link dev.jemu.cli.qmp.MemoryTreeDump} and the core's
 * {@code DebugPageWalk}), and its transports: listening sockets served by
 * fd handlers of the main loop's AioContext ({@link dev.jemu.cli.qmp.QmpSocketServer}) and
 * standard input and output ({@link dev.jemu.cli.qmp.QmpStdio}).
 *
 * <p>Everything here runs on the main loop thread, except {@link dev.jemu.cli.qmp.QmpVm#emit}
 * (any thread), the reader thread of the stdio monitor, and the inspection of each IOThread's
 * AioContext, which runs as a bottom half on that IOThread. Device state is read and changed
 * under the board's big lock. Uses {@code dev.jemu.aio}, {@code dev.jemu.block},
 * {@code dev.jemu.coroutine}, {@code dev.jemu.core}, {@code dev.jemu.devices}, Jackson and Netty's unix sockets.
 */
package dev.jemu.cli.qmp;
