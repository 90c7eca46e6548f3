/**
 * QEMU's event loop in Java: {@link dev.jemu.aio.AioContext} (fd handlers, bottom halves,
 * timers on the four {@link dev.jemu.aio.ClockType clocks}, coroutine scheduling across threads),
 * {@link dev.jemu.aio.IOThread}, the per-context worker {@link dev.jemu.aio.ThreadPool} and
 * {@link dev.jemu.aio.RingRequest}, block I/O on a context's io_uring, and {@link
 * dev.jemu.aio.AioInspector}, which lists a context's fd handlers, timers and bottom halves.
 *
 * <p>A context is driven by its home thread through {@link dev.jemu.aio.AioContext#poll}; it
 * waits on Netty's {@code ManualIoEventLoop} with raw descriptors, under one of two {@link
 * dev.jemu.aio.AioEngine engines}: {@code IoUringIoHandler} (fd handlers are one-shot poll
 * requests re-armed after each dispatch, so both engines are level-triggered; block requests go
 * on the same ring and complete on the home thread) or {@code EpollIoHandler}. The system
 * property {@code -Djemu.aio.engine=io_uring|epoll} chooses; without it io_uring is used where
 * the kernel allows it (not disabled by {@code kernel.io_uring_disabled} or seccomp) and epoll
 * otherwise. Semantics follow QEMU 7.2 (see {@code docs/ARCHITECTURE.md}, "Coroutines and AioContext"):
 * newest bottom half first, BHs before fd handlers (then ring completions) before timers,
 * {@code poll} true only for progress.
 *
 * <p>{@link dev.jemu.aio.AioContext} is the {@link dev.jemu.coroutine.HomeContext} of the
 * coroutines entered in it and {@link dev.jemu.aio.ClockType} their {@link
 * dev.jemu.coroutine.SleepClock}; scheduling goes through {@link dev.jemu.coroutine.ScheduleQueue}.
 *
 * <p>Depends on: {@code dev.jemu.coroutine} (its public API only; the dependency points this way
 * alone) and Netty's io_uring and epoll transports. Nothing else.
 */
package dev.jemu.aio;
