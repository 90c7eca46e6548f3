package dev.jemu.core.machine;

import dev.jemu.core.log.Log;
import dev.jemu.core.log.LogCategory;
import dev.jemu.core.sync.BigLock;
import dev.jemu.core.x86.Cpu;

import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * Runs one vCPU until the machine shuts down, and returns the process exit status. Between
 * slices of guest instructions it runs the expired {@linkplain DeviceTimers device timers}
 * under the big lock; a halted CPU sleeps until an interrupt, a {@link #kick()} or the next
 * timer deadline. A triple fault resets the machine, or shuts it down with status 0 when
 * {@code -no-reboot} was given. Devices end the run with {@link #requestShutdown(int)}
 * (isa-debug-exit does); {@link #pause()} and {@link #resume()} stop and restart the guest
 * with its clock ({@code -S}, {@code werror=stop}, a monitor's {@code stop}/{@code cont}).
 * With an {@linkplain GuestClock#instructionCounted instruction-counted} clock each slice
 * ends at the next timer deadline and a halted vCPU jumps the clock to that deadline instead
 * of sleeping, so timers fire at the same instruction on every run. Other threads read and
 * change CPU state with {@link #callOnVcpu}; a host debugger's breakpoint pauses the guest and
 * calls the {@linkplain #setDebugStopListener debug listener}.
 *
 * <p>Threading: {@link #run()} runs on the vCPU thread; every other method may be called
 * from any thread.
 */
public final class MachineLoop {
    /** Instructions between two looks at the timers and at stop requests. */
    private static final long SLICE = 20_000;

    private final Cpu cpu;
    private final BigLock bql;
    private final DeviceTimers timers;
    private final boolean noReboot;
    private final Runnable machineReset;
    /** Whether guest time is counted in executed instructions ({@code -icount}). */
    private final boolean icount;
    private final Object sleep = new Object();
    private volatile boolean shutdown;
    private volatile boolean resetRequested;
    private volatile boolean paused;
    private volatile int exitStatus;
    /** Whether the run ended through a reset under {@code -no-reboot}. */
    private volatile boolean endedByReset;
    /** Work a debugger or monitor asked to run on the vCPU thread between slices. */
    private final ConcurrentLinkedQueue<FutureTask<?>> vcpuTasks = new ConcurrentLinkedQueue<>();
    private volatile Thread vcpuThread;
    private volatile Runnable debugStopListener = () -> { };
    /** Whether the vCPU thread is parked in a pause, or has left {@link #run()}: guarded by {@code sleep}. */
    private boolean parked;

    /**
     * @param cpu the vCPU
     * @param bql the machine's big lock
     * @param timers the machine's device timers
     * @param noReboot shut down instead of resetting (QEMU's {@code -no-reboot})
     * @param machineReset resets the devices and reloads firmware or kernel, then the CPU
     *     state; runs on the vCPU thread with the big lock held
     */
    public MachineLoop(Cpu cpu, BigLock bql, DeviceTimers timers, boolean noReboot, Runnable machineReset) {
        this.cpu = cpu;
        this.bql = bql;
        this.timers = timers;
        this.noReboot = noReboot;
        this.machineReset = machineReset;
        this.icount = timers.clock().isInstructionCounted();
        cpu.setWakeup(this::kick);
        timers.clock().countInstructions(cpu::instructionCount);
        cpu.setTscClock(timers.clock()::nowNs);
        timers.setDeadlineListener(this::kick);
    }

    /**
     * Ends the run; {@link #run()} returns {@code status}, unless an earlier request already
     * ended it (the first status stands). Any thread.
     */
    public void requestShutdown(int status) {
        if (endRun(status, false)) {
            cpu.requestStop();
            kick();
        }
    }

    /** Records the end of the run unless it has ended already; returns whether this call ended it. */
    private synchronized boolean endRun(int status, boolean byReset) {
        if (shutdown) {
            return false;
        }
        exitStatus = status;
        endedByReset = byReset;
        shutdown = true;
        return true;
    }

    /**
     * Asks for a machine reset (or a shutdown with {@code -no-reboot}); a paused machine is
     * reset and stays paused. Any thread.
     */
    public void requestReset() {
        resetRequested = true;
        cpu.requestStop();
        kick();
    }

    /** Stops the guest at the next instruction boundary and its clock with it. Any thread. */
    public void pause() {
        paused = true;
        timers.clock().pause();
        cpu.requestStop();
        kick();
    }

    /** Lets a paused guest run again. Any thread. */
    public void resume() {
        timers.clock().resume();
        paused = false;
        kick();
    }

    /** Whether the guest is paused. */
    public boolean isPaused() {
        return paused;
    }

    /** Whether the run has ended. */
    public boolean isShutdown() {
        return shutdown;
    }

    /** Wakes the vCPU thread to look at interrupts, timers and requests. Any thread. */
    public void kick() {
        synchronized (sleep) {
            sleep.notifyAll();
        }
    }

    /**
     * Sets what runs (on the vCPU thread) when a host debugger's breakpoint or watchpoint
     * stops the guest; the machine is paused by then.
     */
    public void setDebugStopListener(Runnable listener) {
        this.debugStopListener = listener;
    }

    /**
     * Runs {@code task} on the vCPU thread between two slices (at once while paused) and
     * returns its result: the way other threads read or change CPU state. Any thread.
     *
     * @throws IllegalStateException if the machine has shut down or the task threw
     */
    public <T> T callOnVcpu(Callable<T> task) {
        if (Thread.currentThread() == vcpuThread) {
            try {
                return task.call();
            } catch (Exception e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        }
        FutureTask<T> f = new FutureTask<>(task);
        vcpuTasks.add(f);
        if (shutdown) {
            f.cancel(false);
        }
        cpu.requestStop();
        kick();
        try {
            return f.get();
        } catch (CancellationException e) {
            throw new IllegalStateException("the machine has shut down");
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the vCPU");
        }
    }

    private void runVcpuTasks() {
        for (FutureTask<?> t; (t = vcpuTasks.poll()) != null; ) {
            t.run();
        }
    }

    /** Whether the run ended because the guest reset the machine under {@code -no-reboot}. */
    public boolean endedByReset() {
        return endedByReset;
    }

    /**
     * Waits until the vCPU thread is parked in a {@linkplain #pause() pause} (so that its CPU
     * state and guest memory stand still) or the run has ended, at most {@code timeoutNs};
     * returns whether it did. Any thread but the vCPU's.
     */
    public boolean awaitParked(long timeoutNs) throws InterruptedException {
        long end = System.nanoTime() + timeoutNs;
        synchronized (sleep) {
            while (!parked) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                sleep.wait(left / 1_000_000, (int) (left % 1_000_000));
            }
            return true;
        }
    }

    /** Runs until shutdown; returns the exit status. On the vCPU thread. */
    public int run() {
        vcpuThread = Thread.currentThread();
        try {
            return runSlices();
        } finally {
            shutdown = true;
            for (FutureTask<?> t; (t = vcpuTasks.poll()) != null; ) {
                t.cancel(false);
            }
            setParked(true);
        }
    }

    private void setParked(boolean value) {
        synchronized (sleep) {
            parked = value;
            sleep.notifyAll();
        }
    }

    private int runSlices() {
        setParked(false);
        while (!shutdown) {
            runVcpuTasks();
            if (paused) {
                if (resetRequested) {
                    // a monitor's system_reset of a stopped machine: reset it here, where the
                    // CPU state belongs, and stay stopped
                    resetRequested = false;
                    reset("reset requested");
                    continue;
                }
                setParked(true);
                sleepUntil(() -> !paused || !vcpuTasks.isEmpty(), Long.MAX_VALUE);
                setParked(false);
                continue;
            }
            Cpu.StopReason why = cpu.run(icount ? icountBudget() : SLICE);
            runTimers();
            switch (why) {
                case TRIPLE_FAULT -> reset("triple fault");
                case HALTED -> {
                    if (icount) {
                        idleInstructionCounted();
                    } else {
                        sleepUntil(this::haltEnds, timers.nextDeadlineNs());
                    }
                }
                case DEBUG -> {
                    pause();
                    debugStopListener.run();
                }
                case STOP_REQUESTED, BUDGET -> {
                    if (resetRequested) {
                        resetRequested = false;
                        reset("reset requested");
                    }
                }
            }
        }
        return exitStatus;
    }

    /**
     * With an instruction-counted clock: instructions until the next timer deadline (at least
     * one, at most a slice), so that the timer runs at the same instruction on every run.
     */
    private long icountBudget() {
        long deadline = timers.nextDeadlineNs();
        if (deadline == Long.MAX_VALUE) {
            return SLICE;
        }
        long left = deadline - timers.clock().nowNs();
        int shift = timers.clock().icountShift();
        long instructions = (left + (1L << shift) - 1) >> shift;
        return Math.max(1, Math.min(SLICE, instructions));
    }

    /**
     * A halted vCPU with an instruction-counted clock: no instruction runs until an
     * interrupt, so guest time jumps to the next timer deadline at once and the timers there
     * run (QEMU's icount with {@code sleep=off}); without a deadline it waits for the host
     * (a device's completion, console input, a request).
     */
    private void idleInstructionCounted() {
        if (haltEnds() || shutdown || resetRequested) {
            return;
        }
        long deadline = timers.nextDeadlineNs();
        if (deadline == Long.MAX_VALUE) {
            sleepUntil(this::haltEnds, Long.MAX_VALUE);
            return;
        }
        timers.clock().warpTo(deadline);
        runTimers();
    }

    /**
     * What ends a halted vCPU's sleep besides a request and its deadline: an interrupt, a
     * pause (which parks the vCPU at the top of the loop, so that the pausing thread sees it
     * stand still), or work for the vCPU thread.
     */
    private boolean haltEnds() {
        return cpu.interruptPending() || paused || !vcpuTasks.isEmpty();
    }

    private void runTimers() {
        if (timers.clock().nowNs() >= timers.nextDeadlineNs()) {
            bql.lock();
            try {
                timers.runExpired();
            } finally {
                bql.unlock();
            }
        }
    }

    private void reset(String why) {
        if (noReboot) {
            Log.log(LogCategory.CPU_RESET, why + ": shutting down (-no-reboot)");
            endRun(0, true);
            return;
        }
        Log.log(LogCategory.CPU_RESET, why + ": resetting the machine");
        bql.run(machineReset);
    }

    /** Sleeps until {@code done}, a request, or guest time {@code deadlineNs}. */
    private void sleepUntil(java.util.function.BooleanSupplier done, long deadlineNs) {
        synchronized (sleep) {
            while (!shutdown && !resetRequested && !done.getAsBoolean()) {
                long now = timers.clock().nowNs();
                if (!paused && now >= deadlineNs) {
                    return;
                }
                long waitNs = paused || deadlineNs == Long.MAX_VALUE ? 0 : deadlineNs - now;
                try {
                    if (waitNs == 0) {
                        sleep.wait();
                    } else {
                        sleep.wait(waitNs / 1_000_000, (int) (waitNs % 1_000_000));
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    requestShutdown(1);
                }
                deadlineNs = timers.nextDeadlineNs();
            }
        }
    }
}
