/**
 * QEMU's event loop in Java: {@link dev.jemu.aio.AioContext} (fd handlers, bottom halves,
 * timers on the four {@link dev.jemu.aio.ClockType clocks}, coroutine scheduling across threads),
 * {@link dev.jemu.aio.IOThread} and the per-context worker {@link dev.jemu.aio.ThreadPool}.
 *
 * <p>A context is driven by its home thread through {@link dev.jemu.aio.AioContext#poll}; it
 * waits on Netty's native epoll ({@code ManualIoEventLoop} with {@code EpollIoHandler}) with raw
 * descriptors. Semantics follow QEMU 7.2 (see {@code docs/ARCHITECTURE.md}, "Coroutines and AioContext"):
 * newest bottom half first, BHs before fd handlers before timers, {@code poll} true only for
 * progress.
 *
 * <p>Depends on: {@code dev.jemu.coroutine} and Netty's epoll transport. Nothing else.
 */
package dev.jemu.aio;
