/**
 * NBD both ways: the {@code nbd} client driver ({@link dev.jemu.block.nbd.NbdClientDriver}) and
 * the server behind {@code jemu-nbd} ({@link dev.jemu.block.nbd.NbdServer}), sharing the
 * protocol's numbers ({@link dev.jemu.block.nbd.Nbd}) and the strict codec of its fixed-size
 * messages ({@link dev.jemu.block.nbd.NbdCodec}).
 *
 * <h2>Server threading</h2>
 * Networking runs on Netty's epoll transport: one event loop thread owns every connection
 * ({@code NbdServerConnection}), does the handshake and decodes and validates requests. The
 * export's requests run on the export's {@link dev.jemu.aio.AioContext}, which is polled by its
 * own home thread (the main thread of {@code jemu-nbd}, see
 * {@link dev.jemu.block.nbd.NbdServerHost}): a Netty thread cannot be an AioContext's home,
 * because both loops would have to block in their own epoll. The hand-off is lock-free in both
 * directions and allocates no task objects:
 * <ol>
 * <li>the Netty thread puts a pooled {@code NbdServerRequest} on the export's MPSC queue and
 *     schedules one reusable bottom half of the export's context ({@code BottomHalf.schedule}
 *     may be called from any thread);</li>
 * <li>the bottom half gives queued requests to worker coroutines (reused; at most 128 per export),
 *     which call the {@link dev.jemu.block.BlockBackend}'s coroutine functions and encode the
 *     reply into a pooled Netty buffer;</li>
 * <li>the worker hands the request (a {@code Runnable}) back with
 *     {@code channel.eventLoop().execute}; on the Netty thread it writes the reply and updates
 *     the connection's in-flight count, so all connection state stays single-threaded.</li>
 * </ol>
 * A connection stops reading while 64 of its requests are in flight or it holds 64 MiB of READ
 * and WRITE data, a reply counting until the client has taken all of it (Netty's writability
 * event, with a one-byte water mark, says when its replies are drained); the server as a whole
 * stops reading past 256 MiB, except that a connection holding nothing may always have one
 * request run, so a client that never reads its replies pins at most its own share and cannot
 * starve the others. A request whose buffer cannot be allocated fails with ENOMEM alone. The handshake has a time limit (10 s by default).
 * {@code CAN_MULTI_CONN} is advertised for read-only exports and when more than one client may
 * connect: all connections share one backend in one process, so a FLUSH on any connection covers
 * writes completed on every connection (qemu-nbd's rule).
 *
 * <h2>Client</h2>
 * {@code NbdSocket} is a non-blocking socket (Netty's {@code io.netty.channel.unix.Socket}, TCP
 * or unix) whose coroutines wait for readiness through {@code AioContext.setFdHandler}. One
 * reader coroutine per connection reads every reply and wakes the request coroutine that the
 * handle names ({@code NbdClient}); when the server goes away, every request in flight and
 * every later one fails with a message naming the server.
 *
 * <p>May use {@code dev.jemu.block}, {@code dev.jemu.block.file} (the export's image locks),
 * {@code dev.jemu.coroutine}, {@code dev.jemu.aio} and Netty.
 */
package dev.jemu.block.nbd;
