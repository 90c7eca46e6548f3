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
 * Other threads read and change CPU state with {@link #callOnVcpu}; a host debugger's
 * breakpoint pauses the guest and calls the {@linkplain #setDebugStopListener debug listener}.
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
    private final Object sleep = new Object();
    private volatile boolean shutdown;
    private volatile boolean resetRequested;
    private volatile boolean paused;
    private volatile int exitStatus;
    /** Work a debugger or monitor asked to run on the vCPU thread between slices. */
    private final ConcurrentLinkedQueue<FutureTask<?>> vcpuTasks =
            new ConcurrentLinkedQueue<>();
    private volatile Thread vcpuThread;
    private volatile Runnable debugStopListener = () -> { };

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
        cpu.setWakeup(this::kick);
        cpu.setTscClock(timers.clock()::nowNs);
        timers.setDeadlineListener(this::kick);
    }

    /** Ends the run; {@link #run()} returns {@code status}. Any thread. */
    public void requestShutdown(int status) {
        exitStatus = status;
        shutdown = true;
        cpu.requestStop();
        kick();
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

    /** Runs until shutdown; returns the exit status. On the vCPU thread. */
    public int run() {
        vcpuThread = Thread.currentThread();
        try {
            return runLoop();
        } finally {
            shutdown = true;
            for (FutureTask<?> t; (t = vcpuTasks.poll()) != null; ) {
                t.cancel(false);
            }
        }
    }

    private int runLoop() {
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
                sleepUntil(() -> !paused || !vcpuTasks.isEmpty(), Long.MAX_VALUE);
                continue;
            }
            Cpu.StopReason why = cpu.run(SLICE);
            runTimers();
            switch (why) {
                case TRIPLE_FAULT -> reset("triple fault");
                case HALTED -> sleepUntil(() -> cpu.interruptPending() || !vcpuTasks.isEmpty(), timers.nextDeadlineNs());
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
            exitStatus = 0;
            shutdown = true;
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
