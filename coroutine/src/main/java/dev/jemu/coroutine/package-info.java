/**
 * QEMU's coroutine API ({@code qemu/coroutine.h}) in Java: stackful coroutines ({@link
 * dev.jemu.coroutine.Coroutine}) and the locks and queues that coroutines wait on ({@link
 * dev.jemu.coroutine.CoMutex}, {@link dev.jemu.coroutine.CoQueue}, {@link
 * dev.jemu.coroutine.CoRwlock}).
 *
 * <p>The semantics follow QEMU 7.2 as {@code docs/ARCHITECTURE.md} summarises them:
 * {@code enter} is a loop over pending coroutines (never recursion), wakeups issued inside a
 * coroutine are deferred until it yields or terminates and then run depth-first, locks hand
 * ownership straight to the oldest waiter, and every misuse QEMU aborts on throws an {@link
 * java.lang.IllegalStateException} naming the misuse.
 *
 * <p>{@link dev.jemu.coroutine.CoroutineInspector} lists the live coroutines (kept weakly by
 * {@code CoroutineRegistry} from create to terminate), what each waits on ({@link
 * dev.jemu.coroutine.Coroutine#yieldFor}, {@link dev.jemu.coroutine.WaitReason}) and the frames
 * above its yield, walked only when asked, on the home thread of the coroutine's context.
 *
 * <p>Two backends carry the stacks: {@code continuation} (default, {@code
 * jdk.internal.vm.Continuation}, needs {@code --add-exports java.base/jdk.internal.vm=ALL-UNNAMED})
 * and {@code thread} (one virtual thread per coroutine with a strict hand-off), chosen with
 * {@code -Djemu.coroutine.backend=continuation|thread}.
 *
 * <p>What a coroutine needs of its event loop (the thread's current context, scheduling into it
 * from another thread, a timer for {@link dev.jemu.coroutine.Coroutine#sleepNs}, an fd handler for
 * {@link dev.jemu.coroutine.Coroutine#yieldUntilFdReadable}) is the interface {@link
 * dev.jemu.coroutine.HomeContext}, which {@code dev.jemu.aio.AioContext} implements; clocks are
 * {@link dev.jemu.coroutine.SleepClock}s ({@code dev.jemu.aio.ClockType}); a context's queue of
 * scheduled coroutines is {@link dev.jemu.coroutine.ScheduleQueue}. That is the whole seam: no
 * coroutine internals are public.
 *
 * <p>Depends on: the JDK only. Nothing here may depend on {@code dev.jemu.aio} (which depends on
 * this package), the block layer, the emulator or the CLI.
 */
package dev.jemu.coroutine;
