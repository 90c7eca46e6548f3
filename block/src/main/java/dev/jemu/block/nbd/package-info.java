/**
 * NBD both ways: the {@code nbd} client driver ({@link dev.jemu.block.nbd.NbdClientDriver}) and
 * the server behind {@code jemu-nbd} ({@link dev.jemu.block.nbd.NbdServer}), sharing the
 * protocol's numbers ({@link dev.jemu.block.nbd.Nbd}) and the strict codec of its fixed-size
 * messages ({@link dev.jemu.block.nbd.NbdCodec}).
 *
 * <h2>Server threading</h2>
 * The server runs wholly on the export's {@link dev.jemu.aio.AioContext} and its home thread (the
 * main thread of {@code jemu-nbd}, see {@link dev.jemu.block.nbd.NbdServerHost}): the listening
 * socket and every connection are Netty channels registered on the context's own event loop
 * ({@code AioContext.eventLoop()}; io_uring channels when the context runs on io_uring, epoll ones
 * otherwise), which the context's {@code poll} drives. A request never changes thread:
 * <ol>
 * <li>the connection's read handler decodes and validates it and puts a pooled
 *     {@code NbdServerRequest} on the export's queue, entering a worker coroutine for it (reused;
 *     at most 128 per export) as {@code aio_co_enter} does;</li>
 * <li>the worker calls the {@link dev.jemu.block.BlockBackend}'s coroutine functions, yielding
 *     while the I/O is on the ring (or the worker pool under epoll), and encodes the reply into a
 *     pooled Netty buffer;</li>
 * <li>the worker writes the reply to the channel itself and updates the connection's in-flight
 *     count; when that lets the connection read again, the requests it decodes are entered once
 *     the worker yields, so nothing recurses.</li>
 * </ol>
 * A connection stops reading while 64 of its requests are in flight or it holds 2 MiB of READ
 * and WRITE data (one larger request runs alone), a reply counting until the client has taken
 * all of it (Netty's writability event, with a one-byte water mark, says when its replies are
 * drained); the server as a whole stops reading past 256 MiB, except that a connection holding
 * nothing may always have one request run, so a client that never reads its replies pins at
 * most its own share and cannot starve the others. A request whose buffer cannot be allocated
 * fails with ENOMEM alone. The handshake has a time limit (10 s by default). Clients over the
 * {@code -e} limit wait, not greeted, until another leaves.
 * {@code CAN_MULTI_CONN} is advertised for read-only exports and when more than one client may
 * connect: all connections share one backend in one process, so a FLUSH on any connection covers
 * writes completed on every connection (qemu-nbd's rule).
 *
 * <h2>Client</h2>
 * {@code NbdSocket} is a non-blocking socket (Netty's {@code io.netty.channel.unix.Socket}, TCP
 * or unix) whose coroutines wait for readiness through {@code AioContext.setFdHandler}. One
 * reader coroutine per connection reads every reply and wakes the request coroutine that the
 * handle names ({@code NbdClient}), with up to 64 requests in flight (what jemu-nbd serves at once
 * per connection); when the server goes away, every request in flight and
 * every later one fails with a message naming the server.
 *
 * <p>May use {@code dev.jemu.block}, {@code dev.jemu.block.file} (the export's image locks),
 * {@code dev.jemu.coroutine}, {@code dev.jemu.aio} and Netty.
 */
package dev.jemu.block.nbd;
